"""The clearing pipeline with a network (§9): the same stages, with the network's columns.

validate the network → augment the orders with flow and capacity columns and
link rows (`network`) → proximal Newton steps (`proximal`) → unique prices, the
projection of the prior nodal and link prices onto the optimal set (`prices`,
with the exact bound rows of the network columns) → canonical flows
(`canonical`) → certificate with the link rows (`certificate`, `links`); from
engine 5, where the gate refuses it, the polish of prices and flows on the active set
(`polish`) and the certificate again.

Prices: the nodal prices and the link prices together are the point of the
optimal price set closest to the prior ones (last hour's, 0 where missing);
a link that carries nothing and is not full has price 0.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from flowmarket.clearing import gate
from flowmarket.clearing.canonical import canonical_flows, tight_columns
from flowmarket.clearing.certificate import assemble
from flowmarket.clearing.curves import order_gaps
from flowmarket.clearing.dual import DualOperators, dot, net_demand
from flowmarket.clearing.links import injection, outcome
from flowmarket.clearing.model import (
    ClearingResult,
    FloatArray,
    LinearOrders,
    NetworkOutcome,
    OrderBook,
    SolverOptions,
    SolverStats,
)
from flowmarket.clearing.network import Network, NetworkProblem, validate_network
from flowmarket.clearing.newton import imbalance_target
from flowmarket.clearing.polish import polish
from flowmarket.clearing.prices import unique_prices
from flowmarket.clearing.proximal import price_scale, solve_proximal
from flowmarket.errors import CertificateFailed, InvalidInput


def _link_prior(network: Network, link_prior: FloatArray | None) -> FloatArray:
    if link_prior is None:
        return np.zeros(network.n_links)
    arr = np.asarray(link_prior, dtype=np.float64)
    if arr.shape != (network.n_links,) or not np.all(np.isfinite(arr)):
        raise InvalidInput(f"link prior: expected {network.n_links} finite link prices")
    return np.maximum(arr, 0.0)


def clear_with_network(
    book: OrderBook,
    lin: LinearOrders,
    ops: DualOperators,
    priors: tuple[FloatArray, FloatArray | None],
    options: SolverOptions,
    network: Network,
    clock: tuple[Callable[[str], None], dict[str, float]],
) -> ClearingResult:
    """Clear `book` (decomposed into lin, ops) on `network`.

    priors: (nodal (n,), link (L,) or None); clock: (lap(stage), the seconds it records).
    """
    lap, seconds = clock
    validate_network(network, book.n_products)
    problem = NetworkProblem.augment(lin, network)
    start = np.concatenate([priors[0], _link_prior(network, priors[1])[problem.active]])
    lap("network")
    proximal = solve_proximal(problem, start, options)
    lap("newton")
    target = imbalance_target(proximal.lin, options)
    prices, exact = proximal.prices, False
    if proximal.converged:
        prices, exact = unique_prices(
            proximal.lin, proximal.ops, proximal.prices, start, options, tol_x=target,
            bounds=problem.lin,
        )  # fmt: skip
    lap("unique_prices")
    n_lin, n_flow = problem.n_linear, problem.flows.size
    solver_flows = proximal.x[n_lin : n_lin + n_flow]
    tol_price = 100.0 * options.price_tol * price_scale(problem.lin, n_lin)
    tight = tight_columns(problem, prices, solver_flows, tol_price)
    priced = prices[book.n_products :] > tol_price
    flows = canonical_flows(problem, solver_flows, priced, tight, options)
    lap("flows")
    stats = SolverStats(proximal.iterations, proximal.cg_iterations, seconds)
    certify = _Certify(book, lin, ops, options, network, problem, (proximal.outer, target))
    try:
        result = certify(prices, flows, exact, stats, tol_price)
    except CertificateFailed:
        if options.engine < 5:
            raise
        # engine 5: the gate refused it, so balance exactly on the active set and certify
        # again (docs/engine-versions.md); a polish not kept leaves the refusal standing
        polished = polish(problem, lin, ops, prices, flows, priced, target)
        if not polished.kept:
            raise
        result = certify(polished.prices, polished.flows, exact, stats, tol_price)
    lap("certificate")
    return result


@dataclass(frozen=True)
class _Certify:
    """The result of a network clearing at given prices (n + K,) and flows (F',), through
    the certificate gate (`gate.check` raises `CertificateFailed`).

    steps: (the proximal steps taken, the imbalance target of the links' outcome)."""

    book: OrderBook
    lin: LinearOrders
    ops: DualOperators
    options: SolverOptions
    network: Network
    problem: NetworkProblem
    steps: tuple[int, float]

    def __call__(
        self,
        prices: FloatArray,
        flows: FloatArray,
        exact: bool,
        stats: SolverStats,
        tol_price: float,
    ) -> ClearingResult:
        book, lin, ops, options, network = self.book, self.lin, self.ops, self.options, self.network
        gaps = order_gaps(options)
        result = assemble(book, lin, ops, prices[: book.n_products], exact, stats, gaps)[0]
        links = outcome(network, self.problem, prices, flows, *self.steps, tol_price)
        result = _with_network(result, lin, ops, network, links)
        moved = (
            injection(network, links.flows, book.n_products),
            injection(network, links.flows, book.n_products, gross=True),
        )
        # the network's part of the duality gap is Σ flow × price gap + Σ μ (capacity −
        # flow): tolerate the gate's relative tolerance of the price scale on every GB/h
        # moved and of every link's rent
        scale = price_scale(self.problem.lin, self.problem.n_linear)
        allowance = options.gate_tol * (scale * float(np.sum(links.flows)) + links.congestion_rent)
        gate.check(book, lin, ops, result, options.gate_tol, moved, allowance, gaps=gaps)
        return result


def _with_network(
    result: ClearingResult,
    lin: LinearOrders,
    ops: DualOperators,
    network: Network,
    links: NetworkOutcome,
) -> ClearingResult:
    """The result's imbalance, duality gap and welfare counted with the flows."""
    n = result.prices.size
    imbalance = net_demand(ops, result.linear_quantity) + injection(network, links.flows, n)
    link = network.flow_link
    gap = (
        result.prices[network.flow_to]
        - result.prices[network.flow_from]
        - network.cost[link]
        - links.link_price[link]
    )
    # dual − primal = −π·r + Σ_e μ_e (capacity_e − flow_e) − Σ_j f_j gap_j (see `links`)
    duality_gap = abs(
        -dot(result.prices, imbalance)
        + float(np.sum(links.certificate.idle))
        - dot(links.flows, gap)
    )
    certificate = replace(
        result.certificate,
        max_imbalance=float(np.max(np.abs(imbalance), initial=0.0)),
        duality_gap=duality_gap,
    )
    return replace(
        result,
        certificate=certificate,
        welfare=result.welfare - links.transport_cost,
        network=links,
    )
