"""Issue acceptance: `segue duplicates` lists exactly the same-recording groups, found by audio.

The library (see conftest) holds an album as FLAC and as MP3 128 kbps, one
song again shifted by 2 seconds with other tags, distinct songs (two tagged
exactly like album songs) and one undecodable file.
"""

from __future__ import annotations

import json
import re
from typing import Any

import anyio
import pytest
from click.testing import CliRunner
from fingerprint_helpers import CORRUPT, EXPECTED_GROUPS, MakeSetup, Setup

from segue.cli.main import build_cli
from segue_catalog_filesystem.scanner import scan_library


def segue(*args: str) -> Any:
    return CliRunner().invoke(build_cli(list(args)), list(args))


def path_groups(groups: list[dict[str, Any]]) -> list[set[str]]:
    return sorted(({m["relpath"] for m in g["members"]} for g in groups), key=sorted)


def test_duplicates_json_lists_exactly_the_recordings_found_at_ingest(ingested_copy: Setup) -> None:
    result = segue("duplicates", "--json", "--config", str(ingested_copy.config))

    assert result.exit_code == 0, result.output
    groups = json.loads(result.stdout)
    assert path_groups(groups) == sorted(EXPECTED_GROUPS, key=sorted)
    for group in groups:
        assert 0.8 <= group["similarity"] <= 1.0
        assert group["id"] == group["recording_id"]
        members = {m["track_id"]: m for m in group["members"]}
        assert group["preferred_track_id"] in members
        # Without an admin's choice the lossless copy stands for the recording.
        assert members[group["preferred_track_id"]]["codec"] == "flac"
        for member in group["members"]:
            assert member["path"] == f"{member['root']}/{member['relpath']}"
    shifted = next(g for g in groups if any(m["relpath"].endswith(".ogg") for m in g["members"]))
    # A 2-second shift still matches, though less exactly than a plain re-encode.
    ogg = next(m for m in shifted["members"] if m["relpath"].endswith(".ogg"))
    assert 0.8 <= ogg["similarity"] < 1.0


def test_fingerprint_command_then_duplicates_text(make_setup: MakeSetup) -> None:
    # Scan without ingest jobs, then fingerprint the existing library with the command.
    setup = make_setup("fingerprint_on_ingest = false")

    async def scan() -> None:
        async with setup.open() as context:
            await scan_library(context)

    anyio.run(scan)
    result = segue("fingerprint", "--config", str(setup.config))

    assert result.exit_code == 0, result.output
    tracks = sum(len(g) for g in EXPECTED_GROUPS) + 4  # + the distinct singles
    assert f"Fingerprinted {tracks} tracks (1 failed)" in result.output
    rate = re.search(r"([\d.]+) tracks/s, (\d+) audio-seconds/s", result.output)
    assert rate is not None and float(rate.group(1)) > 0 and int(rate.group(2)) > 0
    assert "Duplicate groups: 3." in result.output

    again = segue("fingerprint", "--missing", "--config", str(setup.config))
    assert "Fingerprinted 0 tracks (0 failed)" in again.output

    text = segue("duplicates", "--no-detect", "--config", str(setup.config))
    assert text.exit_code == 0, text.output
    assert "3 groups" in text.output
    assert text.output.count("  * /") == 3  # one preferred file per group
    assert CORRUPT not in text.output


def test_corrupt_file_is_recorded_with_its_reason_and_ingest_goes_on(ingested: Setup) -> None:
    from segue_fingerprint_chromaprint.service import require_fingerprinter

    async def read() -> tuple[list[Any], int]:
        async with ingested.open() as context:
            store = require_fingerprinter(context).store
            return await store.failures(), await store.count()

    failures, fingerprinted = anyio.run(read)

    assert [f.relpath for f in failures] == [CORRUPT]
    assert "fingerprint" in failures[0].reason.lower() or "decod" in failures[0].reason.lower()
    assert fingerprinted == sum(len(g) for g in EXPECTED_GROUPS) + 4


def test_fpcalc_missing_is_a_clear_error_naming_the_debian_package(make_setup: MakeSetup) -> None:
    setup = make_setup('fpcalc = "/nonexistent/fpcalc"\nfingerprint_on_ingest = false')

    async def scan() -> None:
        async with setup.open() as context:
            await scan_library(context)

    anyio.run(scan)
    result = segue("fingerprint", "--config", str(setup.config))

    assert result.exit_code == 1
    assert "libchromaprint-tools" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("flag", ["--json", None])
def test_duplicates_on_an_empty_library_says_so(make_setup: MakeSetup, flag: str | None) -> None:
    setup = make_setup()
    result = segue("duplicates", *([flag] if flag else []), "--config", str(setup.config))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == ("[]" if flag else "No duplicates found.")


def test_duplicates_prefer_option_sets_the_preferred_file(ingested_copy: Setup) -> None:
    config = str(ingested_copy.config)
    groups = json.loads(segue("duplicates", "--json", "--config", config).stdout)
    group = groups[0]
    mp3 = next(m for m in group["members"] if m["codec"] == "mp3")
    assert group["preferred_track_id"] != mp3["track_id"]

    chosen = segue("duplicates", "--json", "--prefer", mp3["track_id"], "--config", config)
    assert chosen.exit_code == 0, chosen.output
    # Persisted: a later run (which detects again) keeps the choice.
    later = json.loads(segue("duplicates", "--json", "--config", config).stdout)
    assert {g["id"]: g["preferred_track_id"] for g in later}[group["id"]] == mp3["track_id"]

    wrong = segue("duplicates", "--prefer", "no-such-track", "--config", config)
    assert wrong.exit_code == 1
    assert "no-such-track" in wrong.output and "is in no duplicate group" in wrong.output
