"""The app's guards without a server: AppAPI's header check, request parsing, the hosting
folder's boundaries, one publish per user."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sitegen.errors import ConfigError
from sitegen.nextcloud_app.appinfo import app_info
from sitegen.nextcloud_app.hosting import Hosted, Sites, site_id
from sitegen.nextcloud_app.protocol import NotAuthorized, auth_headers, check_request
from sitegen.nextcloud_app.publishing import Busy, Publisher
from sitegen.nextcloud_app.request import PublishRequest, parse_request
from sitegen.nextcloud_app.settings import AppSettings, from_env

SETTINGS = AppSettings("sitegen", "s3cret", "1.0.0", "127.0.0.1", 9000, "http://nc", Path("/x"))


def header(user: str, secret: str, app: str = "sitegen") -> dict[str, str]:
    token = base64.b64encode(f"{user}:{secret}".encode()).decode()
    return {"authorization-app-api": token, "ex-app-id": app}


@given(st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters=":"), max_size=40))
def test_our_own_headers_check_out_as_the_same_user(user: str) -> None:
    sent = {k.lower(): v for k, v in auth_headers(SETTINGS, user).items()}
    assert check_request(sent, SETTINGS).user == user


@pytest.mark.parametrize(
    ("headers", "why"),
    [
        (header("alice", "wrong"), "wrong app secret"),
        (header("alice", "s3cret", app="other"), "EX-APP-ID is not this app"),
        ({"authorization-app-api": "@@@", "ex-app-id": "sitegen"}, "malformed"),
        ({"ex-app-id": "sitegen"}, "wrong app secret"),
    ],
)
def test_requests_without_the_secret_are_refused(headers: dict[str, str], why: str) -> None:
    with pytest.raises(NotAuthorized, match=why):
        check_request(headers, SETTINGS)


def test_settings_name_every_missing_variable_and_hide_the_secret() -> None:
    with pytest.raises(ConfigError) as caught:
        from_env({"APP_ID": "sitegen", "APP_PORT": "1"})
    assert str(caught.value) == (
        "the app needs the environment variables AppAPI sets: "
        "APP_SECRET, APP_VERSION, NEXTCLOUD_URL missing"
    )
    assert "s3cret" not in repr(SETTINGS)
    assert SETTINGS.proxy_prefix == "/index.php/apps/app_api/proxy/sitegen"


def test_app_info_carries_port_secret_and_numeric_access_levels() -> None:
    info = app_info(SETTINGS)
    assert (info["port"], info["secret"]) == (9000, "s3cret")
    assert all(isinstance(r["access_level"], int) for r in info["routes"])
    assert {"url": "^/sites/", "verb": "GET", "access_level": 0} in info["routes"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", 'request body: a JSON object {"source": …, "target": …} expected'),
        (b'{"source": "a"}', 'target: a folder of your files expected, such as "Website"'),
        (b'{"source": "a/../b", "target": "t"}', "source 'a/../b': not a plain folder path"),
        (b'{"source": "a", "target": "a"}', "target a: must be outside the source folder"),
        (b'{"source": "a/b", "target": "a"}', "target a: must be outside the source folder"),
        (b'{"source": "a", "target": "t", "public": "yes"}', "public: true or false expected"),
        (b'{"source": "a", "target": "t", "x": 1}', "request body: unknown field(s) x"),
    ],
)
def test_bad_bodies_name_the_field(body: bytes, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_request(body)
    assert str(caught.value).startswith(message)


def test_a_good_body() -> None:
    req = parse_request(b'{"source": "/Web site/", "target": "Public/site", "public": true}')
    assert req == PublishRequest(("Web site",), ("Public", "site"), True)


@pytest.fixture
def hosted(tmp_path: Path) -> Sites:
    sites = Sites(tmp_path / "storage")
    root = sites.folder("alice-site")
    (root / "css").mkdir(parents=True)
    (root / "index.html").write_text("home")
    (root / "404.html").write_text("missing")
    (root / "css" / "a.css").write_text("css")
    (root / ".hidden").write_text("hidden")
    (tmp_path / "storage" / "secret.txt").write_text("secret")
    os.symlink(tmp_path / "storage" / "secret.txt", root / "link.txt")
    sites.mark("alice-site", Hosted("alice", "site"))
    return sites


def test_hosting_answers_files_folders_and_the_sites_404(hosted: Sites) -> None:
    home = hosted.find("alice-site", "")
    assert home is not None and home.path.read_text() == "home" and home.status == 200
    css = hosted.find("alice-site", "css/a.css")
    assert css is not None and css.content_type == "text/css; charset=utf-8"
    missing = hosted.find("alice-site", "css/")  # a folder without index.html: no listing
    assert missing is not None and (missing.status, missing.path.name) == (404, "404.html")


@pytest.mark.parametrize(
    "path", ["../../secret.txt", "css/../../../secret.txt", ".hidden", "link.txt", "a\\..\\b"]
)
def test_hosting_never_leaves_the_site_folder(hosted: Sites, path: str) -> None:
    found = hosted.find("alice-site", path)
    assert found is not None and found.status == 404


@given(st.lists(st.sampled_from(["..", ".", "css", "a.css", "", "%2e", "secret.txt"]), max_size=6))
def test_no_path_resolves_outside_the_site(parts: list[str]) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        sites = Sites(Path(tmp))
        (sites.folder("s") / "css").mkdir(parents=True)
        (sites.folder("s") / "css" / "a.css").write_text("x")
        (Path(tmp) / "secret.txt").write_text("secret")
        sites.mark("s", Hosted("u", "t"))
        found = sites.find("s", "/".join(parts))
        if found is not None:
            assert found.path.is_relative_to(sites.folder("s").resolve())


def test_only_registered_sites_are_served(hosted: Sites) -> None:
    assert hosted.find("bob-site", "") is None
    assert hosted.find("../storage", "secret.txt") is None
    hosted.mark("alice-site", None)
    assert hosted.find("alice-site", "") is None
    assert not hosted.folder("alice-site").exists()


def test_site_ids_are_url_safe() -> None:
    assert site_id("alice", "Public/My Site") == "alice-public-my-site"


def test_one_publish_per_user_at_a_time(tmp_path: Path) -> None:
    publisher = Publisher(SETTINGS, Sites(tmp_path))
    publisher._running.add("alice")
    with pytest.raises(Busy) as caught:
        publisher.publish("alice", PublishRequest(("a",), ("b",)))
    assert str(caught.value) == "a publish for alice is already running; try again when it ends"


def test_info_xml_is_the_generated_one_and_follows_the_schema_order() -> None:
    import xml.etree.ElementTree as ET

    from sitegen.nextcloud_app.appinfo import info_xml

    shipped = Path(__file__).parents[2] / "nextcloud-app" / "appinfo" / "info.xml"
    assert shipped.read_text() == info_xml()  # regenerate: sitegen nextcloud-app --print-info-xml
    root = ET.fromstring(info_xml())
    names = [child.tag for child in root]
    required = ["id", "name", "summary", "description", "version", "licence", "author"]
    assert names[: len(required)] == required
    assert names[-3:] == ["bugs", "dependencies", "external-app"]
    levels = {r.findtext("access_level") for r in root.iter("route")}
    assert levels == {"PUBLIC", "USER"}
