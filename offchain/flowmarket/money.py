"""Exact money: the one place where solver floats become on-chain integers.

On chain every amount is an integer with 18 decimals (`WAD` = 10^18): prices in
capacity-token wei per GB, quantities in 10^-18 GB, cash and fees in wei. The
clearing engine works in floats, so each hour's result is converted here, once,
under this rounding rule:

1. Prices: each float price is rounded to the nearest wei (ties to even).
2. Quantities: each participant's trade in a product is rounded to the nearest
   10^-18 GB; the residual that makes the product's trades not sum to zero
   (the solver's imbalance, ~1e-9 GB, plus rounding) is split over that
   product's traders in proportion to |trade| by largest remainders, ties
   broken by participant id. Every product's integer trades then sum to 0.
3. Gross cash: v_p = −Σ_k price_k · trade_pk is exact in 10^-36 units, and
   Σ_p v_p = 0 because every product's trades sum to 0. Each v_p is floored to
   wei; the R wei the floors lose in total (an integer, since Σ v_p = 0) go one
   each to the R participants with the largest remainders, ties by id. Gross
   cash then sums to exactly 0 and each entry is within 1 wei of exact.
4. Fees: fee_p = floor(traded value_p × fee_bps / 10 000), traded value_p =
   Σ_k |price_k · trade_pk| in wei (floored). Net cash = gross − fee, so
   Σ_p net cash + Σ_p fee = 0 exactly: the fees are what the revenue pool gets.

With a network (docs/network.md), each link owner's flows are its trades (bought
where a flow leaves, sold where it enters; RESULT's "owners"): they take part in
rules 2 and 3 like any trade, so every product's trades still sum to 0 and the
owner's gross cash is its rent and transport charges, and the hour still sums to
exactly 0. Flows pay no fee: rule 4's traded value counts an owner's own orders'
trades only (its balanced trades less its flows, each rounded to 10^-18 GB).

Weekly settlement sums these integers exactly; no float is ever summed on chain.

Primary auctions (`flowmarket.auctions`) are exact integer arithmetic; two rules
turn their exact amounts into wei:

5. Clock auction payment: a winner pays ⌊price · quantity / 10^18⌋ wei per product
   (price in wei per GB, quantity in 10^-18 GB), never more than the exact amount;
   the seller receives exactly the sum of the payments.
6. Expansion auction cost shares: a built leg's cost K (wei) is split over its
   winners in proportion to the capacity each wins there; each share is floored and
   the wei the floors lose (an integer, since the exact shares sum to K) go one each
   to the largest remainders, ties by bidder address, skipping a winner whose total
   would then exceed its bid. Every leg's payments then sum to exactly its cost.

Real-time delivery (`flowmarket.realtime`, docs/realtime.md) settles metered usage:

7. Imbalance: a participant served s (10^-18 GB) against a real-time position q in
   one region, type and hour, with real-time price p and imbalance premium m (wei
   per GB), has the exact amount −(p·(s − q) + m·max(s − q, 0)) in 10^-36 units
   (negative = pays), floored to wei: it never pays less, nor receives more, than
   exact. The balancing account (the network operator, the other side of every
   imbalance) gets minus the sum of everyone else's amounts, so an hour's imbalance
   cash sums to exactly 0. It is added to the participants' net cash of the hour in
   which it is applied (`HourAmounts.imbalance`); fees are unchanged, so Σ net cash +
   Σ fees = 0 still holds exactly.
A clearing interval shorter than an hour (docs/schedule.md) changes one thing:

8. Interval quantities: the clearing's trades are rates in GB per hour; an interval of
   L seconds delivers rate · L / 3600 GB, so rule 2 rounds the exact rational
   rate · 10^18 · L / 3600 to nearest (ties to even; `schedule.interval_wad`) before
   balancing, and rules 3 and 4 run on those quantities unchanged (prices stay per GB).
   At L = 3600 this is rule 2 itself, to the wei.

Python integers are used throughout because 10^18-scaled products overflow int64.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from flowmarket.clearing.schema import OwnerPaid, ParticipantResult, ResultDoc
from flowmarket.errors import FieldError, InvalidInput
from flowmarket.schedule import DEFAULT_INTERVAL_S, interval_wad

DECIMALS = 18  # the chain's: every on-chain amount is an integer of 10^-18 units
WAD: int = 10**DECIMALS
BPS_DENOMINATOR = 10_000


def to_wad(value: float) -> int:
    """A float as an integer with 18 decimals, rounded to nearest (ties to even).

    Exact: a float is n / d with d a power of two (`as_integer_ratio`), so
    n * 10^18 / d is divided in integers and no decimal string formatting can shift
    the result. (It was `Decimal(value) * WAD`, which the decimal module's default 28
    significant digits rounded above 10^10; integers are exact at any size and several
    times faster, and the oracle converts every order's quantities each hour.)
    """
    if value != value or value in (float("inf"), float("-inf")):
        raise InvalidInput(f"cannot convert {value!r} to a token amount")
    exact = value if isinstance(value, (int, float)) else float(value)
    numerator, denominator = exact.as_integer_ratio()
    whole, rest = divmod(numerator * WAD, denominator)
    # The floor and what it left, rest / denominator in [0, 1): up past a half, and at
    # exactly a half to the even neighbour.
    if 2 * rest > denominator or (2 * rest == denominator and whole & 1):
        whole += 1
    return whole


_FIVES = 5**DECIMALS  # 10^18 = 5^18 · 2^18
MANY = 32  # values from which `to_wad_many` goes through numpy (below, numpy's own calls cost more)


def to_wad_many(values: Sequence[float]) -> list[int]:
    """`to_wad` of each value, at once: the same integers, several times faster.

    The oracle converts every cleared order's quantity and every participant's trades
    each hour. numpy splits each float into its 53-bit integer mantissa m and binary
    exponent e (x = m · 2^e, exactly), so x · 10^18 = m · 5^18 · 2^(e + 18): one integer
    product and one shift, rounded as `to_wad` rounds (to nearest, ties to even) from
    the bits the shift drops. Anything but a finite float goes through `to_wad` itself
    (an int exactly; NaN and infinities raise its error)."""
    count = len(values)
    if count < MANY:
        return [to_wad(v) for v in values]
    floats = np.fromiter(
        (v if type(v) is float else math.nan for v in values), dtype=np.float64, count=count
    )
    finite = np.isfinite(floats)
    mantissa, exponent = np.frexp(np.where(finite, floats, 0.0))
    # |mantissa| in [0.5, 1): times 2^53 it is the float's integer significand, exactly.
    significands = (mantissa * 2.0**53).astype(np.int64).tolist()
    shifts = (exponent.astype(np.int64) - 53 + DECIMALS).tolist()
    out: list[int] = []
    for significand, shift in zip(significands, shifts, strict=True):
        scaled = significand * _FIVES
        if shift >= 0:
            out.append(scaled << shift)
            continue
        whole = scaled >> -shift  # floor, as divmod floors a negative numerator
        twice_rest = (scaled - (whole << -shift)) << 1
        half_unit = 1 << -shift
        if twice_rest > half_unit or (twice_rest == half_unit and whole & 1):
            whole += 1
        out.append(whole)
    for i in np.flatnonzero(~finite).tolist():
        out[i] = to_wad(values[i])
    return out


def interval_quantity(rate: float, interval_s: int) -> int:
    """10^-18 GB an interval of `interval_s` seconds delivers at `rate` GB/h (rule 8);
    hourly, rule 2's `to_wad` of the rate itself."""
    if interval_s == DEFAULT_INTERVAL_S:
        return to_wad(rate)
    return interval_wad(rate, interval_s)


def interval_quantities(rates: Sequence[float], interval_s: int) -> list[int]:
    """`interval_quantity` of each rate; an hour's all at once (`to_wad_many`)."""
    if interval_s == DEFAULT_INTERVAL_S:
        return to_wad_many(rates)
    return [interval_wad(rate, interval_s) for rate in rates]


def from_wad(amount: int) -> float:
    """An 18-decimal integer as a float, for display only."""
    return amount / WAD


TOKEN_TEXT = re.compile(r"^[0-9]{1,30}(\.[0-9]{1,18})?$")


def parse_tokens(text: str, *, field: str) -> int:
    """A token amount typed by a person ("120.5", "3", "0.000000000000000001") as wei,
    exactly: no float ever sees it. At most 18 decimals; no sign, no exponent."""
    cleaned = text.strip().replace("_", "")
    if not TOKEN_TEXT.match(cleaned):
        raise FieldError(
            field, f"expected an amount of tokens such as 120.5 (up to 18 decimals), got {text!r}"
        )
    whole, _, fraction = cleaned.partition(".")
    return decimal_wad(whole, fraction)


def decimal_wad(whole: str, fraction: str) -> int:
    """The wei of a plain decimal split at its point ("-12", "345" → -12.345 × 10¹⁸),
    the fraction at most 18 digits. In integers: the decimal module's default 28 digits
    would round a 30-digit whole part's last ones away."""
    magnitude = abs(int(whole)) * WAD + int(fraction.ljust(DECIMALS, "0"))
    return -magnitude if whole.startswith("-") else magnitude


def format_tokens(wei: int) -> str:
    """Wei as tokens, exactly, without trailing zeros: 120500000000000000000 → "120.5"."""
    whole, fraction = divmod(abs(wei), WAD)
    sign = "-" if wei < 0 else ""
    digits = f"{fraction:0{DECIMALS}d}".rstrip("0")
    return f"{sign}{whole:,}" + (f".{digits}" if digits else "")


def wad_string(amount: int) -> str:
    """An 18-decimal integer as its exact decimal string ("6.25", "-0.000000000000000001"),
    for machine-read answers (no digit grouping; `format_tokens` groups thousands for people)."""
    sign = "-" if amount < 0 else ""
    whole, frac = divmod(abs(amount), WAD)
    return sign + f"{whole}.{frac:0{DECIMALS}d}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class HourAmounts:
    """One cleared hour in integers. Participants and products are keyed by name/id.

    prices: product → wei per GB; trades: participant → product → 10^-18 GB
    (positive = bought); cash: participant → gross wei (negative = pays);
    fees: participant → wei ≥ 0; imbalance: participant → wei of real-time
    imbalance settled in this hour (rule 7; sums to 0); net_cash = cash + imbalance −
    fees. A participant with only an imbalance entry has an empty trades book.
    """

    prices: dict[str, int]
    trades: dict[str, dict[str, int]]
    cash: dict[str, int]
    fees: dict[str, int]
    net_cash: dict[str, int]
    fee_bps: int
    imbalance: dict[str, int] = field(default_factory=dict)

    @property
    def total_fees(self) -> int:
        return sum(self.fees.values())


def hour_amounts(
    result: ResultDoc, *, fee_bps: int, interval_s: int = DEFAULT_INTERVAL_S
) -> HourAmounts:
    """Convert a clearing result (the RESULT.json document) under the module's rule,
    with the imbalance entries (rule 7) it carries under `imbalance` (wei strings).

    `interval_s`: the length of the cleared interval (rule 8); its trades and flows are
    rates times that length, the amounts are those of one interval."""
    if not 0 <= fee_bps <= BPS_DENOMINATOR:
        raise InvalidInput(f"fee_bps: must be between 0 and {BPS_DENOMINATOR}, got {fee_bps}")
    prices = {product: to_wad(float(price)) for product, price in result["prices"].items()}
    flows = {
        owner: {
            product: interval_quantity(float(qty), interval_s)
            for product, qty in entry["trades"].items()
        }
        for owner, entry in result.get("owners", {}).items()
    }
    trades = _balanced_trades(
        _with_flows(result["participants"], result.get("owners", {})), interval_s
    )
    exact = {
        participant: -sum(prices[product] * qty for product, qty in book.items())
        for participant, book in trades.items()
    }
    cash = _floor_with_largest_remainders(exact, WAD)
    fees = {
        participant: _traded_value(prices, book, flows.get(participant, {}))
        * fee_bps
        // BPS_DENOMINATOR
        if participant in result["participants"]
        else 0
        for participant, book in trades.items()
    }
    imbalance = _imbalance_entries(result.get("imbalance", {}))
    for participant in sorted(imbalance):
        if participant not in trades:
            trades[participant] = {}
            cash[participant] = 0
            fees[participant] = 0
    net_cash = {p: cash[p] + imbalance.get(p, 0) - fees[p] for p in trades}
    return HourAmounts(
        prices=prices,
        trades=trades,
        cash=cash,
        fees=fees,
        net_cash=net_cash,
        fee_bps=fee_bps,
        imbalance=imbalance,
    )


def imbalance_cash(*, price: int, premium: int, position: int, served: int) -> int:
    """Rule 7 for one participant, region, type and hour: wei (negative = pays).

    price, premium: wei per GB (≥ 0); position, served: 10^-18 GB (served ≥ 0)."""
    if price < 0 or premium < 0 or served < 0:
        raise InvalidInput(
            f"imbalance of {served} served against {position} at {price} + {premium}: "
            "price, premium and served must be >= 0"
        )
    excess = served - position
    exact = -(price * excess + premium * max(excess, 0))
    return exact // WAD


def balance_imbalances(amounts: Mapping[str, int], *, balancing: str) -> dict[str, int]:
    """Rule 7's counterparty: `balancing` gets −Σ of everyone else's wei (it must not be
    among `amounts`). Entries that are 0 are dropped; the result sums to exactly 0."""
    if balancing in amounts:
        raise InvalidInput(f"imbalance: the balancing account {balancing} settles no usage")
    out = {p: v for p, v in amounts.items() if v != 0}
    total = sum(out.values())
    if total != 0:
        out[balancing] = -total
    return out


def _imbalance_entries(raw: Mapping[str, str]) -> dict[str, int]:
    entries = {}
    for participant, value in raw.items():
        try:
            entries[participant] = int(value)
        except (TypeError, ValueError):
            raise InvalidInput(f"imbalance.{participant}: {value!r} is not wei") from None
    if sum(entries.values()) != 0:
        raise InvalidInput(f"imbalance: entries must sum to zero, got {sum(entries.values())}")
    return entries


def auction_payment(price: int, quantity: int) -> int:
    """Rule 5: ⌊price × quantity / 10^18⌋ wei (price wei per GB, quantity 10^-18 GB)."""
    if price < 0 or quantity < 0:
        raise InvalidInput(f"auction payment of {quantity} at {price}: both must be >= 0")
    return price * quantity // WAD


def cost_shares(
    cost: int, weights: Mapping[str, int], headroom: Mapping[str, int] | None = None
) -> dict[str, int]:
    """Rule 6: `cost` wei split over `weights` (> 0) so the shares sum to exactly `cost`.

    headroom: {key: wei it may still pay}; a key at its headroom gets no rounding wei.
    Raises InvalidInput when the rounding wei cannot be placed within the headroom."""
    total = sum(weights.values())
    if cost < 0 or total <= 0 or any(w <= 0 for w in weights.values()):
        raise InvalidInput(f"cost shares of {cost} over weights {dict(weights)}")
    exact = {key: cost * weight for key, weight in weights.items()}
    shares = {key: value // total for key, value in exact.items()}
    lost = cost - sum(shares.values())
    room = dict(headroom) if headroom is not None else None
    if room is not None:
        for key, share in shares.items():
            room[key] = room.get(key, 0) - share
    for key in sorted(exact, key=lambda k: (-(exact[k] % total), k)):
        if lost == 0:
            break
        if room is not None and room[key] < 1:
            continue
        shares[key] += 1  # each key is visited once: its room needs no update
        lost -= 1
    if lost:
        raise InvalidInput(f"cost shares: {lost} wei of {cost} exceed every winner's bid")
    return shares


def _traded_value(
    prices: Mapping[str, int], book: Mapping[str, int], flows: Mapping[str, int]
) -> int:
    """Rule 4's traded value (wei): Σ_k |price_k · (trade_k − flow_k)| / 10^18, floored."""
    products = set(book) | set(flows)
    return sum(abs(prices[k] * (book.get(k, 0) - flows.get(k, 0))) for k in products) // WAD


def _with_flows(
    participants: Mapping[str, ParticipantResult], owners: Mapping[str, OwnerPaid]
) -> dict[str, ParticipantResult]:
    """Participants with the link owners' flows added to their trades (owners that do
    not trade appear with their flows only)."""
    out = {
        p: ParticipantResult(trades=dict(e["trades"]), cash=e.get("cash", 0.0))
        for p, e in participants.items()
    }
    for owner, paid in owners.items():
        entry = out.setdefault(owner, ParticipantResult(trades={}, cash=0.0))
        for product, qty in paid["trades"].items():
            entry["trades"][product] = entry["trades"].get(product, 0.0) + qty
    return out


def _balanced_trades(
    participants: Mapping[str, ParticipantResult], interval_s: int
) -> dict[str, dict[str, int]]:
    by_product: dict[str, dict[str, int]] = {}
    pairs = [
        (p, k, float(q)) for p in sorted(participants) for k, q in participants[p]["trades"].items()
    ]
    quantities = interval_quantities([q for _, _, q in pairs], interval_s)
    for (participant, product, _), quantity in zip(pairs, quantities, strict=True):
        by_product.setdefault(product, {})[participant] = quantity
    trades: dict[str, dict[str, int]] = {participant: {} for participant in participants}
    for product, book in by_product.items():
        for participant, qty in _absorb_residual(book).items():
            if qty != 0:
                trades[participant][product] = qty
    return trades


def _absorb_residual(book: dict[str, int]) -> dict[str, int]:
    """Adjust one product's trades so they sum to zero, in proportion to |trade|."""
    residual = -sum(book.values())
    weight = sum(abs(qty) for qty in book.values())
    if residual == 0 or weight == 0:
        return dict(book)
    sign = 1 if residual > 0 else -1
    shares = {p: abs(residual) * abs(qty) for p, qty in book.items()}
    base = {p: share // weight for p, share in shares.items()}
    left = abs(residual) - sum(base.values())
    by_remainder = sorted(book, key=lambda p: (-(shares[p] % weight), p))
    for participant in by_remainder[:left]:
        base[participant] += 1
    return {p: qty + sign * base[p] for p, qty in book.items()}


def _floor_with_largest_remainders(exact: Mapping[str, int], scale: int) -> dict[str, int]:
    """exact/scale floored, then the lost units handed out by largest remainder.

    Requires Σ exact = 0 (so the lost total is an integer number of units).
    """
    total = sum(exact.values())
    if total != 0:
        raise InvalidInput(f"result: exact amounts must sum to zero, got {total}")
    floored = {key: value // scale for key, value in exact.items()}
    lost = -sum(floored.values())
    by_remainder = sorted(exact, key=lambda key: (-(exact[key] % scale), key))
    for key in by_remainder[:lost]:
        floored[key] += 1
    return floored
