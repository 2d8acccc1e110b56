"""The images a Markdown body shows, found and pointed elsewhere (figures.body_figures()
puts each in the figure library and points the body at its file).

Found with the renderer's own parser (rendering.py), so that an image written in a code
block, which readers see as text, is left alone; rewritten in the text itself, so that
the rest of the body stays exactly as written. Both spellings the renderer shows are read:
Markdown's `![alt](src "title")` and an HTML `<img src alt>` (Jekyll and Hugo posts hold
both). A caption is the title of a Markdown image, or the paragraph in italics alone under
it: what html_body.py writes for a <figcaption> (WordPress's [caption], Ghost's image cards).
"""

import html
import re
from dataclasses import dataclass

from ..rendering import markdown_parser

# An inline Markdown image: its alt (brackets may nest once), its source (bare or in <>),
# and a title in quotes or parentheses.
MARKDOWN_IMAGE = re.compile(
    r"!\[(?P<alt>(?:\\.|[^\\\[\]]|\[(?:\\.|[^\\\[\]])*\])*)\]\(\s*"
    r"(?:<(?P<angled>[^<>\n]*)>|(?P<bare>[^\s()<>]+(?:\([^\s()]*\)[^\s()<>]*)*))"
    r"(?P<rest>(?:\s+(?:\"(?:\\.|[^\"\\])*\"|'(?:\\.|[^'\\])*'|\((?:\\.|[^()\\])*\)))?\s*)\)"
)
HTML_IMAGE = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_ATTRIBUTE = re.compile(
    r"""\s(?P<name>[a-z-]+)\s*=\s*(?:"(?P<double>[^"]*)"|'(?P<single>[^']*)'|(?P<bare>[^\s>]+))""",
    re.IGNORECASE,
)
_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")


# Hugo's figure shortcode, {{< figure src="…" alt="…" caption="…" >}} (or {{% … %}}), and
# any other shortcode, which the renderer would show as written.
HUGO_SHORTCODE = re.compile(
    r"\{\{([<%])\s*(?P<name>/?[\w.-]+)(?P<params>.*?)\s*[>%]\}\}", re.DOTALL
)
_HUGO_PARAMETER = re.compile(
    r"""(?P<name>[\w-]+)\s*=\s*(?:"(?P<double>(?:\\.|[^"\\])*)"|`(?P<raw>[^`]*)`|(?P<bare>\S+))"""
)

_HUGO_ESCAPE = re.compile(r"\\(.)")


@dataclass(frozen=True)
class BodyImage:
    source: str  # as the renderer reads it (entities and escapes undone)
    alt: str = ""
    caption: str = ""


def images_in(body: str) -> list[BodyImage]:
    """Each distinct image the body shows, in order, with its alt text and caption."""
    found: dict[str, BodyImage] = {}
    blocks = markdown_parser().parse(body or "")
    for position, token in enumerate(blocks):
        if token.type == "html_block":
            for tag in HTML_IMAGE.finditer(token.content):
                _add(found, _html_image(tag[0]))
        if token.type != "inline":
            continue
        caption = _caption_after(blocks, position)
        for child in token.children or ():
            if child.type == "image":
                title = str(child.attrGet("title") or "")
                alt = "".join(c.content for c in child.children or () if c.type == "text")
                image = BodyImage(str(child.attrGet("src") or ""), alt, title or caption)
                _add(found, image)
            elif child.type == "html_inline":
                for tag in HTML_IMAGE.finditer(child.content):
                    _add(found, _html_image(tag[0]))
    return list(found.values())


