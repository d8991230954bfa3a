"""`sitegen serve`: build a site into a private folder, serve it, rebuild and reload on change."""

from __future__ import annotations

import ipaddress
import re
import webbrowser
from pathlib import Path
from typing import TYPE_CHECKING

import click

from sitegen.cli.command import command
from sitegen.errors import SitegenError

if TYPE_CHECKING:
    from sitegen.serve import Preview

from .overrides import settings_options
from .source import held_back_options, source_options

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|min)?\s*$")


def parse_duration(text: str) -> float:
    """Seconds from `5s`, `500ms`, `2m` or a bare number of seconds."""
    m = _DURATION.match(text)
    if not m:
        raise ValueError(f"{text!r} is not a duration (like 5s, 500ms or 2m)")
    value = float(m.group(1))
    unit = m.group(2) or "s"
    seconds = value / 1000 if unit == "ms" else value * 60 if unit in ("m", "min") else value
    if seconds <= 0:
        raise ValueError("the poll interval must be more than zero")
    return seconds


def exposure_warning(host: str, port: int) -> str | None:
    """A warning when the preview would be reachable from other machines."""
    if host == "localhost":
        return None
    try:
        if ipaddress.ip_address(host.strip("[]")).is_loopback:
            return None
    except ValueError:
        pass  # a host name: it may resolve to anything
    return (
        f"warning: serving on {host}: anyone who can reach this machine on port {port} "
        "can read the preview, drafts included"
    )


def _duration(ctx: click.Context, param: click.Parameter, value: str) -> float:
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@command("serve")
@click.argument("source", default=".", metavar="[SOURCE]")
@click.option(
    "--port",
    default=8000,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port to listen on (0: any free port).",
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on. Anything but loopback exposes the preview (drafts too).",
)
@click.option(
    "--allow-host",
    "allow_hosts",
    multiple=True,
    metavar="NAME",
    help="Also answer requests for this host name (repeatable); others get 400.",
)
@click.option("--open", "open_browser", is_flag=True, help="Open the preview in a browser.")
@held_back_options
@click.option(
    "--poll",
    default="1s",
    show_default=True,
    callback=_duration,
    help="How often to check a remote source for changes (one small request each).",
)
@click.option(
    "--push/--no-push",
    default=True,
    show_default=True,
    help="Listen to Nextcloud's push service (notify_push) where the server offers it.",
)
@settings_options
@source_options
def serve(
    source: str,
    port: int,
    host: str,
    allow_hosts: tuple[str, ...],
    open_browser: bool,
    drafts: bool,
    future: bool,
    poll: float,
    push: bool,
    base_url: str | None,
    settings: tuple[str, ...],
    user: str | None,
    cache_dir: Path | None,
    offline: bool,
    jobs: int,
    limits: tuple[str, ...],
) -> None:
    """Preview SOURCE (a folder, or a nextcloud:// or webdav:// URL) with instant reload."""
    from sitegen.config import parse_overrides
    from sitegen.serve import Preview, ServeOptions
    from sitegen.sources import SyncLimits, open_source

    warning = exposure_warning(host, port)
    if warning:
        click.echo(warning, err=True)
    try:
        options = ServeOptions(
            host=host,
            port=port,
            drafts=drafts,
            future=future,
            poll=poll,
            push=push,
            allow_hosts=allow_hosts,
            overrides=parse_overrides(base_url, settings),
        )
        src = open_source(
            source,
            user=user,
            cache_dir=cache_dir,
            jobs=jobs,
            offline=offline,
            limits=SyncLimits().with_settings(limits),
        )
        preview = Preview(src, options)
    except SitegenError as exc:
        raise click.ClickException(str(exc)) from None

    _run(preview, src.label, host, port, open_browser)


def _run(preview: Preview, label: str, host: str, port: int, open_browser: bool) -> None:
    """Serve until Ctrl-C, announcing the URL once it accepts connections."""

    def ready(url: str) -> None:
        click.echo(f"serving {label} at {url} (Ctrl-C to stop)", err=True)
        if open_browser:
            webbrowser.open(url)

    try:
        preview.run(on_ready=ready)
    except KeyboardInterrupt:  # uvicorn shut down cleanly, then passed Ctrl-C on
        click.echo("stopped", err=True)
    except SitegenError as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:  # the port is taken, the address is not ours
        reason = exc.strerror or exc
        raise click.ClickException(f"cannot serve on {host}:{port}: {reason}") from None
