"""A lead figure, its credit and licence, and its file, written for an imported article."""

import os
from urllib.parse import urlsplit

from django.core.files.base import ContentFile
from django.utils.text import get_valid_filename

from ..models import Figure, ImageCredit, License
from .archive_format import key_name
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
    reasons = []
    for relative_path in (data.image_file, data.original_path):
        if relative_path and options.images_root:
            try:
                return checked_image(read_local_image(options.images_root, relative_path))
            except ImageUnavailable as error:
                reasons.append(str(error))
    if data.original_url and options.fetch_images:
        try:
            return checked_image(fetch_image(data.original_url))
        except ImageUnavailable as error:
            reasons.append(f"{printable(data.original_url[:80])}: {error}")
    local, remote = key_name("figure.original_path"), key_name("figure.original_url")
    if not reasons:
        if data.image_file or data.original_path or data.original_url:
            reasons.append("give --images-root or --fetch-images to bring it over")
        else:
            reasons.append(f"neither {local} nor {remote} is given")
    outcome.warnings.append(Problem(local, "image file missing: " + "; ".join(reasons)))
    return None


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
