"""Engine 5's checked least-distance solve (`ldp`): a wrong NNLS answer is caught and the
projection solved again by BVLS.

tests/data/ldp/nnls_not_optimal.json is one group's projection from a network hour of
the demo (7 free coordinates, 56 rows c·z ≤ b): scipy 1.17's NNLS returned a point that
breaks a row by 2.91, a link price of 2.91 where the rows allow at most 0, and the
certificate gate refused the hour. The checked solve's answer is checked here against
SLSQP's projection of the same point onto the same rows.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import minimize

from flowmarket.clearing.ldp import _optimal, least_distance, project

CASE = Path(__file__).parents[2] / "data" / "ldp" / "nnls_not_optimal.json"


def test_nnls_optimality_by_hand() -> None:
    # min ‖E u − f‖ over u ≥ 0 with E = I, f = (0, 1): u = (0, 1), gradient Eᵀ(Eu − f) =
    # (0, 0). At u = (0, 0) the gradient is (0, −1): moving u_2 up lowers the residual.
    e, f = np.eye(2), np.array([0.0, 1.0])
    best, stuck = np.array([0.0, 1.0]), np.zeros(2)
    assert _optimal(e, best, e @ best - f)
    assert not _optimal(e, stuck, e @ stuck - f)
    # at u = (0.5, 1) the support's gradient is 0.5 ≠ 0 though none is negative
    off = np.array([0.5, 1.0])
    assert not _optimal(e, off, e @ off - f)


def test_shortest_point_of_a_half_plane_by_hand() -> None:
    # y₁ + y₂ ≥ 2: the shortest such y is (1, 1); checked or not.
    g, h = np.array([[1.0, 1.0]]), np.array([2.0])
    for checked in (False, True):
        y = least_distance(g, h, checked=checked)
        assert y is not None
        assert y == pytest.approx([1.0, 1.0], abs=1e-12)


def reference(start: np.ndarray, c: np.ndarray, b: np.ndarray) -> np.ndarray:
    """min ½‖z − start‖² subject to c z ≤ b, by SLSQP (scipy's sequential QP, another
    method than NNLS and BVLS). Clarabel's interior point stops 4e-5 away on this
    degenerate group (a distance 4e-8 longer, a row broken by 2e-10)."""
    solution = minimize(
        lambda z: 0.5 * float(np.sum((z - start) ** 2)),
        start,
        jac=lambda z: z - start,
        constraints=[{"type": "ineq", "fun": lambda z: b - c @ z, "jac": lambda z: -c}],
        method="SLSQP",
        options={"ftol": 1e-16, "maxiter": 1000},
    )
    return np.asarray(solution.x)


def test_the_demo_group_is_projected_onto_its_rows() -> None:
    case = json.loads(CASE.read_text(encoding="utf-8"))
    start, c, b = (np.array(case[k], dtype=np.float64) for k in ("start", "c", "b"))
    z = project(start, c, b, checked=True)
    assert z is not None
    assert np.max(c @ z - b) <= 1e-12  # every row holds
    assert z == pytest.approx(reference(start, c, b), abs=1e-9)
