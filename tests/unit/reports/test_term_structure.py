"""The term-structure panels: coarse forwards per delivered GB, by hour of day."""

from __future__ import annotations

import math

import numpy as np

from flowmarket.catalogue import parse_hour
from flowmarket.catalogue.names import Kind
from flowmarket.reports.term_structure import term_structure, term_structure_plot

HOUR = parse_hour("2026-12-03T16")  # a Thursday


def test_coarse_forwards_are_shown_per_delivered_gb_by_hour_of_day() -> None:
    rows = [
        # 2028 has 260 weekdays (366 days from a Saturday: 52 weeks + a weekend).
        (HOUR, "fwd-y:eu:premium:2028:09:wd", 650.0, 1.0, 0.0),
        # January 2027 starts on a Friday: 21 weekdays.
        (HOUR, "fwd-m:eu:premium:2027-01:09:wd", 42.0, 1.0, 0.0),
        (HOUR, "fwd-m:eu:premium:2027-01:09:we", 99.0, 1.0, 0.0),  # weekend: not shown
        (HOUR, "fwd-h:eu:premium:2026-12-04T09", 2.25, 1.0, 0.0),  # Friday
        (HOUR, "fwd-h:eu:premium:2026-12-05T09", 9.0, 1.0, 0.0),  # Saturday: not shown
        (HOUR, "rt:eu:premium:2026-12-03T16", 2.75, 1.0, 0.0),
        (HOUR - 1, "fwd-y:eu:premium:2029:09:wd", 1.0, 1.0, 0.0),  # an earlier clearing
        (HOUR, "rt:us:premium:2026-12-03T16", 3.0, 1.0, 0.0),  # no coarse forwards
    ]
    panels = term_structure(rows, HOUR)[("eu", "premium")]
    assert set(term_structure(rows, HOUR)) == {("eu", "premium")}
    assert panels[Kind.ANNUAL].labels == ("2028",)
    assert panels[Kind.ANNUAL].price[9, 0] == 2.5
    assert panels[Kind.MONTHLY].labels == ("2027-01",)
    assert panels[Kind.MONTHLY].price[9, 0] == 2.0
    hourly = panels[Kind.HOURLY]
    assert hourly.labels == ("2026-12-03", "2026-12-04")
    assert hourly.price[16, 0] == 2.75 and hourly.price[9, 1] == 2.25
    assert int(np.isfinite(hourly.price).sum()) == 2 and math.isnan(hourly.price[9, 0])
    assert term_structure_plot(("eu", "premium"), panels, "2026-12-03T16").startswith("data:")
