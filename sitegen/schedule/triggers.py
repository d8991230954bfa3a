"""Layer 5: when the scheduler runs: every fixed interval, or at a cron expression's times."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Protocol

from croniter import croniter

from sitegen.errors import ConfigError

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class Trigger(Protocol):
    def next_after(self, t: datetime) -> datetime: ...


@dataclass(frozen=True)
class Every:
    seconds: float

    @classmethod
    def parse(cls, text: str) -> Every:
        m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", text)
        if not m or float(m.group(1)) <= 0:
            msg = f"--every: expected a duration such as 90s, 10m, 2h or 1d, got {text!r}"
            raise ConfigError(msg)
        return cls(float(m.group(1)) * _UNITS[m.group(2) or "s"])

    def next_after(self, t: datetime) -> datetime:
        return t + timedelta(seconds=self.seconds)


@dataclass(frozen=True)
class Cron:
    expr: str
    tz: tzinfo | None = None  # None: the machine's local time, as cron itself

    def __post_init__(self) -> None:
        if not croniter.is_valid(self.expr):
            raise ConfigError(f"--cron: not a valid cron expression: {self.expr!r}")

    def next_after(self, t: datetime) -> datetime:
        local = t.astimezone(self.tz)
        nxt: datetime = croniter(self.expr, local).get_next(datetime)
        return nxt.astimezone(timezone.utc)
