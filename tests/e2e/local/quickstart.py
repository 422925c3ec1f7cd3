"""The README's quickstart as commands, and a `local up` run in a subprocess.

`quickstart_commands` reads the fenced shell blocks of the README's section *Trade by
hand on a local market* and returns each `flowmarket` line, its comment removed: the
test runs exactly those. `LocalUp` runs `flowmarket local up ...` as its own process
(it blocks until stopped), its output in a file, with FLOWMARKET_* pointing at a
private state folder and free ports.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
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
