"""A Ghost post's own document, `lexical` (Ghost 5 and later) or `mobiledoc` (Ghost 1 to 4),
rendered to HTML for a post exported without its `html`; the HTML then goes through
html_body.py like any other. Pure: text in, HTML and the names of what was skipped out.

Only what Ghost's editor writes is rendered: paragraphs, headings, lists, quotes, links,
text with its format, line breaks, rules, code and the common cards (image, gallery,
HTML, Markdown, bookmark, embed, callout, button, toggle, header, video, audio, file).
A card or node of another kind (a product, a signup form) is skipped and named in
`skipped`, its text kept when it has children holding text.
"""

import json
from collections import Counter
from dataclasses import dataclass, field
from html import escape

from markdown_it import MarkdownIt

# Far deeper than Ghost's editor nests anything, and far short of Python's recursion limit.
MAX_DEPTH = 100
# Lexical's text format bits, outermost tag first.
TEXT_FORMATS = (
    (1, "strong"),
    (2, "em"),
    (4, "s"),
    (8, "u"),
    (16, "code"),
    (32, "sub"),
    (64, "sup"),
    (128, "mark"),
)
# A section of mobiledoc names its tag; only these are written out as such.
MOBILEDOC_SECTION_TAGS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "aside"}
MOBILEDOC_MARKUP_TAGS = {"a", "b", "strong", "i", "em", "u", "s", "code", "sub", "sup", "mark"}
# Marks where a members-only post's public preview ends: no content of its own, and this
# site's articles are all read in full.
NOTHING_TO_RENDER = {"paywall"}
_MARKDOWN = MarkdownIt("commonmark")


class DocumentError(ValueError):
    """A document that cannot be read: not JSON, or not shaped as Ghost writes it."""


@dataclass
class Rendered:
    html: str
    # ("'product'", "card", a note) → how many: "2 'product' cards"
    skipped: Counter = field(default_factory=Counter)

    def skipped_text(self) -> str:
        return ", ".join(
            " ".join(filter(None, (str(count), name, noun + ("s" if count > 1 else "")))) + note
            for (name, noun, note), count in sorted(self.skipped.items())
        )


def render_lexical(source: str) -> Rendered:
    document = _load(source)
    root = document.get("root") if isinstance(document, dict) else None
    if not isinstance(root, dict):
        raise DocumentError('expected an object with a "root" node, as Ghost writes')
    renderer = _Lexical()
    html = renderer.children(root, 0)
    return Rendered(html, renderer.skipped)


def render_mobiledoc(source: str) -> Rendered:
    document = _load(source)
    if not isinstance(document, dict) or not isinstance(document.get("sections"), list):
        raise DocumentError('expected an object with "sections", as Ghost writes')
    return _Mobiledoc(document).render()


def _load(source: str):
    try:
        return json.loads(source)
    except ValueError as error:
        raise DocumentError(f"not valid JSON: {error}") from None
    except RecursionError:
        raise DocumentError("the JSON is nested too deeply") from None


def _text(value) -> str:
    return value if isinstance(value, str) else ""


def _attributes(**values) -> str:
    return "".join(f' {name}="{escape(value)}"' for name, value in values.items() if value)


# Cards, as both formats give them: a name and a payload -----------------------------------


def _figure(inner: str, caption) -> str:
    caption = _text(caption)  # HTML, as Ghost's editor writes it
    return f"<figure>{inner}<figcaption>{caption}</figcaption></figure>" if caption else inner


def _image(payload) -> str:
    src = _text(payload.get("src"))
    if not src:
        return ""
    alt, title = _text(payload.get("alt")), _text(payload.get("title"))
    image = f"<img{_attributes(src=src, alt=alt, title=title)}>"
    if href := _text(payload.get("href")):
        image = f"<a{_attributes(href=href)}>{image}</a>"
    return _figure(f"<p>{image}</p>", payload.get("caption"))


def _link_paragraph(url, text) -> str:
    url = _text(url)
    if not url:
        return ""
    return f"<p><a{_attributes(href=url)}>{escape(_text(text) or url)}</a></p>"


def _metadata_title(payload) -> str:
    metadata = payload.get("metadata")
    return _text(metadata.get("title")) if isinstance(metadata, dict) else ""


def _bookmark(payload) -> str:
    metadata = payload.get("metadata") if isinstance(payload.get("metadata"), dict) else {}
    link = _link_paragraph(payload.get("url"), _text(metadata.get("title")))
    description = _text(metadata.get("description"))
    if link and description:
        link += f"<p>{escape(description)}</p>"
    return _figure(link, payload.get("caption")) if link else ""


def _embed(payload) -> str:
    # An embedded player cannot live in a Markdown body; a link to what it showed can.
    # Without its address, its HTML goes on to html_body.py, which says what it drops.
    link = _link_paragraph(payload.get("url"), _metadata_title(payload))
    return _figure(link or _text(payload.get("html")), payload.get("caption"))


