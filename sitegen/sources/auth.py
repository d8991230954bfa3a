"""Credentials for remote sources: who, and the (app) password from the environment, netrc or
the system keyring; plus Nextcloud Login Flow v2 to obtain and store an app password.

The password is held in `Credentials.password` only, which is left out of its repr; it is never
put in a URL, a message or the cache.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shlex
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from sitegen.errors import SourceError
from sitegen.sources.url import RemoteLocation

ENV_PASSWORD = "SITEGEN_PASSWORD"
KEYRING_SERVICE = "sitegen"


@dataclass(frozen=True)
class Credentials:
    user: str | None
    password: str | None = field(default=None, repr=False)
    origin: str = "none"  # where the password came from: environment, netrc, keyring, none


def netrc_path(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    return Path(env["NETRC"]) if env.get("NETRC") else Path.home() / ".netrc"


def _netrc_entries(text: str) -> list[dict[str, str]]:
    """`machine` entries of a netrc file (`default` and `macdef` are skipped)."""
    try:
        tokens = shlex.split(text, comments=True)
    except ValueError:
        return []
    entries: list[dict[str, str]] = []
    current: dict[str, str] | None = None
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok == "machine" and i + 1 < len(tokens):
            current = {"machine": tokens[i + 1]}
            entries.append(current)
            i += 2
        elif tok == "default":
            current = None
            i += 1
        elif tok in ("login", "password", "account") and i + 1 < len(tokens):
            if current is not None:
                current[tok] = tokens[i + 1]
            i += 2
        else:
            i += 1
    return entries


def netrc_password(host: str, user: str | None, path: Path) -> str | None:
    """The password of the netrc entry for `host` (and `user`, when given)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return None
    for entry in _netrc_entries(text):
        if entry.get("machine") == host and (user is None or entry.get("login") == user):
            return entry.get("password")
    return None


def _keyring_available() -> bool:
    return importlib.util.find_spec("keyring") is not None


def keyring_password(host: str, user: str) -> str | None:
    if not _keyring_available():
        return None
    import keyring  # optional extra: sitegen-nextcloud[keyring]

    try:
        value = keyring.get_password(KEYRING_SERVICE, f"{user}@{host}")
    except Exception:  # no usable backend is not an error for us, just no password
        return None
    return value if isinstance(value, str) else None


def find_credentials(
    host: str, user: str | None, *, env: Mapping[str, str] | None = None, use_keyring: bool = True
) -> Credentials:
    """User from the URL or --user; password from SITEGEN_PASSWORD, netrc, then the keyring.
    `host` is `host` or `host:port`; a netrc entry for the bare host also counts."""
    env = os.environ if env is None else env
    if env.get(ENV_PASSWORD):
        return Credentials(user, env[ENV_PASSWORD], "environment")
    path = netrc_path(env)
    bare = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    for machine in dict.fromkeys((host, bare)):
        password = netrc_password(machine, user, path)
        if password is not None:
            if user is None:
                user = _netrc_login(machine, path)
            return Credentials(user, password, "netrc")
    if use_keyring and user:
        password = keyring_password(host, user)
        if password is not None:
            return Credentials(user, password, "keyring")
    return Credentials(user, None, "none")


def _netrc_login(host: str, path: Path) -> str | None:
    with contextlib.suppress(OSError):
        for entry in _netrc_entries(path.read_text(encoding="utf-8")):
            if entry.get("machine") == host:
                return entry.get("login")
    return None


