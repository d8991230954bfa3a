"""The CLI is honest with a newcomer: every option says what it does, every error has one
style (`error: …` on stderr), and plans and reports go to stdout."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from sitegen.cli import COMMANDS, main

ROOT = Path(__file__).resolve().parents[2]


def _commands() -> list[tuple[str, click.Command]]:
    ctx = click.Context(main)
    found: list[tuple[str, click.Command]] = [("sitegen", main)]
    for name in main.list_commands(ctx):
        command = main.get_command(ctx, name)
        assert command is not None
        found.append((f"sitegen {name}", command))
    return found


def test_every_command_and_option_has_help() -> None:
    missing = [
        f"{path} {'/'.join(p.opts)}"
        for path, command in _commands()
        for p in command.params
        if isinstance(p, click.Option) and not (p.help or "").strip()
    ]
    missing += [path for path, command in _commands() if not (command.help or "").strip()]
    assert missing == []
    assert len(_commands()) == len(COMMANDS) + 1


def run(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(main, list(args), prog_name="sitegen")
    return r.exit_code, r.stdout, r.stderr


def test_usage_errors_in_the_one_style() -> None:
    code, out, err = run("build", "--nope")
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        "Usage: sitegen build [OPTIONS] [SOURCE]",
        "Try 'sitegen build -h' for help.",
        "error: No such option '--nope'.",
    ]
    code, out, err = run("frob")
    assert (code, out, err.splitlines()[-1]) == (2, "", "error: No such command 'frob'.")


def test_command_errors_in_the_one_style(tmp_path: Path) -> None:
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "keep.md").write_text("mine")
    code, out, err = run("new", str(tmp_path / "site"))
    assert (code, out, err) == (1, "", f"error: {tmp_path / 'site'} exists and is not empty\n")
    assert (tmp_path / "site" / "keep.md").read_text() == "mine"
    code, out, err = run("new", str(tmp_path / "other"), "--theme", "nope")
    assert (code, out) == (1, "")
    assert err.startswith("error: no theme named 'nope' (themes: ")
    assert not (tmp_path / "other").exists()


def test_no_click_style_error_prefix_in_the_cli_sources() -> None:
    offenders = [
        f"{p.relative_to(ROOT)}:{n}"
        for p in sorted((ROOT / "sitegen" / "cli").glob("*.py"))
        for n, line in enumerate(p.read_text().splitlines(), 1)
        if '"Error:' in line or "'Error:" in line
    ]
    assert offenders == []


def test_help_and_version_still_exit_zero() -> None:
    code, out, err = run("--version")
    assert (code, err) == (0, "") and out.startswith("sitegen, version ")
    code, out, err = run("status", "-h")
    assert (code, err) == (0, "") and "--state-dir" in out


def test_the_dry_run_plan_goes_to_stdout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SITEGEN_STATE_DIR", str(tmp_path / "state"))
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.md").write_text("# Home\n")
    www = tmp_path / "www"
    code, out, err = run("publish", str(site), "--to", str(www), "--dry-run")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].startswith("new ") and "+ index.html" in lines
    assert lines[-1] == "dry run: nothing was written"
    assert not www.exists()
