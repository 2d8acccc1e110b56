import html

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from .. import markup, metadata
from ..fragments import card_of, shown_card
from ..models import strip_control_characters

register = template.Library()
register.simple_tag(markup.json_ld, name="json_ld")
register.filter("iso8601", markup.iso8601)
register.simple_tag(markup.picture, name="picture")
register.simple_tag(markup.bylines, name="bylines")


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


@register.simple_tag(takes_context=True)
def article_card(context, article, loading="lazy"):
    """One card: picture, linked headline, the search excerpt or the lede, bylines
    (not linked) and the publication time; from the article's stored fragments when it
    was read with them (articles/fragments.py)."""
    return shown_card(article, loading=loading, snippet=search_snippet(context, article))
