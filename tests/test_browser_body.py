"""An article body using every element the Markdown (and the HTML it keeps) allows, in a
real browser: readable on a phone and on a desktop."""

import pytest

from tests.factories import ArticleFactory

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.browser,
]

EVERY_ELEMENT = """\
The opening paragraph has *emphasis*, **strong words**, ~~a retraction~~, `inline code`,
a [link](https://example.com/report), <kbd>Ctrl</kbd> + <kbd>C</kbd>, H<sub>2</sub>O and
E = mc<sup>2</sup>, the <abbr title="World Health Organization">WHO</abbr>, <mark>marked
text</mark>, <small>small print</small>, <ins>an insertion</ins>, <del>a deletion</del>,
<q>a short quote</q> from <cite>The Annual Report</cite>, <u>underlined</u>, <b>bold</b>,
<i>italic</i> and <s>outdated</s> words, and a line broken here\\
to go on.

# A heading the editor wrote as the first level

## A second-level heading

### A third-level heading

#### A fourth-level heading

##### A fifth-level heading

###### A sixth-level heading

> A quotation that runs over a few lines to show how a long blockquote wraps within the
> column on a narrow screen.
>
> — A second paragraph in the quotation

- First item
- Second item with a nested list:
  - Nested item
  - Another nested item
    1. Deeper, ordered
    2. And its sibling
- Third item

3. An ordered list that starts at three
4. Four

Casualty
: A person killed or injured in a war or accident.

Estimate
: A rough calculation of the value, number or quantity.

---

| Year | Deaths | Injured | Region | Source of the figures, as published | Notes |
| ---- | -----: | ------: | :----: | ----------------------------------- | ----- |
| 2024 | 12 | 140 | North | Regional health authority, annual report | Provisional |
| 2025 | 27 | 311 | South | Ministry of the Interior, press release | Revised twice |
| 2026 | 31 | 402 | East | Independent monitoring group, quarterly | Disputed |

<table><caption>Seats after the election</caption><thead><tr><th>Party</th><th>Seats</th></tr>
</thead><tbody><tr><td>Greens</td><td>12</td></tr></tbody><tfoot><tr><td>Total</td>
<td>12</td></tr></tfoot></table>

```python
def casualties(report):
    return sum(row.deaths for row in report.rows if row.region in {"North", "South", "East"})
```

![A chart of the figures](/static/images/share.png "The figures")

<figure><img src="/static/images/logo.png" alt="The logo"><figcaption>A figure with its
caption.</figcaption></figure>

The closing paragraph.
"""

PHONE, DESKTOP = 390, 1280


@pytest.fixture
def article():
    return ArticleFactory(headline="Every element", body=EVERY_ELEMENT)


@pytest.mark.parametrize("width", [PHONE, DESKTOP])
def test_table_columns_are_separated_and_the_page_does_not_scroll_sideways(
    page, article, width
):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(article.get_absolute_url())
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    # The text of neighbouring cells is at least half a line-height apart ("2026 31").
    gaps = page.evaluate(
        """() => {
            const row = document.querySelector(".article__body tbody tr");
            const boxes = [...row.cells].map(cell => {
                const range = document.createRange();
                range.selectNodeContents(cell);
                return range.getBoundingClientRect();
            });
            return boxes.slice(1).map((box, i) => box.left - boxes[i].right);
        }"""
    )
    assert min(gaps) >= 9, gaps
    padding = page.eval_on_selector(
        ".article__body td + td", "td => parseFloat(getComputedStyle(td).paddingLeft)"
    )
    assert padding > 0
    # The table scrolls within its own region, which stays inside the viewport.
    region = page.eval_on_selector(
        ".article__body .table-scroll",
        """div => ({overflow: getComputedStyle(div).overflowX,
                   right: div.getBoundingClientRect().right,
                   scrolls: div.scrollWidth > div.clientWidth})""",
    )
    assert region["overflow"] == "auto" and region["right"] <= width
    assert region["scrolls"] == (width == PHONE)


def test_every_element_is_styled_for_reading(page, article):
    page.goto(article.get_absolute_url())

    def style(selector, prop):
        return page.eval_on_selector(
            f".article__body {selector}", f"el => getComputedStyle(el).{prop}"
        )

    paper = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert style(":not(pre) > code", "backgroundColor") not in (paper, "rgba(0, 0, 0, 0)")
    assert style("pre", "overflowX") == "auto"
    assert style("pre code", "backgroundColor") == "rgba(0, 0, 0, 0)"
    assert float(style("blockquote", "borderLeftWidth").removesuffix("px")) >= 3
    assert float(style("hr", "borderTopWidth").removesuffix("px")) >= 1
    assert float(style("thead th", "borderBottomWidth").removesuffix("px")) >= 2
    assert style("td.align-right", "textAlign") == "right"
    assert style("caption", "textAlign") in ("left", "start")
    assert style("dt", "fontWeight") == "700"
    assert float(style("dd", "marginLeft").removesuffix("px")) > 0
    assert float(style("kbd", "borderTopWidth").removesuffix("px")) >= 1
    assert style("del", "textDecorationLine") == "line-through"
    # sub and sup do not push their lines apart.
    assert style("sup", "lineHeight") == style("sub", "lineHeight") == "0px"
    # A nested list sits close to its item, not a paragraph's space away.
    assert float(style("ul ul", "marginBottom").removesuffix("px")) == 0
    assert float(style("ul ul", "marginTop").removesuffix("px")) < 10
