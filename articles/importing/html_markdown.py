"""WordPress and Ghost post HTML to the Markdown article bodies are written in.

markdownify does the conversion; what is here is what WordPress adds around HTML: block
editor comments (`<!-- wp:paragraph -->`), the classic editor's paragraphs written as
blank lines (WordPress adds the <p> tags only when it shows a post) and its [caption]
shortcode.
"""

import html as html_entities
import re

from markdownify import MarkdownConverter

BLOCK_COMMENT = re.compile(r"<!--\s*/?wp:.*?-->", re.DOTALL)
CAPTION_SHORTCODE = re.compile(
    r"\[caption[^\]]*\]\s*(?P<image>(?:<a [^>]*>\s*)?<img [^>]*>(?:\s*</a>)?)\s*"
    r"(?P<caption>.*?)\[/caption\]",
    re.DOTALL | re.IGNORECASE,
)
SHORTCODE = re.compile(r"\[(?P<close>/)?(?P<name>[a-z][\w-]*)(?P<attributes>\s[^\]]*)?\]", re.I)
# Shortcodes WordPress itself has; others are told from text in brackets ("[sic]") by
# their attributes or closing tag.
WORDPRESS_SHORTCODES = {"audio", "embed", "gallery", "playlist", "video"}
# Elements that start a block: a line holding one is not wrapped in a paragraph.
BLOCK_START = re.compile(
    r"^\s*<(?:p|div|h[1-6]|ul|ol|li|blockquote|pre|table|figure|hr|dl|section|iframe|"
    r"script|style|form|address|aside|article|header|footer|nav)\b",
    re.IGNORECASE,
)
PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
EXTRA_BLANK_LINES = re.compile(r"\n{3,}")


class _Converter(MarkdownConverter):
    def convert_figcaption(self, el, text, parent_tags):
        # A caption as its own line, in italics, under the image it belongs to.
        text = " ".join(text.split())
        return f"\n\n*{text}*\n\n" if text else ""

    def convert_iframe(self, el, text, parent_tags):
        # An embedded video or map: a link to it, rather than nothing.
        source = el.get("src", "")
        if not source.startswith(("https://", "http://")):
            return ""
        return f"\n\n[{el.get('title') or 'Embedded content'}]({source})\n\n"

    def convert_form(self, el, text, parent_tags):
        return ""  # a newsletter sign-up or a search box: the old site's furniture

    convert_noscript = convert_template = convert_form

    def escape(self, text, parent_tags):
        # Text that reads as a tag ("&lt;b&gt;" in the HTML) stays text in the Markdown.
        return super().escape(text, parent_tags).replace("<", "&lt;")


_CONVERTER = _Converter(
    heading_style="ATX",
    bullets="-",
    escape_misc=False,
    newline_style="backslash",
)


def html_to_markdown(html: str) -> str:
    """Markdown for a post's HTML: headings as `##`, no HTML left over."""
    if not html or not html.strip():
        return ""
    html = BLOCK_COMMENT.sub("", html)
    html = CAPTION_SHORTCODE.sub(
        r"<figure>\g<image><figcaption>\g<caption></figcaption></figure>", html
    )
    if "<p" not in html.lower():
        html = _paragraphs(html)
    markdown = _CONVERTER.convert(html)
    return EXTRA_BLANK_LINES.sub("\n\n", markdown).strip()


def text_of_html(html: str) -> str:
    """The text of a short piece of HTML (an excerpt, a caption) on one line."""
    return " ".join(html_entities.unescape(re.sub(r"<[^>]*>", " ", html)).split())


def shortcodes_in(html: str) -> list[str]:
    """Names of the WordPress shortcodes ([gallery], [embed]…) left in a post: shown as
    text, so the report names them."""
    names = {
        match["name"].lower()
        for match in SHORTCODE.finditer(BLOCK_COMMENT.sub("", html))
        if match["close"]
        or "=" in (match["attributes"] or "")
        or match["name"].lower() in WORDPRESS_SHORTCODES
    }
    return sorted(names - {"caption"})


def _paragraphs(html: str) -> str:
    """The classic editor's text, with the <p> and <br> WordPress adds when it shows it."""
    paragraphs = []
    for chunk in PARAGRAPH_BREAK.split(html.strip()):
        if BLOCK_START.match(chunk):
            paragraphs.append(chunk)
        else:
            paragraphs.append("<p>" + chunk.strip().replace("\n", "<br>\n") + "</p>")
    return "\n\n".join(paragraphs)
