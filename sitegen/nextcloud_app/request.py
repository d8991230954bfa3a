"""A publish request's JSON body, checked: {"source": "Website", "target": "Public/site",
"public": true}, folders relative to the calling user's files."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sitegen.errors import ConfigError

Folder = tuple[str, ...]


@dataclass(frozen=True)
class PublishRequest:
    source: Folder
    target: Folder
    public: bool = False
    watch: bool | None = None  # republish on change (None: leave as it is)

    @property
    def source_text(self) -> str:
        return "/".join(self.source)

    @property
    def target_text(self) -> str:
        return "/".join(self.target)


def parse_request(body: bytes) -> PublishRequest:
    """The request, or a ConfigError whose message names the field (answered as 400)."""
    doc = json_body(body)
    if not isinstance(doc, dict):
        raise ConfigError('request body: a JSON object {"source": …, "target": …} expected')
    unknown = sorted(set(doc) - {"source", "target", "public", "watch"})
    if unknown:
        raise ConfigError(f"request body: unknown field(s) {', '.join(unknown)}")
    source = folder(doc.get("source"), "source")
    target = folder(doc.get("target"), "target")
    check_apart(source, target)
    public = doc.get("public", False)
    if not isinstance(public, bool):
        raise ConfigError("public: true or false expected")
    watch = doc.get("watch")
    if watch is not None and not isinstance(watch, bool):
        raise ConfigError("watch: true or false expected")
    return PublishRequest(source, target, public, watch)


def json_body(body: bytes) -> Any:
    try:
        return json.loads(body or b"null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise ConfigError(f"request body: not JSON ({exc})") from None


def action_folder(body: bytes) -> Folder:
    """The folder a Files action was chosen on, from AppAPI's v1 payload (`directory` and
    `name`, as its files plugin sends them). The payload's `userId` is not read: the caller is
    the user AppAPI authenticated, whatever the body says."""
    payload = json_body(body)
    if not isinstance(payload, dict) or not isinstance(payload.get("name"), str):
        raise ConfigError('request body: a Files action {"directory": …, "name": …} expected')
    directory = payload.get("directory") or "/"
    if not isinstance(directory, str):
        raise ConfigError("directory: a folder path expected")
    return folder(f"{directory.rstrip('/')}/{payload['name']}", "folder")


def action_request(source: Folder, saved: dict[str, Any]) -> PublishRequest:
    """The publish of `source` the user's saved settings (target, public, watch) ask for."""
    target = folder(saved["target"], "target folder (your settings)")
    check_apart(source, target)
    return PublishRequest(source, target, bool(saved["public"]), bool(saved["watch"]))


def check_apart(source: Folder, target: Folder) -> None:
    """Publishing into the source (or over it) would feed the site its own output."""
    if source == target[: len(source)] or target == source[: len(target)]:
        raise ConfigError(
            f"target {'/'.join(target)}: must be outside the source folder and not contain it"
        )


def folder(value: Any, field: str) -> Folder:
    """A folder below the user's files root: no empty, `.` or `..` segment, no control chars."""
    if not isinstance(value, str) or not value.strip("/"):
        raise ConfigError(f'{field}: a folder of your files expected, such as "Website"')
    parts = tuple(value.strip("/").split("/"))
    for part in parts:
        if part in ("", ".", "..") or any(ord(c) < 32 or c == "\\" for c in part):
            raise ConfigError(f"{field} {value!r}: not a plain folder path")
    return parts
