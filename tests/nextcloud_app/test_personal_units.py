"""The settings page's guards and form without Nextcloud: the form token, the same-origin
check, the posted values, the HTML's escaping, and the app refusing a cross-site POST before
it calls Nextcloud at all."""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
from pathlib import Path

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sitegen.errors import ConfigError
from sitegen.nextcloud_app.personal_form import (
    TOKEN_LIFETIME,
    CrossSite,
    check_same_origin,
    check_token,
    form_values,
    issue_token,
    read_posted,
    render_page,
)
from sitegen.nextcloud_app.routes import build_app
from sitegen.nextcloud_app.settings import AppSettings

SETTINGS = AppSettings(
    "sitegen", "s3cret", "1.0.0", "127.0.0.1", 9000, "http://cloud.example:8080", Path("/x")
)
users = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=30)


@given(users, st.integers(0, 2**33))
def test_a_token_checks_out_for_its_user_until_it_expires(user: str, now: int) -> None:
    token = issue_token(SETTINGS, user, now)
    check_token(SETTINGS, user, token, now + TOKEN_LIFETIME)
    with pytest.raises(CrossSite, match="too long"):
        check_token(SETTINGS, user, token, now + TOKEN_LIFETIME + 1)


@given(users, users)
def test_a_token_is_no_other_users_nor_another_apps(user: str, other: str) -> None:
    token = issue_token(SETTINGS, user, 1000)
    other_app = AppSettings("sitegen", "other", "1", "h", 1, "http://nc", Path("/x"))
    with pytest.raises(CrossSite):
        check_token(other_app, user, token, 1000)
    if other != user:
        with pytest.raises(CrossSite, match="not this user's"):
            check_token(SETTINGS, other, token, 1000)


@pytest.mark.parametrize("token", ["", ".", "abc", "123", "123.", "x.y", "99999999999.00"])
def test_a_malformed_or_made_up_token_is_refused(token: str) -> None:
    with pytest.raises(CrossSite):
        check_token(SETTINGS, "bob", token, 1000)


@pytest.mark.parametrize(
    "headers",
    [
        {"sec-fetch-site": "same-origin", "origin": "http://whatever"},  # the browser's word
        {"origin": "http://cloud.example:8080"},  # NEXTCLOUD_URL's
        {"origin": "https://cloud.example", "host": "cloud.example"},  # the Host it was sent to
        {},  # neither: the token decides
    ],
)
def test_same_origin_posts_pass(headers: dict[str, str]) -> None:
    check_same_origin(headers, SETTINGS)


@pytest.mark.parametrize(
    "headers",
    [
        {"sec-fetch-site": "same-site"},
        {"sec-fetch-site": "cross-site", "origin": "http://cloud.example:8080"},
        {"sec-fetch-site": "none"},
        {"origin": "http://evil.example", "host": "cloud.example:8080"},
        {"origin": "null", "host": "cloud.example:8080"},
        {"origin": "http://cloud.example:8081"},
    ],
)
def test_cross_origin_posts_are_refused(headers: dict[str, str]) -> None:
    with pytest.raises(CrossSite):
        check_same_origin(headers, SETTINGS)


def test_the_posted_form_becomes_what_the_settings_page_would_store() -> None:
    posted = read_posted(b"token=t&target=%2FPublic%2Fmy+site%2F&public=1")
    assert posted["token"] == "t"
    assert form_values(posted) == {"target": "Public/my site", "public": "1", "watch": "0"}


@pytest.mark.parametrize("target", ["", "/", "../up", "a/../b", "a\\b", "a\x01"])
def test_a_bad_target_is_refused(target: str) -> None:
    with pytest.raises(ConfigError, match="target folder"):
        form_values({"target": target})


def test_the_page_escapes_what_it_shows() -> None:
    values = {"target": '"><script>x</script>', "public": "1", "watch": "0"}
    html = render_page(values, "t&k", "<bob>", "/s", "a <b> message", error=True)
    assert "<script>" not in html and "<bob>" not in html and "<b>" not in html
    assert 'value="&quot;&gt;&lt;script&gt;' in html
    assert 'id="public" name="public" value="1" checked' in html
    assert 'id="watch" name="watch" value="1">' in html
    assert 'role="alert"' in html


def appapi(user: str, secret: str = "s3cret") -> dict[str, str]:
    token = base64.b64encode(f"{user}:{secret}".encode()).decode()
    return {"AUTHORIZATION-APP-API": token, "EX-APP-ID": "sitegen"}


@pytest.mark.parametrize(
    ("headers", "token"),
    [
        ({"Sec-Fetch-Site": "cross-site"}, "valid"),
        ({"Origin": "http://evil.example"}, "valid"),
        ({}, ""),
    ],
)
def test_the_app_refuses_a_cross_site_post_without_calling_nextcloud(
    headers: dict[str, str], token: str
) -> None:
    """NEXTCLOUD_URL points nowhere: a refusal that tried to save would answer 502."""
    settings = AppSettings("sitegen", "s3cret", "1", "h", 1, "http://127.0.0.1:9", Path("/x"))
    sent = issue_token(settings, "bob") if token == "valid" else token
    form = {"Content-Type": "application/x-www-form-urlencoded"}

    async def calls() -> tuple[httpx.Response, httpx.Response]:
        transport = httpx.ASGITransport(app=build_app(settings, poll=0))
        async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
            body = f"token={sent}&target=Evil&public=1".encode()
            post = await client.post(
                "/settings", content=body, headers={**appapi("bob"), **headers, **form}
            )
            return post, await client.get("/settings", headers=appapi("bob", secret="wrong"))

    # A thread of its own: a test that ran before in this worker (Playwright's sync API) may
    # leave an event loop running in the main thread, where asyncio.run refuses to start.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        answer, unknown = pool.submit(asyncio.run, calls()).result()
    assert answer.status_code == 403
    assert "did not come from this page" in answer.text
    assert answer.headers["content-security-policy"].startswith("default-src 'none'")
    assert unknown.status_code == 401
