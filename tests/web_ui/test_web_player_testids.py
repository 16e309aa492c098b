"""web/TESTIDS.md is the contract with the end-to-end suite: every test id it names exists in the app."""

from __future__ import annotations

import re
from pathlib import Path

from segue_web.plugin import static_dir

TESTIDS = Path(__file__).resolve().parents[2] / "web" / "TESTIDS.md"
# Test ids are hyphenated lower-case words (`track-play`, `results-tracks|results-albums`);
# `data-...` and `aria-...` names are attributes, not ids.
TESTID = re.compile(r"^(?!data-|aria-)[a-z]+(?:-[a-z0-9]+)+$")


def documented_ids() -> set[str]:
    ids: set[str] = set()
    for quoted in re.findall(r"`([^`]+)`", TESTIDS.read_text(encoding="utf-8")):
        value = quoted.split("=", 1)[1] if quoted.startswith("data-testid=") else quoted
        ids.update(part for part in value.split("|") if TESTID.match(part))
    return ids


def test_testids_document_names_test_ids() -> None:
    ids = documented_ids()
    assert {"track-row", "play-pause", "quality-in-use", "device-option", "friend-entry"} <= ids


def test_every_documented_test_id_is_in_the_app() -> None:
    sources = "\n".join(
        path.read_text(encoding="utf-8") for path in (static_dir() / "js").rglob("*.js")
    )
    missing = sorted(i for i in documented_ids() if f"'{i}'" not in sources)
    assert not missing, f"web/TESTIDS.md names test ids the app does not have: {missing}"
