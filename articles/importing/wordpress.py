"""WordPress export files (WXR 1.0 to 1.2): each post becomes a record of the archive format.

The file is untrusted XML: defusedxml refuses entity declarations (a few lines of them
expand to gigabytes: "billion laughs") and external entities (which would read
file:///etc/passwd into a post). It is read twice, as a stream, one <item> at a time:
first for what posts refer to (authors, categories, attachments) and to count them, then
post by post; an item is dropped from the tree as soon as it is read, so a file of ten
thousand posts is never in memory at once.
"""

import re
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit
from xml.etree.ElementTree import ParseError

from bs4 import BeautifulSoup
from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import iterparse

from ..models import Article
from .archive_format import key_name
from .html_body import EDITOR_COMMENT, text_of_html
from .items import ExportedPost, NotAnArticle, post_name
from .problems import InvalidArticle, Problem, refuse

# What WordPress adds around a post's HTML, undone before it is converted (html_body.py):
# the classic editor's paragraphs written as blank lines (WordPress adds the <p> tags only
# when it shows a post) and its [caption] shortcode.
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
ATTACHMENT_CLASS = re.compile(r"wp-image-([0-9]+)")
CONTENT = "{http://purl.org/rss/1.0/modules/content/}"
DC = "{http://purl.org/dc/elements/1.1/}"
WP_NAMESPACE = re.compile(r"^https?://wordpress\.org/export/1\.[0-9]+/$")
NO_DATE = "0000-00-00 00:00:00"
STATUSES = {
    "publish": Article.Status.PUBLISHED,
    "future": Article.Status.PUBLISHED,  # with its date to come: scheduled
    "draft": Article.Status.DRAFT,
    "pending": Article.Status.DRAFT,
    "private": Article.Status.DRAFT,  # readers never saw it
}
NOT_ARTICLES = {
    "trash": "in WordPress's trash",
    "auto-draft": "an auto-draft WordPress saved on its own, never written",
    "inherit": "a revision",
}
POST_TYPES = {
    "page": "a page",
    "attachment": "an attachment (a file of the media library)",
    "nav_menu_item": "a navigation menu item",
    "revision": "a revision",
    "wp_block": "a reusable block",
    "wp_template": "a theme template",
    "wp_template_part": "a theme template part",
    "wp_navigation": "a navigation menu",
    "wp_global_styles": "the theme's styles",
    "custom_css": "the theme's custom CSS",
}
DESCRIPTION_MAX = Article._meta.get_field("description").max_length


