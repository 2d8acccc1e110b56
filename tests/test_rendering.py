"""Article bodies: Markdown and pasted HTML become safe, valid HTML."""

from bs4 import BeautifulSoup

from articles.rendering import render_markdown

HOSTILE_BODY = (
    "</script><script>alert(1)</script>\n\n"
    "<img src=x onerror=alert(8)> and <a href=\"javascript:alert(9)\">a js link</a> and "
    '<a title="no address">a placeholder</a> and <iframe src="https://evil.example"></iframe>'
)


def elements(html, name):
    return BeautifulSoup(html, "html.parser").find_all(name)


def test_pasted_image_without_alt_gets_an_empty_one():
    # HTML requires alt on every <img>; without one, screen readers read out the file name.
    html = render_markdown('Text <img src="https://photos.example/a.jpg"> more.')
    (img,) = elements(html, "img")
    assert img["alt"] == ""
    assert img["src"] == "https://photos.example/a.jpg"


def test_markdown_image_keeps_its_alt_text_and_title():
    (img,) = elements(render_markdown('![A bridge at dawn](https://p.example/b.jpg "Dawn")'), "img")
    assert (img["alt"], img["title"]) == ("A bridge at dawn", "Dawn")


def test_body_images_load_lazily_whatever_the_source_says():
    html = render_markdown('<img src="https://p.example/c.jpg" alt="c" loading="eager">')
    (img,) = elements(html, "img")
    assert (img["loading"], img["decoding"]) == ("lazy", "async")


def test_link_whose_address_was_removed_has_no_rel():
    # rel is only allowed on a link with an href (the Nu HTML checker reports an error).
    links = elements(render_markdown(HOSTILE_BODY), "a")
    assert [link.get_text() for link in links] == ["a js link", "a placeholder"]
    for link in links:
        assert not link.has_attr("href") and not link.has_attr("rel")
    assert links[1]["title"] == "no address"


def test_links_within_the_site_have_no_rel():
    html = render_markdown(
        "See [our report](/articles/budget/), [below](#notes) and [theirs](//other.example/x)."
    )
    ours, below, theirs = elements(html, "a")
    assert not ours.has_attr("rel") and not below.has_attr("rel")
    assert theirs["rel"] == ["noopener", "noreferrer", "nofollow"]


def test_markdown_links_to_scripts_stay_text():
    html = render_markdown("[a js link](javascript:alert(9)) [data](data:text/html;base64,x)")
    assert elements(html, "a") == []
    assert "[a js link](javascript:alert(9))" in BeautifulSoup(html, "html.parser").get_text()


def test_real_links_keep_their_address_and_rel():
    (link,) = elements(render_markdown("See [the report](https://city.example/r?a=1&b=2)."), "a")
    assert link["href"] == "https://city.example/r?a=1&b=2"
    assert link["rel"] == ["noopener", "noreferrer", "nofollow"]


def test_hostile_body_leaves_nothing_that_runs():
    html = render_markdown(HOSTILE_BODY)
    for raw in ("<script", "onerror", "javascript:", "<iframe"):
        assert raw not in html
    assert elements(html, "script") == [] and elements(html, "iframe") == []
    # What the site does not keep as markup is shown as written, never run.
    text = BeautifulSoup(html, "html.parser").get_text()
    assert "</script><script>alert(1)</script>" in text
    assert '<iframe src="https://evil.example"></iframe>' in text
    (img,) = elements(html, "img")
    assert img["alt"] == "" and sorted(img.attrs) == ["alt", "decoding", "loading", "src"]


def test_attribute_values_with_quotes_and_angle_brackets_stay_intact():
    html = render_markdown('<img src="https://p.example/d.jpg" title="a &quot;b&quot; > c">')
    (img,) = elements(html, "img")
    assert img["title"] == 'a "b" > c' and img["alt"] == ""