def store_in_netrc(host: str, user: str, password: str, path: Path) -> None:
    """Add or replace `machine host login user` in netrc, written atomically with mode 0600."""
    if any(c.isspace() or c in "\"'#" for c in host + user + password):
        raise SourceError("cannot store a name or password with spaces or quotes in netrc")
    kept: list[str] = []
    with contextlib.suppress(FileNotFoundError):
        for line in path.read_text(encoding="utf-8").splitlines():
            words = line.split()
            ours = (
                len(words) >= 4
                and words[0] == "machine"
                and words[1] == host
                and words[2] == "login"
                and words[3] == user
            )
            if not ours:
                kept.append(line)
    kept.append(f"machine {host} login {user} password {password}")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".netrc-", dir=path.parent)  # mkstemp: mode 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write("\n".join(kept) + "\n")
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def store_password(
    host: str,
    user: str,
    password: str,
    *,
    env: Mapping[str, str] | None = None,
    use_keyring: bool = True,
) -> str:
    """Store an app password in the keyring if one is usable, else in netrc. Returns where."""
    if use_keyring and _keyring_available():
        import keyring

        try:
            keyring.set_password(KEYRING_SERVICE, f"{user}@{host}", password)
            return "the system keyring"
        except Exception:  # no usable backend: fall back to netrc
            pass
    path = netrc_path(env)
    store_in_netrc(host, user, password, path)
    return str(path)


@dataclass(frozen=True)
class LoginResult:
    user: str
    stored_in: str


def login_flow_v2(
    server_url: str,
    *,
    show_url: Callable[[str], None],
    poll_interval: float = 2.0,
    timeout: float = 600.0,
    sleep: Callable[[float], None] | None = None,
    http: httpx.Client | None = None,
) -> tuple[str, str]:
    """Nextcloud Login Flow v2: ask for a login URL, show it, poll until the user has granted
    access; returns (login name, app password)."""
    client = http or httpx.Client(
        timeout=httpx.Timeout(30.0, connect=10.0), headers={"User-Agent": "sitegen"}
    )
    try:
        start = client.post(f"{server_url.rstrip('/')}/index.php/login/v2")
        if start.status_code != 200:
            raise SourceError(
                f"{server_url}: Login Flow v2 is not available (HTTP {start.status_code})"
            )
        try:
            info = start.json()
            token, endpoint, login_url = (
                info["poll"]["token"],
                info["poll"]["endpoint"],
                info["login"],
            )
        except (ValueError, KeyError, TypeError):
            raise SourceError(f"{server_url}: unexpected Login Flow v2 answer") from None
        if _origin(endpoint) != _origin(server_url):
            raise SourceError(f"{server_url}: the login poll endpoint is on another server")
        show_url(str(login_url))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            poll = client.post(str(endpoint), data={"token": str(token)})
            if poll.status_code == 200:
                try:
                    result = poll.json()
                    return str(result["loginName"]), str(result["appPassword"])
                except (ValueError, KeyError, TypeError):
                    raise SourceError(f"{server_url}: unexpected Login Flow v2 result") from None
            if poll.status_code != 404:
                raise SourceError(f"{server_url}: login polling failed (HTTP {poll.status_code})")
            (sleep or time.sleep)(poll_interval)
        raise SourceError(f"{server_url}: no login within {int(timeout)} seconds")
    except httpx.HTTPError as e:
        raise SourceError(f"{server_url}: login failed ({type(e).__name__}: {e})") from None
    finally:
        if http is None:
            client.close()


def login(
    location: RemoteLocation,
    *,
    show_url: Callable[[str], None],
    env: Mapping[str, str] | None = None,
    use_keyring: bool = True,
    poll_interval: float = 2.0,
    timeout: float = 600.0,
    sleep: Callable[[float], None] | None = None,
) -> LoginResult:
    """`sitegen login nextcloud://alice@host`: run Login Flow v2 and store the app password."""
    if location.kind != "nextcloud":
        raise SourceError(f"{location.label}: login works with nextcloud:// sources only")
    user, password = login_flow_v2(
        location.server_url,
        show_url=show_url,
        poll_interval=poll_interval,
        timeout=timeout,
        sleep=sleep,
    )
    if location.user and user != location.user:
        raise SourceError(
            f"{location.origin}: you logged in as {user}, not {location.user}; nothing was stored"
        )
    where = store_password(location.origin, user, password, env=env, use_keyring=use_keyring)
    return LoginResult(user, where)


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme, (parts.hostname or "").lower(), parts.port
