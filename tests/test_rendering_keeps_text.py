"""Article bodies: nothing the editor wrote disappears from the page.

HTML parsers swallow text after some constructs: everything after an unclosed <style> or
<!-- is gone, and the sanitiser drops the content of others. What the site does not keep as
markup is shown as written, and the editor is told where.
"""

import random
import re
from importlib import import_module

import pytest
from bs4 import BeautifulSoup, Comment
from django.apps import apps

from articles.models import Article
from articles.rendering import markup_shown_as_text, render_markdown
from tests.factories import ArticleFactory

# Every element whose content the sanitiser drops, or whose start tag makes the HTML parser
# read what follows differently (raw text, RCDATA, foreign content, forms, frames...).
SWALLOWING_ELEMENTS = [
    "script", "style", "textarea", "title", "xmp", "noscript", "iframe", "noembed",
    "noframes", "plaintext", "template", "select", "option", "svg", "math", "object",
    "embed", "head", "body", "html", "frameset", "frame", "video", "audio", "canvas",
    "button", "form", "input", "image", "base", "link", "meta", "applet", "listing",
]  # fmt: skip
# Comments, closed or not, CDATA sections, processing instructions and declarations.
HIDDEN_CONSTRUCTS = [
    "<!-- {words} -->", "<!-- {words}", "<!--{words}-->", "<!---->", "<!-->", "{words} -->",
    "<![CDATA[ {words} ]]>", "<![CDATA[ {words}", "<?php {words} ?>", "<?xml {words}",
    "<!DOCTYPE html>", "<!ELEMENT {words}>",
]  # fmt: skip
# Names that are not HTML at all: the parser makes elements of them, the sanitiser drops
# them, and with them the name the editor typed ("Write to <John Smith>").
UNKNOWN_TAGS = ["<John Smith>", "<foo-bar>", "</Alice>", "<Name@Host>"]
BROKEN_TAGS = ['<div title="{words}', "<a href='{words}", "<span", '<img alt="{words}']
KEPT_MARKUP = ["<b>", "</b>", "<em>{words}</em>", "<span>", "</span>", "<div>", "</div>", "<br>"]


def visible_words(html):
    return re.findall(r"[a-z]+", BeautifulSoup(html, "html.parser").get_text())


def is_subsequence(wanted, words):
    remaining = iter(words)
    return all(word in remaining for word in wanted)


def test_a_style_tag_in_a_sentence_keeps_the_paragraphs_after_it():
    source = (
        "Developers use the <style> tag for CSS.\n\n"
        "The second paragraph explains why.\n\nThe third one ends the story."
    )
    page = BeautifulSoup(render_markdown(source), "html.parser")
    assert [p.get_text() for p in page.find_all("p")] == [
        "Developers use the <style> tag for CSS.",
        "The second paragraph explains why.",
        "The third one ends the story.",
    ]
    assert page.find("style") is None


@pytest.mark.parametrize("name", SWALLOWING_ELEMENTS)
@pytest.mark.parametrize("at_line_start", [False, True], ids=["in-a-line", "line-start"])
def test_an_element_the_site_does_not_keep_is_shown_as_written(name, at_line_start):
    opening = f"<{name}>" if at_line_start else f"Use <{name}> here."
    source = f"{opening}\n\nThe *next* paragraph.\n\n- a list item"
    html = render_markdown(source)
    page = BeautifulSoup(html, "html.parser")
    assert f"<{name}>" in page.get_text()
    assert page.find(name) is None
    # What follows is still Markdown, not text swallowed by the element.
    assert page.find("em").get_text() == "next"
    assert page.find("li").get_text() == "a list item"


@pytest.mark.parametrize("construct", [c.format(words="a note") for c in HIDDEN_CONSTRUCTS])
@pytest.mark.parametrize("at_line_start", [False, True], ids=["in-a-line", "line-start"])
def test_comments_cdata_and_instructions_are_shown_as_written(construct, at_line_start):
    source = f"{construct} after\n\nThe *next* paragraph." if at_line_start else (
        f"Before {construct} after\n\nThe *next* paragraph."
    )
    html = render_markdown(source)
    page = BeautifulSoup(html, "html.parser")
    text = page.get_text()
    assert " ".join(construct.split()) in " ".join(text.split())
    assert "after" in text
    assert page.find("em").get_text() == "next"
    assert not page.find_all(string=lambda s: isinstance(s, Comment))


def test_a_name_in_angle_brackets_stays_on_the_page():
    html = render_markdown("Write to <John Smith> or <foo-bar> today.")
    assert BeautifulSoup(html, "html.parser").get_text().strip() == (
        "Write to <John Smith> or <foo-bar> today."
    )


def test_an_unclosed_attribute_does_not_swallow_the_paragraphs_after_it():
    html = render_markdown('<div title="unclosed\n\nSecond *paragraph*.\n\nThird" end.')
    page = BeautifulSoup(html, "html.parser")
    assert page.find("em").get_text() == "paragraph"
    assert "Third" in page.get_text()


