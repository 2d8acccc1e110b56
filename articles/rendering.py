"""Markdown source to sanitised HTML: the only way article bodies become markup."""

import re
from html import escape, unescape

import nh3
from markdown_it import MarkdownIt
from markdown_it.common import html_re
from markdown_it.rules_block import html_block
from mdit_py_plugins.deflist import deflist_plugin

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "dl", "dt",
    "em", "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd",
    "li", "mark", "ol", "p", "pre", "q", "s", "small", "strong", "sub", "sup", "table",
    "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start"},
    "code": {"class"},
}
# Elements the sanitiser removes while keeping their content, and that the HTML parser reads
# as ordinary elements: pasted HTML wrapped in them loses nothing.
UNWRAPPED_TAGS = {
    "address", "article", "aside", "bdi", "bdo", "big", "center", "col", "colgroup", "data",
    "details", "dfn", "div", "font", "footer", "h1", "header", "hgroup", "main", "nav", "rp",
    "rt", "ruby", "samp", "section", "span", "strike", "summary", "time", "tt", "var", "wbr",
}  # fmt: skip
# Raw HTML in a body is markup only when it is a tag of one of these; anything else is shown
# as written. The HTML parser swallows what follows other constructs: everything after an
# unclosed <style>, <xmp>, <plaintext> or <!-- (and the sanitiser drops the content of
# <script>, <style>, <template>, comments...), so the words after them would vanish without
# the editor being told, and a name such as <John Smith> would be dropped as a tag.
MARKUP_TAGS = ALLOWED_TAGS | UNWRAPPED_TAGS
# Column alignment, which markdown-it writes as a style attribute: a class instead, for the
# sanitiser removes style (and a Content-Security-Policy would refuse it).
CELL_ALIGNMENTS = {"left", "center", "right"}
ALLOWED_CLASSES = {
    cell: {f"align-{alignment}" for alignment in CELL_ALIGNMENTS} for cell in ("th", "td")
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "noopener noreferrer nofollow"
# Images in a body come after the headline and the lead figure: never in the first screen.
BODY_IMAGE_ATTRIBUTES = {"loading": "lazy", "decoding": "async"}

# nh3 serialises every attribute as name="value" with `"` and `>` escaped, so a start tag
# of its output is matched exactly by this pattern.
_START_TAG = re.compile(r'<(a|img)((?: [a-z-]+="[^"]*")*)>')
# A path on this site ("/articles/…", "#notes"), not "//other.example/…".
_SITE_LINK = re.compile(r' href="(?:/(?!/)|#)')


def sanitise_html(html: str) -> str:
    """Strip everything that could run script or embed another page; what is left is
    valid HTML."""
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        set_tag_attribute_values={"img": BODY_IMAGE_ATTRIBUTES},
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
        allowed_classes=ALLOWED_CLASSES,
    )
    return _in_scroll_regions(_START_TAG.sub(_valid_start_tag, cleaned))


# nh3 writes <table> and <pre> bare (they have no allowed attribute), and a table's caption,
# when it is the first thing in the table, right after <table>.
_TABLE_START = re.compile(r"<table>(\s*<caption>(.*?)</caption>)?", re.DOTALL)
_TAG_IN_CAPTION = re.compile(r"<[^>]*>")


def _in_scroll_regions(html: str) -> str:
    """Every table in a region of its own, which scrolls sideways when the table is wider
    than the column (instead of the page). What scrolls must be reachable by keyboard (a
    code block too), and a region is named: "Table 2", with its caption if it has one."""
    numbers = iter(range(1, html.count("<table>") + 1))

    def region(match):
        label = f"Table {next(numbers)}"
        if match[2] is not None:
            caption = " ".join(unescape(_TAG_IN_CAPTION.sub("", match[2])).split())
            label = f"{label}: {caption}" if caption else label
        return (
            f'<div class="table-scroll" role="region" tabindex="0" '
            f'aria-label="{escape(label, quote=True)}">{match[0]}'
        )

    html = _TABLE_START.sub(region, html).replace("</table>", "</table></div>")
    return html.replace("<pre>", '<pre tabindex="0">')


def _valid_start_tag(match):
    """HTML requires alt on every <img> (pasted HTML may have none: the image is then
    treated as decorative) and allows rel only on a link with an href (nh3 removes a
    javascript: href but still adds rel). Links within the site are followed like any
    other link of ours: rel is for other sites."""
    name, attributes = match.groups()
    if name == "img" and ' alt="' not in attributes:
        attributes += ' alt=""'
    elif name == "a" and (' href="' not in attributes or _SITE_LINK.search(attributes)):
        attributes = attributes.replace(f' rel="{LINK_REL}"', "")
    return f"<{name}{attributes}>"


# A start or end tag as CommonMark reads one (attributes may span lines).
_TAG = re.compile(f"{html_re.open_tag}|{html_re.close_tag}")
_TAG_NAME = re.compile(r"</?([A-Za-z][A-Za-z0-9-]*)")
# Openers of comments, CDATA, processing instructions and declarations, which CommonMark
# leaves as text when they are not closed.
_HIDDEN_OPENER = re.compile(r"<[!?]")
SHOWN_MARKUP_MAX_CHARS = 40


