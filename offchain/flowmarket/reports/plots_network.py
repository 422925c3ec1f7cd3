"""Plots of the network: maps (nodes by price, links by use), rent, fairness (SVG URIs)."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import Normalize

from flowmarket.catalogue import format_hour
from flowmarket.reports.figures import hour_dates, new_figure, styled, time_axis, to_data_uri
from flowmarket.reports.network import FairnessPoint, NetworkHour

PRICE_CMAP = "viridis"
USE_CMAP = "inferno_r"


def _positions(regions: Sequence[str]) -> dict[str, tuple[float, float]]:
    """Regions on a circle, in the given order (the first at the top)."""
    angles = np.pi / 2 - 2 * np.pi * np.arange(len(regions)) / max(1, len(regions))
    return {r: (float(np.cos(a)), float(np.sin(a))) for r, a in zip(regions, angles, strict=True)}


def _draw_map(axes: Axes, hour: NetworkHour, where: dict[str, tuple[float, float]],
              prices: Normalize) -> None:  # fmt: skip
    use = matplotlib.colormaps[USE_CMAP]
    for link in hour.links:
        (x0, y0), (x1, y1) = where[link.source], where[link.target]
        dx, dy = x1 - x0, y1 - y0
        length = float(np.hypot(dx, dy)) or 1.0
        nx, ny = -dy / length * 0.05, dx / length * 0.05  # two directions side by side
        axes.annotate(
            "",
            xy=(x1 + nx - dx * 0.14, y1 + ny - dy * 0.14),
            xytext=(x0 + nx + dx * 0.14, y0 + ny + dy * 0.14),
            arrowprops={
                "arrowstyle": "-|>",
                "color": use(min(1.0, link.utilisation)),
                "linewidth": 1.0 + 3.0 * min(1.0, link.utilisation),
            },
        )
    cmap = matplotlib.colormaps[PRICE_CMAP]
    for region, (x, y) in where.items():
        price = hour.prices.get(region)
        colour = "#d9dce1" if price is None else cmap(prices(price))
        axes.scatter([x], [y], s=420, color=colour, edgecolors="#333333", zorder=3)
        label = region if price is None else f"{region}\n{price:.3f}"
        axes.text(x, y - 0.26, label, ha="center", va="top", fontsize=7)
    axes.set_title(f"{format_hour(hour.hour)} UTC", fontsize=8)
    axes.set_xlim(-1.5, 1.5)
    axes.set_ylim(-1.6, 1.4)
    axes.set_aspect("equal")
    axes.axis("off")


@styled
def network_maps(hours: Sequence[NetworkHour], regions: Sequence[str]) -> str:
    """One map per hour: regions coloured by real-time price, links by utilisation."""
    columns = min(4, len(hours))
    rows = (len(hours) + columns - 1) // columns
    figure = new_figure(2.6 * columns + 1.2, 2.7 * rows)
    grid = np.atleast_1d(figure.subplots(rows, columns, squeeze=False)).ravel()
    values = [p for hour in hours for p in hour.prices.values()]
    prices = Normalize(min(values, default=0.0), max(values, default=1.0))
    where = _positions(regions)
    for axes, hour in zip(grid, hours, strict=False):
        _draw_map(axes, hour, where, prices)
    for axes in grid[len(hours) :]:
        axes.axis("off")
    mappable = matplotlib.cm.ScalarMappable(norm=prices, cmap=PRICE_CMAP)
    figure.colorbar(mappable, ax=list(grid), fraction=0.03, pad=0.01).set_label(
        "real-time price (tokens/GB)"
    )
    used = matplotlib.cm.ScalarMappable(norm=Normalize(0.0, 1.0), cmap=USE_CMAP)
    figure.colorbar(used, ax=list(grid), fraction=0.03, pad=0.04).set_label(
        "link utilisation (flow / capacity)"
    )
    return to_data_uri(figure)


@styled
def rent_plot(hours: Sequence[NetworkHour]) -> str:
    """Congestion rent and transport charges per hour, and each link's real-time use."""
    figure = new_figure(9.5, 5.2)
    top, bottom = figure.subplots(2, 1, sharex=True)
    dates = hour_dates([h.hour for h in hours])
    top.plot(dates, [h.rent for h in hours], linewidth=1.2, label="congestion rent")
    top.plot(dates, [h.charge for h in hours], linewidth=1.0, label="transport charges")
    top.set_ylabel("tokens/h (all links,\nforwards included)")
    top.legend(loc="upper left")
    names = sorted({link.name for h in hours for link in h.links})
    grid = np.full((len(names), len(hours)), np.nan)
    for j, hour in enumerate(hours):
        for link in hour.links:
            grid[names.index(link.name), j] = link.utilisation
    step = float(np.median(np.diff(dates))) if dates.size > 1 else 1.0 / 24
    image = bottom.imshow(
        np.ma.masked_invalid(grid),
        aspect="auto",
        origin="lower",
        cmap=USE_CMAP,
        vmin=0.0,
        vmax=1.0,
        interpolation="nearest",
        extent=(float(dates[0]) - step / 2, float(dates[-1]) + step / 2, -0.5, len(names) - 0.5),
    )
    bottom.grid(False)
    bottom.set_yticks(range(len(names)), names)
    figure.colorbar(image, ax=bottom, pad=0.01, fraction=0.04).set_label("real-time utilisation")
    time_axis(bottom, "hour cleared (UTC)")
    return to_data_uri(figure)


@styled
def fairness_plot(points: Sequence[FairnessPoint]) -> str:
    """Price of fairness of nodal prices and of one price + compensations, per hour."""
    figure = new_figure(9.5, 3.2)
    axes = figure.add_subplot()
    x = np.arange(len(points))
    axes.bar(x - 0.2, [p.nodal for p in points], width=0.4, label="nodal prices (the rent)")
    axes.bar(x + 0.2, [p.uniform for p in points], width=0.4, label="one price + compensations")
    axes.set_xticks(x, [format_hour(p.hour) for p in points], rotation=20, fontsize=7)
    axes.set_ylabel("price of fairness (tokens/h)")
    axes.legend(loc="upper left")
    return to_data_uri(figure)
