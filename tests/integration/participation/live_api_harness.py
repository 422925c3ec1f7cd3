"""The live API handle the end-to-end tests get."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine


@dataclass
class Clock:
    now: float

    def __call__(self) -> float:
        return self.now


@dataclass
class LiveApi:
    url: str
    engine: Engine
    clock: Clock
    state_dir: Path
