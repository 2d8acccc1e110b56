"""What machines read about an article page: one function feeds both the meta tags and the
JSON-LD, so search engines, social networks and feed readers can never be told different
things."""

import html
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urljoin

from django.conf import settings
from django.db.models.functions import Coalesce, Greatest
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.utils.translation import to_locale

from .models import HEADLINE_MAX

DESCRIPTION_FALLBACK_CHARS = 160

LOGO_PATH, LOGO_SIZE = "images/logo.png", (600, 600)
SHARE_IMAGE_PATH, SHARE_IMAGE_SIZE = "images/share.png", (1200, 630)


def absolute_url(url):
    """`url` made absolute against SITE_URL (read now: tests and deployments change it)."""
    return urljoin(f"{settings.SITE_URL}/", url)


def iso_datetime(value):
    """ISO 8601 in the site's time zone, with its offset: the one format of every date."""
    return timezone.localtime(value).replace(microsecond=0).isoformat()


def language_tag():
    """BCP 47 language of the site (`en-US`) for `lang` and `inLanguage`."""
    return to_locale(settings.LANGUAGE_CODE).replace("_", "-")


def og_locale():
    return to_locale(settings.LANGUAGE_CODE)


def news_language():
    """ISO 639 code Google News expects: `en`, except the two Chinese scripts it names."""
    code = settings.LANGUAGE_CODE.lower()
    return code if code in {"zh-cn", "zh-tw"} else code.split("-")[0]


def modified_time(article):
    """When readers were last told the article changed: its last update or correction
    (`updated_publicly_at`, which a minor fix or any other save leaves alone), else its
    publication. Never before its publication."""
    published, updated = article.published_at, article.updated_publicly_at
    if published and updated:
        return max(published, updated)
    return updated or published


def modified_time_expression():
    """modified_time() as a database expression, for the latest change among many public
    articles (a sitemap's lastmod) without loading them."""
    return Greatest("published_at", Coalesce("updated_publicly_at", "published_at"))


@dataclass(frozen=True)
class ImageMetadata:
    url: str
    width: int | None
    height: int | None
    alt: str
    caption: str = ""
    credit: str = ""
    credit_url: str = ""
    license_url: str = ""


@dataclass(frozen=True)
class CorrectionMetadata:
    anchor: str  # the id of its entry on the page
    text: str
    published: str  # ISO 8601
    published_at: datetime


@dataclass(frozen=True)
class ArticleMetadata:
    title: str
    description: str
    canonical_url: str
    published: str | None  # ISO 8601, as in <time datetime> and JSON-LD
    modified: str | None
    modified_at: datetime | None  # the moment behind `modified`, for display
    image: ImageMetadata
    corrections: tuple[CorrectionMetadata, ...]  # newest first
    meta_tags: tuple  # (attribute, key, content) triples of Open Graph, article and X tags
    json_ld: dict


def description_of(article):
    """Plain text (as the description fields are), never HTML: a body's entities are
    decoded, so `AT&T` is not `AT&amp;T` once the text is escaped where it goes."""
    text = article.display_description or html.unescape(strip_tags(article.body_html)).strip()
    return Truncator(" ".join(text.split())).chars(DESCRIPTION_FALLBACK_CHARS) or (
        article.display_headline
    )


def lead_image(article):
    """The lead figure as a social image, or the site's share card when there is none."""
    figure = article.lead_figure if article.lead_figure_id else None
    found = figure.social_image() if figure is not None else None
    if not found:
        width, height = SHARE_IMAGE_SIZE
        return ImageMetadata(
            url=absolute_url(static(SHARE_IMAGE_PATH)),
            width=width,
            height=height,
            alt=settings.SITE_NAME,
        )
    url, width, height = found
    credit = figure.credit if figure.credit_id else None
    license = credit.license if credit and credit.license_id else None
    return ImageMetadata(
        url=absolute_url(url),
        width=width,
        height=height,
        alt=figure.alt_text or figure.caption or article.display_headline,
        caption=figure.caption,
        credit=credit.author if credit else "",
        credit_url=credit.author_url if credit else "",
        license_url=license.url if license else "",
    )


