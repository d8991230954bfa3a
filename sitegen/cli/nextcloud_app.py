"""Layer 5: `sitegen nextcloud-app`, the Nextcloud external app (docs/nextcloud-app.md)."""

from __future__ import annotations

import sys

import click

from sitegen.cli.command import command
from sitegen.errors import SitegenError


@command("nextcloud-app")
@click.option(
    "--print-app-info",
    is_flag=True,
    help="Print the JSON for `occ app_api:app:register --json-info` (it holds the secret).",
)
@click.option("--print-info-xml", is_flag=True, help="Print appinfo/info.xml.")
def nextcloud_app(print_app_info: bool, print_info_xml: bool) -> None:
    """Run sitegen as a Nextcloud external app, configured by AppAPI's environment variables
    (APP_ID, APP_SECRET, APP_VERSION, APP_HOST, APP_PORT, NEXTCLOUD_URL, APP_PERSISTENT_STORAGE)."""
    from sitegen.nextcloud_app import appinfo, settings

    if print_info_xml:
        click.echo(appinfo.info_xml(), nl=False)
        return
    try:
        app_settings = settings.from_env()
    except SitegenError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    if print_app_info:
        click.echo(appinfo.app_info_json(app_settings))
        return
    from sitegen.nextcloud_app.server import serve

    serve(app_settings)
