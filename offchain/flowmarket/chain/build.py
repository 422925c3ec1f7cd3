"""Compile `contracts/` with py-solc-x through the npm solc shim, with a content-hash cache.

No native solc can be downloaded on this network, so py-solc-x is pointed at
`hardhat-local/bin/solc`, a small Node script that speaks the native CLI's
`--standard-json` protocol on top of the pinned npm `solc` package. Artifacts
(ABI + bytecode per contract) are written to `settings.artifacts_dir` together
with the hash of everything that determines them: the sources, the compiler
settings and the compiler and OpenZeppelin versions. A build with an unchanged
hash reads the artifacts back instead of compiling.

Warnings in our own sources fail the build, like errors: a contract that
compiles with warnings is not shipped.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import solcx
from solcx.exceptions import SolcError

from flowmarket.config import Settings
from flowmarket.errors import BuildFailed, ToolchainMissing

SOLC_SETTINGS: dict[str, Any] = {
    "optimizer": {"enabled": True, "runs": 200},
    "evmVersion": "cancun",
    "outputSelection": {
        "*": {"*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"]},
    },
}
# Foundry-style test sources live beside the contracts but are not shipped.
EXCLUDED_DIRS = frozenset({"test", "tests"})
STAMP_FILE = "build-stamp.json"


@dataclass(frozen=True)
class Artifact:
    """One compiled contract. `bytecode` is 0x-hex; empty for interfaces and libraries
    that are never deployed on their own."""

    name: str
    source: str
    abi: list[dict[str, Any]]
    bytecode: str
    deployed_bytecode: str


ArtifactSet = dict[str, Artifact]


@dataclass(frozen=True)
class BuildReport:
    artifacts: ArtifactSet
    source_hash: str
    compiled: bool


def solc_shim(settings: Settings) -> Path:
    shim = settings.hardhat_dir / "bin" / "solc"
    if not (settings.hardhat_dir / "node_modules" / "solc").is_dir():
        raise ToolchainMissing(
            f"npm packages are not installed in {settings.hardhat_dir}: run `npm ci` there "
            "(scripts/demo and scripts/test do it for you)"
        )
    return shim


def contract_sources(settings: Settings) -> dict[str, str]:
    """Source unit name (`contracts/...`) → content, for every shipped `.sol` file."""
    root = settings.contracts_dir
    sources: dict[str, str] = {}
    for path in sorted(root.rglob("*.sol")):
        relative = path.relative_to(root)
        if EXCLUDED_DIRS.intersection(relative.parts[:-1]):
            continue
        sources[f"contracts/{relative.as_posix()}"] = path.read_text(encoding="utf-8")
    return sources


def source_hash(settings: Settings, sources: dict[str, str]) -> str:
    digest = hashlib.sha256()
    lock = settings.hardhat_dir / "package-lock.json"
    digest.update(lock.read_bytes() if lock.exists() else b"")
    digest.update(json.dumps(SOLC_SETTINGS, sort_keys=True).encode())
    for name, content in sorted(sources.items()):
        digest.update(name.encode() + b"\0" + content.encode() + b"\0")
    return digest.hexdigest()


def compile_contracts(settings: Settings, *, force: bool = False) -> BuildReport:
    """Compile unless the artifacts on disk were built from the same inputs."""
    sources = contract_sources(settings)
    if not sources:
        raise BuildFailed(f"no .sol files under {settings.contracts_dir}")
    wanted = source_hash(settings, sources)
    if not force:
        cached = _read_cache(settings.artifacts_dir, wanted)
        if cached is not None:
            return BuildReport(artifacts=cached, source_hash=wanted, compiled=False)
    output = _run_solc(settings, sources)
    artifacts = _artifacts_from_output(output, sources)
    _write_cache(settings.artifacts_dir, wanted, artifacts)
    return BuildReport(artifacts=artifacts, source_hash=wanted, compiled=True)


def load_artifacts(settings: Settings) -> ArtifactSet:
    """The artifacts for the current sources, compiling first if they are stale."""
    return compile_contracts(settings).artifacts


def _run_solc(settings: Settings, sources: dict[str, str]) -> dict[str, Any]:
    standard_input = {
        "language": "Solidity",
        "sources": {name: {"content": content} for name, content in sources.items()},
        "settings": SOLC_SETTINGS,
    }
    try:
        output: dict[str, Any] = solcx.compile_standard(
            standard_input,
            base_path=str(settings.repo_root),
            solc_binary=solc_shim(settings),
        )
    except SolcError as exc:
        diagnostics: list[dict[str, Any]] = (
            exc.error_dict if isinstance(exc.error_dict, list) else []
        )
        raise BuildFailed(_format_diagnostics(diagnostics, sources)) from None
    own_warnings = [
        diagnostic
        for diagnostic in output.get("errors", [])
        if diagnostic.get("severity") == "warning"
        and diagnostic.get("sourceLocation", {}).get("file", "") in sources
    ]
    if own_warnings:
        raise BuildFailed(
            "warnings are errors here:\n" + _format_diagnostics(own_warnings, sources)
        )
    return output


def _format_diagnostics(diagnostics: list[dict[str, Any]], sources: dict[str, str]) -> str:
    lines = []
    for diagnostic in diagnostics:
        location = diagnostic.get("sourceLocation") or {}
        file_name = location.get("file", "<unknown>")
        start = int(location.get("start", 0))
        content = sources.get(file_name, "")
        line = content.count("\n", 0, max(start, 0)) + 1 if content else 0
        column = start - content.rfind("\n", 0, start) if content else 0
        kind = diagnostic.get("type", diagnostic.get("severity", "Error"))
        lines.append(f"{file_name}:{line}:{column}: {kind}: {diagnostic.get('message', '')}")
        if content:
            lines.append("    " + content.splitlines()[line - 1].strip())
    return "\n".join(lines) or "compilation failed without diagnostics"


def _artifacts_from_output(output: dict[str, Any], sources: dict[str, str]) -> ArtifactSet:
    artifacts: ArtifactSet = {}
    for source_name, contracts in output.get("contracts", {}).items():
        if source_name not in sources:
            continue  # OpenZeppelin's own units: reachable through the contracts that use them
        for name, compiled in contracts.items():
            if name in artifacts:
                raise BuildFailed(
                    f"two contracts are named {name}: {artifacts[name].source} and {source_name}"
                )
            evm = compiled.get("evm", {})
            artifacts[name] = Artifact(
                name=name,
                source=source_name,
                abi=compiled.get("abi", []),
                bytecode=_hex(evm.get("bytecode", {}).get("object", "")),
                deployed_bytecode=_hex(evm.get("deployedBytecode", {}).get("object", "")),
            )
    return artifacts


def _hex(raw: str) -> str:
    return "0x" + raw if raw else ""


def _read_cache(directory: Path, wanted: str) -> ArtifactSet | None:
    stamp = directory / STAMP_FILE
    if not stamp.exists():
        return None
    try:
        recorded = json.loads(stamp.read_text())
        if recorded.get("source_hash") != wanted:
            return None
        return {
            name: Artifact(**json.loads((directory / f"{name}.json").read_text()))
            for name in recorded["contracts"]
        }
    except (OSError, ValueError, KeyError, TypeError):
        return None  # a damaged cache is rebuilt, never trusted


def _write_cache(directory: Path, stamp_hash: str, artifacts: ArtifactSet) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.json"):
        stale.unlink()
    for name, artifact in artifacts.items():
        (directory / f"{name}.json").write_text(json.dumps(artifact.__dict__, indent=1))
    # The stamp goes last: an interrupted build leaves no stamp and is redone.
    stamp = {"source_hash": stamp_hash, "contracts": sorted(artifacts)}
    (directory / STAMP_FILE).write_text(json.dumps(stamp, indent=1))
