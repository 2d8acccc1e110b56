"""Ghost posts exported without their html: a Ghost 5 post's `lexical` and a Ghost 4 post's
`mobiledoc` (tests/data/ghost/lexical.json, mobiledoc.json) rendered to HTML, then read as
any post's HTML; what cannot be rendered is named, with the post, never dropped unsaid."""

import json
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.conf import settings

from articles.importing import Result
from articles.importing.ghost_documents import (
    MAX_DEPTH,
    DocumentError,
    render_lexical,
    render_mobiledoc,
)
from articles.models import Article
from tests.test_importing import run

DATA = Path(settings.BASE_DIR) / "tests" / "data" / "ghost"
SITE = "https://rail.example.org"


def body_of(client, slug):
    response = client.get(f"/articles/{slug}/")
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser").select_one(".article__body")


def texts(elements):
    return [" ".join(element.get_text().split()) for element in elements]


@pytest.mark.django_db
def test_a_ghost_5_post_with_only_its_lexical_is_rendered_on_its_page(client):
    path = DATA / "lexical.json"
    report = run(path, site_url=SITE)
    [outcome] = report.outcomes
    assert outcome.result == Result.CREATED
    # The card and the marker there is no HTML for are named with the post; so is the
    # image card's picture, which this run (no --images-root) cannot make a figure of.
    post = f"{path}: post 7750a1b2c3d4e5f601000001 'Night trains, the whole story'"
    assert report.warning_lines() == [
        f"{post}: lexical: not imported (no HTML for them): 1 'paywall' marker "
        "(nothing to show), 1 'product' card",
        f"{post}: body: 1 image(s) not brought over, left at their old address: "
        "https://rail.example.org/content/images/2024/05/carriage.jpg "
        "(give --images-root or --fetch-images)",
    ]
    body = body_of(client, "night-trains-story")
    first = body.find("p")
    assert first.strong.get_text() == "Lviv" and first.em.get_text() == "back"
    assert first.a["href"] == f"{SITE}/rail-timetable/"  # __GHOST_URL__ with --site-url
    assert first.a.get_text() == "see the timetable"
    assert texts(body.find_all("h2")) == ["Tickets"]
    assert texts(body.select("ul > li")) == ["Couchettes", "Sleepers"]
    ordered = body.find("ol")
    assert texts(ordered.find_all("li")) == ["Buy", "Board"] and ordered["start"] == "3"
    quotes = texts(body.find_all("blockquote"))
    assert quotes == ["We waited ten years for this.", "💡 Book two weeks ahead."]
    line = body.find("code", string="UZ-42").parent
    assert line.find("br") is not None and line.find(["s", "del"]).get_text() == "€40"
    assert body.find("hr") is not None
    assert "print('all aboard')" in body.find("pre").get_text()
    assert "Prices may change." in texts(body.find_all("p"))  # the HTML card
    markdown_card = body.find("a", href="https://rail.example/md")
    assert markdown_card.get_text() == "a link" and markdown_card.find_previous("strong")
    links = {a["href"]: a.get_text() for a in body.find_all("a")}
    assert links["https://news.example/lviv-station"] == "Lviv station at 150"  # bookmark
    assert links["https://www.youtube.com/watch?v=abc123"] == "The night train, filmed"  # embed
    assert links["https://rail.example/buy"] == "Buy tickets"  # button
    assert texts(body.find_all("p"))[-1] == "The end."
    article = Article.objects.get(slug="night-trains-story")
    assert "```python\nprint('all aboard')\n```" in article.body
    assert f"![A sleeper carriage]({SITE}/content/images/2024/05/carriage.jpg)" in article.body
    assert "*Inside a sleeper carriage.*" in article.body
    assert "Rail pass" not in article.body  # the product card, named above


