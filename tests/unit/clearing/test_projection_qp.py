"""The clearing's own sparse projection solver (`clearing.projection_qp`), on its own.

Each problem is min ½‖d − δ‖² s.t. rows[:n_eq] d = 0, rows[n_eq:] d ≤ rhs, answered
through `sparse_projection.project_sparse` (the certificate the clearing applies) and
compared with values computed by hand or by Clarabel (an independent interior-point
solver).
"""

from __future__ import annotations

from typing import Any

import clarabel
import numpy as np
import pytest
import scipy.sparse as sp

from flowmarket.clearing.projection_qp import active_set_projection
from flowmarket.clearing.sparse_projection import project_sparse


def solve(eq: list[list[float]], ineq: list[list[float]], rhs: list[float], delta: Any) -> Any:
    m = len(delta)
    equal = sp.csc_array(np.array(eq, dtype=float).reshape(-1, m).T)
    bound = sp.csc_array(np.array(ineq, dtype=float).reshape(-1, m).T)
    return project_sparse(
        equal, bound, np.array(rhs, dtype=float), np.array(delta, dtype=float),
        active_set_projection,
    )  # fmt: skip


def test_an_equality_alone_gives_the_mean() -> None:
    # d1 = d2, closest to (3, 1): (2, 2).
    np.testing.assert_allclose(solve([[1, -1]], [], [], [3.0, 1.0]), [2.0, 2.0], atol=1e-12)


def test_a_bound_clips_the_level_and_its_multiplier_has_the_right_sign() -> None:
    # d1 = d2 ≤ 1 from (5, 5): (1, 1); d − δ = Aᵀy gives y_eq = 4, y_bound = −8 by hand.
    rows = sp.csc_array(np.array([[1.0, -1.0], [1.0, 0.0]]))
    (d, y), *_ = active_set_projection(rows, 1, np.array([1.0]), np.array([5.0, 5.0]))
    np.testing.assert_allclose(d, [1.0, 1.0], atol=1e-12)
    np.testing.assert_allclose(y, [4.0, -8.0], atol=1e-9)


def test_an_inequality_that_repeats_an_equality_is_implied() -> None:
    # A curve's two pieces around its kink: d1 − d2 = 0 and again as ≤ 0 and ≥ 0; with
    # d1 + d2 ≤ 2 from (4, 0): the mean (2, 2) is cut to (1, 1).
    d = solve([[1, -1]], [[1, -1], [-1, 1], [1, 1]], [0.0, 0.0, 2.0], [4.0, 0.0])
    np.testing.assert_allclose(d, [1.0, 1.0], atol=1e-12)


def test_a_degenerate_vertex_is_reached() -> None:
    # Three rows through the origin (d1 ≤ 0, d2 ≤ 0, d1 + d2 ≤ 0): from (2, 3), the origin;
    # from (2, −3), (0, −3).
    rows = [[1, 0], [0, 1], [1, 1]]
    np.testing.assert_allclose(solve([], rows, [0, 0, 0], [2.0, 3.0]), [0, 0], atol=1e-12)
    np.testing.assert_allclose(solve([], rows, [0, 0, 0], [2.0, -3.0]), [0, -3], atol=1e-12)


def test_a_chain_clipped_at_its_lowest_ceiling() -> None:
    # d_k all equal (a chain of equalities), d_k ≤ c_k: from δ = 10 everywhere the common
    # value is min c = 0.25; unclipped (δ mean 0.1 < 0.25) it is the mean.
    n = 50
    eq = [[1.0 if j == k else -1.0 if j == k + 1 else 0.0 for j in range(n)] for k in range(n - 1)]
    ceilings = np.linspace(0.25, 3.0, n)[::-1].tolist()
    ineq = np.eye(n).tolist()
    d = solve(eq, ineq, ceilings, np.full(n, 10.0))
    np.testing.assert_allclose(d, np.full(n, 0.25), atol=1e-12)
    delta = np.random.default_rng(1).uniform(-1, 1, n)
    delta += 0.1 - delta.mean()
    np.testing.assert_allclose(solve(eq, ineq, ceilings, delta), np.full(n, 0.1), atol=1e-12)


