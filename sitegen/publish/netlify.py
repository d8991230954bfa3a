"""Layer 4: a `netlify-hook:URL` target asks Netlify to rebuild the site itself.

Netlify builds the site straight from the Nextcloud folder (netlify.toml runs `sitegen build
$SITEGEN_SOURCE`), so there is nothing to upload: one POST to the site's build hook starts a
rebuild there. A Netlify build costs build minutes and redeploys, so the hook is POSTed only when
the site's files really changed since the hook last fired (a digest of their bytes, kept in the
state folder: a touched file or a new root ETag alone does not count), or when a page held back
by `publish_date` / `expiry_date` has since fallen due.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import httpx

from sitegen.compiler.load import LoadOptions, load_site
from sitegen.errors import ConfigError, PublishError

PREFIX = "netlify-hook:"


@dataclass(frozen=True)
class NetlifyHook:
    url: str

    @classmethod
    def parse(cls, spec: str) -> NetlifyHook:
        url = spec[len(PREFIX) :] if spec.startswith(PREFIX) else spec
        parts = urlsplit(url)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise ConfigError(f"netlify-hook: expected an http(s) build hook URL, got {url!r}")
        if parts.scheme == "http" and parts.hostname not in ("127.0.0.1", "localhost", "::1"):
            raise ConfigError("netlify-hook: plain http is only for local test servers")
        return cls(url)

    @property
    def label(self) -> str:
        """The hook's id is a secret of sorts: show the host only."""
        return f"{PREFIX}{urlsplit(self.url).scheme}://{urlsplit(self.url).netloc}/…"

    def trigger(self, title: str | None = None, client: httpx.Client | None = None) -> int:
        """POST the build hook; Netlify answers 200 with an empty body when a build is queued."""
        params = {"trigger_title": title} if title else None
        own = client is None
        http = client or httpx.Client(timeout=30.0)
        try:
            response = http.post(
                self.url, params=params, content=b"{}", headers={"Content-Type": "application/json"}
            )
        except httpx.HTTPError as exc:
            raise PublishError(
                f"{self.label}: could not reach the build hook: {type(exc).__name__}"
            ) from None
        finally:
            if own:
                http.close()
        if response.status_code >= 300:
            raise PublishError(f"{self.label}: the build hook answered HTTP {response.status_code}")
        return response.status_code


@dataclass(frozen=True)
class HookRecord:
    """What the hook was last fired for: the site's digest and the page due next then."""

    digest: str | None = None
    due: str | None = None  # ISO time, with its offset

    @classmethod
    def load(cls, path: Path) -> HookRecord:
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
            return cls(str(doc["digest"]), doc.get("due"))
        except (OSError, ValueError, KeyError, TypeError):
            return cls()  # never fired (or unreadable): fire

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self)) + "\n", encoding="utf-8")
        tmp.replace(path)


def record_path(state_dir: Path, hook: NetlifyHook) -> Path:
    """One record per hook, named by a digest of its URL (the URL itself is a secret)."""
    return state_dir / "netlify" / f"{hashlib.sha256(hook.url.encode()).hexdigest()[:24]}.json"


@dataclass(frozen=True)
class SiteState:
    digest: str
    next_due: dt.datetime | None  # aware


def site_state(site_dir: Path, now: dt.datetime) -> SiteState:
    """A digest of every file the build reads from the site (paths and bytes, the theme left
    out: Netlify installs its own sitegen) and when a held-back page next changes the site."""
    site = load_site(site_dir, LoadOptions(now=now))
    digest = hashlib.sha256()
    for rel, sf in sorted(site.files.items()):
        if not sf.from_theme:
            digest.update(f"{rel}\0{hashlib.sha256(sf.path.read_bytes()).hexdigest()}\n".encode())
    due = site.next_due
    if due is not None and due.tzinfo is None:  # the build keeps it in the site's time zone
        due = due.replace(tzinfo=ZoneInfo(site.config.timezone))
    return SiteState(digest.hexdigest(), due)


def rebuild_if_changed(
    hook: NetlifyHook,
    site_dir: Path,
    record: Path,
    *,
    title: str,
    dry_run: bool = False,
    now: dt.datetime | None = None,
) -> tuple[str, dt.datetime | None]:
    """POST the hook when the site changed or a page fell due since it last fired; the message
    and when a page next falls due."""
    now = now or dt.datetime.now(dt.timezone.utc)
    state = site_state(site_dir, now)
    last = HookRecord.load(record)
    fell_due = last.due is not None and dt.datetime.fromisoformat(last.due) <= now
    if state.digest == last.digest and not fell_due:
        return f"unchanged since the last build hook ({hook.label}): not POSTed", state.next_due
    if dry_run:
        return f"would POST the build hook {hook.label}", state.next_due
    hook.trigger(title=title)
    due = state.next_due.isoformat() if state.next_due else None
    HookRecord(state.digest, due).save(record)  # only after Netlify accepted: else retried
    return f"build hook POSTed ({hook.label})", state.next_due
