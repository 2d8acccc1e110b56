"""How long a figure's renditions take to make, and how many bytes they save.

    .venv/bin/python bench/bench_renditions.py [--runs 5] [--size 4000x3000]

Makes camera-sized JPEGs in memory (a smooth, photograph-like one and a noisy worst case),
then times the upload path Figure.save() runs: inspect_image, strip_private_metadata and
make_renditions (the full set: 4 widths x WebP and JPEG).
"""

import argparse
import io
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")

import django  # noqa: E402

django.setup()

from PIL import Image, ImageChops, ImageFilter  # noqa: E402

from articles import images  # noqa: E402


def photo_like(size, *, noisy):
    """Deterministic test pictures: smooth shapes and gradients, or the same drowned in noise."""
    shapes = Image.effect_mandelbrot(size, (-2.2, -1.2, 0.8, 1.05), 200)
    noise = Image.effect_noise(size, 40 if noisy else 8)
    if not noisy:
        shapes = shapes.filter(ImageFilter.GaussianBlur(1.5))
    horizontal = Image.linear_gradient("L").resize(size)
    radial = Image.radial_gradient("L").resize(size)
    image = Image.merge(
        "RGB",
        [
            ImageChops.add(shapes, noise, 1.3),
            ImageChops.add(horizontal, shapes, 2),
            ImageChops.add(radial, noise, 1.2),
        ],
    )
    exif = Image.Exif()
    exif[0x0110] = "Bench Camera"
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90, exif=exif)
    return buffer.getvalue()


def timed(function, runs):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return result, times


def report(label, data, runs):
    with Image.open(io.BytesIO(data)) as image:
        size = image.size
    print(f"\n{label}: {size[0]}x{size[1]} JPEG, {len(data):,} bytes")
    _, inspect_times = timed(lambda: images.inspect_image(data, max_pixels=10**9), runs)
    stripped, strip_times = timed(lambda: images.strip_private_metadata(data), runs)
    made, make_times = timed(lambda: images.make_renditions(stripped), runs)
    mean = statistics.mean(make_times)
    print(
        f"  make_renditions, full set of {len(made)}: mean {mean * 1000:.0f} ms, "
        f"min {min(make_times) * 1000:.0f} ms over {runs} runs "
        f"-> {len(made) / mean:.1f} renditions/s, {1 / mean:.2f} figures/s"
    )
    upload = statistics.mean(inspect_times) + statistics.mean(strip_times) + mean
    print(
        f"  upload path per figure (inspect {statistics.mean(inspect_times) * 1000:.0f} ms"
        f" + strip metadata {statistics.mean(strip_times) * 1000:.0f} ms + renditions): "
        f"{upload * 1000:.0f} ms"
    )
    by_width = {}
    for rendition in made:
        by_width.setdefault(rendition.width, {})[rendition.format] = len(rendition.data)
    for width, sizes in sorted(by_width.items()):
        saved = 1 - sizes["webp"] / sizes["jpeg"]
        print(
            f"  {width:>5}w  JPEG {sizes['jpeg']:>9,} B  WebP {sizes['webp']:>9,} B"
            f"  (WebP {saved:.0%} smaller)"
        )
    total = sum(len(rendition.data) for rendition in made)
    social = by_width.get(images.SOCIAL_WIDTH, by_width[max(by_width)])
    print(
        f"  all renditions {total:,} B; a reader on a 1200-px slot gets "
        f"{social['webp']:,} B of WebP instead of the {len(stripped):,} B original "
        f"({1 - social['webp'] / len(stripped):.1%} saved)"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--size", default="4000x3000", help="WIDTHxHEIGHT of the test JPEG")
    options = parser.parse_args()
    size = tuple(int(part) for part in options.size.lower().split("x"))
    print(f"Pillow {Image.__version__}, {os.cpu_count()} CPUs visible")
    report("photograph-like", photo_like(size, noisy=False), options.runs)
    report("noisy (worst case)", photo_like(size, noisy=True), options.runs)


if __name__ == "__main__":
    main()
