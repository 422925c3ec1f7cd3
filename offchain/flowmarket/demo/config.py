"""What one demo run does: hours, cast, catalogue, fee change, and where its state goes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from flowmarket.catalogue import CatalogueSpec, load_spec, parse_spec
from flowmarket.catalogue.hours import HOURS_PER_WEEK
from flowmarket.errors import FieldError, InvalidInput

DEFAULT_CATALOGUE = "demo-network"
# Packaged demo catalogues besides `demo` and `production` (data/catalogue/demo-*.json).
PACKAGED_DEMO = ("demo-network", "demo-quick", "demo-tiny")


@dataclass(frozen=True)
class DemoConfig:
    """hours: hours cleared before the governance vote (the first week settles once 168
    are cleared); after_hours: hours cleared after the fee change; synthetic: synthetic
    buyers besides the supplier, arbitrageur, reseller and service provider; tolerance:
    an agent replaces a standing order only when a curve point moved by more than this
    share of the curve's scale (`agents.book`); new_fee_bps: the fee the DAO votes for;
    transport: how wallets reach the API (`transport`); auction: run a clock auction
    and an expansion auction before the first hour (`demo.auction`)."""

    state_dir: Path
    hours: int = HOURS_PER_WEEK
    after_hours: int = 3
    synthetic: int = 2
    seed: int = 1
    catalogue: str = DEFAULT_CATALOGUE
    tolerance: float = 0.5
    new_fee_bps: int = 25
    transport: str = "http"
    keep_node: bool = False
    auction: bool = False

    def __post_init__(self) -> None:
        checks = (
            ("hours", 1 <= self.hours <= 10 * HOURS_PER_WEEK, "must be in [1, 1680]"),
            ("after_hours", 0 <= self.after_hours <= HOURS_PER_WEEK, "must be in [0, 168]"),
            ("synthetic", 0 <= self.synthetic <= 100, "must be in [0, 100]"),
            ("tolerance", 0.0 <= self.tolerance < 1.0, "must be in [0, 1)"),
            ("new_fee_bps", 0 <= self.new_fee_bps <= 1_000, "must be in [0, 1000]"),
            ("transport", self.transport in ("http", "inprocess"), "must be http or inprocess"),
        )
        for name, ok, reason in checks:
            if not ok:
                raise FieldError(name, f"{reason}, got {getattr(self, name)}")

    @property
    def settles_a_week(self) -> bool:
        return self.hours >= HOURS_PER_WEEK

    def stretches(self) -> list[tuple[int, int, int | None]]:
        """The hours before the vote in runs of at most a week: (first hour offset, hours,
        the week that is complete after them or None). Every complete week settles."""
        out: list[tuple[int, int, int | None]] = []
        done = 0
        while done < self.hours:
            count = min(HOURS_PER_WEEK, self.hours - done)
            done += count
            week = done // HOURS_PER_WEEK - 1 if count == HOURS_PER_WEEK else None
            out.append((done - count, count, week))
        return out


def resolve_catalogue(source: str) -> CatalogueSpec:
    """`demo`, `production`, a packaged demo catalogue (`demo-network`, `demo-quick`,
    `demo-tiny`) or a
    catalogue JSON file by path."""
    if source not in PACKAGED_DEMO:
        return load_spec(source)
    text = resources.files("flowmarket").joinpath(f"data/catalogue/{source}.json").read_text()
    try:
        return parse_spec(json.loads(text))
    except FieldError as exc:
        raise FieldError(f"{source}.json: {exc.field}", exc.reason) from exc
    except ValueError as exc:
        raise InvalidInput(f"catalogue {source}: not JSON ({exc})") from exc
