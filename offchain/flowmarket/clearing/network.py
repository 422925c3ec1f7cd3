"""The network of §9 as arrays, and the clearing problem it adds to the orders.

Nodes are where products are delivered; a *commodity* is what a product is at
its node (in flowmarket a service type in one delivery hour), so the products of
one commodity at different nodes are connected by the links that carry it. A
link is directed, has a capacity (GB/h, shared by every commodity that flows on
it) and a cost (tokens per GB moved). The engine only sees the flow columns:
one per (link, commodity) the link carries, from the product of that commodity
at the link's origin to the one at its end.

The clearing problem with a network (`NetworkProblem.augment`):

    maximise  Σ_i (p_high_i x_i − slope_i x_i²/2) − Σ_j cost_j f_j
    subject to  W x + A f = 0                   (every product: net demand of the
                                                  orders + outflow − inflow = 0)
                Σ_{j on link e} f_j ≤ capacity_e,   f ≥ 0,   0 ≤ x ≤ q

is written in the engine's own form, with one extra *link row* per link whose
price is the link's shadow price μ_e:

- flow column j on link e from product a to product b: +1 at a, −1 at b, +1 at
  the link row; p_high = −cost_e, slope 0, bound 2·capacity_e (never reached:
  the link row caps the sum at capacity_e);
- one *capacity column* per link: −1 at its row, 0 ≤ s_e ≤ capacity_e, p_high
  = 0, slope 0: the link's owner offers its capacity at any price ≥ 0.

Its dual is exactly the network dual: minimising over μ_e gives the link term
capacity_e · max(0, max_c(π_b,c − π_a,c − cost_e)), so the nodal prices are the
same; at the optimum μ_e ≥ 0, π_b − π_a ≤ cost_e + μ_e on every flow column,
with equality where it flows, and μ_e = 0 unless the link is full. Slope-0
columns make the dual non-smooth; `proximal` handles them exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from flowmarket.clearing.model import FloatArray, IntArray, LinearOrders
from flowmarket.errors import InvalidInput

# A flow column's own bound, in units of its link's capacity: loose on purpose, so that
# at the optimum only the link row binds and the link price carries all congestion.
FLOW_BOUND = 2.0


@dataclass(frozen=True)
class Network:
    """Links and the flow columns they carry.

    link_ids: (L,) names; capacity: (L,) GB/h ≥ 0; cost: (L,) tokens per GB ≥ 0;
    flow_link: (F,) the link of each flow column; flow_from, flow_to: (F,) the
    product index (into the book's products) the flow leaves and enters.
    """

    link_ids: tuple[str, ...]
    capacity: FloatArray
    cost: FloatArray
    flow_link: IntArray
    flow_from: IntArray
    flow_to: IntArray

    @property
    def n_links(self) -> int:
        return len(self.link_ids)

    @property
    def n_flows(self) -> int:
        return int(self.flow_link.size)


def validate_network(network: Network, n_products: int) -> None:
    """Raise `InvalidInput` naming the link that breaks a rule."""
    n_links = network.n_links
    if network.capacity.shape != (n_links,) or network.cost.shape != (n_links,):
        raise InvalidInput("network: capacity and cost need one value per link")
    if len(set(network.link_ids)) != n_links:
        raise InvalidInput("network.links: duplicate link id")
    for values, what in ((network.capacity, "capacity"), (network.cost, "cost")):
        bad = np.flatnonzero(~np.isfinite(values) | (values < 0))
        if bad.size:
            link = network.link_ids[int(bad[0])]
            raise InvalidInput(f"network.links[{link!r}].{what}: must be a finite number ≥ 0")
    shapes = {network.flow_link.shape, network.flow_from.shape, network.flow_to.shape}
    if len(shapes) != 1:
        raise InvalidInput("network: flow_link, flow_from and flow_to must have one entry per flow")
    if network.n_flows == 0:
        return
    if network.flow_link.min() < 0 or network.flow_link.max() >= n_links:
        raise InvalidInput("network: a flow names a link that does not exist")
    ends = np.concatenate([network.flow_from, network.flow_to])
    if ends.min() < 0 or ends.max() >= n_products:
        raise InvalidInput("network: a flow names a product that does not exist")
    same = np.flatnonzero(network.flow_from == network.flow_to)
    if same.size:
        link = network.link_ids[int(network.flow_link[same[0]])]
        raise InvalidInput(f"network.links[{link!r}]: a link must join two different nodes")
    key = (network.flow_link.astype(np.int64) * n_products + network.flow_from) * n_products
    key = key + network.flow_to
    if np.unique(key).size != key.size:
        raise InvalidInput("network: a link carries the same commodity twice")


@dataclass(frozen=True)
class NetworkProblem:
    """The orders plus the network in the engine's form (see the module docstring).

    lin: the augmented linear orders, (n + K) rows and (l + F' + K) columns: the
    book's l linear orders, then the F' flow columns of links with capacity > 0,
    then one capacity column per such link; K = their number. active: (K,) index
    of each such link in the network; flows: (F',) index of each flow column in
    the network; n_products: n; n_linear: l. Prox columns (slope 0) are the last
    F' + K columns.
    """

    lin: LinearOrders
    active: IntArray
    flows: IntArray
    n_products: int
    n_linear: int

    @property
    def n_prox(self) -> int:
        return self.flows.size + self.active.size

    @property
    def link_rows(self) -> IntArray:
        """(K,) row of each active link in the augmented problem."""
        return self.n_products + np.arange(self.active.size, dtype=np.int64)

    @classmethod
    def augment(cls, lin: LinearOrders, network: Network) -> NetworkProblem:
        """Add the flow and capacity columns and the link rows to `lin`."""
        n, n_lin = lin.n_products, lin.n_linear
        active = np.flatnonzero(network.capacity > 0)
        row_of = np.full(network.n_links, -1, dtype=np.int64)
        row_of[active] = n + np.arange(active.size)
        flows = np.flatnonzero(row_of[network.flow_link] >= 0)
        n_flow, n_link = flows.size, active.size
        link = network.flow_link[flows]
        cols = np.arange(n_flow)
        flow_w = sp.csc_array(
            (
                np.tile([1.0, -1.0, 1.0], n_flow),
                (
                    np.column_stack(
                        [network.flow_from[flows], network.flow_to[flows], row_of[link]]
                    ).ravel(),
                    np.repeat(cols, 3),
                ),
            ),
            shape=(n + n_link, n_flow),
        )
        cap_w = sp.csc_array(
            (-np.ones(n_link), (n + np.arange(n_link), np.arange(n_link))),
            shape=(n + n_link, n_link),
        )
        base = sp.csc_array(
            (lin.weights.data, lin.weights.indices, lin.weights.indptr), shape=(n + n_link, n_lin)
        )
        weights = sp.csc_array(sp.hstack([base, flow_w, cap_w], format="csc"))
        weights.sort_indices()
        n_parent = int(lin.parent.max()) + 1 if lin.parent.size else 0
        p_high = np.concatenate([lin.p_high, -network.cost[link], np.zeros(n_link)])
        q = np.concatenate([lin.q, FLOW_BOUND * network.capacity[link], network.capacity[active]])
        slope = np.concatenate([lin.slope, np.zeros(n_flow + n_link)])
        augmented = LinearOrders(
            weights=weights,
            p_high=p_high,
            p_low=np.concatenate([lin.p_low, p_high[n_lin:]]),
            q=q,
            slope=slope,
            parent=np.concatenate([lin.parent, n_parent + np.arange(n_flow + n_link)]),
            sign=np.concatenate([lin.sign, np.ones(n_flow + n_link)]),
        )
        return cls(lin=augmented, active=active, flows=flows, n_products=n, n_linear=n_lin)
