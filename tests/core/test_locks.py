"""The dependency locks: every installed package pinned and hashed, and the locks in step with the `.in` files.

requirements.in and requirements-dev.in name what Harkop uses; `make lock` (pip-tools) compiles them
into requirements.txt and requirements-dev.txt, and the Makefile installs from those only. These
tests read files and the venv's own metadata: no network.
"""

from __future__ import annotations

import re
import sysconfig
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
RUNTIME_LOCK = ROOT / "requirements.txt"
DEV_LOCK = ROOT / "requirements-dev.txt"

# One pinned requirement of a lock: "name==version \" then its "--hash=sha256:…" lines.
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)\s*\\?$")


def read_lock(path: Path) -> dict[str, tuple[str, list[str]]]:
    """Canonical name -> (version, sha256 hashes) for every requirement in a pip-compile lock."""
    pins: dict[str, tuple[str, list[str]]] = {}
    current = None
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            current = None
            continue
        match = _PIN.match(line)
        if match:
            current = canonicalize_name(match.group(1))
            assert current not in pins, f"{path.name}: {current} pinned twice"
            pins[current] = (match.group(2), [])
        elif line.startswith("--hash=sha256:") and current is not None:
            pins[current][1].append(line.removeprefix("--hash=sha256:").rstrip(" \\"))
        else:
            raise AssertionError(f"{path.name}: not a pin nor a hash: {raw!r}")
    return pins


def read_in(path: Path) -> list[Requirement]:
    """The requirements an `.in` file names itself (its -r/-c lines are left out)."""
    found = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            found.append(Requirement(line))
    return found


def venv_distributions() -> dict[str, str]:
    """Canonical name -> version of every package installed in this interpreter's site-packages."""
    paths = sorted({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]})
    return {canonicalize_name(d.metadata["Name"]): d.version for d in metadata.distributions(path=paths)}


def test_every_installed_package_is_pinned_in_the_dev_lock():
    """Is every package in the venv, pip and setuptools included, in requirements-dev.txt at its version?

    The dev lock pins pip, setuptools and wheel too (pip-tools needs them; compiled with
    --allow-unsafe), so nothing is let off: a package installed by hand, or left behind by an
    older lock, fails this test until it is added to an `.in` file and `make lock` is run (or the
    venv is synced: `make test` runs pip-sync).
    """
    locked = {name: version for name, (version, _hashes) in read_lock(DEV_LOCK).items()}
    installed = venv_distributions()
    assert "flask" in installed and "pytest" in installed  # the venv was found
    unpinned = sorted(f"{n}=={v}" for n, v in installed.items() if n not in locked)
    assert not unpinned, f"installed but not in requirements-dev.txt: {unpinned}"
    moved = sorted(f"{n} {v} (lock: {locked[n]})" for n, v in installed.items() if locked[n] != v)
    assert not moved, f"installed at another version than the lock's: {moved}"


def test_every_locked_package_is_installed():
    """Does the venv hold everything the dev lock lists (so the tests run what production runs)?"""
    installed = venv_distributions()
    missing = sorted(n for n in read_lock(DEV_LOCK) if n not in installed)
    assert not missing, f"in requirements-dev.txt but not installed: {missing}"


def test_every_pin_in_both_locks_has_hashes():
    """Does each pinned package in both locks carry sha256 hashes (pip --require-hashes needs them)?"""
    for lock in (RUNTIME_LOCK, DEV_LOCK):
        pins = read_lock(lock)
        assert len(pins) > 20, lock.name
        bare = sorted(n for n, (_v, hashes) in pins.items() if not hashes)
        assert not bare, f"{lock.name}: pinned without a hash: {bare}"
        malformed = sorted(n for n, (_v, hashes) in pins.items() if any(len(h) != 64 for h in hashes))
        assert not malformed, f"{lock.name}: malformed hashes: {malformed}"


def test_the_dev_lock_runs_the_runtime_lock_unchanged():
    """Does the dev lock hold every runtime package at the runtime lock's version and hashes?"""
    runtime, dev = read_lock(RUNTIME_LOCK), read_lock(DEV_LOCK)
    differing = sorted(n for n, pin in runtime.items() if dev.get(n) is None or dev[n][0] != pin[0])
    assert not differing, f"runtime packages missing or at another version in the dev lock: {differing}"
    rehashed = sorted(n for n, pin in runtime.items() if set(dev[n][1]) != set(pin[1]))
    assert not rehashed, f"runtime packages with other hashes in the dev lock: {rehashed}"


def test_the_locks_satisfy_the_in_files():
    """Is every requirement of requirements*.in locked at a version it accepts (no `make lock` forgotten)?"""
    for source, lock in ((ROOT / "requirements.in", RUNTIME_LOCK), (ROOT / "requirements-dev.in", DEV_LOCK)):
        pins = read_lock(lock)
        for req in read_in(source):
            name = canonicalize_name(req.name)
            assert name in pins, f"{source.name} names {req.name}, {lock.name} does not: run make lock"
            version = pins[name][0]
            assert req.specifier.contains(version, prereleases=True), (
                f"{lock.name} pins {req.name}=={version}, outside {source.name}'s {req.specifier}"
            )
            for extra in req.extras:  # psycopg[binary]: what the extra brings is pinned too
                for dep in map(Requirement, metadata.requires(req.name) or []):
                    if dep.marker is not None and dep.marker.evaluate({"extra": extra}):
                        assert canonicalize_name(dep.name) in pins, f"{lock.name}: {req.name}[{extra}]"
