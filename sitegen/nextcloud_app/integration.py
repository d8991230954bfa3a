"""What the app registers in Nextcloud through AppAPI's OCS API, acting as itself: the Files
action, the personal settings form, node-event webhooks (webhook_listeners); and what it sends
as a user: notifications, reads of the user's saved settings."""

from __future__ import annotations

from typing import Any

from sitegen.nextcloud_app.protocol import ocs_call, ocs_client, with_retries
from sitegen.nextcloud_app.settings import AppSettings
from sitegen.webdav.retry import RetryPolicy

FILE_ACTION = "sitegen_publish"
# Nextcloud's settings page saves a field with formId = id.replace(APP_ID + "_", ""): an id
# holding "sitegen_" would reach AppAPI as another form, and the value would be dropped. No "_".
SETTINGS_FORM = "website-publishing"
# A personal section Nextcloud lists in its navigation ("Sharing"); a section id of our own
# would show the form only to someone typing its URL.
SETTINGS_SECTION = "sharing"
WEBHOOKS = "/ocs/v2.php/apps/webhook_listeners/api/v1/webhooks"
EVENTS = (
    "OCP\\Files\\Events\\Node\\NodeWrittenEvent",
    "OCP\\Files\\Events\\Node\\NodeDeletedEvent",
)
DEFAULTS: dict[str, Any] = {"target": "Public/website", "public": False, "watch": True}
# The app's own settings page (personal.py): Nextcloud 34 refuses plain users saving the form
SETTINGS_PAGE = "settings"

_FIELDS: list[dict[str, Any]] = [
    {
        "id": "target",
        "title": "Target folder",
        "description": "The built site goes here (in your files).",
        "type": "text",
        "default": DEFAULTS["target"],
        "placeholder": DEFAULTS["target"],
    },
    {"id": "public", "title": "Serve the site publicly", "type": "checkbox", "default": False},
    {"id": "watch", "title": "Republish on change", "type": "checkbox", "default": True},
]


def settings_page_url(settings: AppSettings) -> str:
    return f"{settings.public_origin}{settings.proxy_prefix}/{SETTINGS_PAGE}"


def settings_form(settings: AppSettings) -> dict[str, Any]:
    """The form's scheme; its help link and text lead to the app's own settings page."""
    page = settings_page_url(settings)
    return {
        "id": SETTINGS_FORM,
        "priority": 10,
        "section_type": "personal",
        "section_id": SETTINGS_SECTION,
        "title": "Publishing websites",
        "description": (
            'What "Publish as website" in the Files app does with a folder. If saving here '
            "fails (Nextcloud 34 lets only admins and group admins save this form), use the "
            f"app's own settings page: {page}"
        ),
        "doc_url": page,
        "fields": _FIELDS,
    }


def register_ui(settings: AppSettings, retry: RetryPolicy | None = None) -> None:
    """The Files action menu entry on folders, and the personal settings form (tried again
    when a call fails: AppAPI replaces both by name)."""
    with_retries(lambda: _register_ui(settings), retry)


def _register_ui(settings: AppSettings) -> None:
    with ocs_client(settings) as http:
        ocs_call(
            http,
            "POST",
            "/api/v1/ui/files-actions-menu",
            {
                "name": FILE_ACTION,
                "displayName": "Publish as website",
                "actionHandler": "api/file-action",
                "mime": "httpd/unix-directory",
                "permissions": 1,
                "order": 50,
            },
        )
        ocs_call(http, "POST", "/api/v1/ui/settings", {"formScheme": settings_form(settings)})


def user_settings(settings: AppSettings, user: str) -> dict[str, Any]:
    """The user's saved settings (the personal section), with the defaults filled in."""

    def read() -> Any:
        with ocs_client(settings, user) as http:
            body = {"configKeys": list(DEFAULTS)}
            return ocs_call(http, "POST", "/api/v1/ex-app/preference/get-values", body)

    return saved_settings(with_retries(read))


def save_user_settings(settings: AppSettings, user: str, values: dict[str, str]) -> None:
    """Store `values` as `user`'s preferences, where the form reads them (AppAPI's
    preferences_ex; each set is tried again on a transient failure: it replaces the value)."""
    with ocs_client(settings, user) as http:

        def store(key: str, value: str) -> None:
            body = {"configKey": key, "configValue": value}
            with_retries(lambda: ocs_call(http, "POST", "/api/v1/ex-app/preference", body))

        for key, value in values.items():
            store(key, value)


def saved_settings(rows: Any) -> dict[str, Any]:
    """AppAPI's preference rows as settings. Nextcloud's settings page saves a checkbox as 1
    or 0 (stored "1" / "0"); a field never saved keeps its default."""
    saved = {r["configkey"]: r["configvalue"] for r in rows or [] if isinstance(r, dict)}
    out = dict(DEFAULTS)
    for key, value in saved.items():
        if key in out:
            out[key] = value in ("1", "true", True) if isinstance(DEFAULTS[key], bool) else value
    return out


def add_webhooks(settings: AppSettings, user: str, source: str) -> list[int]:
    """Node events below `source` in `user`'s files, delivered to /api/webhook; their ids."""
    ids = []
    # webhook_listeners' filter has no $regex: a prefix is the range [prefix, prefix-with-"0"),
    # "0" being the character after "/" (string comparison)
    prefix = f"/{user}/files/{source}/"
    below = {"$gt": prefix, "$lt": prefix[:-1] + "0"}
    with ocs_client(settings) as http:
        for event in EVENTS:
            body = {
                "httpMethod": "POST",
                "uri": "/api/webhook",
                "event": event,
                "eventFilter": {"event.node.path": below},
                "userIdFilter": "",
            }
            answer = http.post(WEBHOOKS, json=body)
            answer.raise_for_status()
            ids.append(int(answer.json()["ocs"]["data"]["id"]))
    return ids


def remove_webhooks(settings: AppSettings, ids: list[int]) -> None:
    with ocs_client(settings) as http:
        for hook in ids:
            answer = http.delete(f"{WEBHOOKS}/{hook}")
            if answer.status_code != 404:
                answer.raise_for_status()


def notify(settings: AppSettings, user: str, subject: str, message: str) -> None:
    """A Nextcloud notification for `user` (a failed republish)."""
    params = {
        "object": "site",
        "object_id": "publish",
        "subject_type": "app_api_ex_app",
        "subject_params": {
            "rich_subject": subject,
            "rich_subject_params": {},
            "rich_message": message,
            "rich_message_params": {},
        },
    }
    with ocs_client(settings, user) as http:
        ocs_call(http, "POST", "/api/v1/notification", {"params": params})
