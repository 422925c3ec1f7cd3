"""Stage 4 with a network: link prices, rent, the link rows of the certificate."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from flowmarket.clearing.model import FloatArray, LinkCertificate, NetworkOutcome
from flowmarket.clearing.network import Network, NetworkProblem

BoolArray = npt.NDArray[np.bool_]


def _per_link(network: Network, values: FloatArray, where: BoolArray | None = None) -> FloatArray:
    """max over each link's flow columns of values (F,) (0 where there are none)."""
    out = np.zeros(network.n_links)
    keep = np.ones(values.size, dtype=bool) if where is None else where
    np.maximum.at(out, network.flow_link[keep], values[keep])
    return out


def injection(
    network: Network, flows: FloatArray, n_products: int, *, gross: bool = False
) -> FloatArray:
    """A f: (n,) GB/h, outflow − inflow per product for flows (F,) (outflow + inflow
    with `gross`)."""
    out = np.bincount(network.flow_from, weights=flows, minlength=n_products).astype(np.float64)
    inflow = np.bincount(network.flow_to, weights=flows, minlength=n_products)
    out += inflow if gross else -inflow
    return out


def link_prices(network: Network, problem: NetworkProblem, prices: FloatArray) -> FloatArray:
    """μ (L,) ≥ 0 from the augmented prices (n + K,).

    A link with capacity 0 has no row; it reports the least μ that supports the
    prices, max(0, max_c(π_to − π_from − cost)), which it would earn per GB of
    capacity (its rent stays 0).
    """
    n = problem.n_products
    mu = np.zeros(network.n_links)
    mu[problem.active] = np.maximum(prices[n:], 0.0)
    idle = network.capacity[network.flow_link] <= 0
    gain = prices[network.flow_to] - prices[network.flow_from] - network.cost[network.flow_link]
    mu = np.maximum(mu, _per_link(network, gain, idle))
    return mu


def outcome(
    network: Network,
    problem: NetworkProblem,
    prices: FloatArray,
    active_flows: FloatArray,
    steps: int,
    tol_flow: float,
    tol_price: float,
) -> NetworkOutcome:
    """Everything `NetworkOutcome` lists, at prices (n + K,) and canonical flows (F',).

    tol_flow: GB/h below capacity that makes a link open; tol_price: tokens per GB below
    which an open link's price is the solver's residual, published as 0."""
    flows = np.zeros(network.n_flows)
    flows[problem.flows] = active_flows
    link_flow = np.bincount(network.flow_link, weights=flows, minlength=network.n_links).astype(
        np.float64
    )
    mu = link_prices(network, problem, prices)
    # A link with room left has price 0 (complementary slackness): what the solver
    # leaves there is below its price tolerance, but the rent multiplies it by capacity.
    open_links = (network.capacity > 0) & (link_flow < network.capacity - tol_flow)
    mu[open_links & (mu <= tol_price)] = 0.0
    link = network.flow_link
    gap = prices[network.flow_to] - prices[network.flow_from] - network.cost[link] - mu[link]
    excess = np.maximum(link_flow - network.capacity, 0.0)
    idle = mu * (network.capacity - link_flow)
    price_gap = _per_link(network, np.maximum(gap, 0.0))
    flow_gap = _per_link(network, np.abs(gap), flows > tol_flow)
    rent = mu * network.capacity
    charge = network.cost * link_flow
    certificate = LinkCertificate(
        excess=excess,
        idle=idle,
        price_gap=price_gap,
        flow_gap=flow_gap,
        max_excess=float(np.max(excess, initial=0.0)),
        max_idle=float(np.max(np.abs(idle), initial=0.0)),
        max_price_gap=float(np.max(price_gap, initial=0.0)),
        max_flow_gap=float(np.max(flow_gap, initial=0.0)),
    )
    return NetworkOutcome(
        flows=flows,
        link_flow=link_flow,
        link_price=mu,
        rent=rent,
        charge=charge,
        congestion_rent=float(np.sum(rent)),
        transport_cost=float(np.sum(charge)),
        proximal_steps=steps,
        certificate=certificate,
    )
