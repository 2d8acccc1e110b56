"""HTML article bodies (a static site's .html posts, a WordPress or Ghost export's posts)
turned into the Markdown the body field holds, with markdownify: kept as HTML, most of it
would be shown as written, since the renderer reads only a few tags as markup
(rendering.MARKUP_TAGS), and editors would have HTML to edit in a Markdown field.

What Markdown cannot carry (scripts, embedded players, forms, comments) is taken out
before the conversion and named in a warning, never dropped in silence; what it can
(headings, emphasis, links, lists, quotes, code, tables, images, captions) comes through,
and an embedded player or map (an <iframe>) leaves a link to what it embedded.
"""

import html as html_entities
import re
from dataclasses import dataclass, field

from bs4 import BeautifulSoup, Comment, Tag
from markdownify import MarkdownConverter

from ..rendering import ALLOWED_URL_SCHEMES
from .problems import Problem, refuse

HTML_SUFFIXES = (".html", ".htm")
# Elements whose content a Markdown body cannot hold; their source, when they embed one,
# is named in the warning so that an editor can put it back by hand.
NOT_KEPT = (
    "script", "style", "iframe", "embed", "object", "audio", "video", "canvas", "svg",
    "math", "form", "noscript", "template",
)  # fmt: skip
_SOURCE_ATTRIBUTES = ("src", "data", "data-src")
_SCHEME = re.compile(r"^\s*([a-z][a-z0-9+.-]*):", re.IGNORECASE)
# The converter recurses into each element: far deeper than any page is written, and far
# short of Python's recursion limit.
MAX_HTML_NESTING = 100
_BLANK_LINES = re.compile(r"\n{3,}")
_NEEDS_ANGLES = re.compile(r"[\s()<>]")
# The block editors' own markup (`<!-- wp:paragraph -->`, `<!--kg-card-begin: html-->`):
# taken out unnamed, being no part of what the author wrote.
EDITOR_COMMENT = re.compile(r"<!--\s*(?:/?wp:|kg-card-).*?-->", re.DOTALL)


class _Converter(MarkdownConverter):
    def convert_figcaption(self, el, text, parent_tags):
        # A caption as its own line, in italics, under the image it belongs to.
        text = " ".join(text.split())
        return f"\n\n*{text}*\n\n" if text else ""

    def convert_img(self, el, text, parent_tags):
        # Lazy-loading plugins put the real source in data-src, a placeholder in src.
        lazy = el.attrs.get("data-src") or el.attrs.get("data-lazy-src")
        if lazy and (not el.attrs.get("src") or el.attrs["src"].startswith("data:")):
            el.attrs["src"] = lazy
        # A source with spaces or brackets in <>, brackets in the alt escaped: written
        # bare, Markdown would not read them as an image (nor figures.body_figures()).
        src = el.attrs.get("src") or ""
        if _NEEDS_ANGLES.search(src):
            el.attrs["src"] = "<" + src.replace("<", "%3C").replace(">", "%3E") + ">"
        alt = el.attrs.get("alt") or ""
        el.attrs["alt"] = re.sub(r"([\\\[\]])", r"\\\1", alt)
        return super().convert_img(el, text, parent_tags)

    def escape(self, text, parent_tags):
        # Text that reads as a tag ("&lt;b&gt;" in the HTML) stays text in the Markdown.
        return super().escape(text, parent_tags).replace("<", "&lt;")


def _code_language(pre) -> str:
    """The language a code block names, as Ghost and WordPress's highlighters do:
    `<pre><code class="language-python">`, kept on the Markdown fence."""
    for element in (pre, pre.find("code")):
        for css_class in (element.get("class") or []) if element else []:
            if css_class.startswith("language-") and _FENCE_LANGUAGE.match(css_class[9:]):
                return css_class[9:]
    return ""


_FENCE_LANGUAGE = re.compile(r"^[\w+#.-]{1,40}$")
_CONVERTER = _Converter(
    heading_style="ATX",
    bullets="-",
    newline_style="backslash",
    code_language_callback=_code_language,
)


@dataclass
class HtmlBody:
    markdown: str
    title: str = ""  # the page's <title>, or its first <h1> (taken out of the body)
    warnings: list[Problem] = field(default_factory=list)


