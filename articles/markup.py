"""Pieces of HTML that pages and their stored fragments (articles/fragments.py) share:
the picture of a figure, bylines, JSON-LD, dates as pages show them, and escaping fast
enough for a listing's cards; models are known only by the attributes read.
Templates reach them through articles_tags."""

import html
import json

from django.template.defaultfilters import date as date_filter
from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime

from . import metadata

# JSON-LD must stay inside its <script>: json.dumps leaves "<", ">" and "&" as they are,
# so "</script>" in a headline would end the element. Django's json_script does the same
# escaping but emits type="application/json", which is not JSON-LD.
_JSON_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def json_ld(data):
    """The JSON-LD <script>. It carries no nonce: a script of another type than JavaScript
    is a data block, which browsers neither run nor check against the
    Content-Security-Policy; and a nonce in a page kept by a cache would be the same for
    every reader, which is no nonce at all."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return mark_safe(  # noqa: S308 - every character that could close the element is escaped
        f'<script type="application/ld+json">{text.translate(_JSON_SCRIPT_ESCAPES)}</script>'
    )


def iso8601(value):
    """The machine-readable form of a date, identical in <time>, JSON-LD, feeds and sitemaps."""
    return metadata.iso_datetime(value) if value else ""


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


def bylines(article, css_class, link=False):
    """An article's bylines, a line a role ("By A and B and agencies", "Photographs by
    C"), each a <span class=css_class>; with `link`, each name links to the author's page."""
    css_class = escaped(css_class)
    return mark_safe(  # noqa: S308 - every value escaped here
        "".join(
            f'<span class="{css_class}">{escaped(prefix)} {_names(authors, link)}'
            f"{_after_names(authors, text)}</span>"
            for prefix, authors, text in article.byline_lines()
        )
    )


def _names(authors, link):
    """The names as a byline says them: A; A and B; A, B and C."""
    names = [
        f'<a href="{escaped(author.get_absolute_url())}" rel="author">{escaped(author.name)}</a>'
        if link
        else escaped(author.name)
        for author in authors
    ]
    if len(names) > 1:
        names = [", ".join(names[:-1]), names[-1]]
    return " and ".join(names)


def _after_names(authors, text):
    if not text:
        return ""
    return f" {escaped(text)}" if authors else escaped(text)


def escaped(value):
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
