"""The Files action and the settings form without a server: the folder from AppAPI's payload,
the saved settings, and the form id Nextcloud's settings page sends back."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sitegen.errors import ConfigError
from sitegen.nextcloud_app.integration import DEFAULTS, SETTINGS_FORM, saved_settings
from sitegen.nextcloud_app.request import PublishRequest, action_folder, action_request


def settings_page_form_id(form_id: str, app: str) -> str:
    """What Nextcloud 34's settings page sends as formId when a field changes
    (apps/settings DeclarativeSection: `this.form.id.replace(this.formApp + '_', '')`, which
    replaces the first occurrence, as str.replace with count 1 does)."""
    return form_id.replace(app + "_", "", 1)


@given(st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz0123456789_-"), min_size=1))
def test_the_settings_page_sends_our_form_id_back_unchanged(app_id: str) -> None:
    assert settings_page_form_id(SETTINGS_FORM, app_id) == SETTINGS_FORM


def test_the_production_app_id_gets_its_form_back() -> None:
    assert settings_page_form_id(SETTINGS_FORM, "sitegen") == SETTINGS_FORM


def node_info(directory: str, name: str, **more: object) -> bytes:
    """The body AppAPI's files plugin posts for a v1 action (buildNodeInfo, abridged)."""
    doc = {"fileId": 12, "name": name, "directory": directory, "mime": "httpd/unix-directory"}
    return json.dumps({**doc, "fileType": "folder", "userId": "alice", **more}).encode()


@pytest.mark.parametrize(
    ("directory", "name", "folder"),
    [
        ("/", "Website", ("Website",)),
        ("/Sites", "Blog 2", ("Sites", "Blog 2")),
        ("", "Website", ("Website",)),
    ],
)
def test_the_folder_comes_from_directory_and_name(
    directory: str, name: str, folder: tuple[str, ...]
) -> None:
    assert action_folder(node_info(directory, name)) == folder


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{oops", "request body: not JSON"),
        (b"[]", "request body: a Files action"),
        (b'{"directory": "/"}', "request body: a Files action"),
        (node_info("/", ".."), "folder '/..': not a plain folder path"),
        (node_info("/a/../..", "b"), "folder '/a/../../b': not a plain folder path"),
        (node_info(["/"], "b"), "directory: a folder path expected"),  # type: ignore[arg-type]
    ],
)
def test_bad_action_payloads_name_the_field(body: bytes, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        action_folder(body)
    assert str(caught.value).startswith(message)


def test_saved_settings_become_the_publish() -> None:
    saved = saved_settings(
        [
            {"configkey": "target", "configvalue": "Out/site"},
            {"configkey": "public", "configvalue": "1"},
            {"configkey": "watch", "configvalue": "0"},
            {"configkey": "other", "configvalue": "x"},
        ]
    )
    assert saved == {"target": "Out/site", "public": True, "watch": False}
    req = action_request(("Website",), saved)
    assert req == PublishRequest(("Website",), ("Out", "site"), True, False)
    assert saved_settings(None) == DEFAULTS


def test_a_saved_target_inside_the_folder_is_refused() -> None:
    saved = {**DEFAULTS, "target": "Website/out"}
    with pytest.raises(ConfigError) as caught:
        action_request(("Website",), saved)
    assert str(caught.value) == (
        "target Website/out: must be outside the source folder and not contain it"
    )
