"""The engine's frozen inputs and outputs: arrays with documented shapes and units.

Units throughout: quantities are rates in GB per hour of a portfolio (or of a
product), prices are capacity tokens per GB, cash is capacity tokens per hour
of delivery. `n` is the number of products, `m` the number of orders (curves),
`l` the number of linear orders the curves decompose into.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple, Protocol

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from flowmarket.clearing.projection_qp import active_set_projection

if TYPE_CHECKING:  # dual builds on this module's types
    from flowmarket.clearing.dual import DualOperators, Operators
    from flowmarket.clearing.pairs import ProductPairs
    from flowmarket.clearing.passes import PassesFactory

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class OrderBook:
    """Validated orders of one hour, as arrays.

    products: (n,) product names; participants: (p,) participant names;
    order_ids: (m,) order ids; order_participant: (m,) index into participants;
    portfolios: sparse (n, m) CSC, column j = weights of order j (negative = sells);
    curve_ptr: (m + 1,) order j's points are curve_qty/curve_price[ptr[j]:ptr[j + 1]];
    curve_qty: GB/h of the portfolio, strictly increasing per curve, range contains 0;
    curve_price: tokens per GB of the portfolio, strictly decreasing per curve.
    """

    products: tuple[str, ...]
    participants: tuple[str, ...]
    order_ids: tuple[str, ...]
    order_participant: IntArray
    portfolios: sp.csc_array
    curve_ptr: IntArray
    curve_qty: FloatArray
    curve_price: FloatArray

    @property
    def n_products(self) -> int:
        return len(self.products)

    @property
    def n_orders(self) -> int:
        return len(self.order_ids)


@dataclass(frozen=True)
class LinearOrders:
    """The clearing problem: maximise Σ p_high·x − slope·x²/2, W x = 0, 0 ≤ x ≤ q.

    This is the generic structure the solver consumes; later stages (network
    flows, §9) add columns to it. weights: sparse (n, l) CSC, column i = w_i;
    p_high, p_low: (l,) tokens per GB of the column; q: (l,) GB/h, > 0;
    slope: (l,) = (p_high − p_low)/q, > 0; parent: (l,) index of the order the
    column comes from; sign: (l,) +1 for a buying segment, −1 for a selling one
    (the column is then the negated portfolio).
    """

    weights: sp.csc_array
    p_high: FloatArray
    p_low: FloatArray
    q: FloatArray
    slope: FloatArray
    parent: IntArray
    sign: FloatArray

    @property
    def n_products(self) -> int:
        return int(self.weights.shape[0])

    @property
    def n_linear(self) -> int:
        return int(self.weights.shape[1])

    def newton_lines(self) -> NewtonLines:
        """What the engine keeps of these through the Newton stage."""
        return NewtonLines(self.p_high, self.q, self.parent, self.sign)


class Lines(Protocol):
    """What the Newton stage reads of the linear orders (`newton.solve_dual`): each one's
    highest price and quantity. `LinearOrders` is one, and so is `NewtonLines`."""

    @property
    def p_high(self) -> FloatArray: ...

    @property
    def q(self) -> FloatArray: ...


@dataclass(frozen=True)
class NewtonLines:
    """What the engine keeps of `LinearOrders` through the Newton stage, the same arrays:
    what the stage reads (p_high, q) and what the dual's operators share (parent, sign).
    W, p_low and slope (some 40 of the 250 bytes a linear order the stage held at its
    peak) are let go and made again after from the book (`curves.restore`)."""

    p_high: FloatArray
    q: FloatArray
    parent: IntArray
    sign: FloatArray


class LineColumns(NamedTuple):
    """`LinearOrders` without W: each linear order's columns (l,), in `LinearOrders`'
    order of fields after W (so `LinearOrders(W, *columns)`)."""

    p_high: FloatArray
    p_low: FloatArray
    q: FloatArray
    slope: FloatArray
    parent: IntArray
    sign: FloatArray


class LineBuilder(Protocol):
    """How a validated book's curves become linear orders (`curves.decompose`): numpy's
    array operations (`curves.ARRAY_LINES`) or one compiled loop
    (`solvers.compiled_lines.COMPILED_LINES`), the same bits either way."""

    def columns(self, book: OrderBook) -> LineColumns:
        """Every column of every linear order."""
        ...

    def low_and_slope(self, book: OrderBook) -> tuple[FloatArray, FloatArray]:
        """(p_low, slope) of every linear order: what `curves.restore` makes again."""
        ...


# A sparse QP solver for the unique-price projection of a large group (`sparse_projection`):
# (rows A (k, m) CSC, number of leading equality rows, right-hand sides of the rest,
# δ (m,)) → candidate answers of min ½‖d − δ‖² s.t. A_eq d = 0, A_rest d ≤ rhs, best
# first, each (d, row multipliers or None); none of them is trusted before its certificate.
ProjectionQp = Callable[
    [sp.csc_array, int, FloatArray, FloatArray], Iterator[tuple[FloatArray, FloatArray | None]]
]

# The certificate's order gaps (`curves.curve_gap`'s contract): (book, portfolio prices
# (m,), order quantities (m,), price slack) → each order's gap (m,) GB/h.
OrderGaps = Callable[[OrderBook, FloatArray, FloatArray, float], FloatArray]
# Engine 4's pairs of products and their entries (int32: about 3·10^7 at the paper's
# size), and its strong pairs from (the pairs, a_M (m_M,), the Hessian's diagonal (n,)):
# `pairs.strong_pairs`.
PairIndex = npt.NDArray[np.int32]
PairStrengths = Callable[
    ["ProductPairs", FloatArray, FloatArray], tuple[IntArray, FloatArray, FloatArray]
]


@dataclass(frozen=True)
class SolverOptions:
    """Tolerances of the semismooth Newton dual solver.

    tol: the solver's target for each product's imbalance |Σ_i w_ki x_i|, relative to
    max(1 GB/h, the product's gross flow Σ_i |w_ki| x_i) (and, first, to max(1, max q_i));
    gate_tol: the certificate gate's tolerance, relative in the same way (`gate`);
    max_iter: Newton iterations before the gate judges the last iterate;
    exact_projection_limit: largest group of products with non-unique prices
    solved by the dense exact projection;
    large_group_qp: the sparse QP solver for bigger groups (`sparse_projection`): by
    default the package's own (`projection_qp`; the oracle, `verify` and `flowmarket
    clear` add HiGHS's after it); None, or no answer with a certificate: the Newton
    prices stand and the certificate says not exact;
    max_prox_iter: proximal steps of a clearing with a network (`proximal`), whose
    prices are exact to price_tol × the largest order price (tokens per GB);
    threads: threads the Newton solver's large sparse products and its elementwise
    passes over the linear orders are split over (`parallel`); the results are the same
    bits for any number. 1 by default: two threads took 17–21 % off a quiet 2-core
    machine's wall time, were slower on a loaded one (bench/README.md), and at an hour's
    close the API's workers need the other core;
    device: None (the CPU), or the dual's operators moved to a device (`device`;
    `solvers.cuda.cuda_operators` for an NVIDIA GPU), where the Newton stage then runs:
    its prices agree with the CPU's to the certificate's tolerances, not bit for bit,
    so the oracle and `verify` keep None; books with flat pieces or a network clear on
    the CPU whatever it says;
    engine: the clearing engine's version (`ENGINES`), which the market governs hour by
    hour (`MarketParameters.clearingEngineAt`) so that a verifier re-clears each hour to
    the last bit with the engine that cleared it (docs/engine-versions.md);
    passes: None (numpy's array operations), or the implementation of the Newton stage's
    passes over the linear orders on the CPU (`passes`; the market's options take
    `solvers.compiled_passes.compiled_passes`): the same bits either way;
    order_gaps: None (numpy's `curves.curve_gap`), or the implementation of the
    certificate's order gaps (`OrderGaps`; the market's options take
    `solvers.compiled_curves.curve_gap`): the same bits either way;
    lines: None (numpy's array operations), or how the book's curves become linear
    orders (`LineBuilder`; the market's options take
    `solvers.compiled_lines.COMPILED_LINES`): the same bits either way;
    pair_strengths: None (numpy's `pairs.strong_pairs`), or how engine 4's preconditioner
    finds the strongly coupled pairs of products (`PairStrengths`; the market's options
    take `solvers.compiled_pairs.strong_pairs`): the same bits either way.
    """

    tol: float = 1e-10
    gate_tol: float = 1e-8
    max_iter: int = 200
    cg_max_iter: int = 2000
    exact_projection_limit: int = 2000
    large_group_qp: ProjectionQp | None = active_set_projection
    max_prox_iter: int = 60
    price_tol: float = 1e-12
    threads: int = 1
    device: Callable[[DualOperators], Operators] | None = None
    engine: int = 1
    passes: PassesFactory | None = None
    order_gaps: OrderGaps | None = None
    lines: LineBuilder | None = None
    pair_strengths: PairStrengths | None = None


# The clearing engines this package runs, each to its own last bit (docs/engine-versions.md):
# 1: the Newton stage starts at the better of the prior and the linear model's prices;
# 2: with a prior (any nonzero price), at the prior itself, the linear model only without;
# 3: as 2, and after each step the orders near a kink join the Hessian (`passes.NearKinks`);
# 4: as 3, and the CG's preconditioner holds the strongly coupled products' pairs in 2 x 2
#    blocks (`pairs`);
# 5: as 4, and with a network the proximal steps keep the best of a few tries at the last
#    step (`proximal.EXACT_TRIES`) and the published flows carry the orders' trades
#    (`canonical.rebalanced_flows`).
ENGINES = (1, 2, 3, 4, 5)
ENGINES_TEXT = ", ".join(str(engine) for engine in ENGINES)  # for messages: "1, 2, 3, 4"


@dataclass(frozen=True)
class Certificate:
    """Optimality certificate of a clearing, every residual in its own unit.

    max_imbalance: max_k |Σ_i w_ki x_i| (GB/h); max_order_gap: max over orders of
    |quantity − curve(portfolio price)| (GB/h); duality_gap: |dual − primal|
    objective (tokens/h), evaluated as |π·(W x)|, which it equals for the
    responses x at π (no cancellation of two large sums); projection_exact: the
    prices are the exact projection of the prior onto the optimal price set
    (False only past the size limit).
    """

    max_imbalance: float
    max_order_gap: float
    duality_gap: float
    projection_exact: bool


@dataclass(frozen=True)
class SolverStats:
    """What the solver did: Newton iterations, CG iterations, seconds per stage, and
    whether the Newton stage ran on a device (`SolverOptions.device`)."""

    iterations: int
    cg_iterations: int
    seconds: dict[str, float] = field(default_factory=dict)
    on_device: bool = False


@dataclass(frozen=True)
class LinkCertificate:
    """The network's rows of the certificate, one entry per link (L,) and their maxima.

    excess: max(0, flow − capacity), GB/h; idle: capacity − flow where the link
    price is positive (complementary slackness: a priced link is full), GB/h;
    price_gap: max over the link's commodities of max(0, π_to − π_from − cost − μ)
    (no commodity could gain by flowing more), tokens per GB; flow_gap: max over
    the commodities that flow of |π_to − π_from − cost − μ| (every flowing commodity
    pays exactly cost + μ), tokens per GB; max_*: their maxima (0 without links).
    """

    excess: FloatArray
    idle: FloatArray
    price_gap: FloatArray
    flow_gap: FloatArray
    max_excess: float
    max_idle: float
    max_price_gap: float
    max_flow_gap: float


@dataclass(frozen=True)
class NetworkOutcome:
    """What the network did in one hour.

    flows: (F,) GB/h of each flow column (canonical, see `canonical`); link_flow:
    (L,) GB/h, the sum per link; link_price: (L,) μ ≥ 0, tokens per GB of capacity;
    rent: (L,) μ·capacity, tokens/h; charge: (L,) cost·flow, tokens/h; both are
    paid to the link's owner, and equal what the participants pay for moving
    the flows (Σ flow·(π_to − π_from)); congestion_rent: Σ rent; transport_cost:
    Σ charge; proximal_steps: outer steps of `proximal`; certificate: link rows.
    """

    flows: FloatArray
    link_flow: FloatArray
    link_price: FloatArray
    rent: FloatArray
    charge: FloatArray
    congestion_rent: float
    transport_cost: float
    proximal_steps: int
    certificate: LinkCertificate


@dataclass(frozen=True)
class Residuals:
    """What the certificate measured of a result, per product and per order: imbalance
    (n,) GB/h, Σ_i w_ki x_i; gap (m,) GB/h, each order's distance from its curve at its
    portfolio price. The gate reads them instead of measuring again (`gate.check`)."""

    imbalance: FloatArray
    gap: FloatArray


@dataclass(frozen=True)
class ClearingResult:
    """Outcome of one hour.

    prices: (n,) tokens per GB; order_quantity: (m,) signed GB/h of each order's
    portfolio; linear_quantity: (l,) GB/h of each linear order; volume: (n,) GB/h
    bought per product (sum of the positive order trades); slope: (n,) GB/h per
    token, d(aggregate net demand of k)/d(price of k); participant_trades: sparse
    (p, n) signed GB/h; cash: (p,) tokens/h, −Σ_k price_k·trade_k (negative = pays);
    welfare: as-bid welfare, tokens/h (less the transport cost with a network);
    network: the flows, link prices and link certificate rows, None without one.
    """

    prices: FloatArray
    order_quantity: FloatArray
    linear_quantity: FloatArray
    volume: FloatArray
    slope: FloatArray
    participant_trades: sp.csr_array
    cash: FloatArray
    welfare: float
    certificate: Certificate
    stats: SolverStats
    network: NetworkOutcome | None = None
