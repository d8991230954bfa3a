"""Layer 5: the `sitegen` command as a process (the console script and `python -m sitegen`).

When the command is done, CPython tears the interpreter down before the process ends: it clears
every module and frees every object still held (compiled templates, lexers, caches) one by one,
about 0.1 s of a one-page-edit build's 0.9 s and 0.04 s of a no-change build's 0.4 s on the
4000-page corpus. Nothing of that is needed once what the process owes the world is done, so
`run` does that much, as CPython's own shutdown does it first (other threads finished, `atexit`
functions run, standard streams flushed), then ends the process at once. Where another thread
is still running, it ends the normal way, which waits for it.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading

from . import main


def run() -> None:
    """`sitegen` with the arguments of the process, then a quick exit."""
    try:
        main()
        code: object = 0
    except SystemExit as exc:
        code = exc.code
    if not isinstance(code, int | None) or _others_running():
        raise SystemExit(code)  # the normal way: a message to print, or a thread to wait for
    atexit._run_exitfuncs()  # CPython's own step of its shutdown (logging's flush, finalizers)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe: let the normal exit report it
        raise SystemExit(code) from None
    os._exit(code or 0)


def _others_running() -> bool:
    main_thread = threading.main_thread()
    return any(t is not main_thread and not t.daemon for t in threading.enumerate())
