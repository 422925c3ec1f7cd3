"""One hour of the oracle against values worked out by hand: prices, trades, cash, fees,
the three roots, the commitment's summary and the collateral requirements it posts.

The book (every curve a straight line between its two points):

- premium: alice buys up to 5 GB/h paying 10 down to 9 tokens/GB; bob sells up to
  5 at 1 up to 2. All 5 trade at any price in [2, 9]; the first hour's prior is 0, so
  the price rule picks 2.
- regular: alice buys up to 2 only if paid 1 to 2 tokens/GB (prices −1 to −2); carol
  sells up to 2 paying 2.5 to 3.5 (−2.5 to −3.5). All 2 trade at any price in
  [−2.5, −2]; closest to 0 is −2.

Cash (−price × trade): alice −(2 × 5 + (−2) × 2) = −6 tokens, bob +10, carol −4.
Fees at the demo profile's 10 bps of Σ|price × trade|: alice 14 × 0.001 = 0.014 token,
bob 0.010, carol 0.004; 0.028 in all. Welfare: premium ∫₀⁵ (10 − q/5) − (1 + q/5) dq
= 40; regular ∫₀² (−1 − q/2) − (−3.5 + q/2) dq = 3; 43 in all. Volume 5 + 2 = 7 GB/h.

Requirements after the hour (demo profile: initial margin 10 %, deviation 20 %), at
its prices: alice reported an expected position of 4 premium, so her position (5, 2)
is worth 2 × 5 + 2 × 2 = 14 tokens and deviates by (1, 2), worth 2 + 4 = 6:
1.4 + 1.2 = 2.6 tokens. bob: 10 × (10 % + 20 %) = 3. carol (short 2 at −2): 4 × 30 % = 1.2.
Each also locks the cash it owes until the week settles: alice 6.014, carol 4.004 (bob is
owed cash): alice 8.614, bob 3, carol 5.204 tokens.

The price and entry roots were computed with OpenZeppelin's JavaScript
StandardMerkleTree from these numbers; the orders root depends on the order ids (EIP-712
hashes under this deployment's ledger address), so the test builds it from them with
its own keccak and ABI encoding: one order leaf per order in the orders tree, and one
fill leaf per order (the fill bound to the order's curve as cleared) in the sorted fills
tree.
"""

from __future__ import annotations

from eth_abi.abi import encode
from eth_hash.auto import keccak
from oracle_harness import GENESIS, TOKEN, OracleWorld, address
from sqlmodel import Session

from flowmarket.chain.sorted_tree import SortedTree
from flowmarket.db import oracle_repo
from flowmarket.db.models import Order
from flowmarket.oracle.cycle import open_oracle
from flowmarket.oracle.expected import report_expected
from flowmarket.oracle.trade_lines import build_tree

MILLI = 10**15  # 0.001 token in wei
PRICES_ROOT = "d016ee1f622f8827cfc7f3f0f430c95066672a65e77347c1cfdf396bf1d7823d"
ENTRIES_ROOT = "1aebce3fb247241744a27e7777654f4be56ffcae05238fe54a6f5edbe1c94a61"


def pair(a: bytes, b: bytes) -> bytes:
    return keccak(min(a, b) + max(a, b))


Terms = tuple[str, str, list[int], list[int]]  # participant, product, curve q, curve p


Signed = tuple[int, int, int, bytes]  # nonce, from hour, until hour, signature (alone)


def oz_root(leaves: list[bytes]) -> bytes:
    """OpenZeppelin's StandardMerkleTree of 4 leaves: sorted, they fill the tree's array
    from the end (leaf i at 6 − i), each inner node i = H(2i + 1, 2i + 2)."""
    assert len(leaves) == 4
    tree: list[bytes] = [b""] * 7
    for i, leaf in enumerate(sorted(leaves)):
        tree[6 - i] = leaf
    for i in range(2, -1, -1):
        tree[i] = pair(tree[2 * i + 1], tree[2 * i + 2])
    return tree[0]


