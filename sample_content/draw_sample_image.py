"""Draw the sample articles' lead image (sample_content/images/fields-under-a-blue-sky.jpg).

An illustration made with Pillow for the Newsroom project, dedicated to the public domain
(CC0 1.0) like the rest of the sample content's pictures. Run it again to remake the file:

    .venv/bin/python sample_content/draw_sample_image.py
"""

import math
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

WIDTH, HEIGHT = 1600, 900
HORIZON = int(HEIGHT * 0.56)
OUTPUT = Path(__file__).resolve().parent / "images" / "fields-under-a-blue-sky.jpg"


def mix(a, b, t):
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b, strict=True))


def sky(image):
    draw = ImageDraw.Draw(image)
    top, bottom = (24, 64, 128), (164, 203, 236)
    for y in range(HORIZON + 40):
        draw.line([(0, y), (WIDTH, y)], fill=mix(top, bottom, (y / (HORIZON + 40)) ** 0.8))


def sun(image):
    # Transparent pixels of the glow's own colour: blurring towards black would grey it.
    glow = Image.new("RGBA", image.size, (255, 236, 170, 0))
    draw = ImageDraw.Draw(glow)
    x, y = int(WIDTH * 0.74), int(HEIGHT * 0.27)
    for radius, alpha in ((230, 40), (150, 70), (95, 120)):
        draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=(255, 236, 170, alpha))
    glow = glow.filter(ImageFilter.GaussianBlur(40))
    ImageDraw.Draw(glow).ellipse([x - 62, y - 62, x + 62, y + 62], fill=(255, 246, 214, 255))
    image.alpha_composite(glow)


PUFFS = ((0, 0, 120, 34), (-80, 12, 80, 26), (85, 10, 90, 28), (20, -18, 70, 30))


def clouds(image):
    layer = Image.new("RGBA", image.size, (255, 255, 255, 0))
    draw = ImageDraw.Draw(layer)
    for cx, cy, scale in ((260, 150, 1.0), (610, 95, 0.7), (1440, 120, 0.6), (930, 360, 0.45)):
        for dx, dy, rx, ry in PUFFS:
            x, y = cx + dx * scale, cy + dy * scale
            draw.ellipse([x - rx * scale, y - ry * scale, x + rx * scale, y + ry * scale],
                         fill=(255, 255, 255, 150))  # fmt: skip
    image.alpha_composite(layer.filter(ImageFilter.GaussianBlur(14)))


def ridge(base, waves, x):
    return base + sum(height * math.sin(x / length + phase) for height, length, phase in waves)


def hills(image):
    draw = ImageDraw.Draw(image)
    layers = [  # far to near: (base height, waves, colour)
        (HORIZON - 18, [(14, 140, 0.3), (8, 61, 1.1)], (108, 146, 134)),
        (HORIZON + 10, [(18, 210, 2.0), (6, 75, 0.4)], (150, 168, 92)),
        (HORIZON + 60, [(26, 260, 4.1), (9, 90, 2.2)], (224, 186, 78)),
        (HORIZON + 150, [(30, 330, 1.3), (10, 120, 5.0)], (214, 165, 60)),
    ]
    for base, waves, colour in layers:
        outline = [(x, ridge(base, waves, x)) for x in range(0, WIDTH + 8, 8)]
        draw.polygon([*outline, (WIDTH, HEIGHT), (0, HEIGHT)], fill=colour)
    # Furrows of the nearest field, running towards a point beyond the horizon.
    near_base, near_waves, _ = layers[-1]
    vanishing = (WIDTH * 0.42, HORIZON - 120)
    for n in range(-14, 30):
        foot = (n * 70, HEIGHT + 40)
        points = []
        for step in range(41):
            t = step / 40
            x = foot[0] + (vanishing[0] - foot[0]) * t
            y = foot[1] + (vanishing[1] - foot[1]) * t
            if y < ridge(near_base, near_waves, x) + 6:
                break
            points.append((x, y))
        if len(points) > 1:
            draw.line(points, fill=(190, 140, 48), width=3)


def main():
    image = Image.new("RGBA", (WIDTH, HEIGHT))
    sky(image)
    sun(image)
    clouds(image)
    hills(image)
    picture = image.convert("RGB").filter(ImageFilter.GaussianBlur(0.8))
    OUTPUT.parent.mkdir(exist_ok=True)
    picture.save(OUTPUT, "JPEG", quality=82, optimize=True, progressive=True)
    print(f"{OUTPUT}: {OUTPUT.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
