"""Tables in bodies: each in its own scrolling region, columns aligned as the Markdown says."""

from bs4 import BeautifulSoup

from articles.rendering import render_markdown

TABLE = "| Year | Deaths | Region |\n| ---- | -----: | :----: |\n| 2026 | 31 | North |\n"


def test_a_table_scrolls_in_a_region_of_its_own_that_keyboards_reach():
    # A wide table scrolls sideways within the column instead of widening the page; a
    # scrolling region must be reachable by keyboard and named for screen readers.
    page = BeautifulSoup(render_markdown(f"{TABLE}\nText.\n\n{TABLE}"), "html.parser")
    regions = page.select("div.table-scroll")
    assert [region.table is not None for region in regions] == [True, True]
    assert [region["role"] for region in regions] == ["region", "region"]
    assert [region["tabindex"] for region in regions] == ["0", "0"]
    assert [region["aria-label"] for region in regions] == ["Table 1", "Table 2"]


def test_a_table_with_a_caption_is_named_by_it():
    html = render_markdown(
        "<table><caption>Deaths by year</caption><tr><th>Year</th></tr></table>"
    )
    region = BeautifulSoup(html, "html.parser").select_one("div.table-scroll")
    assert region.table.caption.get_text() == "Deaths by year"
    assert region["aria-label"] == "Table 1: Deaths by year"


def test_column_alignment_survives_as_a_class():
    # markdown-it writes style="text-align:…", which the sanitiser removes (and a
    # Content-Security-Policy would refuse): alignment goes in a class instead.
    page = BeautifulSoup(render_markdown(TABLE), "html.parser")
    cells = [(cell.name, cell.get("class")) for cell in page.select("th, td")]
    assert cells == [
        ("th", None), ("th", ["align-right"]), ("th", ["align-center"]),
        ("td", None), ("td", ["align-right"]), ("td", ["align-center"]),
    ]  # fmt: skip
    assert "style=" not in str(page)


def test_pasted_classes_and_styles_on_cells_are_dropped():
    html = render_markdown(
        '<table><tr><td class="align-left evil" style="color:red">a</td></tr></table>'
    )
    (cell,) = BeautifulSoup(html, "html.parser").select("td")
    assert cell.get("class") == ["align-left"] and not cell.has_attr("style")


def test_a_code_block_which_may_scroll_sideways_is_reachable_by_keyboard():
    html = render_markdown("```\nwide code\n```\n\n<pre>pasted</pre>")
    blocks = BeautifulSoup(html, "html.parser").select("pre")
    assert [block.get("tabindex") for block in blocks] == ["0", "0"]