@pytest.mark.django_db
def test_a_ghost_4_post_with_only_its_mobiledoc_is_rendered_on_its_page(client):
    path = DATA / "mobiledoc.json"
    report = run(path)
    assert [o.result for o in report.outcomes] == [Result.CREATED]
    assert report.warning_lines() == [
        f"{path}: post 7750a1b2c3d4e5f601000002 'Station names, a history': mobiledoc: "
        "not imported (no HTML for them): 1 'signup' card",
        f"{path}: post 7750a1b2c3d4e5f601000002 'Station names, a history': body: "
        "1 image(s) not brought over, left at their old address: "
        "/content/images/2021/03/station.jpg (give --images-root or --fetch-images)",
    ]
    body = body_of(client, "station-names-history")
    first = body.find("p")
    assert first.strong.get_text() == "Lvivska"
    # Markups opened in one marker and closed in a later one: the link holds both.
    link = first.find("a", href="https://rail.example/history")
    assert link.get_text() == "Lviv Central" and link.em.get_text() == "Central"
    assert texts(body.find_all("h2")) == ["History"]
    assert texts(body.select("ol > li")) == ["First name", "Second name"]
    quote = body.find("blockquote")
    assert quote.find("br") is not None  # the soft-return atom
    assert " ".join(quote.get_text().split()) == "Old names stay in use. For a while."
    assert body.find("hr") is not None
    assert body.find("em", string="markdown") and body.find("strong", string="HTML")
    assert body.find("a", href="https://news.example/names").get_text() == "Names of stations"
    assert texts(body.find_all("p"))[-1] == "The end."
    article = Article.objects.get(slug="station-names-history")
    assert "![Lviv station](/content/images/2021/03/station.jpg)" in article.body
    assert "Sign up" not in article.body and "Subscribe" not in article.body


@pytest.mark.django_db
def test_a_rerun_of_rendered_posts_changes_nothing():
    run(DATA / "lexical.json", DATA / "mobiledoc.json")
    report = run(DATA / "lexical.json", DATA / "mobiledoc.json")
    assert report.count(Result.UNCHANGED) == 2 and not report.warning_lines()


@pytest.mark.django_db
def test_a_document_that_cannot_be_read_falls_back_to_the_plain_text_and_says_so(tmp_path):
    data = json.loads((DATA / "mobiledoc.json").read_text(encoding="utf-8"))
    post = data["db"][0]["data"]["posts"][0]
    post["mobiledoc"] = json.dumps({"version": "0.3.1", "sections": [[10, 7]], "cards": []})
    path = tmp_path / "export.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    report = run(path)
    assert report.warning_lines() == [
        f"{path}: post 7750a1b2c3d4e5f601000002 'Station names, a history': mobiledoc: cannot "
        "be read (a card index 7 that is not in the document): the post's plain text was "
        "imported; its formatting, images and cards were not"
    ]
    assert Article.objects.get().body == "Station names change."


def test_an_unknown_lexical_element_keeps_its_text_and_is_named():
    rendered = render_lexical(
        json.dumps(
            {
                "root": {
                    "type": "root",
                    "children": [
                        {
                            "type": "paragraph",
                            "children": [
                                {
                                    "type": "hashtag",
                                    "children": [{"type": "text", "text": "#rail"}],
                                },
                                {"type": "text", "text": " <b>not markup</b>", "format": 3},
                            ],
                        },
                        {"type": "signup", "header": "Join"},
                        {"type": "signup"},
                    ],
                }
            }
        )
    )
    assert rendered.html == ("<p>#rail<strong><em> &lt;b&gt;not markup&lt;/b&gt;</em></strong></p>")
    assert rendered.skipped_text() == "1 'hashtag' node (its text kept), 2 'signup' cards"


@pytest.mark.parametrize(
    ("render", "source", "message"),
    [
        (render_lexical, "{", "not valid JSON"),
        (render_lexical, '{"root": []}', 'expected an object with a "root" node'),
        (render_mobiledoc, '{"version": "0.3.1"}', 'expected an object with "sections"'),
        (render_mobiledoc, '{"sections": [[1, "p", [[0, [4], 0, "x"]]]]}', "a markup index 4"),
        (render_mobiledoc, '{"sections": [[1, "p", [[0, [], 0]]]]}', "a marker that is not"),
        (render_mobiledoc, '{"sections": [5]}', "a section that is not a list"),
    ],
)
def test_a_document_not_shaped_as_ghost_writes_it_is_refused_by_name(render, source, message):
    with pytest.raises(DocumentError, match=message):
        render(source)


def test_a_lexical_document_nested_deeper_than_any_editor_writes_is_refused():
    node = {"type": "text", "text": "deep"}
    for _ in range(MAX_DEPTH + 5):
        node = {"type": "quote", "children": [node]}
    with pytest.raises(DocumentError, match=f"nested more than {MAX_DEPTH} deep"):
        render_lexical(json.dumps({"root": {"type": "root", "children": [node]}}))


def test_an_embed_without_its_address_hands_its_html_on_to_be_read_like_any():
    embed = {"type": "embed", "html": '<blockquote class="tweet"><p>All aboard</p></blockquote>'}
    rendered = render_lexical(json.dumps({"root": {"type": "root", "children": [embed]}}))
    assert rendered.html == embed["html"] and not rendered.skipped
