"""Layer 5: the live preview behind `sitegen serve`.

    with Preview(open_source("site"), ServeOptions(port=0)) as preview:
        url = preview.start()

Modules: `server` (wiring), `builds` (one build at a time), `watch` (watchfiles, remote polling),
`app` (starlette: files, clean URLs, 404, no-store), `reload` (the WebSocket hub), `inject` (the
client script and error overlay added to HTML responses), `client.js` (the browser side).
"""

from __future__ import annotations

from .server import Preview, ServeOptions, incremental_builder

__all__ = ["Preview", "ServeOptions", "incremental_builder"]