def _markup_tag_at(html: str, index: int) -> int | None:
    """The end of the tag of MARKUP_TAGS starting at `index`, or None when whatever starts
    there will be shown as text."""
    tag = _TAG.match(html, index)
    if tag and _TAG_NAME.match(tag[0])[1].lower() in MARKUP_TAGS:
        return tag.end()
    return None


def _shown_as_text(html: str):
    """Positions of the `<` in raw HTML that do not open a tag of MARKUP_TAGS."""
    index = html.find("<")
    while index != -1:
        end = _markup_tag_at(html, index)
        if end is None:
            yield index
            end = index + 1
        index = html.find("<", end)


def _keep_text(html: str) -> str:
    """Raw HTML with every `<` that is not a tag of MARKUP_TAGS escaped, so that the
    parser reads what follows as text."""
    parts, start = [], 0
    for index in _shown_as_text(html):
        parts.append(html[start:index])
        parts.append("&lt;")
        start = index + 1
    parts.append(html[start:])
    return "".join(parts)


def _html_block(state, start_line, end_line, silent):
    """CommonMark's HTML block, only when it opens with a tag of MARKUP_TAGS. Anything
    else (<style>, <!--, <?...) is read as a paragraph: otherwise it runs to its closing
    sequence, to the end of the body when there is none, and no Markdown after it would
    be read."""
    start = state.bMarks[start_line] + state.tShift[start_line]
    if _markup_tag_at(state.src, start) is None:
        return False
    return html_block(state, start_line, end_line, silent)


def _render_raw_html(self, tokens, index, options, env):
    return _keep_text(tokens[index].content)


def _render_cell_open(self, tokens, index, options, env):
    """A table cell's alignment as a class of ALLOWED_CLASSES, not a style."""
    cell = tokens[index]
    style = cell.attrs.pop("style", None)
    alignment = str(style or "").removeprefix("text-align:")
    if alignment in CELL_ALIGNMENTS:
        cell.attrSet("class", f"align-{alignment}")
    return self.renderToken(tokens, index, options, env)


# CommonMark, as editors know it from elsewhere, with GitHub's tables and strikethrough,
# definition lists, and typographic quotes and dashes. markdown-it-py parses in linear
# time, so no body, however hostile, holds a request or an import for long.
_MARKDOWN = (
    MarkdownIt("commonmark", {"typographer": True})
    .enable(["table", "strikethrough", "replacements", "smartquotes"])
    .use(deflist_plugin)
)
_MARKDOWN.block.ruler.at(
    "html_block", _html_block, {"alt": ["paragraph", "reference", "blockquote"]}
)
_MARKDOWN.add_render_rule("html_block", _render_raw_html)
_MARKDOWN.add_render_rule("html_inline", _render_raw_html)
_MARKDOWN.add_render_rule("th_open", _render_cell_open)
_MARKDOWN.add_render_rule("td_open", _render_cell_open)


def markdown_parser() -> MarkdownIt:
    """The parser bodies are rendered with: what reads a body as readers will see it."""
    return _MARKDOWN


def render_markdown(source: str) -> str:
    html = _MARKDOWN.render(source or "")
    # An h1 belongs to the page (the headline), so body headings start at h2.
    html = html.replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    return sanitise_html(html)


def markup_shown_as_text(source: str) -> list[tuple[int, str]]:
    """(line, markup) for each piece of HTML in a body that readers see as text, as
    written, because the site does not keep it as markup: what the editor should hear of."""
    found = []
    for token in _MARKDOWN.parse(source or ""):
        if token.map is None:
            continue
        line = token.map[0] + 1
        if token.type == "html_block":
            found.extend(_shown_in(token.content, line, every_tag=True))
        for child in token.children or ():
            if child.type in ("html_inline", "text"):
                every_tag = child.type == "html_inline"
                found.extend(_shown_in(child.content, line, every_tag=every_tag))
            if child.type in ("softbreak", "hardbreak"):
                line += 1
            elif child.type == "html_inline":
                line += child.content.count("\n")
    return found


def _shown_in(html, first_line, *, every_tag):
    """(line, markup) in raw HTML, or in text where only comment-like openers count:
    "a < b" in a sentence is no markup."""
    line, counted_to = first_line, 0
    for index in _shown_as_text(html):
        if not (_HIDDEN_OPENER.match(html, index) or every_tag and _TAG_NAME.match(html, index)):
            continue
        line += html.count("\n", counted_to, index)
        counted_to = index
        # Only a short piece is shown, so look no further: an unclosed comment would
        # otherwise be read to the end at every `<` after it.
        window = index + 4 * SHOWN_MARKUP_MAX_CHARS
        construct = html_re.HTML_TAG_RE.match(html, index, window)
        if construct:
            shown = construct[0]
        else:
            line_end = html.find("\n", index, window)
            shown = html[index : window if line_end == -1 else line_end]
        shown = " ".join(shown.split())
        if len(shown) > SHOWN_MARKUP_MAX_CHARS:
            shown = shown[: SHOWN_MARKUP_MAX_CHARS - 1] + "…"
        yield line, shown
