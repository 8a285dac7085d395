"""Contract, "The API edge": requirements.txt pins every runtime package, indirect ones
too, with --hash; requirements-dev.txt the same for tests and tools; both compiled from .in
files. Offline checks (bin/lock-check recompiles them against the index in CI)."""

import re
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)(\[[^\]]*\])?==([^\s\\;]+)")


def pins(lock: str) -> dict[str, tuple[Version, int]]:
    """name -> (pinned version, number of hashes) of a compiled lock."""
    found: dict[str, tuple[Version, int]] = {}
    current = None
    for line in (ROOT / lock).read_text("utf-8").splitlines():
        match = PIN.match(line)
        if match:
            current = canonicalize_name(match.group(1))
            found[current] = (Version(match.group(3)), 0)
        elif "--hash=sha256:" in line and current:
            version, hashes = found[current]
            found[current] = (version, hashes + 1)
        elif line and not line.startswith((" ", "#")):
            pytest.fail(f"{lock}: a line that is not an exact pin: {line}")
    return found


def wanted(source: str) -> list[Requirement]:
    out = []
    for line in (ROOT / source).read_text("utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("-r "):
            out += wanted(line[3:].strip())
        elif not line.startswith("-"):
            out.append(Requirement(line))
    return out


@pytest.mark.parametrize("source, lock", [("requirements.in", "requirements.txt"),
                                          ("requirements-dev.in", "requirements-dev.txt")])
def test_every_requirement_is_pinned_hashed_and_met(source, lock):
    pinned = pins(lock)
    assert len(pinned) > len(wanted(source))  # indirect packages are pinned too
    for name, (_version, hashes) in pinned.items():
        assert hashes >= 1, f"{lock}: {name} has no --hash"
    for requirement in wanted(source):
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"{lock} is stale: {name} from {source} is not in it (make lock)"
        version = pinned[name][0]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"{lock} is stale: {name}=={version} does not meet {requirement} (make lock)")


def test_the_dev_lock_keeps_the_runtime_versions():
    runtime, dev = pins("requirements.txt"), pins("requirements-dev.txt")
    assert set(runtime) <= set(dev)
    assert {n: v for n, (v, _h) in runtime.items()} == {n: dev[n][0] for n in runtime}


def test_the_runtime_lock_holds_no_test_tool():
    runtime = pins("requirements.txt")
    for tool in ("pytest", "ruff", "playwright", "schemathesis", "openapi-python-client"):
        assert tool not in runtime


def test_make_installs_with_require_hashes():
    makefile = (ROOT / "Makefile").read_text("utf-8")
    assert "pip install --quiet --require-hashes -r requirements.txt" in makefile
    assert "pip install --quiet --require-hashes -r requirements-dev.txt" in makefile
