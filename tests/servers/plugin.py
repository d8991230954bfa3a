"""pytest hooks that own the run's shared Nextcloud (see nextcloud.py).

The process that configures the run first (the xdist controller, or the only process) makes a run
folder and hands it to every worker through the environment, before they are spawned; at the end
of the whole run it stops the instance that one of them may have started and removes the folder.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from tests.servers.nextcloud import INSTANCE, RUN_ENV, find_home, stop

_OWNED = pytest.StashKey[Path]()


def pytest_configure(config: pytest.Config) -> None:
    if hasattr(config, "workerinput") or os.environ.get(RUN_ENV):
        return  # an xdist worker: the controller made the folder
    run = Path(tempfile.mkdtemp(prefix="sitegen-nextcloud-"))
    (run / "owner.pid").write_text(str(os.getpid()))
    os.environ[RUN_ENV] = str(run)
    config.stash[_OWNED] = run


def pytest_unconfigure(config: pytest.Config) -> None:
    run = config.stash.get(_OWNED, None)
    if run is None:
        return
    home = find_home()
    if home is not None:
        stop(home, run / INSTANCE)
    shutil.rmtree(run, ignore_errors=True)
    os.environ.pop(RUN_ENV, None)


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    run = config.stash.get(_OWNED, None)
    if run is not None and (run / "started_in").exists():
        seconds = (run / "started_in").read_text()
        terminalreporter.write_line(f"Nextcloud test server: started in {seconds} s")
