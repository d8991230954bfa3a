"""The app's own personal settings page on the real Nextcloud 34, for a user who is neither
admin nor sub-admin (Nextcloud refuses them saving the declarative form): opened through
AppAPI's proxy in headless Chromium, saved, then used by "Publish as website"; the values show
in Nextcloud's forms API; another user's stay; a POST from another origin or without the
page's form token is refused."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from sitegen.nextcloud_app.integration import DEFAULTS
from tests.nextcloud_app.exapp import ExApp, registered_app
from tests.nextcloud_app.test_app_nextcloud import assert_no_secret_in_logs
from tests.nextcloud_app.test_files_ui import SITE, hooks_for, node_info
from tests.nextcloud_app.webui import (
    OCS,
    Browser,
    chromium_page,
    delete_user,
    initial_state,
    new_user,
    upload,
)
from tests.servers.nextcloud import NextcloudServer
from tests.servers.static import serve_folder

APP_ID = f"sitegen{uuid.uuid4().hex[:8]}"
FORMS = "/ocs/v2.php/settings/api/declarative/forms"
PAGE = f"/index.php/apps/app_api/proxy/{APP_ID}/settings"
HANDLER = f"/index.php/apps/app_api/proxy/{APP_ID}/api/file-action"
SHOTS = Path("/tmp")


@pytest.fixture(scope="module")
def app(nextcloud: NextcloudServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ExApp]:
    with registered_app(nextcloud, tmp_path_factory.mktemp("exapp"), APP_ID) as running:
        yield running


def plain_user(app: ExApp) -> Iterator[tuple[NextcloudServer, Browser]]:
    made = new_user(app.nc, subadmin=False)
    session = Browser(made).login()
    yield made, session
    session.close()
    delete_user(app.nc, made)


@pytest.fixture(scope="module")
def bob(app: ExApp) -> Iterator[tuple[NextcloudServer, Browser]]:
    yield from plain_user(app)


@pytest.fixture(scope="module")
def carol(app: ExApp) -> Iterator[tuple[NextcloudServer, Browser]]:
    yield from plain_user(app)


def form_values(session: Browser) -> dict[str, Any]:
    """The declarative form's values as Nextcloud's settings page gets them for this user."""
    forms = session.http.get(FORMS, headers=OCS).json()["ocs"]["data"]
    ours = [f for f in forms if f["app"] == APP_ID]
    assert len(ours) == 1
    return {field["id"]: field["value"] for field in ours[0]["fields"]}


def save_in_chromium(chromium: Any, session: Browser, values: dict[str, Any], shot: str) -> Any:
    """Open the page in Chromium, set the fields as a user would, press Save; the page."""
    page = chromium_page(chromium, session)
    page.goto(session.nc.url + PAGE)
    page.fill("#target", values["target"])
    for box in ("public", "watch"):
        page.set_checked(f"#{box}", values[box])
    page.click("button[type=submit]")
    page.wait_for_selector("p.saved")
    page.screenshot(path=str(SHOTS / shot), full_page=True)
    return page


def test_a_plain_user_saves_the_page_and_publish_as_website_uses_it(
    app: ExApp, bob: tuple[NextcloudServer, Browser], carol: Any, chromium: Any
) -> None:
    user, session = bob
    assert (
        session.http.post(  # the declarative form: refused for this user
            "/ocs/v2.php/settings/api/declarative/value",
            json={"app": APP_ID, "formId": "website-publishing", "fieldId": "public", "value": 1},
            headers={**OCS, "requesttoken": session.token},
        ).status_code
        == 403
    )
    carol_values = {"target": "Carol/site", "public": False, "watch": True}
    save_in_chromium(chromium, carol[1], carol_values, "exapp2-carol.png")

    page = chromium_page(chromium, session)
    page.goto(app.nc.url + PAGE)
    assert page.input_value("#target") == DEFAULTS["target"]
    assert not page.is_checked("#public") and page.is_checked("#watch")
    page.screenshot(path=str(SHOTS / "exapp2-settings-page.png"), full_page=True)
    page.context.close()

    parent, name = f"Sites-{uuid.uuid4().hex[:6]}", "My site"
    target = f"Out-{uuid.uuid4().hex[:6]}/www"
    upload(user, f"{parent}/{name}", SITE)
    saved = save_in_chromium(
        chromium,
        session,
        {"target": target, "public": True, "watch": False},
        "exapp2-settings-saved.png",
    )
    assert saved.inner_text("p.saved") == "Saved."
    saved.reload()  # the page shows what is stored now
    assert saved.input_value("#target") == target
    assert saved.is_checked("#public") and not saved.is_checked("#watch")
    saved.context.close()

    assert form_values(session) == {"target": target, "public": "1", "watch": "0"}
    assert form_values(carol[1]) == {"target": "Carol/site", "public": "0", "watch": "1"}

    files = session.open("/index.php/apps/files/")
    instance = initial_state(files, "app_api", "ex_files_actions_menu")["instanceId"]
    answer = session.post(HANDLER, node_info(user, parent, name, instance))
    assert answer.status_code == 200, answer.text
    doc = answer.json()
    assert (doc["target"], doc["applied"]) == (target, True)
    with user.client() as http:
        assert "Made in Files" in http.get(user.dav_url(f"{target}/index.html")).text
    with httpx.Client(timeout=60) as anonymous:
        assert "Made in Files" in anonymous.get(doc["public_url"]).text
    assert hooks_for(app.nc, f"/{user.user}/files/{parent}/{name}/") == 0  # watch off
    assert_no_secret_in_logs(app, user.app_password, *session.cookies)


def test_the_declarative_form_links_to_the_page(
    app: ExApp, bob: tuple[NextcloudServer, Browser]
) -> None:
    forms = bob[1].http.get(FORMS, headers=OCS).json()["ocs"]["data"]
    ours = next(f for f in forms if f["app"] == APP_ID)
    assert ours["doc_url"] == app.nc.url + PAGE
    assert (app.nc.url + PAGE) in ours["description"]
    with httpx.Client(timeout=60) as anonymous:  # a user route: not for visitors
        assert anonymous.get(app.nc.url + PAGE).status_code == 404


ATTACK = """<!DOCTYPE html><html><body>
<form id="f" method="post" action="{action}">
<input name="token" value="{token}"><input name="target" value="Evil">
<input name="public" value="1"></form>
<script>document.getElementById("f").submit()</script>
</body></html>
"""


def page_token(session: Browser) -> str:
    html = session.http.get(PAGE).text
    return html.split('name="token" value="', 1)[1].split('"', 1)[0]


def test_a_post_from_another_origin_is_refused_even_with_a_leaked_token(
    app: ExApp, bob: tuple[NextcloudServer, Browser], chromium: Any, tmp_path: Path
) -> None:
    """Another site on the same host (a different port: same-site, so the browser sends the
    session cookie along) posts the form; the token is the user's own, as if leaked."""
    _user, session = bob
    before = form_values(session)
    (tmp_path / "attack.html").write_text(
        ATTACK.format(action=app.nc.url + PAGE, token=page_token(session))
    )
    page = chromium_page(chromium, session)
    with serve_folder(tmp_path) as evil:
        with page.expect_navigation(url=app.nc.url + PAGE) as sent:
            page.goto(f"{evil}/attack.html")
        response = sent.value
        assert response is not None and response.status == 403
    assert "did not come from this page" in page.content()
    page.context.close()
    assert form_values(session) == before


