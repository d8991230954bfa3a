"""The app registered with the real Nextcloud (../shared/nextcloud): publish through AppAPI's
proxy as the calling user, the public route, bad requests, unregistering. At most one proxied
request at a time here: the test server has 4 PHP workers and each proxied call holds one while
the app calls back into Nextcloud."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.nextcloud_app.exapp import ExApp, registered_app
from tests.servers.nextcloud import NextcloudServer

SITE = {
    "sitegen.toml": 'title = "Hosted"\nextra_css = ["css/site.css"]\n',
    "index.md": "# Welcome\n\n[About](about.md)\n",
    "about.md": "# About us\n\nText.\n",
    "css/site.css": "body { color: #123456; }\n",
}


@pytest.fixture(scope="module")
def app(nextcloud: NextcloudServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ExApp]:
    with registered_app(nextcloud, tmp_path_factory.mktemp("exapp")) as running:
        yield running


def publish(app: ExApp, body: object, *, content: bytes | None = None) -> httpx.Response:
    with httpx.Client(auth=(app.nc.user, app.nc.app_password), timeout=300) as http:
        url = app.proxy_url("api/publish")
        if content is not None:
            return http.post(url, content=content, headers={"Content-Type": "application/json"})
        return http.post(url, json=body)


def assert_no_secret_in_logs(app: ExApp, *more: str) -> None:
    """No app secret (nor the AppAPI header made of it), password or `more` (a user's
    password, session cookies the proxy passed on to the app) in any log."""
    token = base64.b64encode(f"{app.nc.user}:{app.secret}".encode()).decode()
    logs = [app.log, app.nc.dir / "server.log", app.nc.dir / "data" / "nextcloud.log"]
    secrets = (app.secret, token, app.nc.app_password, app.nc.admin_password, *more)
    for log in logs:
        text = log.read_text(errors="replace") if log.exists() else ""
        for secret in secrets:
            assert secret not in text, f"a secret is in {log}"


def test_publish_through_the_proxy_as_the_calling_user(app: ExApp) -> None:
    nc = app.nc
    source, target = nc.new_folder("site"), nc.new_folder("out")
    nc.upload(source, SITE)
    answer = publish(app, {"source": source, "target": f"{target}/www", "public": False})
    assert answer.status_code == 200, answer.text
    doc = answer.json()
    assert doc["applied"] is True
    assert doc["summary"].startswith("new ")
    assert "public_url" not in doc
    assert doc["requests"] > 0
    with nc.client() as http:  # written into alice's files, as alice
        page = http.get(nc.dav_url(f"{target}/www/about/index.html"))
        assert page.status_code == 200
        assert "About us" in page.text
    again = publish(app, {"source": source, "target": f"{target}/www"})
    assert again.status_code == 200
    assert again.json()["applied"] is False  # nothing changed: nothing written
    assert_no_secret_in_logs(app)


def test_public_route_serves_pages_and_css_under_the_prefix(app: ExApp) -> None:
    nc = app.nc
    source, target = nc.new_folder("site"), nc.new_folder("pub")
    nc.upload(source, SITE)
    answer = publish(app, {"source": source, "target": target, "public": True})
    assert answer.status_code == 200, answer.text
    url = answer.json()["public_url"]
    prefix = f"/index.php/apps/app_api/proxy/{app.app_id}/sites/"
    assert url.startswith(nc.url + prefix)
    with httpx.Client(timeout=60) as anonymous:  # no login: the route is public
        home = anonymous.get(url)
        assert home.status_code == 200
        assert home.headers["content-type"] == "text/html; charset=utf-8"
        assert home.headers["content-security-policy"].startswith("default-src 'self'")
        path = url.removeprefix(nc.url)
        assert f'href="{path}about/"' in home.text
        assert f'href="{path}css/site.css"' in home.text
        css = anonymous.get(f"{url}css/site.css")
        assert css.status_code == 200
        assert css.headers["content-type"] == "text/css; charset=utf-8"
        assert "#123456" in css.text
        assert anonymous.get(f"{url}about/").status_code == 200
        assert anonymous.get(f"{url}missing.html").status_code == 404
        assert anonymous.get(f"{nc.url}{prefix}nobody-site/").status_code == 404
        assert anonymous.get(f"{nc.url}{prefix}.sitegen/").status_code == 404
        # no way out of the folder, even when the client does not normalize the path
        out = httpx.URL(f"{url}%2e%2e/%2e%2e/public-sites.json")
        assert anonymous.get(out).status_code == 404
    withdraw = publish(app, {"source": source, "target": target, "public": False})
    assert withdraw.status_code == 200
    with httpx.Client(timeout=60) as anonymous:
        assert anonymous.get(url).status_code == 404


def test_bad_requests_answer_4xx_json_and_write_nothing(app: ExApp) -> None:
    nc = app.nc
    target = nc.new_folder("never")
    missing = publish(app, {"source": "No such folder", "target": target})
    assert missing.status_code == 404, missing.text
    assert (
        "No%20such%20folder" in missing.json()["error"]
        or "No such folder" in missing.json()["error"]
    )
    broken = nc.new_folder("broken")
    nc.upload(broken, {"index.md": "---\ntitle: [unclosed\n---\nbody\n", "ok.md": "# ok\n"})
    answer = publish(app, {"source": broken, "target": target})
    assert answer.status_code == 422, answer.text
    doc = answer.json()
    assert doc["messages"][0].startswith("index.md:")
    assert doc["messages"][-1] == "build failed: 1 error"
    bad_json = publish(app, None, content=b"{not json")
    assert bad_json.status_code == 400
    assert bad_json.json()["error"].startswith("request body: not JSON")
    inside = publish(app, {"source": broken, "target": f"{broken}/out"})
    assert inside.status_code == 400
    assert inside.json()["error"] == (
        f"target {broken}/out: must be outside the source folder and not contain it"
    )
    with nc.client() as http:
        assert http.request("PROPFIND", nc.dav_url(target)).status_code == 404
    with httpx.Client(timeout=60) as anonymous:  # a user route without a login: AppAPI's 404
        assert anonymous.post(app.proxy_url("api/publish"), json={}).status_code == 404
    assert_no_secret_in_logs(app)


def test_register_and_unregister(nextcloud: NextcloudServer, tmp_path: Path) -> None:
    other = ExApp(nextcloud, tmp_path)
    other.start()
    try:
        other.register()
        with nextcloud.client() as http:
            reached = http.post(other.proxy_url("api/publish"), content=b"[]")
            assert reached.status_code == 400  # the app's own answer
            assert other.app_id in nextcloud.occ("app_api:app:list")
            other.unregister()
            assert other.app_id not in nextcloud.occ("app_api:app:list")
            gone = http.post(other.proxy_url("api/publish"), content=b"[]")
            assert gone.status_code == 404
    finally:
        other.stop()