def article_metadata(article):
    """Everything the `<head>` of an article page says about it."""
    site_name = settings.SITE_NAME
    canonical = absolute_url(article.get_absolute_url())
    description = description_of(article)
    social_title = article.display_social_title
    social_description = article.social_description or description
    tags = [tag.name for tag in article.tags.all()]  # the editor's order
    image = lead_image(article)
    modified_at = modified_time(article) if article.published_at else None
    published = iso_datetime(article.published_at) if article.published_at else None
    modified = iso_datetime(modified_at) if modified_at else None
    corrections = tuple(
        CorrectionMetadata(
            anchor=correction.anchor,
            text=correction.text,
            published=iso_datetime(correction.published_at),
            published_at=correction.published_at,
        )
        for correction in article.corrections.all()
    )

    # The description, like the title, robots and canonical link, is written by base.html.
    meta = [
        ("property", "og:type", "article"),
        ("property", "og:title", social_title),
        ("property", "og:description", social_description),
        ("property", "og:url", canonical),
        ("property", "og:site_name", site_name),
        ("property", "og:locale", og_locale()),
        ("property", "og:image", image.url),
    ]
    if image.width and image.height:
        meta += [
            ("property", "og:image:width", str(image.width)),
            ("property", "og:image:height", str(image.height)),
        ]
    meta.append(("property", "og:image:alt", image.alt))
    if published:
        meta += [
            ("property", "article:published_time", published),
            ("property", "article:modified_time", modified),
        ]
    meta += [("property", "article:tag", tag) for tag in tags]
    meta += [
        ("name", "twitter:card", "summary_large_image"),
        ("name", "twitter:title", social_title),
        ("name", "twitter:description", social_description),
        ("name", "twitter:image", image.url),
        ("name", "twitter:image:alt", image.alt),
    ]

    return ArticleMetadata(
        title=f"{article.display_title} – {site_name}",
        description=description,
        canonical_url=canonical,
        published=published,
        modified=modified,
        modified_at=modified_at,
        image=image,
        corrections=corrections,
        meta_tags=tuple(meta),
        json_ld=json_ld_graph(
            article,
            canonical=canonical,
            description=description,
            image=image,
            published=published,
            modified=modified,
            tags=tags,
            corrections=corrections,
        ),
    )


def json_ld_graph(
    article, *, canonical, description, image, published, modified, tags, corrections
):
    """schema.org NewsArticle, ImageObject, WebPage, WebSite and Organization as one @graph."""
    site_url = absolute_url("/")
    organization_id, website_id = f"{site_url}#organization", f"{site_url}#website"
    image_id = f"{canonical}#primaryimage"
    publisher = {"@type": "Organization", "@id": organization_id, "name": settings.SITE_NAME}
    author = {"@type": "Person", "name": article.byline} if article.byline else publisher
    logo_width, logo_height = LOGO_SIZE
    language = language_tag()

    news_article = {
        "@type": "NewsArticle",
        "@id": f"{canonical}#article",
        "headline": Truncator(article.display_headline).chars(HEADLINE_MAX),
        "description": description,
        "image": {"@id": image_id, "url": image.url},
        "datePublished": published,
        "dateModified": modified,
        "author": [author],
        "publisher": publisher,
        "mainEntityOfPage": {"@id": canonical},
        "isPartOf": {"@id": canonical},
        "url": canonical,
        "keywords": tags,
        "inLanguage": language,
        "correction": [
            {"@type": "CorrectionComment", "text": c.text, "datePublished": c.published}
            for c in corrections
        ],
    }
    image_object = {
        "@type": "ImageObject",
        "@id": image_id,
        "url": image.url,
        "contentUrl": image.url,
        "width": image.width,
        "height": image.height,
        "caption": image.caption or image.alt,
        "creditText": image.credit,
        "creator": (
            {"@type": "Person", "name": image.credit, "url": image.credit_url or None}
            if image.credit
            else None
        ),
        "copyrightNotice": image.credit,
        "license": image.license_url,
    }
    web_page = {
        "@type": "WebPage",
        "@id": canonical,
        "url": canonical,
        "name": article.display_headline,
        "description": description,
        "isPartOf": {"@id": website_id},
        "primaryImageOfPage": {"@id": image_id},
        "datePublished": published,
        "dateModified": modified,
        "inLanguage": language,
    }
    website = {
        "@type": "WebSite",
        "@id": website_id,
        "url": site_url,
        "name": settings.SITE_NAME,
        "publisher": {"@id": organization_id},
        "inLanguage": language,
        "potentialAction": {
            "@type": "SearchAction",
            "target": {
                "@type": "EntryPoint",
                "urlTemplate": f"{absolute_url(reverse('articles:search'))}?q={{search_term}}",
            },
            "query-input": "required name=search_term",
        },
    }
    organization = {
        "@type": "Organization",
        "@id": organization_id,
        "name": settings.SITE_NAME,
        "url": site_url,
        "logo": {
            "@type": "ImageObject",
            "url": absolute_url(static(LOGO_PATH)),
            "width": logo_width,
            "height": logo_height,
        },
    }
    graph = [news_article, image_object, web_page, website, organization]
    return {"@context": "https://schema.org", "@graph": [_without_empty(n) for n in graph]}


def _without_empty(node):
    """Leave out what is unknown rather than say it is empty."""
    if isinstance(node, dict):
        return {k: _without_empty(v) for k, v in node.items() if v not in (None, "", [])}
    return node
