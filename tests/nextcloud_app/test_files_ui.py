"""The Files action and the personal settings form on the real Nextcloud, as the web UI's own
code drives them (tests/nextcloud_app/webui.py): what AppAPI hands the Files page, the exact
calls its files plugin (app_api src/filesplugin.js, v1 actions) and Nextcloud's settings page
(apps/settings DeclarativeSection.vue) make, and what the app then publishes. The app has an
id of its own per xdist worker, as in the other modules; test_action_units checks the settings
page's form-id rewriting for every app id, `sitegen` among them."""

from __future__ import annotations

import base64
import dataclasses
import re
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import httpx
import pytest

from sitegen.nextcloud_app.integration import (
    FILE_ACTION,
    SETTINGS_FORM,
    register_ui,
    user_settings,
)
from sitegen.nextcloud_app.protocol import ocs_call, ocs_client
from sitegen.nextcloud_app.settings import AppSettings
from tests.nextcloud_app.exapp import ExApp, registered_app
from tests.nextcloud_app.test_app_nextcloud import assert_no_secret_in_logs
from tests.nextcloud_app.webui import (
    OCS,
    Browser,
    admin,
    delete_user,
    initial_state,
    new_user,
    upload,
)
from tests.servers.faultproxy import FaultProxy, Rule
from tests.servers.nextcloud import NextcloudServer

APP_ID = f"sitegen{uuid.uuid4().hex[:8]}"
SITE = {"index.md": "# Made in Files\n\n[About](about.md)\n", "about.md": "# About\n"}
FORMS = "/ocs/v2.php/settings/api/declarative/forms"
SAVE = "/ocs/v2.php/settings/api/declarative/value"
HANDLER = f"/index.php/apps/app_api/proxy/{APP_ID}/api/file-action"  # generateUrl() of it


@pytest.fixture(scope="module")
def app(nextcloud: NextcloudServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ExApp]:
    with registered_app(nextcloud, tmp_path_factory.mktemp("exapp"), APP_ID) as running:
        yield running


@pytest.fixture(scope="module")
def user(app: ExApp) -> Iterator[NextcloudServer]:
    """Saving personal declarative settings takes a sub-admin on Nextcloud 34 (see below)."""
    made = new_user(app.nc, subadmin=True)
    yield made
    delete_user(app.nc, made)


@pytest.fixture(scope="module")
def browser(user: NextcloudServer) -> Iterator[Browser]:
    session = Browser(user).login()
    yield session
    session.close()


def mime_matches(node_mime: str, configured: str) -> bool:
    """filesplugin.js mimeMatches: whether the Files app enables the action on a node."""
    return any(m.strip() and m.strip() in node_mime for m in configured.split(","))


def our_form(forms: list[dict[str, Any]] | None) -> dict[str, Any]:
    found = [f for f in forms or [] if f.get("app") == APP_ID]
    assert len(found) == 1, [f.get("app") for f in forms or []]
    return found[0]


def values(form: dict[str, Any]) -> dict[str, Any]:
    return {field["id"]: field["value"] for field in form["fields"]}


def test_the_files_page_offers_publish_as_website_on_folders(app: ExApp, browser: Browser) -> None:
    page = browser.open("/index.php/apps/files/")
    state = initial_state(page, "app_api", "ex_files_actions_menu")
    assert state is not None, "AppAPI gave the Files page no actions"
    ours = [a for a in state["fileActions"] if a["appid"] == APP_ID]
    assert len(ours) == 1
    action = ours[0]
    assert action["display_name"] == "Publish as website"
    assert action["action_handler"] == "api/file-action"
    assert action["version"] == "1.0"  # the plugin posts one node's info, not {"files": [...]}
    assert mime_matches("httpd/unix-directory", action["mime"])
    assert not mime_matches("text/markdown", action["mime"])
    assert re.search(r'src="[^"]*/apps/app_api/js/app_api-filesplugin\.js', page)


