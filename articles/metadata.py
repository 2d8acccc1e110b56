"""What machines read about an article page: one function feeds both the meta tags and the
JSON-LD, so search engines, social networks and feed readers can never be told different
things."""

import functools
import html
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urljoin

from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.utils.translation import to_locale

from .models import HEADLINE_MAX, ArticleAuthor

DESCRIPTION_FALLBACK_CHARS = 160

LOGO_PATH, LOGO_SIZE = "images/logo.png", (600, 600)
SHARE_IMAGE_PATH, SHARE_IMAGE_SIZE = "images/share.png", (1200, 630)


def absolute_url(url):
    """`url` made absolute against SITE_URL (read now: tests and deployments change it)."""
    return _joined(settings.SITE_URL, url)


@functools.lru_cache(maxsize=20_000)
def _joined(site_url, url):
    # Remembered: a feed or an article's metadata makes dozens, and urljoin() parses both.
    return urljoin(f"{site_url}/", url)


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


def section_ancestry(article, tree=None):
    """The article's section and its ancestors, the top-level one first (World, Europe);
    `tree` is the request's SectionTree, when there is one."""
    if not article.section_id:
        return []
    if tree is None:
        from .models import Section

        tree = Section.objects.tree()
    return tree.ancestry(article.section_id)


def article_metadata(article, sections=None):
    """Everything the `<head>` of an article page says about it. `sections` is the
    article's section_ancestry(), read here when not given."""
    if sections is None:
        sections = section_ancestry(article)
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
        for correction in article.shown_corrections()
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
    if sections:
        meta.append(("property", "article:section", sections[-1].name))
    meta += [
        ("property", "article:author", absolute_url(author.get_absolute_url()))
        for author in article.credited(ArticleAuthor.Role.AUTHOR)
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
        # A syndicated article's original, when it has one (Article.canonical_url).
        canonical_url=article.canonical_url or canonical,
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
            sections=sections,
            corrections=corrections,
        ),
    )


def breadcrumb_list(canonical, crumbs):
    """schema.org BreadcrumbList of (name, absolute URL) pairs, the home page first."""
    return {
        "@type": "BreadcrumbList",
        "@id": f"{canonical}#breadcrumb",
        "itemListElement": [
            {"@type": "ListItem", "position": position, "name": name, "item": url}
            for position, (name, url) in enumerate(crumbs, start=1)
        ],
    }


def section_crumbs(sections):
    """(name, absolute URL) of the home page and of each of these sections."""
    return [(settings.SITE_NAME, absolute_url("/"))] + [
        (section.name, absolute_url(section.get_absolute_url())) for section in sections
    ]


def json_ld_graph(
    article,
    *,
    canonical,
    description,
    image,
    published,
    modified,
    tags,
    corrections,
    sections=(),
):
    """schema.org NewsArticle, ImageObject, WebPage, WebSite and Organization as one @graph."""
    site_url = absolute_url("/")
    organization_id, website_id = f"{site_url}#organization", f"{site_url}#website"
    image_id = f"{canonical}#primaryimage"
    publisher = {"@type": "Organization", "@id": organization_id, "name": settings.SITE_NAME}
    authors = [person(author) for author in article.credited(ArticleAuthor.Role.AUTHOR)]
    if not authors:
        authors = [{"@type": "Person", "name": article.byline} if article.byline else publisher]
    contributors = [
        person(byline.author)
        for byline in article.bylines.all()
        if byline.role != ArticleAuthor.Role.AUTHOR
    ]
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
        "author": authors,
        "contributor": contributors,
        "publisher": publisher,
        "mainEntityOfPage": {"@id": canonical},
        "isPartOf": {"@id": canonical},
        "url": canonical,
        "articleSection": sections[-1].name if sections else None,
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
        "breadcrumb": {"@id": f"{canonical}#breadcrumb"},
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
    crumbs = section_crumbs(sections) + [(article.display_headline, canonical)]
    graph = [
        news_article,
        image_object,
        web_page,
        breadcrumb_list(canonical, crumbs),
        website,
        organization,
    ]
    return {"@context": "https://schema.org", "@graph": [_without_empty(n) for n in graph]}


def person(author):
    """An author as schema.org's Person, as articles name them: the same @id as the
    mainEntity of the author's page."""
    url = absolute_url(author.get_absolute_url())
    return _without_empty(
        {
            "@type": "Person",
            "@id": f"{url}#person",
            "name": author.name,
            "url": url,
            "jobTitle": author.job_title,
            "sameAs": author.links,
        }
    )


@dataclass(frozen=True)
class PageMetadata:
    title: str
    description: str
    meta_tags: tuple  # (attribute, key, content) triples of Open Graph and X tags
    json_ld: dict


