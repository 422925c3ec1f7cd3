"""The one settings object. Nothing else in flowmarket reads the environment.

Every setting has an embedded default that makes the local testnet demo work with
zero set-up (SQLite in the state folder, a Hardhat node the tool starts itself, the
well-known Hardhat development keys). Each can be overridden by an environment
variable named `FLOWMARKET_<FIELD>` (upper case).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from flowmarket.errors import FieldError

REPO_ROOT = Path(__file__).resolve().parents[2]

# The first accounts of Hardhat's and anvil's public development mnemonic
# ("test test ... junk"). They hold ETH only on local dev chains; never use them
# anywhere else.
HARDHAT_DEV_KEYS: tuple[str, ...] = (
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
    "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
    "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
    "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
    "0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
    "0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdf4074cf0b4",
    "0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97",
    "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6",
)


@dataclass(frozen=True)
class Settings:
    """Where things live and how to reach them. Paths are absolute."""

    repo_root: Path = REPO_ROOT
    state_dir: Path = field(default_factory=lambda: REPO_ROOT / ".flowmarket")
    contracts_dir: Path = field(default_factory=lambda: REPO_ROOT / "contracts")
    hardhat_dir: Path = field(default_factory=lambda: REPO_ROOT / "hardhat-local")
    artifacts_dir: Path = field(default_factory=lambda: REPO_ROOT / "build" / "contracts")
    rpc_url: str = ""
    database_url: str = ""
    deployer_key: str = HARDHAT_DEV_KEYS[0]
    oracle_key: str = HARDHAT_DEV_KEYS[1]
    chain_port: int = 8545
    tx_timeout_s: float = 60.0
    # Participation API (`flowmarket serve`); receipts are signed with oracle_key.
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    api_url: str = ""
    api_max_open_orders: int = 1000
    api_max_curve_points: int = 64
    api_max_portfolio_products: int = 256
    api_max_body_bytes: int = 65_536
    api_max_batch_orders: int = 1000
    api_max_batch_body_bytes: int = 1_048_576
    api_rate_per_minute: int = 600
    api_token_lifetime_s: int = 900
    # Serve the API although the operator key is one of HARDHAT_DEV_KEYS (`serve --dev`):
    # anyone can sign receipts with a public key, so only a local test market may.
    allow_dev_keys: bool = False
    # Clearing oracle (`flowmarket oracle run`). Hour h's bidding window closes at
    # oracle_epoch_s + (h - genesis_hour) * oracle_hour_length_s; epoch 0 means
    # genesis_hour * 3600 for 3600-second hours (the real clock), else the time of the
    # oracle's first run (stored in the database, so restarts keep the same clock).
    oracle_hour_length_s: float = 3600.0
    oracle_epoch_s: float = 0.0
    oracle_poll_s: float = 0.5
    oracle_retry_base_s: float = 0.5
    oracle_retry_max_s: float = 30.0
    oracle_retry_attempts: int = 0  # 0: retry an unreachable node forever (never skip)
    # Added to `oracle run`'s nice value at its start (0-19; `cpu_priority`): the API's
    # workers on the same machine answer first, the oracle takes every cycle they leave.
    oracle_nice: int = 10
    # Standing orders whose per-order work (decoding, screening, hashing) the oracle
    # remembers from hour to hour (`flowmarket.memo`): 0 sizes the memos to the largest
    # book read, with a quarter's room; a positive number fixes them, which bounds the
    # oracle's memory at the cost of redoing that work for the orders beyond it.
    oracle_memo_orders: int = 0
    # Threads the clearing engine splits its large sparse products over in the oracle's
    # hour (`SolverOptions.threads`): the prices are the same bits on any number, so this
    # changes only the time. 1 leaves the machine's other cores to the API's workers.
    oracle_engine_threads: int = 1
    # Fault injection for the crash tests only: the oracle process exits with status 137
    # (as if SIGKILLed) when it reaches this step (after_snapshot, after_solve,
    # after_send, after_record), in hour oracle_crash_hour (-1: the first hour there).
    oracle_crash_at: str = ""
    oracle_crash_hour: int = -1
    # The network the oracle clears with (docs/network.md): a catalogue (packaged name or
    # JSON file) whose "network" gives the links; "" clears every product on its own.
    # Links that name no owner pay their rent and charges to network_owner (an address).
    network_catalogue: str = ""
    network_owner: str = ""
    # Real-time delivery (docs/realtime.md). The network operator's address signs the
    # metered usage (POST /v1/usage) and is the balancing account, the other side of
    # every imbalance; empty: no hour is metered. Usage of delivery hour d is settled in
    # the clearing of hour d + realtime_settle_lag and is final from then on. Each
    # region serves at most realtime_capacity_gbh GB in an hour; usage beyond a
    # position pays the real-time price plus realtime_premium tokens per GB.
    realtime_operator: str = ""
    realtime_capacity_gbh: float = 1_000_000.0
    realtime_premium: float = 0.0
    realtime_settle_lag: int = 2
    # How the oracle clears an hour whose book holds non-convex orders (docs/nonconvex.md):
    # "no_loss" (no accepted order loses at the prices) or "model_a" (every accepted
    # order is also surplus-maximising at them). Journaled with the hour's snapshot.
    nonconvex_rule: str = "no_loss"

    @property
    def deployment_file(self) -> Path:
        return self.state_dir / "deployment.json"

    @property
    def node_state_file(self) -> Path:
        return self.state_dir / "node.json"

    @property
    def effective_api_url(self) -> str:
        return self.api_url or f"http://{self.api_host}:{self.api_port}"

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.state_dir / 'flowmarket.sqlite'}"


ENV_PREFIX = "FLOWMARKET_"
# Variables under this prefix belong to the test suite (e.g. FLOWMARKET_TEST_POSTGRES_URL),
# not to the settings; every other FLOWMARKET_* name must be a setting.
TEST_PREFIX = "FLOWMARKET_TEST_"


def env_name(field_name: str) -> str:
    """The environment variable that overrides setting `field_name`."""
    return ENV_PREFIX + field_name.upper()


def _coerce(name: str, raw: str, current: object) -> object:
    """`raw` parsed as the type of the default `current`; `FieldError` names the variable."""
    if isinstance(current, Path):
        return Path(raw).expanduser().resolve()
    if isinstance(current, bool):
        if raw.strip().lower() not in _BOOLEANS:
            raise FieldError(name, f"expected one of {sorted(_BOOLEANS)}, got {raw!r}")
        return _BOOLEANS[raw.strip().lower()]
    if isinstance(current, int):
        try:
            return int(raw)
        except ValueError:
            raise FieldError(name, f"expected an integer, got {raw!r}") from None
    if isinstance(current, float):
        try:
            value = float(raw)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            raise FieldError(name, f"expected a finite number, got {raw!r}")
        return value
    return raw


def export_settings(settings: Settings, names: tuple[str, ...]) -> None:
    """Put these fields of `settings` into this process's environment as
    `FLOWMARKET_<FIELD>`, so worker processes it starts (`serve --workers`) load them."""
    for name in names:
        value = getattr(settings, name)
        os.environ[env_name(name)] = (
            ("1" if value else "0") if isinstance(value, bool) else str(value)
        )


_BOOLEANS = {"1": True, "true": True, "yes": True, "on": True} | {
    "0": False,
    "false": False,
    "no": False,
    "off": False,
}


def _check_range(name: str, field_name: str, value: object) -> None:
    """Ports are 1..65535; durations (`*_s`) and the API's limits are not negative."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return
    if field_name.endswith("_port") and not 1 <= value <= 65_535:
        raise FieldError(name, f"a TCP port is between 1 and 65535, got {value}")
    if (field_name.endswith("_s") or field_name.startswith("api_")) and value < 0:
        raise FieldError(name, f"must not be negative, got {value}")
    if field_name == "oracle_memo_orders" and value < 0:
        raise FieldError(name, f"a number of orders, 0 or more, got {value}")
    if field_name == "oracle_engine_threads" and not 1 <= value <= ENGINE_THREADS_MAX:
        raise FieldError(
            name, f"a number of threads between 1 and {ENGINE_THREADS_MAX}, got {value}"
        )
    if field_name == "oracle_nice" and not 0 <= value <= NICE_MAX:
        raise FieldError(name, f"a nice increment is between 0 and {NICE_MAX}, got {value}")


