from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import Q, Subquery

# From this page on, the links to the next and previous pages carry the id of the last
# (or first) article shown: the page they lead to reads on from there in the listing
# index (keyset pagination) instead of skipping every article before it (OFFSET: a tag's
# page 1,000 took 43 ms of PostgreSQL's time at 100,000 articles, its keyset page 3 ms).
# Such an address always shows the same articles, whatever is published since, so
# crawlers see stable pages. Earlier pages keep their plain ?page=N.
KEYSET_FROM = 10
# The order keyset pages read in: the listings' (Article's Meta.ordering).
KEYSET_ORDER = ["-published_at", "-pk"]
CURSOR_MAX = 2**63 - 1  # a bigint: larger ids exist nowhere, and PostgreSQL would refuse
# A page whose OFFSET would not fit in a bigint (SQLite's integer too) is past any end:
# the database would refuse the query (a 500), not answer it empty.
OFFSET_MAX = 2**63 - 1


def page_number(number, per_page, error_messages):
    """Django's check of a page number, less its comparison with the number of pages (a
    count), plus one that the page's OFFSET fits the database's integers."""
    try:
        if isinstance(number, float) and not number.is_integer():
            raise ValueError
        number = int(number)
    except (TypeError, ValueError):
        raise PageNotAnInteger(error_messages["invalid_page"]) from None
    if number < 1:
        raise EmptyPage(error_messages["min_page"])
    if number * per_page + 1 > OFFSET_MAX:
        raise EmptyPage(error_messages["no_results"])
    return number


class UncountedPaginator(Paginator):
    """Pages told apart without counting the list: a page reads one row more than it shows,
    which says whether there is a next one. Django's paginator counts every row first, a
    whole-table COUNT(*) on each request of the home page (100 ms at 100,000 articles on
    PostgreSQL, where reading a page takes under one).

    A number past the end is an EmptyPage, so the views answer 404. `count` and
    `num_pages` still work (and then count): Django's `?page=last` asks for them.
    """

    uncounted = True  # templates then show no "of N pages"

    def __init__(self, object_list, per_page, *, after=None, before=None, **kwargs):
        """`after` (or `before`): the id from an ?after= (?before=) link, as given."""
        super().__init__(object_list, per_page, **kwargs)
        self.after, self.before = after, before

    @property
    def keyset(self):
        """Whether pages can read on from an article: the list is in KEYSET_ORDER."""
        ordering = list(self.object_list.query.order_by) or self.object_list.model._meta.ordering
        return list(ordering) == KEYSET_ORDER

    def validate_number(self, number):
        return page_number(number, self.per_page, self.error_messages)

    def page(self, number):
        number = self.validate_number(number)
        cursor = self.cursor()
        if cursor is not None:
            return self.keyset_page(number, *cursor)
        bottom = (number - 1) * self.per_page
        # The page's ids first, in a subquery: OFFSET then skips index entries alone (an
        # index-only scan), not whole rows, and a deep page costs little more than the first.
        shown = self.object_list.values("pk")[bottom : bottom + self.per_page + 1]
        rows = list(self.object_list.filter(pk__in=shown))
        if not rows and (number > 1 or not self.allow_empty_first_page):
            raise EmptyPage(self.error_messages["no_results"])
        return LookaheadPage(
            rows[: self.per_page], number, self, has_next=len(rows) > self.per_page
        )

    def cursor(self):
        """("after" or "before", an article's id) from the link followed, or None; an
        address that is not one of ours is an EmptyPage (a 404)."""
        sides = (("after", self.after), ("before", self.before))
        given = [(side, value) for side, value in sides if value is not None]
        if not given:
            return None
        if len(given) > 1 or not self.keyset:
            raise EmptyPage(self.error_messages["no_results"])
        ((side, value),) = given
        if not value.isascii() or not value.isdigit() or not 0 < int(value) <= CURSOR_MAX:
            raise PageNotAnInteger(self.error_messages["invalid_page"])
        return side, int(value)

    def keyset_page(self, number, side, pk):
        """The articles after (older than) or before (newer than) article `pk`, wherever
        it is now (even withdrawn since: its time still marks the place)."""
        model = self.object_list.model
        anchor = Subquery(model._base_manager.filter(pk=pk).order_by().values("published_at")[:1])
        if side == "after":
            # `published_at <= anchor` as well: the bound the index scan starts from.
            ordered = self.object_list.filter(published_at__lte=anchor).filter(
                Q(published_at__lt=anchor) | Q(published_at=anchor, pk__lt=pk)
            )
        else:
            ordered = (
                self.object_list.filter(published_at__gte=anchor)
                .filter(Q(published_at__gt=anchor) | Q(published_at=anchor, pk__gt=pk))
                .order_by("published_at", "pk")
            )
        shown = ordered.values("pk")[: self.per_page + 1]
        rows = list(self.object_list.filter(pk__in=shown))  # in the listing's order
        if not rows:
            raise EmptyPage(self.error_messages["no_results"])
        if side == "after":
            return LookaheadPage(
                rows[: self.per_page], number, self, has_next=len(rows) > self.per_page, cursor=side
            )
        # Newer than the anchor: the nearest per_page of them, the anchor itself next.
        return LookaheadPage(rows[-self.per_page :], number, self, has_next=True, cursor=side)


class LookaheadPage(Page):
    def __init__(self, object_list, number, paginator, *, has_next, cursor=None):
        super().__init__(object_list, number, paginator)
        self._has_next = has_next
        # "after" or "before" and the article's id when reached by a keyset link: part
        # of the page's canonical address.
        self.cursor = cursor
        self.cursor_pk = getattr(paginator, cursor) if cursor else None

    def has_next(self):
        return self._has_next

    def next_link(self):
        """The query of the link to the next page: its number, and from KEYSET_FROM on
        the last article shown."""
        return self._link(self.number + 1, "after", self.object_list[-1])

    def previous_link(self):
        return self._link(self.number - 1, "before", self.object_list[0])

    def _link(self, number, side, article):
        if number >= KEYSET_FROM and self.paginator.keyset:
            return {"page": number, side: article.pk}
        return {"page": number}
