"""Independent reference: the network clearing QP with the flows as variables, by Clarabel."""

from __future__ import annotations

import clarabel
import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from flowmarket.clearing.model import LinearOrders
from flowmarket.clearing.network import Network

FloatArray = npt.NDArray[np.float64]


def reference_network_clearing(
    lin: LinearOrders, network: Network, tol: float = 1e-14
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """(x (l,), flows (F,), nodal prices (n,), link prices (L,)) of

    max Σ p_high x − slope x²/2 − Σ cost f,  W x + A f = 0,  Σ_link f ≤ capacity,
    0 ≤ x ≤ q, f ≥ 0 — written directly, with no link rows and no proximal steps.
    """
    n, n_lin = lin.weights.shape
    f_count, links = network.n_flows, network.n_links
    cols = np.arange(f_count)
    incidence = sp.csc_array(
        (
            np.concatenate([np.ones(f_count), -np.ones(f_count)]),
            (np.concatenate([network.flow_from, network.flow_to]), np.concatenate([cols, cols])),
        ),
        shape=(n, f_count),
    )
    per_link = sp.csc_array((np.ones(f_count), (network.flow_link, cols)), shape=(links, f_count))
    z_x = sp.csc_array((links, n_lin))
    a = sp.vstack(
        [
            sp.hstack([lin.weights, incidence]),
            sp.hstack([z_x, per_link]),
            sp.hstack([sp.eye_array(n_lin), sp.csc_array((n_lin, f_count))]),
            -sp.eye_array(n_lin + f_count),
        ],
        format="csc",
    )
    b = np.concatenate([np.zeros(n), network.capacity, lin.q, np.zeros(n_lin + f_count)])
    p = sp.csc_array(sp.diags_array(np.concatenate([lin.slope, np.zeros(f_count)])))
    q = np.concatenate([-lin.p_high, network.cost[network.flow_link]])
    settings = clarabel.DefaultSettings()
    settings.verbose = False
    settings.tol_gap_abs = settings.tol_gap_rel = tol
    settings.tol_feas = settings.tol_ktratio = tol
    settings.max_iter = 500
    cones = [clarabel.ZeroConeT(n), clarabel.NonnegativeConeT(links + 2 * n_lin + f_count)]
    solution = clarabel.DefaultSolver(p, q, a, b, cones, settings).solve()
    assert str(solution.status) in ("Solved", "AlmostSolved"), solution.status
    z = np.asarray(solution.x)
    y = np.asarray(solution.z)
    prices = y[:n]
    # Clarabel's interior-point x is accurate to ~1e-5 on these books, its duals to
    # ~1e-8: the reference quantities are the curves' responses at its prices.
    x = np.clip((lin.p_high - lin.weights.T @ prices) / lin.slope, 0.0, lin.q)
    return x, z[n_lin:], prices, y[n : n + links]