def _media(payload) -> str:
    title = payload.get("title") or payload.get("fileTitle") or payload.get("fileName")
    link = _link_paragraph(payload.get("src"), _text(title))
    return _figure(link, payload.get("caption")) if link else ""


def _code(payload) -> str:
    language = _text(payload.get("language"))
    css = _attributes(**{"class": f"language-{language}" if language else ""})
    block = f"<pre><code{css}>{escape(_text(payload.get('code')))}</code></pre>"
    return _figure(block, payload.get("caption"))


def _callout(payload) -> str:
    emoji = _text(payload.get("calloutEmoji"))
    text = _text(payload.get("calloutText"))  # HTML, a paragraph or a few
    # Markdown has no callout; a quote is the nearest thing it has.
    return f"<blockquote>{escape(emoji) + ' ' if emoji else ''}{text}</blockquote>"


def _toggle(payload) -> str:
    heading = _text(payload.get("heading"))  # HTML, as the content
    return f"<p><strong>{heading}</strong></p>{_text(payload.get('content'))}"


def _header(payload) -> str:
    header = _text(payload.get("header") or payload.get("heading"))
    sub = _text(payload.get("subheader") or payload.get("subheading"))
    button = ""
    if payload.get("buttonEnabled") or payload.get("buttonUrl"):
        button = _link_paragraph(payload.get("buttonUrl"), payload.get("buttonText"))
    return (f"<h2>{header}</h2>" if header else "") + (f"<p>{sub}</p>" if sub else "") + button


def _gallery(payload) -> str:
    images = payload.get("images") if isinstance(payload.get("images"), list) else []
    inner = "".join(
        _image({**image, "caption": None}) for image in images if isinstance(image, dict)
    )
    return _figure(inner, payload.get("caption")) if inner else ""


CARDS = {
    "image": _image,
    "gallery": _gallery,
    "html": lambda payload: _text(payload.get("html")),
    "markdown": lambda payload: _MARKDOWN.render(_text(payload.get("markdown"))),
    "bookmark": _bookmark,
    "embed": _embed,
    "callout": _callout,
    "button": lambda payload: _link_paragraph(payload.get("buttonUrl"), payload.get("buttonText")),
    "toggle": _toggle,
    "header": _header,
    "video": _media,
    "audio": _media,
    "file": _media,
    "code": _code,
    "codeblock": _code,
    "hr": lambda payload: "<hr>",
    "horizontalrule": lambda payload: "<hr>",
}
# Mobiledoc's older spellings.
CARDS["card-markdown"] = CARDS["markdown"]


# Lexical ------------------------------------------------------------------------------


class _Lexical:
    """Ghost's Lexical nodes, each a dict with its `type`; elements hold `children`."""

    def __init__(self):
        self.skipped: Counter = Counter()

    def children(self, node, depth) -> str:
        children = node.get("children")
        if not isinstance(children, list):
            return ""
        return "".join(self.node(child, depth + 1) for child in children)

    def node(self, node, depth) -> str:
        if depth > MAX_DEPTH:
            raise DocumentError(f"nodes nested more than {MAX_DEPTH} deep")
        if not isinstance(node, dict):
            self.skipped["", "node that is not an object", ""] += 1
            return ""
        kind = _text(node.get("type"))
        inner = lambda: self.children(node, depth)  # noqa: E731 - read only where used
        match kind:
            case "text" | "extended-text" | "code-highlight":
                return _formatted(escape(_text(node.get("text"))), node.get("format"))
            case "linebreak":
                return "<br>"
            case "tab":
                return "\t"
            case "paragraph":
                return f"<p>{inner()}</p>"
            case "heading" | "extended-heading":
                tag = node.get("tag") if node.get("tag") in MOBILEDOC_SECTION_TAGS else "h2"
                return f"<{tag}>{inner()}</{tag}>"
            case "quote" | "extended-quote" | "aside":
                return f"<blockquote>{inner()}</blockquote>"
            case "list":
                ordered = node.get("listType") == "number" or node.get("tag") == "ol"
                tag = "ol" if ordered else "ul"
                start = node.get("start")
                counted = ordered and isinstance(start, int) and start != 1
                start = _attributes(start=str(start) if counted else "")
                return f"<{tag}{start}>{inner()}</{tag}>"
            case "listitem":
                return f"<li>{inner()}</li>"
            case "link" | "autolink":
                return f"<a{_attributes(href=_text(node.get('url')))}>{inner()}</a>"
            case "code":  # Lexical's own code block, its lines as children
                return f"<pre><code>{inner()}</code></pre>"
            case _ if kind in NOTHING_TO_RENDER:
                self.skipped[f"{kind!r}", "marker", " (nothing to show)"] += 1
                return ""
            case _ if kind in CARDS:
                return CARDS[kind](node)
        text = inner()
        if text:
            self.skipped[f"{kind[:40]!r}", "node", " (its text kept)"] += 1
        else:  # Ghost's cards are the nodes without children
            self.skipped[f"{kind[:40]!r}", "card", ""] += 1
        return text