class WordPressExport:
    """A WXR file, read through once on opening; iterating reads its posts."""

    def __init__(self, path: Path, options):
        self.path = path
        self.wp = ""  # the namespace of the file's WXR version, in braces
        self.authors: dict[str, str] = {}  # login → display name
        self.categories: dict[str, tuple[str, str]] = {}  # nicename → (name, parent nicename)
        self.attachments: dict[str, dict] = {}  # post id → url, alt, caption
        self.count = 0
        for element in self._elements():
            if element.tag == "item":
                self.count += 1
                if self._text(element, "wp:post_type") == "attachment":
                    self.attachments[self._text(element, "wp:post_id")] = {
                        "url": self._text(element, "wp:attachment_url"),
                        "alt": self._postmeta(element).get("_wp_attachment_image_alt", ""),
                        "caption": self._text(element, "excerpt:encoded"),
                    }
            elif element.tag == self.wp + "author":
                login = self._text(element, "wp:author_login")
                self.authors[login] = self._text(element, "wp:author_display_name") or login
            elif element.tag == self.wp + "category":
                self.categories[self._text(element, "wp:category_nicename")] = (
                    self._text(element, "wp:cat_name"),
                    self._text(element, "wp:category_parent"),
                )

    def __len__(self):
        return self.count

    def __iter__(self):
        try:
            for element in self._elements():
                if element.tag == "item":
                    yield self._post(element)
        except (InvalidArticle, NotAnArticle) as error:  # the file changed since it was opened
            problems = getattr(error, "problems", None) or [Problem("file", str(error))]
            yield ExportedPost(self.path, "after the last post read", problems=problems)

    def _elements(self):
        """Each item, and each other element of the channel, once read whole; each is
        emptied and dropped once the caller has it."""
        try:
            with open(self.path, "rb") as file:
                parents = []  # of the element the parser is in, from the root
                events = iterparse(file, events=("start-ns", "start", "end"))
                for event, element in events:
                    if event == "start-ns":
                        _prefix, uri = element
                        if WP_NAMESPACE.match(uri) and not self.wp:
                            self.wp = "{" + uri + "}"
                    elif event == "start":
                        if not parents:
                            self._check_root(element)
                        parents.append(element)
                    else:
                        parents.pop()
                        if len(parents) == 2 and parents[1].tag == "channel":
                            yield element
                            element.clear()
                            parents[1].remove(element)
        except ParseError as error:
            line, column = error.position
            reason = str(error).split(":")[0]
            raise refuse(
                "file", f"not well-formed XML: {reason} (line {line}, column {column})"
            ) from None
        except EntitiesForbidden as error:
            raise refuse("file", _entity_refusal(error)) from None
        except ExternalReferenceForbidden as error:
            raise refuse(
                "file",
                f"refers to an outside resource ({error.sysid or error.pubid}); refused: an "
                "export is read on its own, never with files or addresses it points to",
            ) from None
        except DTDForbidden:
            raise refuse("file", "has a document type declaration; refused") from None
        except OSError as error:
            raise refuse("file", f"cannot be read ({error.strerror or error})") from None

    def _check_root(self, element):
        if element.tag != "rss":
            name = element.tag.rsplit("}", 1)[-1]
            raise NotAnArticle(
                f"an XML file, but not a WordPress export (WXR): its root element is <{name}>"
            )
        if not self.wp:
            raise NotAnArticle("an RSS feed, not a WordPress export (WXR): no wp: namespace")

    def _qualified(self, name: str) -> str:
        prefix, _, local = name.rpartition(":")
        if prefix == "wp":
            return self.wp + local
        if prefix == "excerpt":
            return self.wp[:-1] + "excerpt/}" + local
        if prefix == "content":
            return CONTENT + local
        if prefix == "dc":
            return DC + local
        return local

    def _text(self, element, name: str) -> str:
        return (element.findtext(self._qualified(name)) or "").strip()

    def _postmeta(self, item) -> dict[str, str]:
        return {
            self._text(meta, "wp:meta_key"): self._text(meta, "wp:meta_value")
            for meta in item.iterfind(self._qualified("wp:postmeta"))
        }

    def _post(self, item) -> ExportedPost:
        post_id = self._text(item, "wp:post_id")
        title = self._text(item, "title")
        post = ExportedPost(self.path, post_name(post_id, title))
        post_type = self._text(item, "wp:post_type") or "post"
        wp_status = self._text(item, "wp:status")
        if post_type != "post":
            post.not_an_article = f"not a post: {POST_TYPES.get(post_type, repr(post_type))}"
            return post
        if wp_status in NOT_ARTICLES:
            post.not_an_article = NOT_ARTICLES[wp_status]
            return post
        if wp_status not in STATUSES:
            post.problems.append(Problem("wp:status", f"{wp_status[:40]!r} is not a status"))
            return post
        meta = self._postmeta(item)
        record = post.record
        record[key_name("headline")] = title
        link = self._text(item, "link")
        if urlsplit(link).scheme in ("http", "https"):
            record[key_name("source_url")] = link
        if slug := self._text(item, "wp:post_name"):
            record["slug"] = unquote(slug)
        status = STATUSES[wp_status]
        if self._text(item, "wp:post_password"):
            status = Article.Status.DRAFT
            post.warnings.append(
                Problem("wp:post_password", "password-protected in WordPress: imported as a draft")
            )
        elif wp_status == "private":
            post.warnings.append(Problem("wp:status", "private in WordPress: imported as a draft"))
        record["status"] = status
        self._date(item, wp_status, post)
        self._description(item, post)
        record["tags"] = [
            element.text.strip()
            for element in item.iterfind("category")
            if element.get("domain") == "post_tag" and element.text and element.text.strip()
        ]
        if categories := self._categories(item):
            record["categories"] = categories
        if authors := self._authors(item):
            record["authors"] = authors
        self._lead_image(meta.get("_thumbnail_id"), post)
        post.html = self._original_images(post_html(self._text(item, "content:encoded")))
        if shortcodes := shortcodes_in(post.html):
            post.warnings.append(
                Problem(
                    "content:encoded",
                    "WordPress shortcodes left as text: "
                    + ", ".join(f"[{name}]" for name in shortcodes),
                )
            )
        if comments := len(item.findall(self._qualified("wp:comment"))):
            post.warnings.append(
                Problem("wp:comment", f"{comments} comment(s) not imported: the site has none")
            )
        return post

    def _date(self, item, wp_status, post):
        """The time in UTC when WordPress gives it, else the site's own time: drafts have
        neither (their wp:post_date is only when they were last saved)."""
        for name, offset in (("wp:post_date_gmt", "+00:00"), ("wp:post_date", "")):
            value = self._text(item, name)
            if value and value != NO_DATE:
                if offset == "" and wp_status in ("draft", "pending"):
                    return
                try:
                    datetime.strptime(value, "%Y-%m-%d %H:%M:%S")
                except ValueError:
                    post.problems.append(
                        Problem(name, f"{value[:40]!r} is not a date (YYYY-MM-DD HH:MM:SS)")
                    )
                    return
                post.record[key_name("published_at")] = value.replace(" ", "T") + offset
                return

    def _description(self, item, post):
        excerpt = text_of_html(self._text(item, "excerpt:encoded"))
        if len(excerpt) > DESCRIPTION_MAX:
            cut = excerpt[: DESCRIPTION_MAX - 1].rsplit(" ", 1)[0] + "…"
            post.warnings.append(
                Problem(
                    "excerpt:encoded",
                    f"{len(excerpt):,} characters, over the {DESCRIPTION_MAX} of a description: "
                    "cut at a word",
                )
            )
            excerpt = cut
        if excerpt:
            post.record[key_name("description")] = excerpt

    def _categories(self, item) -> list[list[str]]:
        """Each category as its path from the top: ["World", "Europe"]."""
        paths = []
        for element in item.iterfind("category"):
            if element.get("domain") != "category":
                continue
            nicename = element.get("nicename", "")
            path = [(element.text or "").strip()]
            parent = self.categories.get(nicename, ("", ""))[1]
            seen = {nicename}
            while parent and parent not in seen and parent in self.categories:
                seen.add(parent)
                parent_name, parent = self.categories[parent]
                path.insert(0, parent_name)
            if path[-1] and path not in paths:
                paths.append(path)
        return paths

    def _authors(self, item) -> list[dict]:
        """The post's author (dc:creator holds the login), then any co-authors (the
        Co-Authors Plus plugin lists them as categories of the `author` domain)."""
        logins = [element.text.strip() for element in item.iterfind(DC + "creator") if element.text]
        logins += [
            (element.text or "").strip()
            for element in item.iterfind("category")
            if element.get("domain") == "author"
        ]
        authors = []
        for login in filter(None, logins):
            author = {"name": self.authors.get(login, login)}
            if author not in authors:
                authors.append(author)
        return authors

    def _original_images(self, html: str) -> str:
        """The post's images from the media library (WordPress marks each with the class
        wp-image-<attachment id>) as their original file, not the size the post showed, with
        the library's alt text when the post gives none: what becomes the body's figure
        (figures.body_figures()), the same one as the featured image's when they are one."""
        if "wp-image-" not in html:
            return html
        soup = BeautifulSoup(html, "html.parser")
        for image in soup.find_all("img", class_=ATTACHMENT_CLASS):
            attachment_id = ATTACHMENT_CLASS.fullmatch(
                next(c for c in image["class"] if ATTACHMENT_CLASS.fullmatch(c))
            )[1]
            attachment = self.attachments.get(attachment_id)
            if attachment is None or not attachment["url"]:
                continue
            image["src"] = attachment["url"]
            if not image.get("alt") and attachment["alt"]:
                image["alt"] = attachment["alt"]
        return str(soup)

    def _lead_image(self, attachment_id, post):
        if not attachment_id:
            return
        attachment = self.attachments.get(attachment_id)
        if attachment is None or not attachment["url"]:
            post.warnings.append(
                Problem("_thumbnail_id", f"featured image {attachment_id} is not in the export")
            )
            return
        url = attachment["url"]
        record = post.record
        record[key_name("figure.original_url")] = url
        record[key_name("figure.original_path")] = unquote(urlsplit(url).path)
        if attachment["alt"]:
            record[key_name("figure.alt_text")] = attachment["alt"]
        if attachment["caption"]:
            record[key_name("figure.caption")] = text_of_html(attachment["caption"])


