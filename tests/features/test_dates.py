"""Drafts, publish_date and expiry_date in the site's time zone."""

from __future__ import annotations

import datetime as dt

from tests.conftest import SiteBuilder

UTC = dt.timezone.utc
FILES = {
    "sitegen.toml": 'timezone = "Europe/Berlin"',
    "_layout.html": "{{ content }}",
    "index.md": "home",
    "news.md": "---\npublish_date: 2026-06-01 09:00\n---\nnews",
    "offer.md": "---\nexpiry_date: 2026-06-01 09:00\n---\noffer",
}


def test_publish_date_is_local_time(sb: SiteBuilder) -> None:
    # 09:00 in Berlin (summer time) is 07:00 UTC.
    result = sb.build(FILES, now=dt.datetime(2026, 6, 1, 6, 30, tzinfo=UTC))
    assert "news/index.html" not in sb.outputs() and "offer/index.html" in sb.outputs()
    assert result.next_due == dt.datetime(2026, 6, 1, 9, 0)
    sb.build(now=dt.datetime(2026, 6, 1, 7, 30, tzinfo=UTC))
    assert "news/index.html" in sb.outputs() and "offer/index.html" not in sb.outputs()


def test_held_back_at_0730_utc_in_winter_and_shown_at_0830(sb: SiteBuilder) -> None:
    # In January Berlin is UTC+1: 09:00 there is 08:00 UTC.
    files = {**FILES, "news.md": "---\npublish_date: 2026-01-15 09:00\n---\nnews"}
    sb.build(files, now=dt.datetime(2026, 1, 15, 7, 30, tzinfo=UTC))
    assert "news/index.html" not in sb.outputs()
    sb.build(now=dt.datetime(2026, 1, 15, 8, 30, tzinfo=UTC))
    assert "news/index.html" in sb.outputs()


def test_future_and_drafts_flags(sb: SiteBuilder) -> None:
    files = {**FILES, "wip.md": "---\ndraft: true\n---\nwip"}
    sb.build(files, now=dt.datetime(2026, 1, 1, tzinfo=UTC), future=True, drafts=True)
    assert {"news/index.html", "wip/index.html"} <= set(sb.outputs())