def test_alice_sees_the_form_in_her_sharing_settings(app: ExApp) -> None:
    nc = app.nc
    with nc.client(headers=OCS, follow_redirects=True) as alice:
        page = alice.get(f"{nc.url}/index.php/settings/user/sharing").text
        listed = our_form(alice.get(f"{nc.url}{FORMS}").json()["ocs"]["data"])
    sections = initial_state(page, "settings", "sections")["personal"]
    assert "sharing" in [s["id"] for s in sections]  # in the navigation, not only by URL
    form = our_form(initial_state(page, "settings", "declarative-settings-forms"))
    assert form["title"] == "Publishing websites"
    assert values(form) == {"target": "Public/website", "public": False, "watch": True}
    assert values(listed) == values(form)


def test_nextcloud_34_refuses_plain_users_saving_the_form(app: ExApp) -> None:
    """apps/settings' SubadminMiddleware guards every settings controller method without
    @NoSubAdminRequired, and DeclarativeSettingsController::setValue has none: a user who is
    neither admin nor sub-admin gets 403. When this fails, Nextcloud fixed it: update
    docs/nextcloud-app.md and test the form with alice."""
    nc = app.nc
    body = {"app": APP_ID, "formId": "website-publishing", "fieldId": "public", "value": 1}
    with nc.client(headers=OCS) as alice:
        assert alice.post(f"{nc.url}{SAVE}", json=body).status_code == 403
        assert (
            values(our_form(alice.get(f"{nc.url}{FORMS}").json()["ocs"]["data"]))["public"] is False
        )


def save(browser: Browser, field: str, value: object) -> None:
    """A change in the form, as DeclarativeSection.vue posts it (a checkbox as 1 or 0)."""
    page = browser.open("/index.php/settings/user/sharing")
    form = our_form(initial_state(page, "settings", "declarative-settings-forms"))
    form_id = form["id"].replace(f"{form['app']}_", "", 1)
    body = {"app": form["app"], "formId": form_id, "fieldId": field, "value": value}
    assert browser.post(SAVE, body).status_code == 200


def node_info(user: NextcloudServer, directory: str, name: str, instance: str) -> dict[str, Any]:
    """filesplugin.js buildNodeInfo for a folder, its file id and ETag from WebDAV."""
    props = '<d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns"><d:prop>'
    props += "<oc:fileid/><d:getetag/></d:prop></d:propfind>"
    with user.client() as http:
        found = http.request(
            "PROPFIND", user.dav_url(f"{directory}/{name}"), headers={"Depth": "0"}, content=props
        ).text
    return {
        "fileId": int(re.search(r"<oc:fileid>(\d+)<", found).group(1)),  # type: ignore[union-attr]
        "name": name,
        "directory": f"/{directory}",
        "etag": re.search(r"<d:getetag>&quot;([^&]+)&quot;<", found).group(1),  # type: ignore[union-attr]
        "mime": "httpd/unix-directory",
        "favorite": "false",
        "permissions": 31,
        "fileType": "folder",
        "size": 0,
        "mtime": datetime.now().timestamp(),
        "shareTypes": None,
        "shareAttributes": None,
        "sharePermissions": None,
        "shareOwner": None,
        "shareOwnerId": None,
        "userId": "alice",  # as if forged: the app must act as the session's user all the same
        "instanceId": instance,
    }


def hooks_for(nc: NextcloudServer, path: str) -> int:
    with admin(nc) as http:
        hooks = http.get(f"{nc.url}/ocs/v2.php/apps/webhook_listeners/api/v1/webhooks")
    return sum(path in str(h.get("eventFilter")) for h in hooks.json()["ocs"]["data"])


