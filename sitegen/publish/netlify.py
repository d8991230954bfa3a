"""Layer 4: a `netlify-hook:URL` target asks Netlify to rebuild the site itself.

Netlify builds from the repository (netlify.toml), so there is nothing to upload: when the
Nextcloud source changed, one POST to the site's build hook starts a rebuild there.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

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
