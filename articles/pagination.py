from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator


class UncountedPaginator(Paginator):
    """Pages told apart without counting the list: a page reads one row more than it shows,
    which says whether there is a next one. Django's paginator counts every row first, a
    whole-table COUNT(*) on each request of the home page (100 ms at 100,000 articles on
    PostgreSQL, where reading a page takes under one).

    A number past the end is an EmptyPage, so the views answer 404. `count` and
    `num_pages` still work (and then count): Django's `?page=last` asks for them.
    """

    uncounted = True  # templates then show no "of N pages"

    def validate_number(self, number):
        """Django's check of a page number, less its comparison with num_pages (a count)."""
        try:
            if isinstance(number, float) and not number.is_integer():
                raise ValueError
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from None
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        return number

    def page(self, number):
        number = self.validate_number(number)
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


class LookaheadPage(Page):
    def __init__(self, object_list, number, paginator, *, has_next):
        super().__init__(object_list, number, paginator)
        self._has_next = has_next

    def has_next(self):
        return self._has_next
