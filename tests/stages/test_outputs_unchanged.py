"""The demo's outputs, apart from times, versions and signature bytes, are what they were before
the code was reorganised: a refactoring must not change what the archive produces."""

from __future__ import annotations

import json
from pathlib import Path

from _fingerprint import fingerprint
from conftest import ROOT

EXPECTED = ROOT / "tests" / "data" / "demo-outputs.json"


def test_demo_outputs_equal_the_recorded_ones(demo_reports: Path) -> None:
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
    found = fingerprint(demo_reports)
    missing = sorted(set(expected) - set(found))
    extra = sorted(set(found) - set(expected))
    changed = sorted(name for name in set(expected) & set(found) if expected[name] != found[name])
    assert not (missing or extra or changed), {
        "missing": missing,
        "extra": extra,
        "changed": changed,
    }
