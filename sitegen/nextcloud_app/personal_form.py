"""The app's own personal settings page, the pure part: its HTML, the posted form read and
checked, and the guards against a cross-site POST.

Why the page exists: Nextcloud 34 answers 403 when a user who is neither admin nor sub-admin
saves a personal declarative settings form, so most users could not change their settings.
AppAPI's proxy routes are CSRF-exempt (`#[NoCSRFRequired]`) and pass the session cookie on, so
the app guards its POST itself, twice: a form token only this page hands out (an HMAC of the
user and an expiry with a key derived from the app secret; another site cannot read the page,
so cannot copy it), and the browser's own word on where the POST came from (`Sec-Fetch-Site`
must be `same-origin`; without it, `Origin` must be the Nextcloud the request was sent to).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping
from html import escape
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sitegen.nextcloud_app.request import folder
from sitegen.nextcloud_app.settings import AppSettings

TOKEN_LIFETIME = 12 * 3600  # seconds a page may stay open before its form is refused
PAGE_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
    "frame-ancestors 'self'; base-uri 'none'"
)


class CrossSite(Exception):
    """A POST this page did not send (another site's, or a stale page's): answered 403."""


# -- the form token --------------------------------------------------------------------------


def _mac(settings: AppSettings, user: str, expires: int) -> str:
    key = hmac.new(settings.secret.encode(), b"sitegen settings form", hashlib.sha256).digest()
    return hmac.new(key, f"{user}\n{expires}".encode(), hashlib.sha256).hexdigest()


def issue_token(settings: AppSettings, user: str, now: float | None = None) -> str:
    expires = int(now if now is not None else time.time()) + TOKEN_LIFETIME
    return f"{expires}.{_mac(settings, user, expires)}"


def check_token(settings: AppSettings, user: str, token: str, now: float | None = None) -> None:
    """CrossSite unless `token` was issued to `user` by this app and has not expired."""
    stamp, _, mac = token.partition(".")
    if not stamp.isdigit() or not mac:
        raise CrossSite("the form token is missing")
    if int(stamp) < (now if now is not None else time.time()):
        raise CrossSite("the page was open too long: open it again")
    if not hmac.compare_digest(mac, _mac(settings, user, int(stamp))):
        raise CrossSite("the form token is not this user's")


# -- where the POST came from ----------------------------------------------------------------


def check_same_origin(headers: Mapping[str, str], settings: AppSettings) -> None:
    """CrossSite when the browser says the POST came from another origin. Headers as
    starlette gives them (lower-case names); AppAPI's proxy forwards the browser's."""
    fetch_site = headers.get("sec-fetch-site")
    if fetch_site is not None:
        if fetch_site != "same-origin":
            raise CrossSite(f"sent from another site (Sec-Fetch-Site: {fetch_site})")
        return
    origin = headers.get("origin")
    if origin is None:  # neither header: an old browser or a script; the token decides
        return
    allowed = {urlsplit(settings.nextcloud_url).netloc, headers.get("host", "")}
    if urlsplit(origin).netloc not in allowed - {""}:
        raise CrossSite(f"sent from another site (Origin: {origin})")


# -- the form --------------------------------------------------------------------------------


def read_posted(body: bytes) -> dict[str, str]:
    """The posted form's fields (the first of each; a checkbox left off is absent)."""
    fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    return {name: given[0] for name, given in fields.items()}


def form_values(posted: Mapping[str, str]) -> dict[str, str]:
    """The values as AppAPI stores them (checkboxes "1" or "0", as Nextcloud's settings page
    saves them); a ConfigError for a bad target folder, refused now, not at the next publish."""
    target = posted.get("target", "").strip()
    folder(target, "target folder")
    return {
        "target": target.strip("/"),
        "public": "1" if posted.get("public") == "1" else "0",
        "watch": "1" if posted.get("watch") == "1" else "0",
    }


def render_page(
    values: Mapping[str, Any],
    token: str,
    user: str,
    back: str,
    message: str = "",
    error: bool = False,
) -> str:
    """The page: the user's current values in a plain form (no script at all); `back` is
    the URL of Nextcloud's own settings section the form is in."""
    note = ""
    if message:
        role = "alert" if error else "status"
        note = f'<p class="{"error" if error else "saved"}" role="{role}">{escape(message)}</p>'
    return _PAGE.format(
        user=escape(user),
        back=escape(back),
        note=note,
        token=escape(token),
        target=escape(str(values["target"])),
        public=" checked" if _on(values["public"]) else "",
        watch=" checked" if _on(values["watch"]) else "",
    )


def _on(value: Any) -> bool:
    return value in (True, "1", "true")


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Publishing websites - settings</title>
<style>
body {{ font: 16px/1.5 system-ui, sans-serif; margin: 0; color: #222; background: #f5f5f5; }}
main {{ max-width: 36rem; margin: 2rem auto; padding: 1.5rem 2rem; background: #fff;
  border-radius: 8px; box-shadow: 0 1px 4px rgba(0,0,0,.15); }}
h1 {{ font-size: 1.4rem; margin-top: 0; }}
label {{ display: block; margin: 1rem 0 .25rem; font-weight: 600; }}
.check label {{ display: inline; font-weight: normal; }}
input[type=text] {{ width: 100%; box-sizing: border-box; padding: .5rem; font: inherit;
  border: 1px solid #888; border-radius: 4px; }}
.help {{ color: #555; font-size: .9rem; margin: .25rem 0 0; }}
.check {{ margin: 1rem 0; }}
button {{ margin-top: 1rem; padding: .5rem 1.25rem; font: inherit; color: #fff;
  background: #00679e; border: 0; border-radius: 4px; cursor: pointer; }}
.saved {{ padding: .5rem 1rem; background: #e6f4ea; border-left: 4px solid #2d7b43; }}
.error {{ padding: .5rem 1rem; background: #fdecea; border-left: 4px solid #b3261e; }}
</style>
</head>
<body>
<main>
<h1>Publishing websites</h1>
<p>What <strong>Publish as website</strong> in the Files app does with a folder, for
<strong>{user}</strong>.</p>
{note}
<form method="post" action="settings">
<input type="hidden" name="token" value="{token}">
<label for="target">Target folder</label>
<input type="text" id="target" name="target" value="{target}" required>
<p class="help">The built site goes here (in your files), outside the folder you publish.</p>
<div class="check"><input type="checkbox" id="public" name="public" value="1"{public}>
<label for="public">Serve the site publicly</label></div>
<div class="check"><input type="checkbox" id="watch" name="watch" value="1"{watch}>
<label for="watch">Republish on change</label></div>
<button type="submit">Save</button>
</form>
<p class="help"><a href="{back}">Back to your Nextcloud settings</a></p>
</main>
</body>
</html>
"""
