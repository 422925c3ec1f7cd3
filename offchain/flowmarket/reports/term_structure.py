"""The forward term structure of the last clearing: annual → monthly → hourly prices.

For each region and type, three panels share one colour scale: the annual forwards
(one column per year), the monthly forwards (one per month) and the hourly products
(real time and hourly forwards, one column per delivery day), each row an hour of
the day (UTC). Coarse forwards are shown per delivered GB (price ÷ the hours they
deliver: a unit of a monthly forward is 1 GB in each of its hours), so the three
panels are comparable and a consistent market shows the same daily shape in each.
Weekday products only (the weekend ones are priced the same way), and weekday
delivery days for the hourly panel.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from flowmarket.catalogue.hours import to_datetime, weekend_mask
from flowmarket.catalogue.names import Kind
from flowmarket.reports.extract_market import FloatArray, Group, product_key
from flowmarket.reports.figures import new_figure, styled, to_data_uri
from flowmarket.reports.record import ProductRow

PANELS = (Kind.ANNUAL, Kind.MONTHLY, Kind.HOURLY)
_TITLES = {Kind.ANNUAL: "annual forwards", Kind.MONTHLY: "monthly forwards",
           Kind.HOURLY: "real time and hourly forwards"}  # fmt: skip


@dataclass(frozen=True)
class TermPanel:
    """labels: (P,) periods (YYYY, YYYY-MM or YYYY-MM-DD); price: (24, P) tokens per
    delivered GB by hour of day, NaN where nothing was listed."""

    labels: tuple[str, ...]
    price: FloatArray


def term_structure(rows: Sequence[ProductRow], hour: int) -> dict[Group, dict[Kind, TermPanel]]:
    """{(region, type): {kind: panel}} from the products cleared at `hour`; groups that
    cleared no monthly or annual forward are left out."""
    cells: dict[Group, dict[Kind, dict[str, dict[int, float]]]] = {}
    for cleared, name, price, _volume, _slope in rows:
        key = product_key(name)
        if cleared != hour or key is None:
            continue
        kind = Kind.HOURLY if key.kind is Kind.REAL_TIME else key.kind
        moment = to_datetime(key.start)
        if kind is Kind.HOURLY:
            if bool(weekend_mask(np.array([key.start], dtype=np.int64))[0]):
                continue
            label, row, per_gb = f"{moment:%Y-%m-%d}", moment.hour, price
        else:
            if key.day_type != "wd" or key.hour_of_day is None:
                continue
            label = f"{moment:%Y}" if kind is Kind.ANNUAL else f"{moment:%Y-%m}"
            row, per_gb = key.hour_of_day, price / int(key.delivery_hours().size)
        by_kind = cells.setdefault((key.region, key.type), {})
        by_kind.setdefault(kind, {}).setdefault(label, {})[row] = per_gb
    out: dict[Group, dict[Kind, TermPanel]] = {}
    for cell, kinds in sorted(cells.items()):
        if Kind.MONTHLY not in kinds and Kind.ANNUAL not in kinds:
            continue
        panels: dict[Kind, TermPanel] = {}
        for panel_kind in PANELS:
            periods = kinds.get(panel_kind, {})
            labels = tuple(sorted(periods))
            matrix = np.full((24, len(labels)), np.nan)
            for column, label in enumerate(labels):
                for row, value in periods[label].items():
                    matrix[row, column] = value
            panels[panel_kind] = TermPanel(labels, matrix)
        out[cell] = panels
    return out


@styled
def term_structure_plot(group: Group, panels: dict[Kind, TermPanel], hour_label: str) -> str:
    """The three panels of one region and type side by side, one colour scale."""
    values = np.concatenate([p.price.ravel() for p in panels.values()])
    finite = values[np.isfinite(values)]
    vmin, vmax = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    figure = new_figure(9.5, 3.6)
    widths = [max(1, len(panels[k].labels)) for k in PANELS]
    grid = figure.add_gridspec(1, 3, width_ratios=[max(w, 3) for w in widths])
    image = None
    for k, kind in enumerate(PANELS):
        axes = figure.add_subplot(grid[0, k])
        panel = panels[kind]
        if panel.labels:
            image = axes.imshow(np.ma.masked_invalid(panel.price), origin="lower",
                                aspect="auto", vmin=vmin, vmax=vmax, cmap="viridis",
                                interpolation="nearest")  # fmt: skip
            step = max(1, len(panel.labels) // 6)
            ticks = list(range(0, len(panel.labels), step))
            axes.set_xticks(ticks, [panel.labels[t] for t in ticks], rotation=30, fontsize=7)
        axes.grid(False)
        axes.set_title(_TITLES[kind], fontsize=9)
        axes.set_yticks([0, 6, 12, 18, 23])
        if k == 0:
            axes.set_ylabel("hour of day (UTC)")
    figure.suptitle(f"{group[0]} · {group[1]}: weekday prices per delivered GB at {hour_label}")
    if image is not None:
        colorbar = figure.colorbar(image, ax=figure.axes, pad=0.01, fraction=0.03)
        colorbar.set_label("tokens per GB")
    return to_data_uri(figure)