def test_a_post_without_the_page_token_is_refused(
    app: ExApp, bob: tuple[NextcloudServer, Browser]
) -> None:
    """Same origin as far as the headers go (a script, or a browser sending neither
    Sec-Fetch-Site nor Origin): the token decides."""
    _user, session = bob
    before = form_values(session)
    form = {"target": "Evil", "public": "1", "watch": "1"}
    for token in ("", "9999999999.0000", page_token(session) + "0"):
        answer = session.http.post(PAGE, data={**form, "token": token})
        assert answer.status_code == 403, (token, answer.text)
    assert form_values(session) == before
    good = session.http.post(PAGE, data={**form, "token": page_token(session)})
    assert good.status_code == 200, good.text  # the same POST with the page's token: saved
    assert form_values(session) == {"target": "Evil", "public": "1", "watch": "1"}


def test_a_bad_target_is_refused_and_shown_again(
    app: ExApp, bob: tuple[NextcloudServer, Browser]
) -> None:
    _user, session = bob
    before = form_values(session)
    form = {"target": "../etc", "watch": "1", "token": page_token(session)}
    answer = session.http.post(PAGE, data=form)
    assert answer.status_code == 400
    assert "Not saved: target folder &#x27;../etc&#x27;: not a plain folder path" in answer.text
    assert 'value="../etc"' in answer.text
    assert form_values(session) == before


def test_without_sec_fetch_site_the_origin_decides(
    app: ExApp, bob: tuple[NextcloudServer, Browser]
) -> None:
    """A browser that sends Origin but not Sec-Fetch-Site (older ones): a foreign Origin is
    refused even with the page's token; Nextcloud's own is taken."""
    _user, session = bob
    before = form_values(session)
    form = {"target": "Evil", "public": "1", "token": page_token(session)}
    foreign = session.http.post(PAGE, data=form, headers={"Origin": "http://127.0.0.1:1"})
    assert foreign.status_code == 403
    assert form_values(session) == before
    own = session.http.post(PAGE, data=form, headers={"Origin": app.nc.url})
    assert own.status_code == 200, own.text
    assert form_values(session) == {"target": "Evil", "public": "1", "watch": "0"}
