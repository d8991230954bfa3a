"""Layer 5: `sitegen rollback`, `verify` and `key`: commands on a published target and the
publisher's key."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from sitegen.cli.command import command
from sitegen.errors import ConfigError, SitegenError
from sitegen.publish import log as publog
from sitegen.publish.signing import PublicKey, load_signer
from sitegen.publish.target import Target
from sitegen.publish.webroot import WebRoot
from sitegen.run import (
    default_state_dir,
    open_target,
    resolve_target,
    run_lock,
    signing_key_path,
)

from .publish import _fail


@command()
@click.argument("target")
@click.option(
    "--deploy",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Local TOML file with [targets.NAME] entries.",
)
@click.option(
    "--state-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Locks, status and caches (default: the user state folder).",
)
def rollback(target: str, deploy: Path | None, state_dir: Path | None) -> None:
    """Switch a web root's `current` back to the release before it."""
    try:
        s = resolve_target(target, deploy, max_delete=None, keep_releases=None, user=None)
        t = open_target(s, cache_dir=None, jobs=1)
        if not isinstance(t, WebRoot):
            raise ConfigError("rollback works on a web root (a local folder target)")
        state = state_dir or default_state_dir()
        with run_lock(s, state):
            release = t.rollback(signer=load_signer(signing_key_path(None, state)))
    except SitegenError as exc:
        _fail(exc)
    click.echo(f"{t.label}: current -> releases/{release.name}")


@command()
@click.argument("target")
@click.option(
    "--deploy",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Local TOML file with [targets.NAME] entries.",
)
@click.option("--user", default=None, help="User name for a remote target.")
@click.option("--jobs", default=4, show_default=True, help="Parallel downloads while re-hashing.")
@click.option("--key", "key_spec", default=None, help="The publisher's public key, or a file.")
@click.option("--file", "file_path", default=None, help="Prove one file: its last publishes.")
def verify(
    target: str,
    deploy: Path | None,
    user: str | None,
    jobs: int,
    key_spec: str | None,
    file_path: str | None,
) -> None:
    """Re-hash what TARGET holds against its latest manifest and check the publish log's chain
    (and, with --key, every record's signature)."""
    try:
        if file_path is not None and key_spec is None:
            raise ConfigError("--file needs --key: a proof is only as good as the key")
        key = PublicKey.parse(key_spec) if key_spec is not None else None
        s = resolve_target(target, deploy, max_delete=None, keep_releases=None, user=user)
        t = open_target(s, cache_dir=None, jobs=jobs)
        if key is not None and file_path is not None:
            _prove(t, key, file_path.strip("/"))
            return
        problems = publog.verify(t, s.keep, key)
    except SitegenError as exc:
        _fail(exc)
    for d in problems:
        click.echo(str(d))
    if problems:
        click.echo(f"verify failed: {len(problems)} problem(s) on {t.label}", err=True)
        sys.exit(1)
    signed = f"; every record is signed by key {key.key_id}" if key is not None else ""
    click.echo(f"{t.label}: every file matches the latest manifest; the log chain holds{signed}")


def _prove(t: Target, key: PublicKey, path: str) -> None:
    from sitegen.publish.proof import LIMIT, prove

    rows = prove(t.history(), key, path)
    if not rows:
        click.echo(f"{t.label}: {path}: not in the publish log", err=True)
        sys.exit(1)
    click.echo(f"{path}: its last {len(rows)} publish(es) of at most {LIMIT}, newest first")
    for row in rows:
        click.echo(f"  {row}")
    if any(row.problem is not None for row in rows):
        click.echo(f"verify failed: {path} is not vouched for by key {key.key_id}", err=True)
        sys.exit(1)


@command()
@click.option(
    "--signing-key",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="The private key file (default: signing-key.pem in the state folder).",
)
@click.option(
    "--state-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Locks, status and caches (default: the user state folder).",
)
def key(signing_key: Path | None, state_dir: Path | None) -> None:
    """Print the publisher's public key (one line) for `sitegen verify --key`; the private key
    is made on first use and never printed."""
    path = signing_key_path(signing_key, state_dir)
    try:
        signer = load_signer(path)
    except SitegenError as exc:
        _fail(exc)
    click.echo(signer.public.text)
    click.echo(f"key id {signer.key_id}; private key in {path}", err=True)


__all__ = ["key", "rollback", "verify"]