def test_publish_as_website_uses_the_settings_saved_in_the_form(
    app: ExApp, user: NextcloudServer, browser: Browser
) -> None:
    parent, name = f"Sites-{uuid.uuid4().hex[:6]}", "My site"
    target = f"Out-{uuid.uuid4().hex[:6]}/www"
    upload(user, f"{parent}/{name}", SITE)
    save(browser, "target", target)
    save(browser, "public", 1)
    save(browser, "watch", 0)
    listed = our_form(browser.http.get(FORMS, headers=OCS).json()["ocs"]["data"])
    assert values(listed) == {"target": target, "public": "1", "watch": "0"}

    page = browser.open("/index.php/apps/files/")
    instance = initial_state(page, "app_api", "ex_files_actions_menu")["instanceId"]
    answer = browser.post(HANDLER, node_info(user, parent, name, instance))
    assert answer.status_code == 200, answer.text
    doc = answer.json()
    assert (doc["source"], doc["target"], doc["applied"]) == (f"{parent}/{name}", target, True)
    with user.client() as http:  # in the session user's files, whatever userId said
        assert "Made in Files" in http.get(user.dav_url(f"{target}/index.html")).text
    with app.nc.client() as alice:
        assert alice.request("PROPFIND", app.nc.dav_url(target.split("/")[0])).status_code == 404
    with httpx.Client(timeout=60) as anonymous:
        assert "Made in Files" in anonymous.get(doc["public_url"]).text
    watched = f"/{user.user}/files/{parent}/{name}/"
    assert hooks_for(app.nc, watched) == 0  # watch 0: no republish on change

    save(browser, "watch", 1)
    save(browser, "public", 0)
    again = browser.post(HANDLER, node_info(user, parent, name, instance))
    assert again.status_code == 200, again.text
    assert hooks_for(app.nc, watched) == 2  # written and deleted nodes below the folder
    with httpx.Client(timeout=60) as anonymous:  # public 0: the public copy withdrawn
        assert anonymous.get(doc["public_url"]).status_code == 404
    header = base64.b64encode(f"{user.user}:{app.secret}".encode()).decode()
    assert_no_secret_in_logs(app, user.app_password, header, *browser.cookies)


def test_a_saved_target_inside_the_folder_is_refused(
    app: ExApp, user: NextcloudServer, browser: Browser
) -> None:
    folder = f"Site-{uuid.uuid4().hex[:6]}"
    upload(user, folder, SITE)
    save(browser, "target", f"{folder}/public")
    page = browser.open("/index.php/apps/files/")
    instance = initial_state(page, "app_api", "ex_files_actions_menu")["instanceId"]
    answer = browser.post(HANDLER, node_info(user, "", folder, instance))
    assert answer.status_code == 400
    assert answer.json()["error"] == (
        f"target {folder}/public: must be outside the source folder and not contain it"
    )


def test_registration_and_settings_reads_survive_a_failed_call(
    app: ExApp, user: NextcloudServer, fault_proxy: Callable[..., FaultProxy]
) -> None:
    """Each call fails once on its way to Nextcloud (a busy SQLite answers like this under
    load); the form and the action, withdrawn first, are back, and the settings are read."""
    nc = app.nc
    own = AppSettings(app.app_id, app.secret, "1.0.0", "127.0.0.1", app.port, nc.url, app.storage)
    with ocs_client(own) as http:
        ocs_call(http, "DELETE", "/api/v1/ui/settings", {"formId": SETTINGS_FORM})
        ocs_call(http, "DELETE", "/api/v1/ui/files-actions-menu", {"name": FILE_ACTION})
    with nc.client(headers=OCS) as alice:
        assert not [
            f for f in alice.get(f"{nc.url}{FORMS}").json()["ocs"]["data"] if f["app"] == APP_ID
        ]
    rules = [
        Rule("status_503", method="POST", path="/ui/settings"),
        Rule("reset_before", method="POST", path="/ui/files-actions-menu"),
        Rule("status_502", method="POST", path="/preference/get-values"),
    ]
    proxy = fault_proxy(nc.url, rules=rules)
    faulty = dataclasses.replace(own, nextcloud_url=proxy.url)
    register_ui(faulty)
    assert user_settings(faulty, user.user)["target"]  # read, once the 502 was retried
    assert sorted(proxy.faults()) == ["reset_before", "status_502", "status_503"]
    with nc.client(headers=OCS, follow_redirects=True) as alice:
        assert our_form(alice.get(f"{nc.url}{FORMS}").json()["ocs"]["data"])
        page = alice.get(f"{nc.url}/index.php/apps/files/").text
    actions = initial_state(page, "app_api", "ex_files_actions_menu")["fileActions"]
    assert [a["name"] for a in actions if a["appid"] == APP_ID] == [FILE_ACTION]
