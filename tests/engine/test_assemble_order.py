"""The assemble stage's orders of pages are the model's: newest first, ties in the order given."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from sitegen.compiler.assemble import newest_first_order
from sitegen.model import Page, newest_first

DAYS = st.dates(dt.date(2020, 3, 1), dt.date(2020, 3, 4))
ZONES = st.sampled_from([None, dt.timezone.utc, dt.timezone(dt.timedelta(hours=2))])
MOMENTS = st.builds(
    lambda day, hour, zone: dt.datetime(day.year, day.month, day.day, hour, tzinfo=zone),
    DAYS,
    st.sampled_from([0, 1, 22, 23]),
    ZONES,
)


def page(n: int, title: str, date: dt.date | dt.datetime | None) -> Page:
    return Page(f"p{n}.md", f"/p{n}/", f"p{n}/index.html", "md", f"p{n}", title, date, {}, "", 1)


@given(st.lists(st.tuples(st.sampled_from(["a", "b", ""]), st.none() | DAYS | MOMENTS)))
def test_newest_first_order_is_the_models_sort(pages: list[tuple[str, dt.date | None]]) -> None:
    made = [page(n, title, date) for n, (title, date) in enumerate(pages)]
    assert newest_first_order(made) == sorted(made, key=newest_first)