def orders_root(quantities: dict[str, int]) -> bytes:
    """The tree of the four order leaves `(bytes32 keccak(orderId), int256 quantity)`."""
    return oz_root(
        [
            keccak(keccak(encode(["bytes32", "int256"], [keccak(oid.encode()), q])))
            for oid, q in quantities.items()
        ]
    )


def fills_root(
    quantities: dict[str, int], terms: dict[str, Terms], signed: dict[str, Signed]
) -> bytes:
    """The sorted fills tree of the four fills: leaf i (in ascending order of the key
    keccak(orderId)) is keccak(keccak(abi.encode(uint256 i, bytes key, bytes value))) with
    value = abi.encode(address participant, int256 quantity, bytes32 keccak(abi.encode(
    bytes32[] products, int256[] weights, int256[] curveQuantities, int256[] curvePrices,
    int256 windowLow, int256 windowHigh)), bytes32 keccak(abi.encode(uint256 nonce, uint64
    fromHour, uint64 untilHour, bytes32 replaces, keccak(signature), keccak(no batch
    members), bytes32(0)))): nothing is cut, so the window is the curve's own range; each
    order was signed alone and replaces nothing. No participant has an unbacked line."""
    pairs = []
    for oid, (who, product, curve_q, curve_p) in terms.items():
        hashed = keccak(
            encode(
                ["bytes32[]", "int256[]", "int256[]", "int256[]", "int256", "int256"],
                [[keccak(product.encode())], [TOKEN], curve_q, curve_p, curve_q[0], curve_q[-1]],
            )
        )
        nonce, from_hour, until_hour, signature = signed[oid]
        signed_hash = keccak(
            encode(
                ["uint256", "uint64", "uint64", "bytes32", "bytes32", "bytes32", "bytes32"],
                [
                    nonce,
                    from_hour,
                    until_hour,
                    bytes(32),
                    keccak(signature),
                    keccak(b""),
                    bytes(32),
                ],
            )
        )
        value = encode(
            ["address", "int256", "bytes32", "bytes32"],
            [who, quantities[oid], hashed, signed_hash],
        )
        pairs.append((keccak(oid.encode()), value))
    return oz_root(
        [
            keccak(keccak(encode(["uint256", "bytes", "bytes"], [i, key, value])))
            for i, (key, value) in enumerate(sorted(pairs))
        ]
    )