def _formatted(text: str, format_bits) -> str:
    if not isinstance(format_bits, int):
        return text
    for bit, tag in reversed(TEXT_FORMATS):
        if format_bits & bit:
            text = f"<{tag}>{text}</{tag}>"
    return text


# Mobiledoc ----------------------------------------------------------------------------


class _Mobiledoc:
    """Mobiledoc 0.3: sections of markers ([type, opened markups, closed count, value]),
    markups ([tag, [name, value, …]]), atoms ([name, text, payload]) and cards
    ([name, payload]), each referred to by its index."""

    def __init__(self, document):
        self.markups = _list(document.get("markups"))
        self.atoms = _list(document.get("atoms"))
        self.cards = _list(document.get("cards"))
        self.sections = document["sections"]
        self.skipped: Counter = Counter()

    def render(self) -> Rendered:
        return Rendered("".join(map(self.section, self.sections)), self.skipped)

    def section(self, section) -> str:
        if not isinstance(section, list) or not section:
            raise DocumentError("a section that is not a list")
        kind = section[0]
        if kind == 1 and len(section) >= 3:  # markup section: [1, tag, markers]
            tag = str(section[1]).lower()
            if tag not in MOBILEDOC_SECTION_TAGS:
                self.skipped[f"<{tag[:20]}>", "section", " (its text kept)"] += 1
                tag = "p"
            if tag == "aside":
                tag = "blockquote"
            return f"<{tag}>{self.markers(section[2])}</{tag}>"
        if kind == 2 and len(section) >= 2:  # image section: [2, src]
            return _image({"src": section[1]})
        if kind == 3 and len(section) >= 3:  # list section: [3, tag, items of markers]
            tag = "ol" if section[1] == "ol" else "ul"
            items = "".join(f"<li>{self.markers(item)}</li>" for item in _list(section[2]))
            return f"<{tag}>{items}</{tag}>"
        if kind == 10 and len(section) >= 2:  # card section: [10, card index]
            return self.card(section[1])
        self.skipped["", "section", f" of type {str(kind)[:20]}"] += 1
        return ""

    def card(self, index) -> str:
        card = _at(self.cards, index, "card")
        name = _text(card[0]) if card else ""
        payload = card[1] if len(card) > 1 and isinstance(card[1], dict) else {}
        if name in NOTHING_TO_RENDER:
            self.skipped[f"{name!r}", "marker", " (nothing to show)"] += 1
            return ""
        if name in CARDS:
            return CARDS[name](payload)
        self.skipped[f"{name[:40]!r}", "card", ""] += 1
        return ""

    def markers(self, markers) -> str:
        html, open_tags = [], []
        for marker in _list(markers):
            if not isinstance(marker, list) or len(marker) < 4:
                raise DocumentError("a marker that is not [type, markups, closed, value]")
            kind, opened, closed, value = marker[:4]
            for index in _list(opened):
                tag, attributes = self.markup(index)
                html.append(f"<{tag}{attributes}>")
                open_tags.append(tag)
            html.append(self.atom(value) if kind == 1 else escape(_text(value)))
            for _ in range(min(closed if isinstance(closed, int) else 0, len(open_tags))):
                html.append(f"</{open_tags.pop()}>")
        html.extend(f"</{tag}>" for tag in reversed(open_tags))
        return "".join(html)

    def markup(self, index) -> tuple[str, str]:
        markup = _at(self.markups, index, "markup")
        tag = str(markup[0]).lower() if markup else ""
        if tag not in MOBILEDOC_MARKUP_TAGS:
            self.skipped[f"<{tag[:20]}>", "markup", " (its text kept)"] += 1
            return "span", ""
        pairs = markup[1] if len(markup) > 1 and isinstance(markup[1], list) else []
        named = dict(zip(pairs[::2], pairs[1::2], strict=False))
        return tag, _attributes(href=_text(named.get("href"))) if tag == "a" else ""

    def atom(self, index) -> str:
        atom = _at(self.atoms, index, "atom")
        name = _text(atom[0]) if atom else ""
        if name == "soft-return":
            return "<br>"
        text = _text(atom[1]) if len(atom) > 1 else ""
        self.skipped[f"{name[:40]!r}", "atom", " (its text kept)" if text else ""] += 1
        return escape(text)


def _list(value) -> list:
    return value if isinstance(value, list) else []


def _at(items: list, index, what: str) -> list:
    if not isinstance(index, int) or not 0 <= index < len(items):
        raise DocumentError(f"a {what} index {str(index)[:20]} that is not in the document")
    item = items[index]
    return item if isinstance(item, list) else []
