"""Stop a test Nextcloud and remove its run folder when the test run that owns them is gone
(killed before its own clean-up could run).

usage: python watchdog.py OWNER_PID STOP_SH RUN_DIR
Exits by itself once RUN_DIR/nc/server.pgid is gone (the run stopped the server normally).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def main(owner: int, stop_sh: str, run: Path) -> None:
    while (run / "nc" / "server.pgid").exists():
        if not alive(owner):
            subprocess.run(["bash", stop_sh, str(run / "nc")], check=False)
            shutil.rmtree(run, ignore_errors=True)
            return
        time.sleep(1)


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2], Path(sys.argv[3]))
