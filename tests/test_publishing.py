"""Publishing on the model: publish(), withdraw(), return_to_draft(), what blocks them,
and which articles are past draft or show an object. The admin and the importer go
through these (tested in test_admin.py and test_importing.py)."""

import ast
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from articles.models import Article, CannotPublish, Tag
from tests.factories import ArticleFactory, FigureFactory, ImageCreditFactory, LicenseFactory

pytestmark = pytest.mark.django_db


def stored(article):
    return Article.objects.values_list("status", "published_at", "updated_at").get(pk=article.pk)


def test_publish_makes_an_undated_draft_public_now():
    draft = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    before = timezone.now()
    assert draft.publish() is True
    status, published_at, _ = stored(draft)
    assert status == Article.Status.PUBLISHED and before <= published_at <= timezone.now()
    assert draft.is_public


def test_publish_keeps_the_articles_own_future_time_or_takes_the_one_given():
    later = timezone.now() + timedelta(days=2)
    draft = ArticleFactory(status=Article.Status.DRAFT, published_at=later)
    draft.publish()
    assert draft.is_scheduled and stored(draft)[1] == later

    other = ArticleFactory(status=Article.Status.DRAFT, published_at=later)
    earlier = timezone.now() - timedelta(hours=3)
    other.publish(at=earlier)
    assert other.is_public and stored(other)[1] == earlier


def test_publish_names_every_field_in_the_way_and_changes_nothing():
    figure = FigureFactory(alt_text="")
    draft = ArticleFactory(
        status=Article.Status.DRAFT, published_at=None, body=" ", lead_figure=figure
    )
    row = stored(draft)
    with pytest.raises(CannotPublish) as error:
        draft.publish()
    assert error.value.message_dict == {
        "body": ["A published article needs a body."],
        "lead_figure": ["The lead figure needs alt text before publishing."],
    }
    assert (draft.status, draft.published_at) == (Article.Status.DRAFT, None)
    assert stored(draft) == row


def test_publishing_what_is_published_already_writes_nothing():
    article = ArticleFactory()
    row = stored(article)
    assert article.publish() is False
    assert stored(article) == row


def test_withdraw_and_return_to_draft():
    public = ArticleFactory()
    assert public.withdraw() is True
    assert stored(public)[0] == Article.Status.WITHDRAWN
    assert public.withdraw() is False

    later = timezone.now() + timedelta(days=1)
    scheduled = ArticleFactory(published_at=later)
    assert scheduled.return_to_draft() is True
    assert stored(scheduled)[:2] == (Article.Status.DRAFT, later)  # its time kept for later
    assert scheduled.return_to_draft() is False


def test_save_false_leaves_the_write_to_the_caller():
    draft = ArticleFactory(status=Article.Status.DRAFT)
    row = stored(draft)
    assert draft.publish(save=False) is True
    assert draft.status == Article.Status.PUBLISHED and stored(draft) == row
    draft.save()
    assert stored(draft)[0] == Article.Status.PUBLISHED


def test_change_status_goes_through_the_method_of_each_status():
    draft = ArticleFactory(status=Article.Status.DRAFT, body="")
    with pytest.raises(CannotPublish):
        draft.change_status(Article.Status.PUBLISHED)
    draft.change_status(Article.Status.WITHDRAWN)
    assert stored(draft)[0] == Article.Status.WITHDRAWN
    with pytest.raises(ValueError, match="'archived' is not a status"):
        draft.change_status("archived")


def test_past_draft_is_published_scheduled_or_withdrawn():
    ArticleFactory(slug="draft", status=Article.Status.DRAFT)
    ArticleFactory(slug="public")
    ArticleFactory(slug="scheduled", published_at=timezone.now() + timedelta(days=1))
    ArticleFactory(slug="withdrawn", status=Article.Status.WITHDRAWN)
    past_draft = Article.objects.past_draft().values_list("slug", flat=True)
    assert sorted(past_draft) == ["public", "scheduled", "withdrawn"]


def test_showing_finds_the_articles_that_show_an_object():
    licence = LicenseFactory(name="CC0", url="https://licences.example/cc0")
    credit = ImageCreditFactory(license=licence)
    figure = FigureFactory(credit=credit)
    shown = ArticleFactory(lead_figure=figure, tags=["war"])
    ArticleFactory(lead_figure=FigureFactory(), tags=["peace"])
    for obj in (shown, figure, credit, licence, Tag.objects.get(name="war")):
        assert list(Article.objects.showing(obj)) == [shown], obj
    assert list(Article.objects.showing()) == []


def test_the_models_package_imports_no_module_in_a_circle():
    """Articles refer to figures, which refer to credits: nothing may refer back."""
    folder = Path(settings.BASE_DIR) / "articles" / "models"
    imports = {}
    for path in folder.glob("*.py"):
        tree = ast.parse(path.read_text())
        imports[path.stem] = {
            node.module
            for node in ast.walk(tree)  # function bodies too: a late import is still a cycle
            if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module
        }

    def reaches(start, target, seen=()):
        return any(
            found == target or (found not in seen and reaches(found, target, (*seen, found)))
            for found in imports.get(start, ())
        )

    assert [module for module in imports if reaches(module, module)] == []


def test_the_status_as_stored_is_read_again_with_the_article():
    article = ArticleFactory()
    Article.objects.filter(pk=article.pk).update(status=Article.Status.WITHDRAWN)
    article.refresh_from_db()
    assert article.withdraw() is False  # withdrawn already: nothing to write
    assert article.publish() is True
    assert stored(article)[0] == Article.Status.PUBLISHED
