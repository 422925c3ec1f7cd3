"""Plots of prices, volumes and net-demand curves (SVG data URIs)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import Colormap

from flowmarket.catalogue import format_hour
from flowmarket.reports.curves import NetDemandCurve
from flowmarket.reports.extract_market import (
    FloatArray,
    Group,
    Heatmap,
    VolumeSeries,
    product_key,
)
from flowmarket.reports.figures import (
    colours,
    hour_dates,
    new_figure,
    styled,
    time_axis,
    to_data_uri,
)

HEATMAP_CMAP = "viridis"


@styled
def heatmap_plot(group: Group, heatmap: Heatmap, *, vmin: float, vmax: float) -> str:
    """Price by hour cleared (x) and hours ahead (y), one region and type."""
    figure = new_figure(9.5, 3.4)
    axes = figure.add_subplot()
    dates = hour_dates(heatmap.hours)
    step = float(np.median(np.diff(dates))) if dates.size > 1 else 1.0 / 24
    extent = (
        float(dates[0]) - step / 2,
        float(dates[-1]) + step / 2,
        -0.5,
        float(heatmap.ahead[-1]) + 0.5,
    )
    cmap = matplotlib_cmap()
    image = axes.imshow(
        np.ma.masked_invalid(heatmap.price),
        origin="lower",
        aspect="auto",
        extent=extent,
        cmap=cmap,
        vmin=vmin,
        vmax=vmax,
        interpolation="nearest",
    )
    axes.grid(False)
    axes.set_title(f"{group[0]} · {group[1]}: price by hour cleared and hours ahead")
    axes.set_ylabel("hours ahead of delivery\n(0 = real time)")
    time_axis(axes, "hour cleared (UTC)")
    colorbar = figure.colorbar(image, ax=axes, pad=0.01, fraction=0.04)
    colorbar.set_label("price (tokens/GB)")
    return to_data_uri(figure)


def matplotlib_cmap() -> Colormap:
    """Viridis (perceptually uniform, readable in grey); products absent in grey."""
    return matplotlib.colormaps[HEATMAP_CMAP].with_extremes(bad="#d9dce1")


@styled
def volume_plot(series: Mapping[Group, VolumeSeries]) -> str:
    """Volume bought per hour cleared: real-time products and all forwards, per group."""
    figure = new_figure(9.5, 5.0)
    top, bottom = figure.subplots(2, 1, sharex=True)
    palette = colours(len(series))
    for colour, (group, volume) in zip(palette, series.items(), strict=True):
        dates = hour_dates(volume.hours)
        label = f"{group[0]} · {group[1]}"
        top.plot(dates, volume.real_time, color=colour, linewidth=1.2, label=label)
        bottom.plot(dates, volume.forward, color=colour, linewidth=1.2, label=label)
    top.set_title("real-time product of the hour")
    bottom.set_title("all forwards traded in the hour (summed over delivery hours)")
    for axes, field in ((top, "real_time"), (bottom, "forward")):
        axes.set_ylabel("volume (GB/h)")
        values = np.concatenate([getattr(v, field) for v in series.values()])
        _clip_outliers(axes, values)
    time_axis(bottom, "hour cleared (UTC)")
    top.tick_params(labelbottom=False)
    handles, labels = top.get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside upper center", ncols=6, frameon=False)
    return to_data_uri(figure)


def _clip_outliers(axes: Axes, values: FloatArray) -> None:
    """Scale the y axis to the bulk of the values when a few (the first hour, when every
    standing order trades at once) are far above it, and say so on the plot."""
    if values.size == 0:
        return
    bulk = float(np.quantile(values, 0.98))
    peak = float(values.max())
    if bulk > 0 and peak > 2.5 * bulk:
        axes.set_ylim(0.0, 1.6 * bulk)
        axes.annotate(
            f"off scale: up to {peak:,.0f} GB/h",
            xy=(0.01, 0.97),
            xycoords="axes fraction",
            va="top",
            fontsize=7.5,
            color="#57606a",
        )
    else:
        axes.set_ylim(bottom=0.0)


@styled
def curves_plot(hour: int, rows: Sequence[tuple[str, Sequence[NetDemandCurve]]]) -> str:
    """A grid of aggregate curves: one row per region and type, one column per product."""
    n_cols = max(len(curves) for _, curves in rows)
    figure = new_figure(3.3 * n_cols + 0.6, 2.55 * len(rows) + 0.6)
    grid = figure.subplots(len(rows), n_cols, squeeze=False)
    for r, (row_label, curves) in enumerate(rows):
        for c in range(n_cols):
            axes = grid[r][c]
            if c >= len(curves):
                axes.set_visible(False)
                continue
            _one_curve(axes, curves[c], hour)
            if c == 0:
                axes.set_ylabel(f"{row_label}\nprice (tokens/GB)")
            if r == len(rows) - 1:
                axes.set_xlabel("quantity (GB/h)")
    handles, labels = grid[0][0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside upper center", ncols=5, frameon=False)
    return to_data_uri(figure)


def _one_curve(axes: Axes, curve: NetDemandCurve, hour: int) -> None:
    demand, _supply, _net = curve.at_clearing()
    axes.plot(curve.demand, curve.price, color="#1f6feb", linewidth=1.4, label="demand D(p)")
    axes.plot(curve.supply, curve.price, color="#d1661d", linewidth=1.4, label="supply S(p)")
    axes.plot(
        curve.net,
        curve.price,
        color="#24292f",
        linewidth=1.0,
        linestyle="--",
        label="net demand Z(p) = D − S",
    )
    axes.axhline(curve.clearing_price, color="#8c959f", linewidth=0.8, linestyle=":")
    axes.axvline(0.0, color="#8c959f", linewidth=0.6)
    axes.plot(
        [demand],
        [curve.clearing_price],
        "o",
        color="#cf222e",
        markersize=4,
        label="clearing price π, volume",
    )
    axes.annotate(
        f"π = {curve.clearing_price:.3f}\nvolume {demand:.1f} GB/h",
        xy=(0.03, 0.04),  # low prices, selling side: where the curves never are
        xycoords="axes fraction",
        ha="left",
        va="bottom",
        fontsize=7.5,
    )
    axes.set_title(_short(curve.product, hour), fontsize=8.5)


def _short(product: str, hour: int) -> str:
    """`rt 2026-11-29T06 (+0 h)`: kind, delivery hour and hours ahead of `hour`."""
    key = product_key(product)
    if key is None:
        return product
    return f"{key.kind.value} {format_hour(key.start)} (+{key.start - hour} h)"


def heatmap_range(heatmaps: Mapping[Group, Heatmap], type_: str) -> tuple[float, float]:
    """Colour range shared by every region of one type: min and max price."""
    values = np.concatenate(
        [h.price[np.isfinite(h.price)] for g, h in heatmaps.items() if g[1] == type_]
    )
    if values.size == 0:
        return 0.0, 1.0
    return float(values.min()), float(values.max())