def _entity_refusal(error: EntitiesForbidden) -> str:
    if error.sysid or error.pubid:
        return (
            f"declares the external entity {error.name!r} ({error.sysid or error.pubid}); "
            "refused: it would read a file or address outside the export"
        )
    return (
        f"declares the entity {error.name!r}; refused: entities can expand a few lines to "
        "gigabytes (the 'billion laughs' attack), and WordPress never writes them"
    )


def post_html(html: str) -> str:
    """A post's HTML as WordPress shows it: [caption] as a figure, and the classic
    editor's blank lines and line breaks as the <p> and <br> WordPress adds."""
    html = EDITOR_COMMENT.sub("", html)
    html = CAPTION_SHORTCODE.sub(
        r"<figure>\g<image><figcaption>\g<caption></figcaption></figure>", html
    )
    if html.strip() and "<p" not in html.lower():
        html = _paragraphs(html)
    return html


def shortcodes_in(html: str) -> list[str]:
    """Names of the WordPress shortcodes ([gallery], [embed]…) left in a post: shown as
    text, so the report names them."""
    names = {
        match["name"].lower()
        for match in SHORTCODE.finditer(html)
        if match["close"]
        or "=" in (match["attributes"] or "")
        or match["name"].lower() in WORDPRESS_SHORTCODES
    }
    return sorted(names - {"caption"})


def _paragraphs(html: str) -> str:
    paragraphs = []
    for chunk in PARAGRAPH_BREAK.split(html.strip()):
        if BLOCK_START.match(chunk):
            paragraphs.append(chunk)
        else:
            paragraphs.append("<p>" + chunk.strip().replace("\n", "<br>\n") + "</p>")
    return "\n\n".join(paragraphs)
