"""What a run tells its front end: a report line, a warning, a file sent. The CLI prints them;
the scheduler logs them; the Nextcloud app collects them into its JSON answer."""

from __future__ import annotations

from typing import Protocol


class Events(Protocol):
    def report(self, text: str) -> None:
        """A line of the plan or the outcome (the CLI's stdout)."""
        ...

    def warning(self, text: str) -> None:
        """Something the user should look at; the run goes on (the CLI's stderr)."""
        ...

    def uploaded(self, path: str, size: int) -> None:
        """One file reached the target (progress)."""
        ...


class QuietEvents:
    """Events nobody listens to (tests, embedding)."""

    def report(self, text: str) -> None:
        pass

    def warning(self, text: str) -> None:
        pass

    def uploaded(self, path: str, size: int) -> None:
        pass
