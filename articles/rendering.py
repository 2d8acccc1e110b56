"""Markdown source to sanitised HTML: the only way article bodies become markup."""

import re

import nh3
from markdown_it import MarkdownIt
from mdit_py_plugins.deflist import deflist_plugin

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "cite", "code", "dd", "del", "dl", "dt", "em",
    "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd",
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
    )
    return _START_TAG.sub(_valid_start_tag, cleaned)


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


# CommonMark, as editors know it from elsewhere, with GitHub's tables and strikethrough,
# definition lists, and typographic quotes and dashes. markdown-it-py parses in linear
# time, so no body, however hostile, holds a request or an import for long.
_MARKDOWN = (
    MarkdownIt("commonmark", {"typographer": True})
    .enable(["table", "strikethrough", "replacements", "smartquotes"])
    .use(deflist_plugin)
)


def render_markdown(source: str) -> str:
    html = _MARKDOWN.render(source or "")
    # An h1 belongs to the page (the headline), so body headings start at h2.
    html = html.replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    return sanitise_html(html)
