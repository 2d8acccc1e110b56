import html
import json

from django import template
from django.template.defaultfilters import date as date_filter
from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime

from .. import metadata
from ..models import strip_control_characters

register = template.Library()

# JSON-LD must stay inside its <script>: json.dumps leaves "<", ">" and "&" as they are,
# so "</script>" in a headline would end the element. Django's json_script does the same
# escaping but emits type="application/json", which is not JSON-LD.
_JSON_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


@register.simple_tag
def json_ld(data):
    """The JSON-LD <script>. It carries no nonce: a script of another type than JavaScript
    is a data block, which browsers neither run nor check against the
    Content-Security-Policy; and a nonce in a page kept by a cache would be the same for
    every reader, which is no nonce at all."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return mark_safe(  # noqa: S308 - every character that could close the element is escaped
        f'<script type="application/ld+json">{text.translate(_JSON_SCRIPT_ESCAPES)}</script>'
    )


@register.filter
def iso8601(value):
    """The machine-readable form of a date, identical in <time>, JSON-LD, feeds and sitemaps."""
    return metadata.iso_datetime(value) if value else ""


@register.filter
def xml_text(value):
    """Text for an XML document, without what XML 1.0 cannot carry (see feeds.py)."""
    return strip_control_characters(str(value))


@register.filter
def absolute(url):
    return metadata.absolute_url(url)


@register.simple_tag(takes_context=True)
def search_snippet(context, article):
    """The excerpt of an article's body for the search's words; nothing outside a search."""
    query = context.get("query")
    return article.search_snippet(query) if query else ""


@register.filter
def first_with_picture(articles):
    """The article whose thumbnail is the first image of a listing page. It is in the first
    screen (often the largest thing there), so it loads eagerly; the rest load lazily.
    Told by the card's parts, which have a picture only for a figure with a file."""
    from ..fragments import card_of

    return next((article for article in articles if card_of(article)["image"]), None)


@register.simple_tag(takes_context=True)
def page_url(context, link):
    """The current URL's query string with another page: a number, or a page's link
    (pagination.LookaheadPage: a number and maybe the article to read on from). Keeps
    ?q= on search."""
    query = context["request"].GET.copy()
    for side in ("after", "before"):
        query.pop(side, None)
    for key, value in (link if isinstance(link, dict) else {"page": link}).items():
        query[key] = value
    return f"?{query.urlencode()}"


@register.simple_tag
def news_language():
    return metadata.news_language()


class CaptureNode(template.Node):
    child_nodelists = ("nodelist",)  # so that blocks inside stay overridable

    def __init__(self, nodelist, name):
        self.nodelist = nodelist
        self.name = name

    def render(self, context):
        # Rendered (and so escaped) already: safe to output as it is.
        context[self.name] = mark_safe(self.nodelist.render(context).strip())  # noqa: S308
        return ""


@register.tag
def capture(parser, token):
    """`{% capture as name %}…{% endcapture %}`: what the enclosed template renders,
    stripped, kept in `name` rather than output, so that base.html writes a head element
    only when a page's block gives it something."""
    bits = token.split_contents()
    if len(bits) != 3 or bits[1] != "as":
        raise template.TemplateSyntaxError("Use {% capture as name %}…{% endcapture %}")
    nodelist = parser.parse(("endcapture",))
    parser.delete_first_token()
    return CaptureNode(nodelist, bits[2])


@register.simple_tag
def website_card(title, description, url):
    """The Open Graph and X tags of a page without its own (base.html's `meta` block);
    `title`, `description` and `url` come escaped from base.html's captures."""
    return mark_safe(  # noqa: S308 - each value is escaped by format_html
        "\n  ".join(
            format_html('<meta {}="{}" content="{}">', attribute, key, html.unescape(content))
            for attribute, key, content in metadata.website_meta_tags(
                str(title).strip(), str(description).strip(), str(url).strip()
            )
        )
    )


@register.simple_tag
def picture(figure, sizes="", loading=""):
    """A figure's image as <picture>: WebP renditions with a JPEG fallback, sized so the
    page does not shift while it loads; nothing without a file. `loading` is "lazy"
    unless given; the eager image (the one at the top of the page) also gets
    fetchpriority="high". Made here rather than by an included template: a listing
    shows a dozen, and an include in a loop costs more than the markup."""
    shown = figure.picture() if figure else None
    if not shown:
        return ""
    sizes, loading = sizes or "100vw", loading or "lazy"
    source = (
        format_html(
            '\n  <source type="image/webp" srcset="{}" sizes="{}">', shown["webp_srcset"], sizes
        )
        if shown["webp_srcset"]
        else ""
    )
    srcset = (
        format_html(' srcset="{}" sizes="{}"', shown["jpeg_srcset"], sizes)
        if shown["jpeg_srcset"]
        else ""
    )
    size = (
        format_html(' width="{}" height="{}"', shown["width"], shown["height"])
        if shown["width"] and shown["height"]
        else ""
    )
    priority = mark_safe(' fetchpriority="high"') if loading == "eager" else ""  # noqa: S308
    return format_html(
        '<picture>{}\n  <img src="{}"{}{} alt="{}" loading="{}" decoding="async"{}>\n</picture>',
        source, shown["src"], srcset, size, figure.alt_text, loading, priority,
    )  # fmt: skip


# What a listing shows of each article. Made here rather than by included templates: a
# home page shows up to 44 cards, and an include (then another for the bylines) per card
# cost about half the page's CPU in variable lookups and context pushes; the markup is
# the same either way.
CARD_PICTURE_SIZES = "(min-width: 40rem) 14rem, 100vw"


@register.simple_tag(takes_context=True)
def article_card(context, article, loading="lazy"):
    """One card: picture, linked headline, the search excerpt or the lede, bylines
    (not linked) and the publication time; from the article's stored fragments when it
    was read with them (articles/fragments.py)."""
    from ..fragments import shown_card

    return shown_card(article, loading=loading, snippet=search_snippet(context, article))


@register.simple_tag
def bylines(article, css_class, link=False):
    """An article's bylines, a line a role ("By A and B and agencies", "Photographs by
    C"), each a <span class=css_class>; with `link`, each name links to the author's page."""
    css_class = _escaped(css_class)
    return mark_safe(  # noqa: S308 - every value escaped here
        "".join(
            f'<span class="{css_class}">{_escaped(prefix)} {_names(authors, link)}'
            f"{_after_names(authors, text)}</span>"
            for prefix, authors, text in article.byline_lines()
        )
    )


def _names(authors, link):
    """The names as a byline says them: A; A and B; A, B and C."""
    names = [
        f'<a href="{_escaped(author.get_absolute_url())}" rel="author">{_escaped(author.name)}</a>'
        if link
        else _escaped(author.name)
        for author in authors
    ]
    if len(names) > 1:
        names = [", ".join(names[:-1]), names[-1]]
    return " and ".join(names)


def _after_names(authors, text):
    if not text:
        return ""
    return f" {_escaped(text)}" if authors else _escaped(text)


def _escaped(value):
    """conditional_escape() without the lazy-string wrapper around escape(), which cost a
    card more than its markup: safe strings as they are, anything else escaped."""
    if isinstance(value, Promise):
        value = str(value)
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def shown_date(moment):
    """A time as pages show it: "1 December 2026, 14:05 UTC" (the template filter
    `date:"j F Y, H:i T"` in the site's time zone)."""
    return date_filter(template_localtime(moment), "j F Y, H:i T") if moment else ""
