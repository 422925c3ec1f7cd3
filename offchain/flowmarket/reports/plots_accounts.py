"""Plots of participants' accounts: positions at delivery, accumulated cash, collateral."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from matplotlib.lines import Line2D
from matplotlib.ticker import StrMethodFormatter

from flowmarket.reports.extract_accounts import (
    STATES,
    CollateralSeries,
    DeliveredPositions,
    FloatArray,
    IntArray,
    requirement_share,
)
from flowmarket.reports.figures import (
    colours,
    hour_dates,
    new_figure,
    styled,
    time_axis,
    to_data_uri,
)
from flowmarket.states import CollateralStatus

Label = Callable[[str], str]
STATE_MARKS = {
    CollateralStatus.WARNING: ("#d4a72c", "^"),
    CollateralStatus.BELOW: ("#cf222e", "v"),
    CollateralStatus.RESTRICTED: ("#6e40c9", "x"),
}


@styled
def positions_plot(positions: DeliveredPositions, *, last: int, label: Label) -> str:
    """One panel per participant: GB/h held per delivery hour, one line per group."""
    n = len(positions.participants)
    n_cols = 2 if n > 1 else 1
    n_rows = math.ceil(n / n_cols)
    figure = new_figure(9.5, 2.3 * n_rows + 0.7)
    grid = figure.subplots(n_rows, n_cols, squeeze=False, sharex=True)
    dates = hour_dates(positions.hours)
    boundary = float(hour_dates([last])[0])
    palette = colours(len(positions.groups))
    for k in range(n_rows * n_cols):
        axes = grid[k // n_cols][k % n_cols]
        if k >= n:
            axes.set_visible(False)
            continue
        for g, group in enumerate(positions.groups):
            if not positions.held[k, g].any():
                continue  # a region and type it never traded
            axes.step(
                dates,
                positions.held[k, g],
                where="mid",
                color=palette[g],
                linewidth=1.0,
                label=f"{group[0]} · {group[1]}",
            )
        axes.axhline(0.0, color="#8c959f", linewidth=0.6)
        axes.axvline(boundary, color="#57606a", linewidth=0.8, linestyle=":")
        axes.set_title(label(positions.participants[k]), fontsize=9)
        axes.set_ylabel("held (GB/h)")
        if k + n_cols >= n:  # nothing drawn below it: it carries the time axis
            time_axis(axes, "delivery hour (UTC)")
            axes.tick_params(labelbottom=True)
    handles = [
        Line2D([], [], color=palette[g], label=f"{group[0]} · {group[1]}")
        for g, group in enumerate(positions.groups)
    ]
    figure.legend(handles=handles, loc="outside upper center", ncols=6, frameon=False)
    return to_data_uri(figure)


@styled
def cash_plot(
    participants: tuple[str, ...], hours: IntArray, cash: FloatArray, *, label: Label
) -> str:
    """Accumulated cash flow per participant over the hours cleared (tokens)."""
    figure = new_figure(9.5, 3.6)
    axes = figure.add_subplot()
    dates = hour_dates(hours)
    for colour, participant, series in zip(
        colours(len(participants)), participants, cash, strict=True
    ):
        axes.plot(dates, series, color=colour, linewidth=1.3, label=label(participant))
    axes.axhline(0.0, color="#8c959f", linewidth=0.6)
    axes.set_ylabel("accumulated cash (tokens)\n+ receives, − pays")
    axes.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    time_axis(axes, "hour cleared (UTC)")
    figure.legend(loc="outside right upper", frameon=False)
    return to_data_uri(figure)


@styled
def collateral_plot(series: CollateralSeries, *, label: Label) -> str:
    """Requirement as a share of collateral per participant; non-ok hours marked. A
    requirement without any collateral (an infinite share) is drawn on the top edge."""
    figure = new_figure(9.5, 3.8)
    axes = figure.add_subplot()
    dates = hour_dates(series.hours)
    share = requirement_share(series)
    finite = share[np.isfinite(share)]
    top = float(finite.max()) if finite.size else 0.0
    unbounded = bool(np.isposinf(share).any())
    ceiling = max(top * 1.1, 120.0) if top >= 50.0 or unbounded else max(top * 1.15, 1.0)
    drawn = np.where(np.isposinf(share), ceiling * 0.97, share)
    marker = "." if dates.size < 10 else None
    for k, (colour, participant) in enumerate(
        zip(colours(len(series.participants)), series.participants, strict=True)
    ):
        axes.plot(
            dates, drawn[k], color=colour, linewidth=1.3, marker=marker, label=label(participant)
        )
    for s, name in enumerate(STATES):
        if name in STATE_MARKS and (series.state == s).any():
            hit = series.state == s
            mark_colour, shape = STATE_MARKS[name]
            axes.plot(
                np.broadcast_to(dates, hit.shape)[hit],
                drawn[hit],
                shape,
                color=mark_colour,
                markersize=6,
                label=f"hours {name}",
            )
    if ceiling > 100.0:  # the line where orders get cut is worth showing
        axes.axhline(100.0, color="#cf222e", linewidth=0.8, linestyle="--")
        axes.text(
            dates[0],
            100.0,
            " 100 %: excess below zero, orders cut",
            va="bottom",
            fontsize=7.5,
            color="#cf222e",
        )
    if unbounded:
        axes.text(
            dates[0],
            ceiling * 0.97,
            " no collateral at all: drawn at the top edge",
            va="top",
            fontsize=7.5,
            color="#57606a",
        )
    axes.set_ylim(0.0, ceiling)
    axes.set_ylabel("requirement / collateral (%)")
    time_axis(axes, "hour cleared (UTC)")
    figure.legend(loc="outside right upper", frameon=False)
    return to_data_uri(figure)
