"""Start and stop the local Hardhat 2 node of `hardhat-local/`.

Two ways to use it: `LocalNode` as a context manager owns a node for the life of
a Python block (tests, the demo); `start_background` / `stop_background` keep a
detached node across CLI invocations (`flowmarket chain up` / `chain down`),
remembered in `settings.node_state_file`.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from web3 import Web3

from flowmarket.config import Settings
from flowmarket.errors import ChainError, ChainUnavailable, ToolchainMissing

STARTUP_TIMEOUT_S = 60.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def rpc_ready(rpc_url: str, timeout_s: float = 1.0) -> bool:
    """True when a JSON-RPC node answers `eth_chainId` at the URL."""
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []})
    request = urllib.request.Request(
        rpc_url, data=body.encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            return "result" in json.loads(response.read())
    except (OSError, ValueError, urllib.error.URLError):
        return False


def _hardhat_command(settings: Settings, port: int) -> list[str]:
    cli = settings.hardhat_dir / "node_modules" / "hardhat" / "internal" / "cli" / "cli.js"
    if not cli.exists():
        raise ToolchainMissing(
            f"Hardhat is not installed in {settings.hardhat_dir}: run `npm ci` there "
            "(scripts/demo and scripts/test do it for you)"
        )
    return ["node", str(cli), "node", "--hostname", "127.0.0.1", "--port", str(port)]


def _spawn(
    settings: Settings, port: int, log_path: Path, *, detach: bool
) -> subprocess.Popen[bytes]:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        return subprocess.Popen(
            _hardhat_command(settings, port),
            cwd=settings.hardhat_dir,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=detach,
        )


def _wait_until_ready(process: subprocess.Popen[bytes], rpc_url: str, log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log_path.read_text(errors="replace")[-2000:]
            raise ChainError(f"the Hardhat node exited with code {process.returncode}:\n{tail}")
        if rpc_ready(rpc_url):
            return
        time.sleep(0.2)
    process.kill()
    raise ChainUnavailable(
        f"the Hardhat node did not answer at {rpc_url} within {STARTUP_TIMEOUT_S:.0f} s"
    )


@dataclass
class LocalNode:
    """A Hardhat node owned by this process; stopped on exit from the `with` block."""

    settings: Settings
    port: int = 0
    process: subprocess.Popen[bytes] | None = None

    @property
    def rpc_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LocalNode:
        if self.port == 0:
            self.port = free_port()
        log_path = self.settings.state_dir / "logs" / f"hardhat-{self.port}.log"
        self.process = _spawn(self.settings, self.port, log_path, detach=False)
        _wait_until_ready(self.process, self.rpc_url, log_path)
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def __enter__(self) -> LocalNode:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


@dataclass(frozen=True)
class BackgroundNode:
    pid: int
    port: int
    rpc_url: str
    log: str


def running_background_node(settings: Settings) -> BackgroundNode | None:
    """The node `chain up` started, if it is still alive and answering."""
    try:
        node = BackgroundNode(**json.loads(settings.node_state_file.read_text()))
    except (OSError, ValueError, TypeError):
        return None
    if pid_alive(node.pid) and rpc_ready(node.rpc_url):
        return node
    return None


def start_background(settings: Settings, port: int | None = None) -> tuple[BackgroundNode, bool]:
    """Start a detached node, or return the one already running. The flag says
    whether this call started it."""
    existing = running_background_node(settings)
    if existing is not None:
        return existing, False
    chosen = port if port is not None else settings.chain_port
    rpc_url = f"http://127.0.0.1:{chosen}"
    if rpc_ready(rpc_url):
        raise ChainError(f"port {chosen} is already serving another node; pick one with --port")
    log_path = settings.state_dir / "logs" / f"hardhat-{chosen}.log"
    process = _spawn(settings, chosen, log_path, detach=True)
    _wait_until_ready(process, rpc_url, log_path)
    node = BackgroundNode(pid=process.pid, port=chosen, rpc_url=rpc_url, log=str(log_path))
    settings.node_state_file.parent.mkdir(parents=True, exist_ok=True)
    settings.node_state_file.write_text(json.dumps(node.__dict__, indent=1))
    return node, True


def stop_background(settings: Settings) -> BackgroundNode | None:
    """Stop the node `chain up` started; returns it, or None if none was running."""
    try:
        node = BackgroundNode(**json.loads(settings.node_state_file.read_text()))
    except (OSError, ValueError, TypeError):
        return None
    if pid_alive(node.pid):
        os.killpg(node.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while pid_alive(node.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if pid_alive(node.pid):
            os.killpg(node.pid, signal.SIGKILL)
    settings.node_state_file.unlink(missing_ok=True)
    return node


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child of ours still "exists"; reap it so it reads as dead.
    try:
        reaped, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return reaped == 0


def resolve_rpc_url(settings: Settings, explicit: str | None = None) -> str:
    """The explicit URL, else FLOWMARKET_RPC_URL, else the `chain up` node, else the
    default port."""
    if explicit:
        return explicit
    if settings.rpc_url:
        return settings.rpc_url
    node = running_background_node(settings)
    if node is not None:
        return node.rpc_url
    return f"http://127.0.0.1:{settings.chain_port}"


def advance_chain_to(w3: Web3, timestamp: int) -> bool:
    """Mine a block at Unix second `timestamp` when the local node's clock is behind it
    (Hardhat's `evm_setNextBlockTimestamp`); True when a block was mined. A local market
    whose hours are shorter than real ones moves the chain with it: the ledger accepts
    an hour only once it has closed on chain."""
    if int(w3.eth.get_block("latest")["timestamp"]) >= timestamp:
        return False
    w3.provider.make_request("evm_setNextBlockTimestamp", [timestamp])  # type: ignore[arg-type]
    w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    return True
