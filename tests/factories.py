import io
from datetime import timedelta

import factory
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from articles.models import Article, Figure, ImageCredit, License, Section


def image_bytes(width=1600, height=900, image_format="JPEG", color=(40, 90, 160), exif=None):
    buffer = io.BytesIO()
    options = {"exif": exif} if exif is not None else {}
    Image.new("RGB", (width, height), color).save(buffer, format=image_format, **options)
    return buffer.getvalue()


def image_file(name="photo.jpg", **kwargs):
    return ContentFile(image_bytes(**kwargs), name=name)


class LicenseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = License
        django_get_or_create = ("name", "url")

    name = "CC BY 4.0"
    url = "https://creativecommons.org/licenses/by/4.0/"


class ImageCreditFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ImageCredit

    author = factory.Sequence(lambda n: f"Photographer {n}")
    author_url = factory.LazyAttribute(lambda o: f"https://photos.example/{o.author.split()[-1]}")
    license = factory.SubFactory(LicenseFactory)


class FigureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Figure

    alt_text = "Soldiers walking along a snowy road"
    caption = "Troops on the road near the border."
    credit = factory.SubFactory(ImageCreditFactory)
    image = factory.LazyFunction(image_file)


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Article
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Article number {n} about the news")
    headline = factory.LazyAttribute(lambda o: f"{o.title}: the headline")
    slug = factory.Sequence(lambda n: f"article-{n}")
    description = "A description of the article that is long enough to read well in search."
    lede = "The first paragraph, shown under the headline."
    body = "The body of the article.\n\nA second paragraph."
    status = Article.Status.PUBLISHED
    published_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))

    @factory.post_generation
    def tags(self, create, extracted, **kwargs):
        if create and extracted:
            self.tags.add(*extracted)


def small_figure(**overrides):
    """A figure with a stored file and renditions, small enough to make in milliseconds."""
    return FigureFactory(image=image_file(width=120, height=80), **overrides)


def seed_article(**overrides):
    """An article shaped like the seed tests/data/seeds/000_…: credited, licensed, tagged."""
    credit, _ = ImageCredit.objects.get_or_create(
        author="Raw Pixel",
        author_url="https://rawpixel.com",
        license=LicenseFactory(name="CC BY 1.0", url="https://creativecommons.org/licenses/by/1.0/"),
    )
    figure = FigureFactory(
        credit=credit, alt_text="Soldiers on a snowy road", caption="War in Ukraine"
    )
    fields = {
        "title": "Russia lost over 62,400 soldiers in Kursk operation, Ukraine says",
        "headline": "Russia lost over 62,400 soldiers in Kursk operation, Ukraine says",
        "slug": "russia-lost-over-62400-soldiers-in-kursk-operation",
        "byline": "",
        "description": "Ukraine reports 62,400 Russian casualties in Kursk Oblast, denies Russian "
        "claims of full control, and highlights North Korean troop losses.",
        "lede": "Ukraine reports 62,400 Russian casualties in Kursk Oblast.",
        "social_title": "Kursk: Russia lost 62,400 soldiers",
        "social_description": "Ukraine's General Staff counts 62,400 Russian casualties.",
        "body": "Since the start of Ukraine's operation in Kursk Oblast last year, the Russian "
        "military has lost 62,400 troops.\n\nOf these, 25,200 were irretrievable losses.",
        "lead_figure": figure,
        "tags": ["Ukraine", "War"],
    }
    return ArticleFactory(**{**fields, **overrides})


def warm_navigation(*, fragments=True):
    """The articles' stored fragments made (in tests, on_commit hooks do not run: nothing
    made them), then the sections and the time of the next scheduled change to a live
    article read into the cache: as every page but the first after a change finds them."""
    from articles.caching import publish_due_changes
    from articles.fragments import make_all

    if fragments:
        make_all()
    Section.objects.shared_tree()
    publish_due_changes()
