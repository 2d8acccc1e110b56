"""Search result excerpts, on SQLite and PostgreSQL alike: whole words, a sentence's start
when one is near, an ellipsis wherever text was left out, the matched words marked and
everything else escaped."""

import random

import pytest
from bs4 import BeautifulSoup

from articles.snippets import around_excerpt, around_words, text_of_html
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

FILLER = (
    "The committee published its findings on Monday after a long review of the old "
    "harbour records, which had been kept in the basement of the town hall for decades."
)


def snippets(client, query):
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    page = BeautifulSoup(response.content.decode(), "html.parser")
    return [card.select_one(".card__snippet") for card in page.select(".card")]


def only_snippet(client, query):
    (snippet,) = snippets(client, query)
    assert snippet is not None, "no excerpt"
    assert {tag.name for tag in snippet.find_all(True)} <= {"mark"}
    return snippet


def words_of(snippet):
    """The excerpt's words, and whether text was left out before and after it."""
    words = snippet.get_text().split()
    cut_before, cut_after = words[:1] == ["…"], words[-1:] == ["…"]
    return words[cut_before : len(words) - cut_after], cut_before, cut_after


def is_a_run_of(words, text):
    """`words` are consecutive whole words (between spaces) of `text`."""
    tokens = text.split()
    return any(tokens[i : i + len(words)] == words for i in range(len(tokens)))


def test_an_excerpt_starts_at_the_sentence_of_the_match_and_says_where_it_was_cut(client):
    body = (
        f"{FILLER} {FILLER}\n\nResidents said they weren’t told about the glacier study "
        f"until the vote, and many asked why. {FILLER} {FILLER}"
    )
    ArticleFactory(headline="Council vote", body=body)
    words, cut_before, cut_after = words_of(only_snippet(client, "glacier"))
    assert cut_before and cut_after
    assert " ".join(words[:8]) == "Residents said they weren’t told about the glacier"
    assert is_a_run_of(words, body)
    assert [mark.get_text() for mark in only_snippet(client, "glacier").find_all("mark")] == [
        "glacier"
    ]


def test_every_matched_word_is_marked_whole(client):
    body = "Glaciers retreat. The glacier near the village lost a glacier’s width."
    ArticleFactory(headline="Ice", body=body)
    marks = [mark.get_text() for mark in only_snippet(client, "glacier").find_all("mark")]
    assert marks == ["Glaciers", "glacier", "glacier’s"]


def test_a_short_body_is_shown_whole_and_escaped(client):
    ArticleFactory(headline="Prices", body="Profits at AT&T rose as 5 < 7, the *mayor* said.")
    snippet = only_snippet(client, "mayor")
    assert snippet.get_text() == "Profits at AT&T rose as 5 < 7, the mayor said."
    assert [mark.get_text() for mark in snippet.find_all("mark")] == ["mayor"]


def test_a_match_in_the_headline_alone_shows_the_beginning_of_the_body(client):
    body = f"{FILLER} {FILLER} {FILLER}"
    ArticleFactory(headline="Zeppelin returns", body=body)
    words, cut_before, cut_after = words_of(only_snippet(client, "zeppelin"))
    assert not cut_before and cut_after
    assert body.split()[: len(words)] == words and len(words) >= 30


def test_a_match_near_the_end_shows_what_comes_before_it(client):
    body = f"{FILLER} {FILLER} {FILLER} In the end the zeppelin landed."
    ArticleFactory(headline="Air", body=body)
    words, cut_before, cut_after = words_of(only_snippet(client, "zeppelin"))
    assert cut_before and not cut_after
    assert words[-4:] == ["end", "the", "zeppelin", "landed."]
    assert len(words) >= 30 and is_a_run_of(words, body)


# Words that PostgreSQL's parser splits (at apostrophes, ampersands, dots, hyphens) and
# that an excerpt must never cut.
TRICKY_WORDS = [
    "weren’t", "don't", "O’Brien’s", "AT&T", "U.S.", "co-operate", "“Yes,”", "(maybe)",
    "it’s", "e-mail", "3.5%", "rock’n’roll", "isn’t", "we’d", "a", "I", "the", "of",
]  # fmt: skip


@pytest.mark.parametrize("seed", range(12))
def test_excerpts_never_cut_a_word(client, seed):
    rng = random.Random(seed)
    plain = ["river", "bank", "water", "boats", "market", "morning", "street", "people"]
    words = [rng.choice(TRICKY_WORDS + plain) for _ in range(rng.randint(40, 140))]
    target = f"zebra{'abcdefghijkl'[seed]}"
    words.insert(rng.randrange(len(words)), target)
    article = ArticleFactory(headline="Animals", body=" ".join(words))
    shown, cut_before, cut_after = words_of(only_snippet(client, target))
    tokens = text_of_html(article.body_html).split()  # with the typographer's quotes
    starts = [i for i in range(len(tokens)) if tokens[i : i + len(shown)] == shown]
    assert len(starts) == 1, (shown, tokens)
    start = starts[0]
    assert target in shown
    assert cut_before == (start > 0) and cut_after == (start + len(shown) < len(tokens))


# The same rules without a database ----------------------------------------------------


def test_an_excerpt_from_postgresql_is_widened_to_whole_words():
    text = "They weren’t told. Prices at AT&T rose, the mayor said. " + FILLER
    # ts_headline's edges fall inside words: "weren’t" ends as "weren", "AT&T" begins as "T".
    excerpt = around_excerpt(text, "T rose, the <mark>mayor</mark> said. The committee")
    shown = BeautifulSoup(excerpt, "html.parser")
    assert shown.get_text().startswith("… Prices at AT&T rose, the mayor said. The committee")
    assert [mark.get_text() for mark in shown.find_all("mark")] == ["mayor"]
    cut = around_excerpt("They weren’t told anything at all.", "They weren")
    assert str(cut) == "They weren’t told anything at all."


def test_an_excerpt_postgresql_made_of_other_text_still_marks_its_words():
    shown = around_excerpt("The mayor spoke.", "the <mark>Mayor</mark> spoke  ")
    assert str(shown) == "The <mark>mayor</mark> spoke."


def test_nothing_to_show_is_an_empty_excerpt():
    assert around_words("", ["river"]) == "" and around_excerpt("", "") == ""
    assert around_words("   \n ", []) == ""