def test_one_hour_commits_and_posts_exactly_the_hand_computed_amounts(world: OracleWorld) -> None:
    hour = GENESIS
    orders = {
        "a-premium": world.place(
            "alice", {"premium": 1.0}, [(0.0, 10.0), (5.0, 9.0)], until_hour=hour
        ),
        "b-premium": world.place(
            "bob", {"premium": 1.0}, [(-5.0, 2.0), (0.0, 1.0)], until_hour=hour
        ),
        "a-regular": world.place(
            "alice", {"regular": 1.0}, [(0.0, -1.0), (2.0, -2.0)], until_hour=hour
        ),
        "c-regular": world.place(
            "carol", {"regular": 1.0}, [(-2.0, -2.5), (0.0, -3.5)], until_hour=hour
        ),
    }
    for who in ("alice", "bob", "carol"):
        world.fund(who, collateral=100 * TOKEN)
    alice, bob, carol = address("alice"), address("bob"), address("carol")
    report_expected(world.engine, participant=alice, quantities={"premium": 4.0})
    assert world.view("MarketParameters", "feeBps") == 10
    assert tuple(world.view("MarketParameters", "collateralParams")) == (1_000, 2_000, 2_000)

    assert open_oracle(world.settings, world.engine).tick(limit=1) == 1

    committed = world.view("ClearingLedger", "hourCommitment", hour)
    quantities = {
        orders["a-premium"]: 5 * TOKEN,
        orders["b-premium"]: -5 * TOKEN,
        orders["a-regular"]: 2 * TOKEN,
        orders["c-regular"]: -2 * TOKEN,
    }
    t = TOKEN
    terms: dict[str, Terms] = {
        orders["a-premium"]: (alice, "premium", [0, 5 * t], [10 * t, 9 * t]),
        orders["b-premium"]: (bob, "premium", [-5 * t, 0], [2 * t, t]),
        orders["a-regular"]: (alice, "regular", [0, 2 * t], [-t, -2 * t]),
        orders["c-regular"]: (carol, "regular", [-2 * t, 0], [-25 * t // 10, -35 * t // 10]),
    }
    with Session(world.engine) as session:
        rows = {oid: session.get(Order, oid) for oid in quantities}
    signed = {
        oid: (row.nonce, row.from_hour, row.until_hour, bytes.fromhex(row.signature[2:]))
        for oid, row in rows.items()
        if row is not None
    }
    # The trade lines by hand: one per (product, order), premium +5 / −5, regular +2 / −2;
    # the tree sorts them by product id then order key and keeps running sums.
    lines = build_tree(
        {
            keccak(product.encode()) + keccak(oid.encode()): quantities[oid]
            for oid, (_, product, _, _) in terms.items()
        }
    )
    # The holdings by hand: the same lines keyed by participant (address bytes), with each
    # participant's position per product and running cash, −price × amount: alice's premium
    # line −2 × 5 = −10 tokens, her regular line −(−2) × 2 = +4 (in product id order).
    alice_lines = sorted(
        [
            (keccak(b"premium"), "a-premium", 5 * t, 2 * t),
            (keccak(b"regular"), "a-regular", 2 * t, -2 * t),
        ]
    )
    held: list[tuple[bytes, bytes]] = []
    cash = 0
    for pid, name, amount, price in alice_lines:
        key = bytes.fromhex(alice[2:]) + pid + keccak(orders[name].encode())
        held.append((key, encode(["int256"] * 4, [amount, price, 0, cash])))
        cash -= price * amount
    assert cash == -6 * TOKEN * TOKEN  # alice's gross cash: −10 + 4 tokens
    for who, product, name, amount, price in [
        (bob, b"premium", "b-premium", -5 * t, 2 * t),
        (carol, b"regular", "c-regular", -2 * t, -2 * t),
    ]:
        key = bytes.fromhex(who[2:]) + keccak(product) + keccak(orders[name].encode())
        held.append((key, encode(["int256"] * 4, [amount, price, 0, 0])))
    holdings = SortedTree(held)
    assert tuple(committed) == (
        orders_root(quantities),
        bytes.fromhex(PRICES_ROOT),
        bytes.fromhex(ENTRIES_ROOT),
        43 * TOKEN,  # welfare
        7 * TOKEN,  # volume
        28 * MILLI,  # fees
        0,  # max imbalance
        0,  # max order gap
        lines.root,
        4,  # trade lines: two products, two orders each
        holdings.root,
        4,  # holdings: the same four lines, no rounding (every trade is exact)
        fills_root(quantities, terms, signed),
        4,  # fills: one per order
    )
    published = world.publication(hour)
    assert published["result"]["prices"] == {"premium": 2.0, "regular": -2.0}
    with Session(world.engine) as session:
        totals, fees = oracle_repo.week_totals(session, first_hour=hour, last_hour=hour)
    assert totals == {
        alice: -6 * TOKEN - 14 * MILLI,
        bob: 10 * TOKEN - 10 * MILLI,
        carol: -4 * TOKEN - 4 * MILLI,
    }
    assert fees == 28 * MILLI
    requirements = {who: world.posted_requirement(who) for who in ("alice", "bob", "carol")}
    assert requirements == {"alice": 8_614 * MILLI, "bob": 3 * TOKEN, "carol": 5_204 * MILLI}
