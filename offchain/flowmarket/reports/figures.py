"""Matplotlib set-up shared by the report's plots: style, time axes, SVG export.

Figures are made with `matplotlib.figure.Figure` directly, never pyplot, so no GUI
backend or global figure state is involved (the same as the Agg backend, headless).

Every figure is exported as SVG (text kept as text, a fixed hash salt and no date, so
the same data gives the same bytes) and returned as a base64 `data:` URI for an
`<img>`: each image is isolated from the others and the page needs nothing else.
"""

from __future__ import annotations

import base64
import functools
import io
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, ParamSpec, TypeVar

import matplotlib
import matplotlib.dates as mdates
import numpy as np
import numpy.typing as npt
from matplotlib.axes import Axes
from matplotlib.figure import Figure

STYLE: dict[Any, Any] = {
    "font.size": 9.0,
    "axes.titlesize": 10.0,
    "axes.labelsize": 9.0,
    "legend.fontsize": 8.0,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#e3e6eb",
    "grid.linewidth": 0.6,
    "svg.fonttype": "none",
    "svg.hashsalt": "flowmarket-report",
    "font.family": ["DejaVu Sans", "sans-serif"],
}
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
P = ParamSpec("P")
R = TypeVar("R")


def styled(function: Callable[P, R]) -> Callable[P, R]:
    """Run a plotting function under the report's rcParams (artists read them when made)."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with matplotlib.rc_context(STYLE):
            return function(*args, **kwargs)

    return wrapper


def new_figure(width: float, height: float) -> Figure:
    """A figure of `width` × `height` inches (no pyplot state; call inside `styled`)."""
    return Figure(figsize=(width, height), layout="constrained")


def hour_dates(hours: Sequence[int] | npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
    """Matplotlib date numbers of the UTC starts of `hours` (hours since the epoch)."""
    moments = [EPOCH + timedelta(hours=int(h)) for h in hours]
    numbers = mdates.date2num(moments)  # type: ignore[no-untyped-call]
    return np.asarray(numbers, dtype=np.float64)


def time_axis(axes: Axes, label: str) -> None:
    """Dates on the x axis: concise UTC labels, at most ~8 ticks."""
    locator = mdates.AutoDateLocator(minticks=3, maxticks=8, tz=UTC)  # type: ignore[no-untyped-call]
    axes.xaxis.set_major_locator(locator)
    formatter = mdates.ConciseDateFormatter(locator, tz=UTC)  # type: ignore[no-untyped-call]
    axes.xaxis.set_major_formatter(formatter)
    axes.set_xlabel(label)


def colours(n: int) -> list[tuple[float, float, float, float]]:
    """`n` distinguishable categorical colours (tab10, tab20 past ten)."""
    name = "tab10" if n <= 10 else "tab20"
    cmap = matplotlib.colormaps[name]
    return [cmap(k % cmap.N) for k in range(n)]


def to_data_uri(figure: Figure) -> str:
    """The figure as an SVG `data:` URI."""
    buffer = io.BytesIO()
    with matplotlib.rc_context(STYLE):
        figure.savefig(buffer, format="svg", metadata={"Date": None}, dpi=150)
    encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f"data:image/svg+xml;base64,{encoded}"