def test_markup_the_site_keeps_is_still_markup():
    html = render_markdown(
        '<div>A <b>bold</b> word, <span class="x">a span</span>, <em>emphasis</em>.</div>\n\n'
        'Inline <sup>1</sup> and <a href="https://a.example/">a link</a>.'
    )
    page = BeautifulSoup(html, "html.parser")
    text = " ".join(page.get_text().split())
    assert text == "A bold word, a span, emphasis. Inline 1 and a link."
    assert [tag.name for tag in page.find_all(True)] == ["b", "em", "p", "sup", "a"]


def test_html_inside_a_kept_block_is_shown_when_it_would_swallow_text():
    html = render_markdown("<div>\nKeep <style> this and <!-- this\n</div>\n\nAnd *this*.")
    page = BeautifulSoup(html, "html.parser")
    assert "Keep <style> this and <!-- this" in page.get_text()
    assert page.find("em").get_text() == "this"


def random_body(rng):
    """A body of a few paragraphs mixing prose with every kind of markup above, at the
    start of lines and within them; returns it with the words a reader must see."""
    wanted = []

    def words(count):
        chosen = ["".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=7)) for _ in range(count)]
        wanted.extend(chosen)
        return " ".join(chosen)

    def markup():
        kind = rng.random()
        if kind < 0.35:
            name = rng.choice(SWALLOWING_ELEMENTS)
            return rng.choice([f"<{name}>", f"</{name}>", f'<{name} class="x">'])
        pool = HIDDEN_CONSTRUCTS if kind < 0.6 else UNKNOWN_TAGS + BROKEN_TAGS + KEPT_MARKUP
        template = rng.choice(pool)
        if "{words}" not in template:
            return template
        return template.format(words=words(rng.randint(1, 3)))

    paragraphs = []
    for _ in range(rng.randint(2, 5)):
        lines = []
        for _ in range(rng.randint(1, 3)):
            pieces = [markup() if rng.random() < 0.4 else words(rng.randint(1, 4))
                      for _ in range(rng.randint(1, 5))]  # fmt: skip
            lines.append(" ".join(pieces))
        paragraphs.append("\n".join(lines))
    return "\n\n".join(paragraphs), wanted


@pytest.mark.parametrize("seed", range(400))
def test_every_word_the_editor_wrote_reaches_the_reader(seed):
    source, wanted = random_body(random.Random(seed))
    html = render_markdown(source)
    assert is_subsequence(wanted, visible_words(html)), (source, html)
    page = BeautifulSoup(html, "html.parser")
    for name in SWALLOWING_ELEMENTS:
        assert page.find(name) is None, (name, source)
    assert not page.find_all(string=lambda s: isinstance(s, Comment))


def test_the_editor_is_told_which_lines_show_html_as_text():
    source = (
        "A first paragraph.\n\n"
        "Developers use the <style> tag.\n\n"
        "<!-- a note to the desk -->\n\n"
        "| a | b |\n| - | - |\n| <script> | 2 |\n\n"
        "Plain text with a < b, <b>bold</b>, `<code>` and <John Smith>."
    )
    assert markup_shown_as_text(source) == [
        (3, "<style>"),
        (5, "<!-- a note to the desk -->"),
        (9, "<script>"),
        (11, "<John Smith>"),
    ]
    article = ArticleFactory.build(body=source, description="d" * 140)
    (warning,) = article.publishing_warnings()
    assert warning == (
        "The body has HTML that readers will see as text, as written: "
        "“<style>” (line 3), “<!-- a note to the desk -->” (line 5), “<script>” (line 9), "
        "“<John Smith>” (line 11). Delete it, or put it in `backticks` to show code."
    )
    assert markup_shown_as_text("Only **Markdown** and <em>kept</em> HTML.") == []
    many = ArticleFactory.build(body="<style>\n" * 7, description="d" * 140)
    assert many.publishing_warnings()[0].endswith(
        "“<style>” (line 5) and 2 more. Delete it, or put it in `backticks` to show code."
    )


@pytest.mark.django_db
def test_a_migration_renders_the_bodies_published_before_again():
    migration = import_module("articles.migrations.0011_render_bodies_showing_html_as_text")
    cut = ArticleFactory(body="Developers use the <style> tag.\n\nA second paragraph.")
    intact = ArticleFactory(body="Nothing *hidden*.")
    Article.objects.filter(pk=cut.pk).update(body_html="<p>Developers use the </p>")
    stamps = dict(Article.objects.values_list("pk", "updated_at"))

    migration.render_bodies(apps, None)

    cut.refresh_from_db()
    text = " ".join(BeautifulSoup(cut.body_html, "html.parser").get_text().split())
    assert text == "Developers use the <style> tag. A second paragraph."
    intact.refresh_from_db()
    assert intact.body_html == "<p>Nothing <em>hidden</em>.</p>\n"
    assert dict(Article.objects.values_list("pk", "updated_at")) == stamps
