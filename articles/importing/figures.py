"""A lead figure, its credit and licence, and its file, written for an imported article;
and the figures of the images its body shows."""

import os
from dataclasses import replace
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.files.base import ContentFile
from django.db.models import Q
from django.utils.text import get_valid_filename

from ..models import Figure, ImageCredit, License
from .archive_format import key_name
from .body_images import images_in, point_images
from .exporting import exported_copy
from .image_files import ImageUnavailable, checked_image, fetch_image, read_local_image
from .parsing import FigureData
from .problems import Problem, printable


def save_figure(figure, data: FigureData, options, cache, outcome):
    """`figure` (or a new one) holding the file's figure data; None when the file has none.

    The image file is fetched only when the figure has none or its source changed. A new
    figure without a file is left unsaved: the write path saves it with its article.
    """
    if not data:
        return None  # the file has no figure (any old one stays in the library, unused)
    figure = figure or Figure()
    new_source = figure.pk is None or (figure.original_path, figure.original_url) != (
        data.original_path,
        data.original_url,
    )
    figure.alt_text = data.alt_text
    figure.caption = data.caption
    figure.original_path = data.original_path
    figure.original_url = data.original_url
    figure.credit = credit_for(data, cache)
    image = None
    if new_source or not figure.image:
        image = get_image(data, options, outcome)
    if image and not options.dry_run:
        store_image(figure, image, data)
    elif figure.pk:
        figure.save()
    return figure


def store_image(figure, image: bytes, data: FigureData):
    source = data.original_path or data.original_url or data.image_file
    source_name = os.path.basename(urlsplit(source).path)
    name = get_valid_filename(os.path.splitext(source_name)[0])[:80] or "image"
    # Figure.save() re-checks the file, strips its EXIF and gives it the right extension.
    figure.image = ContentFile(image, name=name)
    figure.save()


def can_get_image(data: FigureData, options) -> bool:
    local = data.image_file or data.original_path
    return bool((local and options.images_root) or (data.original_url and options.fetch_images))


def get_image(data: FigureData, options, outcome) -> bytes | None:
    """The figure's file, or None with a warning saying why it is missing.

    Tried in turn: an exported copy (image_file) and the old site's file
    (page_image_src_rel) under --images-root, then a download of img_url_full.
    """
    image, reasons = find_image((data.image_file, data.original_path), data.original_url, options)
    if image is not None:
        return image
    local, remote = key_name("figure.original_path"), key_name("figure.original_url")
    if not reasons:
        if data.image_file or data.original_path or data.original_url:
            reasons.append("give --images-root or --fetch-images to bring it over")
        else:
            reasons.append(f"neither {local} nor {remote} is given")
    outcome.warnings.append(Problem(local, "image file missing: " + "; ".join(reasons)))
    return None


def find_image(relative_paths, url: str, options) -> tuple[bytes | None, list[str]]:
    """The first usable file of `relative_paths` under --images-root, else a download of
    `url` with --fetch-images; or None and why each failed (nothing when none was tried)."""
    reasons = []
    for relative_path in relative_paths:
        if relative_path and options.images_root:
            try:
                return checked_image(read_local_image(options.images_root, relative_path)), []
            except ImageUnavailable as error:
                reasons.append(str(error))
    if url and options.fetch_images:
        try:
            allow_private = options.fetch_images_from_private_network
            return checked_image(fetch_image(url, allow_private=allow_private)), []
        except ImageUnavailable as error:
            reasons.append(f"{printable(url[:80])}: {error}")
    return None, reasons


def body_figures(body: str, options, cache, outcome) -> str:
    """The body with each image it shows from elsewhere brought into the figure library
    and shown from there: a Markdown image pointing at the figure's file, which the
    renderer shows as it shows any image (lazily, with its alt text), and which stays
    when the old site goes. An image already brought over, by this run or an earlier
    one, is the figure made then (found by its source): a re-run makes no new figure.
    One that cannot be had keeps its old address, and the warnings name it."""
    missing = []
    new_sources = {}
    for image in images_in(body):
        source = image.source
        if source.startswith("#"):
            continue  # a place in the page, not an image file
        if source.startswith(settings.MEDIA_URL):
            exported = exported_copy(source)
            if exported is None or _stored_here(source):
                continue  # this site's own file
            # Another site's (an export): its copy beside the export's files.
            image = replace(image, source=exported)
        figure, why = _body_figure(image, options, cache)
        if figure is not None:
            new_sources[source] = figure.image.url
        elif why:
            missing.append(f"{printable(source[:100])} ({why})")
    if missing:
        outcome.warnings.append(
            Problem(
                "body",
                f"{len(missing)} image(s) not brought over, left at their old address: "
                + "; ".join(missing),
            )
        )
    return point_images(body, new_sources)


def _stored_here(source: str) -> bool:
    name = unquote(urlsplit(source).path).removeprefix(settings.MEDIA_URL)
    return Figure.objects.filter(image=name).exists()


def _body_figure(image, options, cache) -> tuple[Figure | None, str]:
    """The figure of a body image, found or made; else None and why (empty in a dry run,
    where a file that could be had is not stored)."""
    source = image.source
    if source.startswith("//"):  # the old page's own scheme, which was https or http
        source = "https:" + source
    scheme = urlsplit(source).scheme.lower()
    if scheme and scheme not in ("http", "https"):
        return None, f"a {scheme}: address; only files and http(s) addresses are brought over"
    url = source if scheme else ""
    path = unquote(urlsplit(source).path) if scheme else unquote(source.split("?")[0])
    if len(url) > Figure._meta.get_field("original_url").max_length or len(path) > 500:
        return None, "its address is too long to keep"
    if image.source in cache.body_figures:
        return cache.body_figures[image.source], ""
    found = Figure.objects.exclude(image="").filter(
        Q(original_url=url) if url else Q(original_path=path, original_url="")
    )
    figure = found.order_by("pk").first()
    if figure is None:
        image_bytes, reasons = find_image((path,), url, options)
        if image_bytes is None:
            return None, "; ".join(reasons) or "give --images-root or --fetch-images"
        if options.dry_run:
            return None, ""
        figure = Figure(
            alt_text=image.alt[: Figure._meta.get_field("alt_text").max_length],
            caption=image.caption,
            original_url=url,
            original_path=path,
        )
        store_image(figure, image_bytes, FigureData(original_path=path, original_url=url))
    cache.body_figures[image.source] = figure
    return figure, ""


def credit_for(data: FigureData, cache) -> ImageCredit | None:
    """The figure's credit and licence, reused when they exist: never duplicated."""
    if not (data.author or data.author_url or data.license_name or data.license_url):
        return None
    license = None
    if data.license_name or data.license_url:
        key = (data.license_name, data.license_url)
        if key not in cache.licenses:
            cache.licenses[key] = License.objects.get_or_create(
                name=data.license_name, url=data.license_url
            )[0]
        license = cache.licenses[key]
    key = (data.author, data.author_url, license.pk if license else None)
    if key not in cache.credits:
        cache.credits[key] = ImageCredit.objects.get_or_create(
            author=data.author, author_url=data.author_url, license=license
        )[0]
    return cache.credits[key]
