"""Layer 5: how the CLI shows problems and progress (rich on a terminal, plain text elsewhere)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from sitegen.errors import Diagnostic, SitegenError, format_text

if TYPE_CHECKING:
    from rich.progress import TaskID


def source_of(d: Diagnostic, roots: list[tuple[Path, str]]) -> str | None:
    """The text of the file a diagnostic points at, for the excerpt under it."""
    for root, prefix in roots:
        if prefix and not d.path.startswith(prefix):
            continue
        file = root / d.path[len(prefix) :]
        if file.is_file():
            try:
                return file.read_text(encoding="utf-8", errors="replace")
            except OSError:
                return None
    return None


def fail(exc: SitegenError, roots: list[tuple[Path, str]], verbose: bool) -> None:
    """Print a user error (with excerpts on a terminal) and exit 1; a traceback only with -v."""
    tty = sys.stderr.isatty()
    if verbose:
        import traceback  # only with -v: every build imports this module

        traceback.print_exception(exc, file=sys.stderr)
    if exc.diagnostics:
        for d in exc.diagnostics:
            text = format_text(d, source_of(d, roots) if tty else None, color=tty)
            click.echo(text, err=True)
        n = len(exc.diagnostics)
        if n > 1 or "build failed" in str(exc):
            click.echo(f"build failed: {n} error{'s' if n != 1 else ''}", err=True)
    else:
        click.echo(f"error: {exc}", err=True)
    raise SystemExit(1)


@contextmanager
def progress_bar(enabled: bool) -> Iterator[Callable[[str, int, int], None] | None]:
    """A rich progress display on a terminal; nothing when output is piped or -q is given."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    # imported here: rich costs a no-change build a good part of its time, and pipes need none
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    err_console = Console(stderr=True, highlight=False)
    with Progress(
        TextColumn("{task.description:>8}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as bar:
        tasks: dict[str, TaskID] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        yield update