def test_two_opposite_rows_that_pin_a_value_are_one_equality() -> None:
    # d1 − d2 ≤ 1 and d2 − d1 ≤ −1 (a curve through zero at its kink) pin d1 − d2 = 1; with
    # d1 ≤ 2 from (5, 5): the line's nearest point (5.5, 4.5) is cut to (2, 1). By hand,
    # d − δ = (−3, −4) = Aᵀy: the pair carries 4 against its second row, the bound −7.
    rows = sp.csc_array(np.array([[1.0, -1.0], [-1.0, 1.0], [1.0, 0.0]]))
    (d, y), *_ = active_set_projection(rows, 0, np.array([1.0, -1.0, 2.0]), np.array([5.0, 5.0]))
    np.testing.assert_allclose(d, [2.0, 1.0], atol=1e-12)
    np.testing.assert_allclose(y, [0.0, -4.0, -7.0], atol=1e-9)
    assert solve([], rows.toarray().tolist(), [1.0, -1.0, 2.0], [5.0, 5.0]) is not None


@pytest.mark.parametrize("n", [2_000, 10_000])
def test_a_long_chain_of_pinned_pairs_clipped_at_its_lowest_ceiling(n: int) -> None:
    # The unique-price group of a chain of spreads at their kinks, far above its
    # interval: d_k − d_{k+1} = g_k as two opposite rows, d_k ≤ c_k, δ = 50 everywhere.
    # By hand d = L + o with o_k = −Σ_{j<k} g_j and L = min(c − o). Before pairs were
    # read as equalities, n = 2,000 ran to the step limit (30 s) and failed.
    rng = np.random.default_rng(3)
    gaps, ceilings = rng.uniform(-1, 1, n - 1), rng.uniform(8, 10, n)
    offsets = -np.concatenate([[0.0], np.cumsum(gaps)])
    k = np.arange(n - 1)
    chain = sp.csr_array((np.r_[np.ones(n - 1), -np.ones(n - 1)], (np.r_[k, k], np.r_[k, k + 1])))
    rows = sp.csc_array(sp.vstack([chain, -chain, sp.eye_array(n)]))
    rhs = np.concatenate([gaps, -gaps, ceilings])
    d = project_sparse(
        sp.csc_array((n, 0)), sp.csc_array(rows.T), rhs, np.full(n, 50.0),
        active_set_projection,
    )  # fmt: skip
    assert d is not None
    np.testing.assert_allclose(d, np.min(ceilings - offsets) + offsets, atol=1e-6)


def random_problem(seed: int, m: int) -> tuple[sp.csc_array, sp.csc_array, Any, Any]:
    """Sparse rows of one to three ±1/±2 weights, every row's rhs ≥ 0 (d = 0 feasible),
    a third of them tight at 0 (degenerate), δ far outside."""
    rng = np.random.default_rng(seed)

    def rows(count: int) -> sp.csc_array:
        cols: list[Any] = []
        for _ in range(count):
            col = np.zeros(m)
            picked = rng.choice(m, size=int(rng.integers(1, 4)), replace=False)
            col[picked] = rng.choice([-2.0, -1.0, 1.0, 2.0], size=picked.size)
            cols.append(col)
        return sp.csc_array(np.array(cols).T)

    n_bound = 2 * m
    rhs = rng.uniform(0, 2, n_bound) * (rng.uniform(size=n_bound) > 0.33)
    return rows(m // 5), rows(n_bound), rhs, rng.normal(0, 5, m)


def clarabel_projection(equal: Any, bound: Any, rhs: Any, delta: Any) -> Any:
    m = delta.size
    a = sp.csc_matrix(sp.vstack([equal.T, bound.T]))
    b = np.concatenate([np.zeros(equal.shape[1]), rhs])
    settings = clarabel.DefaultSettings()
    settings.verbose = False
    settings.tol_gap_abs = settings.tol_gap_rel = settings.tol_feas = 1e-12
    cones = [clarabel.ZeroConeT(equal.shape[1]), clarabel.NonnegativeConeT(rhs.size)]
    solver = clarabel.DefaultSolver(sp.identity(m, format="csc"), -delta, a, b, cones, settings)
    return np.asarray(solver.solve().x)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("m", [40, 400])
def test_random_sparse_problems_agree_with_clarabel(seed: int, m: int) -> None:
    equal, bound, rhs, delta = random_problem(seed, m)
    d = project_sparse(equal, bound, rhs, delta, active_set_projection)
    assert d is not None
    np.testing.assert_allclose(d, clarabel_projection(equal, bound, rhs, delta), atol=1e-6)


def test_the_answer_is_the_same_bits_every_run() -> None:
    equal, bound, rhs, delta = random_problem(7, 400)
    first = project_sparse(equal, bound, rhs, delta, active_set_projection)
    second = project_sparse(equal, bound, rhs, delta, active_set_projection)
    assert first is not None and second is not None
    assert first.tobytes() == second.tobytes()
