"""The README's quickstart as commands, and a `local up` run in a subprocess.

`quickstart_commands` reads the fenced shell blocks of the README's section *Trade by
hand on a local market* and returns each `flowmarket` line, its comment removed: the
test runs exactly those. `LocalUp` runs `flowmarket local up ...` as its own process
(it blocks until stopped), its output in a file, with FLOWMARKET_* pointing at a
private state folder and free ports.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from flowmarket.chain.node import free_port

README = Path(__file__).resolve().parents[3] / "README.md"
SECTION = "## Trade by hand on a local market"


def quickstart_commands(readme: Path = README) -> list[str]:
    """The `flowmarket ...` lines of the section's shell blocks, in order."""
    text = readme.read_text(encoding="utf-8")
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    blocks = section.split("```bash\n")[1:]
    lines = [line for block in blocks for line in block.split("```", 1)[0].splitlines()]
    return [line.split("  #", 1)[0].strip() for line in lines if line.startswith("flowmarket ")]


def market_env(state: Path) -> dict[str, str]:
    """FLOWMARKET_* of a private local market: its state folder and two free ports."""
    return {
        "FLOWMARKET_STATE_DIR": str(state),
        "FLOWMARKET_CHAIN_PORT": str(free_port()),
        "FLOWMARKET_API_PORT": str(free_port()),
    }


UNSET = ("FLOWMARKET_RPC_URL", "FLOWMARKET_DATABASE_URL", "FLOWMARKET_API_URL")


@dataclass
class LocalUp:
    """`flowmarket ARGV` (a `local up`) in its own process; output in `log`."""

    process: subprocess.Popen[bytes]
    log: Path

    @classmethod
    def start(cls, argv: list[str], env: dict[str, str], log: Path) -> LocalUp:
        full = {k: v for k, v in os.environ.items() if k not in UNSET} | env
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "flowmarket.cli.main", *argv],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=full,
            )
        return cls(process, log)

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def wait_for(self, text: str, timeout_s: float) -> str:
        """The output once it contains `text`; fails when the process ends or time is up."""
        deadline = time.monotonic() + timeout_s
        while text not in self.output():
            assert self.process.poll() is None, f"local up exited:\n{self.output()}"
            assert time.monotonic() < deadline, f"no {text!r} in {timeout_s} s:\n{self.output()}"
            time.sleep(0.5)
        return self.output()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def port_open(port: int) -> bool:
    """True when something accepts TCP connections on 127.0.0.1:`port`."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return True
    except OSError:
        return False


def processes_in(state: Path) -> list[str]:
    """The command lines of this user's processes (other than this one) whose environment
    names `state` as their state folder: everything `local up` started inherits it (the
    supervisor, the node and whatever they spawn), whatever became of their parents."""
    marker = f"FLOWMARKET_STATE_DIR={state}".encode()
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            if marker in (proc / "environ").read_bytes().split(b"\0"):
                found.append((proc / "cmdline").read_bytes().replace(b"\0", b" ").decode())
        except OSError:  # gone meanwhile, or another user's
            continue
    return found


def wait_until(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    """Poll `condition` until it holds, or fail naming `what`."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"{what}: not within {timeout_s} s"
        time.sleep(0.5)