def author_metadata(author):
    """Everything the `<head>` of an author's page says about them: a ProfilePage whose
    mainEntity is the Person articles name as their author."""
    site_name = settings.SITE_NAME
    url = absolute_url(author.get_absolute_url())
    description = Truncator(" ".join(author.bio.split())).chars(DESCRIPTION_FALLBACK_CHARS) or (
        f"Articles by {author.name} on {site_name}."
    )
    photo = author.photo if author.photo_id else None
    found = photo.social_image() if photo is not None else None
    if found:
        image_url, width, height = absolute_url(found[0]), found[1], found[2]
        image_alt = photo.alt_text or author.name
    else:
        image_url, (width, height) = absolute_url(static(SHARE_IMAGE_PATH)), SHARE_IMAGE_SIZE
        image_alt = site_name
    title = f"{author.name} – {site_name}"
    meta = [
        ("property", "og:type", "profile"),
        ("property", "og:title", author.name),
        ("property", "og:description", description),
        ("property", "og:url", url),
        ("property", "og:site_name", site_name),
        ("property", "og:locale", og_locale()),
        ("property", "og:image", image_url),
    ]
    if width and height:
        meta += [
            ("property", "og:image:width", str(width)),
            ("property", "og:image:height", str(height)),
        ]
    meta += [
        ("property", "og:image:alt", image_alt),
        ("name", "twitter:card", "summary"),
        ("name", "twitter:title", author.name),
        ("name", "twitter:description", description),
        ("name", "twitter:image", image_url),
        ("name", "twitter:image:alt", image_alt),
    ]
    main_entity = {
        **person(author),
        "description": " ".join(author.bio.split()),
        "image": image_url if found else None,
    }
    site_url = absolute_url("/")
    profile_page = {
        "@context": "https://schema.org",
        "@type": "ProfilePage",
        "@id": url,
        "url": url,
        "name": title,
        "inLanguage": language_tag(),
        "mainEntity": _without_empty(main_entity),
        "isPartOf": {
            "@type": "WebSite",
            "@id": f"{site_url}#website",
            "url": site_url,
            "name": site_name,
        },
    }
    return PageMetadata(
        title=title, description=description, meta_tags=tuple(meta), json_ld=profile_page
    )


def _without_empty(node):
    """Leave out what is unknown rather than say it is empty."""
    if isinstance(node, dict):
        return {k: _without_empty(v) for k, v in node.items() if v not in (None, "", [])}
    return node


def website_meta_tags(title, description, url):
    """The Open Graph and X tags of a page that is not an article's or an author's (the
    home page, a section, a tag, an archive…): a website card with the site's share
    image. Without them a shared link shows a bare address."""
    site_name = settings.SITE_NAME
    share_width, share_height = SHARE_IMAGE_SIZE
    share_image = absolute_url(static(SHARE_IMAGE_PATH))
    described = bool(description)
    return tuple(
        tag
        for tag, shown in (
            (("property", "og:type", "website"), True),
            (("property", "og:title", title), True),
            (("property", "og:description", description), described),
            (("property", "og:url", url), bool(url)),  # none on a noindex search page
            (("property", "og:site_name", site_name), True),
            (("property", "og:locale", og_locale()), True),
            (("property", "og:image", share_image), True),
            (("property", "og:image:width", str(share_width)), True),
            (("property", "og:image:height", str(share_height)), True),
            (("property", "og:image:alt", site_name), True),
            (("name", "twitter:card", "summary_large_image"), True),
            (("name", "twitter:title", title), True),
            (("name", "twitter:description", description), described),
            (("name", "twitter:image", share_image), True),
            (("name", "twitter:image:alt", site_name), True),
        )
        if shown
    )


@dataclass(frozen=True)
class SectionMetadata:
    title: str
    description: str
    meta_tags: tuple
    json_ld: dict


def section_metadata(section, sections, *, page_number=1):
    """What the `<head>` of a section's front says: Open Graph, and a CollectionPage with
    its BreadcrumbList. `sections` is the section's ancestry, the section last."""
    site_name = settings.SITE_NAME
    canonical = absolute_url(section.get_absolute_url())
    if page_number > 1:
        canonical += f"?page={page_number}"
    description = (
        " ".join(section.description.split()) or f"The latest {section.name} news from {site_name}."
    )
    description = Truncator(description).chars(DESCRIPTION_FALLBACK_CHARS)
    title = f"{section.name} – {site_name}"
    meta = website_meta_tags(title, description, canonical)
    site_url = absolute_url("/")
    page = {
        "@type": "CollectionPage",
        "@id": canonical,
        "url": canonical,
        "name": title,
        "description": description,
        "isPartOf": {"@id": f"{site_url}#website"},
        "breadcrumb": {"@id": f"{canonical}#breadcrumb"},
        "inLanguage": language_tag(),
    }
    website = {
        "@type": "WebSite",
        "@id": f"{site_url}#website",
        "url": site_url,
        "name": site_name,
        "inLanguage": language_tag(),
    }
    graph = [page, breadcrumb_list(canonical, section_crumbs(sections)), website]
    return SectionMetadata(
        title=title,
        description=description,
        meta_tags=meta,
        json_ld={"@context": "https://schema.org", "@graph": graph},
    )