def _check_choice(name: str, field_name: str, value: object) -> None:
    if field_name == "nonconvex_rule" and value not in NONCONVEX_RULES:
        raise FieldError(name, f"expected one of {list(NONCONVEX_RULES)}, got {value!r}")


NONCONVEX_RULES = ("no_loss", "model_a")
NICE_MAX = 19  # the lowest priority Linux and macOS give a process
# More threads than this would be a typo: each splits off a share of a product that is
# mostly bound by the memory's bandwidth (bench/README.md, two threads at the paper's size).
ENGINE_THREADS_MAX = 64


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build settings from the embedded defaults and `FLOWMARKET_*` variables.

    Raises `FieldError` (exit code 2) naming the variable when a value does not parse
    or is out of range, or when a `FLOWMARKET_*` variable names no setting (a typo
    would otherwise be ignored silently)."""
    env = os.environ if environ is None else environ
    settings = Settings()
    known = {env_name(f.name): f.name for f in fields(settings)}
    for name in sorted(env):
        if name.startswith(ENV_PREFIX) and not name.startswith(TEST_PREFIX) and name not in known:
            raise FieldError(name, "no such setting (see flowmarket/config.py)")
    overrides: dict[str, Any] = {}
    for name, field_name in known.items():
        raw = env.get(name)
        if raw is not None and raw != "":
            value = _coerce(name, raw, getattr(settings, field_name))
            _check_range(name, field_name, value)
            _check_choice(name, field_name, value)
            overrides[field_name] = value
    return replace(settings, **overrides)
