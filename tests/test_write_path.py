"""One write path: every write of an article, its tags and its lead figure is announced by
`article_changed` once committed, once per piece of work, with the right ids and kind;
never for a write that rolled back, nor for a dry run."""

import ast
import logging
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from articles.changes import Change, announce, announced_together, article_changed
from articles.importing import Result, export_articles, import_articles, writing
from articles.models import Article, Figure, ImageCredit, License, Tag
from tests.factories import ArticleFactory, FigureFactory, image_file
from tests.test_admin import article_form_data, figure_form_data
from tests.test_exporting import empty_database
from tests.test_importing import article_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard():
    """(kind, article ids) of each article_changed sent while the fixture lives."""
    calls = []

    def listener(sender, article_ids, kind, **kwargs):
        assert sender is Article
        calls.append((kind, article_ids))

    article_changed.connect(listener, dispatch_uid="test-listener")
    yield calls
    article_changed.disconnect(dispatch_uid="test-listener")


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed():` runs what waits for the test's transaction to commit, as a
    real commit would: the hooks the block registered, in order."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def ids(*articles):
    return tuple(sorted(article.pk for article in articles))


# --- The admin ----------------------------------------------------------------------------


def test_admin_add_is_announced_once_as_created_tags_and_all(client, editor, heard, committed):
    client.force_login(editor)
    with committed():
        response = client.post(reverse("admin:articles_article_add"), article_form_data())
    assert response.status_code == 302
    assert heard == [(Change.CREATED, ids(Article.objects.get()))]


def test_admin_change_is_announced_once_as_edited(client, editor, heard, committed):
    article = ArticleFactory(tags=["old"])
    client.force_login(editor)
    url = reverse("admin:articles_article_change", args=[article.pk])
    data = article_form_data(
        slug=article.slug, status="published", tags="new, newer", _publish_change="Publish"
    )
    with committed():
        assert client.post(url, data).status_code == 302
    assert heard == [(Change.EDITED, ids(article))]


@pytest.mark.parametrize(
    "stored, chosen, kind",
    [
        ("draft", "published", Change.PUBLISHED),
        ("published", "withdrawn", Change.WITHDRAWN),
        ("withdrawn", "draft", Change.RETURNED_TO_DRAFT),
    ],
)
def test_a_status_chosen_in_the_form_is_announced_as_such(
    client, editor, heard, committed, stored, chosen, kind
):
    article = ArticleFactory(status=stored)
    client.force_login(editor)
    url = reverse("admin:articles_article_change", args=[article.pk])
    with committed():
        response = client.post(url, article_form_data(slug=article.slug, status=chosen))
    assert response.status_code == 302
    assert Article.objects.get().status == chosen
    assert heard == [(kind, ids(article))]


def test_a_refused_form_is_not_announced(client, editor, writer, heard, committed):
    article = ArticleFactory(status=Article.Status.DRAFT)
    url = reverse("admin:articles_article_change", args=[article.pk])
    client.force_login(editor)
    with committed():
        data = article_form_data(slug=article.slug, body="", status="published")
        response = client.post(url, data)
    assert response.status_code == 200  # the form shows what blocks publishing
    client.force_login(writer)
    with committed():
        response = client.post(url, article_form_data(slug=article.slug, status="published"))
    assert response.status_code == 200
    assert heard == []


def run_action(client, action, articles):
    return client.post(
        reverse("admin:articles_article_changelist"),
        {"action": action, "_selected_action": [a.pk for a in articles]},
    )


def test_the_publish_action_is_one_announcement_of_what_it_published(
    client, editor, heard, committed
):
    ready = ArticleFactory.create_batch(2, status=Article.Status.DRAFT, published_at=None)
    bodiless = ArticleFactory(status=Article.Status.DRAFT, body="")
    public = ArticleFactory()
    client.force_login(editor)
    with committed():
        run_action(client, "publish_selected", [*ready, bodiless, public])
    assert heard == [(Change.PUBLISHED, ids(*ready))]


def test_the_unpublish_action_says_which_were_withdrawn_and_which_returned_to_draft(
    client, editor, heard, committed
):
    public = ArticleFactory.create_batch(2)
    scheduled = ArticleFactory(published_at=timezone.now() + timedelta(days=1))
    client.force_login(editor)
    with committed():
        run_action(client, "unpublish_selected", [*public, scheduled])
    assert heard == [
        (Change.WITHDRAWN, ids(*public)),
        (Change.RETURNED_TO_DRAFT, ids(scheduled)),
    ]


def test_deleting_in_the_admin_is_announced(client, editor, heard, committed):
    one, *many = ArticleFactory.create_batch(3, tags=["t"])
    client.force_login(editor)
    with committed():
        client.post(reverse("admin:articles_article_delete", args=[one.pk]), {"post": "yes"})
    with committed():
        client.post(
            reverse("admin:articles_article_changelist"),
            {"action": "delete_selected", "_selected_action": [a.pk for a in many], "post": "yes"},
        )
    assert not Article.objects.exists()
    assert heard == [(Change.DELETED, ids(one)), (Change.DELETED, ids(*many))]


def test_a_tag_renamed_or_deleted_in_the_admin_announces_the_articles_carrying_it(
    client, editor, heard, committed
):
    tagged = ArticleFactory.create_batch(2, tags=["Ukraine"])
    ArticleFactory(tags=["Other"])
    tag = Tag.objects.get(name="Ukraine")
    client.force_login(editor)
    with committed():
        url = reverse("admin:articles_tag_change", args=[tag.pk])
        assert client.post(url, {"name": "Ukraine war", "slug": "ukraine"}).status_code == 302
    with committed():
        url = reverse("admin:articles_tag_delete", args=[tag.pk])
        assert client.post(url, {"post": "yes"}).status_code == 302
    assert heard == [(Change.TAGS_CHANGED, ids(*tagged))] * 2


def test_figure_credit_and_licence_edits_announce_every_article_showing_them(
    client, editor, heard, committed
):
    figure = FigureFactory(image=image_file(width=64, height=36))
    showing = ArticleFactory.create_batch(2, lead_figure=figure)
    ArticleFactory(lead_figure=FigureFactory(credit=figure.credit))  # the credit, not the figure
    client.force_login(editor)
    credit, licence = figure.credit, figure.credit.license
    with committed():
        url = reverse("admin:articles_figure_change", args=[figure.pk])
        data = figure_form_data(alt_text="Better", credit=credit.pk)
        assert client.post(url, data).status_code == 302
    assert heard == [(Change.FIGURE_CHANGED, ids(*showing))]
    heard.clear()

    every = Article.objects.all()
    with committed():
        url = reverse("admin:articles_imagecredit_change", args=[credit.pk])
        data = {"author": "New Name", "author_url": "", "license": licence.pk}
        assert client.post(url, data).status_code == 302
    with committed():
        url = reverse("admin:articles_license_change", args=[licence.pk])
        data = {"name": "CC0 1.0", "url": "https://creativecommons.org/publicdomain/zero/1.0/"}
        assert client.post(url, data).status_code == 302
    assert heard == [(Change.FIGURE_CHANGED, ids(*every))] * 2


def test_a_new_figure_credit_or_licence_shown_by_no_article_says_nothing(
    client, editor, heard, committed
):
    client.force_login(editor)
    with committed():
        client.post(reverse("admin:articles_figure_add"), figure_form_data(image=""))
        License.objects.create(name="CC BY 4.0")
        ImageCredit.objects.create(author="Someone")
    assert Figure.objects.exists() and heard == []


def test_deleting_a_figure_announces_the_articles_that_lose_it(heard, committed):
    figure = FigureFactory()
    showing = ArticleFactory(lead_figure=figure)
    with committed():
        Figure.objects.filter(pk=figure.pk).delete()
    assert Article.objects.get().lead_figure is None
    assert heard == [(Change.FIGURE_CHANGED, ids(showing))]


def test_regenerating_renditions_announces_the_articles_showing_them(heard, committed):
    showing = ArticleFactory(lead_figure=FigureFactory(image=image_file(width=64, height=36)))
    ArticleFactory(lead_figure=FigureFactory(image=""))
    with committed():
        call_command("regenerate_renditions", stdout=None)
    assert heard == [(Change.FIGURE_CHANGED, ids(showing))]


# --- The importer -------------------------------------------------------------------------


def test_a_batch_of_new_files_is_one_announcement(tmp_path, heard, committed):
    for n in range(3):
        article_file(tmp_path, f"{n}.md", {"title": f"T{n}", "tags": ["t"], "img_alt": "A"})
    with committed():
        report = import_articles([tmp_path], time_zone="UTC")
    assert report.count(Result.CREATED) == 3
    assert heard == [(Change.CREATED, ids(*Article.objects.all()))]


def test_each_batch_is_announced_once_it_is_committed(tmp_path, heard, committed, monkeypatch):
    monkeypatch.setattr(writing, "BATCH_FILES", 2)
    for n in range(3):
        article_file(tmp_path, f"{n}.md", {"title": f"T{n}"})
    with committed():
        import_articles([tmp_path], time_zone="UTC")
    first, second, third = Article.objects.order_by("title")
    assert heard == [(Change.CREATED, ids(first, second)), (Change.CREATED, ids(third))]


def test_changed_files_are_announced_by_what_changed_and_unchanged_ones_not_at_all(
    tmp_path, heard, committed
):
    article_file(tmp_path, "a.md", {"title": "A", "page_date": "2025-01-01"})
    article_file(tmp_path, "b.md", {"title": "B", "page_date": "2025-01-01"})
    article_file(tmp_path, "c.md", {"title": "C", "page_date": "2025-01-01"})
    import_articles([tmp_path], time_zone="UTC", status="draft")
    article_file(tmp_path, "a.md", {"title": "A", "page_date": "2025-01-01"}, body="New body")
    article_file(tmp_path, "b.md", {"title": "B", "page_date": "2025-01-01", "status": "published"})
    with committed():
        report = import_articles([tmp_path], time_zone="UTC", status="draft")
    assert [o.result for o in report.outcomes] == [Result.UPDATED] * 2 + [Result.UNCHANGED]
    a, b = (Article.objects.get(title=title) for title in "AB")
    assert heard == [(Change.PUBLISHED, ids(b)), (Change.EDITED, ids(a))]


def test_a_conflict_and_a_dry_run_are_not_announced(tmp_path, heard, committed):
    path = article_file(tmp_path, "a.md", {"title": "A", "blog_url": "https://old.example/a"})
    import_articles([path], time_zone="UTC")
    article = Article.objects.get()
    article.headline = "An editor's headline"
    with committed():
        article.save()
    assert heard == [(Change.EDITED, ids(article))]
    heard.clear()

    article_file(tmp_path, "a.md", {"title": "A2", "blog_url": "https://old.example/a"})
    article_file(tmp_path, "new.md", {"title": "New"})
    with committed():
        report = import_articles([tmp_path], time_zone="UTC")
    assert [o.result for o in report.outcomes] == [Result.CONFLICT, Result.CREATED]
    assert heard == [(Change.CREATED, ids(Article.objects.get(title="New")))]
    heard.clear()

    article_file(tmp_path, "other.md", {"title": "Other"})
    with committed():
        report = import_articles([tmp_path], time_zone="UTC", dry_run=True, overwrite=True)
    assert report.count(Result.CREATED) == 1 and report.count(Result.UPDATED) == 1
    assert heard == []


def test_a_file_that_fails_mid_batch_is_never_announced(tmp_path, heard, committed, monkeypatch):
    for n, title in enumerate(["Before", "Trips a bug", "After"]):
        article_file(tmp_path, f"{n}.md", {"title": title})

    def write_or_explode(to_write, *args, **kwargs):
        if to_write.data.title == "Trips a bug":
            raise RuntimeError("disk on fire")
        return write_article(to_write, *args, **kwargs)

    write_article = writing._write_article
    monkeypatch.setattr(writing, "_write_article", write_or_explode)
    monkeypatch.setattr(writing.logger, "exception", lambda *args: None)
    with committed():
        import_articles([tmp_path], time_zone="UTC")
    # The batch rolled back and went again, in two, without the file: only what stands
    # is told, each batch as it commits.
    before, after = (Article.objects.get(title=title) for title in ("Before", "After"))
    assert heard == [(Change.CREATED, ids(before)), (Change.CREATED, ids(after))]


def test_an_image_brought_in_later_is_a_figure_change(tmp_path, heard, committed):
    meta = {"title": "Pictured", "img_alt": "A road", "page_image_src_rel": "road.jpg"}
    path = article_file(tmp_path, "a.md", meta)
    import_articles([path], time_zone="UTC")
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "road.jpg").write_bytes(image_file().read())
    with committed():
        report = import_articles([path], time_zone="UTC", images_root=tmp_path / "images")
    assert report.count(Result.UPDATED) == 1
    assert heard == [(Change.FIGURE_CHANGED, ids(Article.objects.get()))]


def test_export_then_import_announces_each_article_created_once(tmp_path, heard, committed):
    ArticleFactory.create_batch(3, tags=["t"], lead_figure=FigureFactory(image=""))
    export_articles(tmp_path)
    empty_database()
    heard.clear()
    with committed():
        report = import_articles([tmp_path], time_zone="UTC")
    assert report.count(Result.CREATED) == 3
    assert heard == [(Change.CREATED, ids(*Article.objects.all()))]
    heard.clear()
    with committed():
        import_articles([tmp_path], time_zone="UTC")
    assert heard == []


# --- The model and its managers ------------------------------------------------------------


def test_tags_set_through_the_manager_are_announced_when_they_change(heard, committed):
    article = ArticleFactory(tags=["a"])
    with committed():
        article.tags.add("b")
        article.tags.set(["a", "b"])  # no change
    with committed():
        article.tags.remove("a")
    with committed():
        article.tags.clear()
    assert heard == [(Change.TAGS_CHANGED, ids(article))] * 3
    assert list(article.tags.all()) == []


def test_a_rolled_back_write_is_not_announced(heard, committed):
    article = ArticleFactory(status=Article.Status.DRAFT)
    with committed():
        with pytest.raises(RuntimeError), transaction.atomic():
            article.publish()
            article.tags.add("x")
            raise RuntimeError("changed my mind")
        with transaction.atomic():
            article.headline = "Kept"
            article.save()
            with pytest.raises(RuntimeError), transaction.atomic():
                Article.objects.filter(pk=article.pk).delete()
                raise RuntimeError("not that")
    assert heard == [(Change.EDITED, ids(article))]


def test_a_failing_listener_neither_undoes_the_write_nor_silences_the_others(
    heard, committed, caplog
):
    def broken(**kwargs):
        raise ValueError("listener bug")

    article_changed.connect(broken, dispatch_uid="broken")
    try:
        with committed(), caplog.at_level(logging.ERROR, logger="articles.changes"):
            article = ArticleFactory()
    finally:
        article_changed.disconnect(dispatch_uid="broken")
    assert Article.objects.filter(pk=article.pk).exists()
    assert heard == [(Change.CREATED, ids(article))]
    assert "listener bug" in caplog.text


def test_kinds_gathered_together_keep_the_one_that_tells_most(heard, committed):
    first, second, third = (a.pk for a in ArticleFactory.create_batch(3))
    heard.clear()
    with committed(), announced_together():
        announce(Change.TAGS_CHANGED, [first, second])
        announce(Change.CREATED, [second])
        announce(Change.FIGURE_CHANGED, [third])
        announce(Change.EDITED, [third, first])
    assert heard == [(Change.CREATED, (second,)), (Change.EDITED, (first, third))]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_listeners_hear_after_the_commit_and_never_of_a_rollback(tmp_path, heard):
    in_transaction = []
    article_changed.connect(
        lambda **kwargs: in_transaction.append(connection.in_atomic_block),
        weak=False,
        dispatch_uid="when",
    )
    try:
        article_file(tmp_path, "a.md", {"title": "A"})
        import_articles([tmp_path], time_zone="UTC")
        with pytest.raises(RuntimeError), transaction.atomic():
            Article.objects.get().publish()
            raise RuntimeError("rolled back")
    finally:
        article_changed.disconnect(dispatch_uid="when")
    assert heard == [(Change.CREATED, ids(Article.objects.get()))]
    assert in_transaction == [False]


# --- Nothing writes articles around the path -----------------------------------------------

WRITES_AROUND_THE_PATH = {"update", "bulk_create", "bulk_update", "raw"}


def test_no_module_writes_articles_or_their_tags_around_the_write_path():
    """Article and TaggedArticle rows are written by models/writing.py alone: a queryset
    update() or bulk_create() elsewhere would never be announced."""
    found = []
    for path in (Path(settings.BASE_DIR) / "articles").rglob("*.py"):
        if path.name == "writing.py" and path.parent.name == "models" or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                root = node.func.value
                while isinstance(root, ast.Attribute | ast.Call):
                    root = root.func if isinstance(root, ast.Call) else root.value
                names = {"Article", "TaggedArticle", "through"}
                if node.func.attr in WRITES_AROUND_THE_PATH and getattr(root, "id", "") in names:
                    found.append(f"{path.name}:{node.lineno}")
    assert found == []