def html_to_markdown(html: str, *, take_title: bool = False) -> HtmlBody:
    """The body as Markdown. With `take_title`, a whole page's <title> (or, failing that,
    a first <h1>, then removed from the body) is handed back for a file without one."""
    soup = BeautifulSoup(EDITOR_COMMENT.sub("", html), "html.parser")
    _refuse_deep_nesting(soup)
    title = ""
    if take_title:
        found = soup.find(lambda tag: tag.name == "title" and tag.find_parent("svg") is None)
        if found is None or not found.get_text(strip=True):
            found = soup.find("h1")
        if found is not None:
            title = " ".join(found.get_text().split())
            found.decompose()
    for head in soup.find_all("head"):
        head.decompose()  # a whole page's metadata: not the article's text
    body = HtmlBody("", title)
    dropped, linked = _take_out_what_markdown_cannot_hold(soup)
    if dropped:
        body.warnings.append(
            Problem("body", "HTML a Markdown body cannot hold was not kept: " + ", ".join(dropped))
        )
    if linked:
        # Not lost, but no longer embedded: an editor may want the player back.
        frames = f"{len(linked)} <iframe>" + ("" if len(linked) == 1 else "s")
        body.warnings.append(
            Problem("body", f"{frames} kept as a link to what it embedded: " + " ".join(linked))
        )
    markdown = _CONVERTER.convert_soup(soup)
    body.markdown = _BLANK_LINES.sub("\n\n", markdown).strip()
    return body


def _refuse_deep_nesting(soup):
    pending = [(soup, 0)]
    while pending:
        element, depth = pending.pop()
        if depth > MAX_HTML_NESTING:
            raise refuse("body", f"the HTML is nested more than {MAX_HTML_NESTING} elements deep")
        pending.extend((child, depth + 1) for child in element.children if isinstance(child, Tag))


def _take_out_what_markdown_cannot_hold(soup) -> tuple[list[str], list[str]]:
    """What was dropped (counts of elements, sources they embedded), and the sources of
    the <iframe>s left as links."""
    counts: dict[str, int] = {}
    sources: list[str] = []
    linked: list[str] = []
    for element in soup.find_all(NOT_KEPT):
        if element.decomposed:  # inside one taken out already
            continue
        source = next((element.get(name) for name in _SOURCE_ATTRIBUTES if element.get(name)), "")
        if element.name == "iframe" and _web_address(source):
            linked.append(str(source)[:100])
            element.replace_with(_link_to(soup, element, source))
            continue
        counts[element.name] = counts.get(element.name, 0) + 1
        if source:
            sources.append(str(source)[:100])
        element.decompose()
    comments = soup.find_all(string=lambda text: isinstance(text, Comment))
    for comment in comments:
        comment.extract()
    # Markdown would keep such a link as written, brackets and all, the renderer refusing it.
    unsafe_links = [link for link in soup.find_all("a", href=True) if _unsafe(link["href"])]
    for link in unsafe_links:
        link.unwrap()
    dropped = [f"{count} <{name}>" for name, count in counts.items()]
    if comments:
        dropped.append(f"{len(comments)} comment{'' if len(comments) == 1 else 's'}")
    if unsafe_links:
        schemes = sorted({_SCHEME.match(link["href"])[1].lower() + ":" for link in unsafe_links})
        addresses = "address" if len(unsafe_links) == 1 else "addresses"
        dropped.append(
            f"{len(unsafe_links)} link {addresses} ({', '.join(schemes)}; the text is kept)"
        )
    if sources:
        dropped.append("sources: " + " ".join(sources))
    return dropped, linked


def _web_address(source) -> bool:
    return str(source).startswith(("https://", "http://"))


def _link_to(soup, iframe, source):
    """A paragraph linking to what an <iframe> embedded (a video, a map): readers can
    still follow it, where Markdown cannot embed it."""
    paragraph = soup.new_tag("p")
    link = soup.new_tag("a", href=str(source))
    link.string = iframe.get("title") or "Embedded content"
    paragraph.append(link)
    return paragraph


def text_of_html(html: str) -> str:
    """The text of a short piece of HTML (an excerpt, a caption) on one line."""
    return " ".join(html_entities.unescape(re.sub(r"<[^>]*>", " ", html)).split())


def _unsafe(href: str) -> bool:
    scheme = _SCHEME.match(href)
    return bool(scheme) and scheme[1].lower() not in ALLOWED_URL_SCHEMES