def point_images(body: str, new_sources: dict[str, str]) -> str:
    """The body with each image whose source (as images_in() gives it) is a key of
    `new_sources` pointing at its value instead; nothing else changes."""
    if not new_sources:
        return body
    parser = markdown_parser()
    wanted = {parser.normalizeLink(source): new for source, new in new_sources.items()}
    in_code = _code_blocks(parser, body)

    def markdown_image(match):
        if in_code(match.start()):
            return match[0]
        source = _unescape(match["angled"] if match["angled"] is not None else match["bare"])
        new = wanted.get(parser.normalizeLink(source))
        if new is None:
            return match[0]
        return f"![{match['alt']}]({_destination(new)}{match['rest']})"

    def html_image(match):
        tag = match[0]
        if in_code(match.start()):
            return tag
        for attribute in _ATTRIBUTE.finditer(tag):
            if attribute["name"].lower() != "src":
                continue
            value = attribute["double"] or attribute["single"] or attribute["bare"] or ""
            new = wanted.get(parser.normalizeLink(html.unescape(value)))
            if new is None:
                return tag
            start, end = attribute.span()
            return f'{tag[:start]} src="{html.escape(new)}"{tag[end:]}'
        return tag

    return HTML_IMAGE.sub(html_image, MARKDOWN_IMAGE.sub(markdown_image, body))


def _code_blocks(parser, body: str):
    """Whether a position of the body is in a code block (shown as written)."""
    line_starts = [0]
    for line in body.splitlines(keepends=True):
        line_starts.append(line_starts[-1] + len(line))
    spans = [
        (line_starts[token.map[0]], line_starts[min(token.map[1], len(line_starts) - 1)])
        for token in parser.parse(body)
        if token.type in ("fence", "code_block") and token.map
    ]
    return lambda position: any(start <= position < end for start, end in spans)


def hugo_figures(body: str) -> tuple[str, list[str]]:
    """The body with Hugo's figure shortcodes as Markdown images (the caption, or the
    title, as the image's title and as an italic line under it, with the attribution);
    and the names of the other shortcodes, which stay as written."""
    others: list[str] = []

    def figure(match):
        if match["name"] != "figure":
            others.append(match["name"].lstrip("/"))
            return match[0]
        params = {
            found["name"].lower(): _HUGO_ESCAPE.sub(r"\1", found["double"] or "")
            or found["raw"]
            or found["bare"]
            or ""
            for found in _HUGO_PARAMETER.finditer(match["params"])
        }
        source = params.get("src", "").strip()
        if not source:
            others.append("figure (without src)")
            return match[0]
        alt = re.sub(r"([\\\[\]])", r"\\\1", params.get("alt", ""))
        caption = " ".join((params.get("caption") or params.get("title", "")).split())
        credit = params.get("attr", "").strip()
        if credit and params.get("attrlink"):
            credit = f"[{credit}]({_destination(params['attrlink'].strip())})"
        title = ' "' + caption.replace('"', '\\"') + '"' if caption else ""
        shown = f"![{alt}]({_destination(source)}{title})"
        under = " — ".join(part for part in (caption, credit) if part)
        return f"{shown}\n\n*{under}*\n" if under else shown

    body = HUGO_SHORTCODE.sub(figure, body)
    return body, list(dict.fromkeys(others))


def _add(found, image: BodyImage):
    if image.source and image.source not in found:
        found[image.source] = image


def _html_image(tag: str) -> BodyImage:
    attributes = {}
    for attribute in _ATTRIBUTE.finditer(tag):
        value = attribute["double"] or attribute["single"] or attribute["bare"] or ""
        attributes.setdefault(attribute["name"].lower(), html.unescape(value))
    title = attributes.get("title", "")
    return BodyImage(attributes.get("src", "").strip(), attributes.get("alt", ""), title)


def _caption_after(blocks, position) -> str:
    """The text of the paragraph after the one at `position` when this one is an image
    alone and that one is wholly in italics."""
    children = [c for c in blocks[position].children or () if c.type != "softbreak"]
    if len(children) != 1 or children[0].type != "image":
        return ""
    following = blocks[position + 2 : position + 4]
    if len(following) < 2 or following[0].type != "paragraph_open":
        return ""
    inline = following[1].children or []
    if len(inline) < 3 or inline[0].type != "em_open" or inline[-1].type != "em_close":
        return ""
    return " ".join("".join(c.content for c in inline if c.type == "text").split())


def _unescape(source: str) -> str:
    return html.unescape(_ESCAPED.sub(r"\1", source))


def _destination(source: str) -> str:
    return f"<{source}>" if re.search(r"[\s()<>]", source) else source
