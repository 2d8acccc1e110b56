import io
from datetime import timedelta

import factory
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from articles.models import Article, Figure, ImageCredit, License


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
