"""Scanning into the real SQLite catalog: incremental rescans, moves, removals, problems."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import anyio
import msgspec
import pytest
from scanhelpers import all_tracks, copy_template, scan_context, write_simple_tags

from segue.catalog.identity import VARIOUS_ARTISTS
from segue.models import ListQuery
from segue_catalog_filesystem.scanner import ScanProgress, scan_library

pytestmark = pytest.mark.anyio


async def copy_library(source: Path, target: Path) -> Path:
    await anyio.to_thread.run_sync(shutil.copytree, source, target)
    return target


async def test_full_scan_then_rescan_reads_nothing(demo_library: Path, tmp_path: Path) -> None:
    library = await copy_library(demo_library, tmp_path / "library")
    seen: list[ScanProgress] = []
    async with scan_context(tmp_path / "home", [library]) as context:
        first = await scan_library(
            context, progress=lambda p: seen.append(msgspec.structs.replace(p))
        )
        assert (first.state, first.files_seen, first.files_read, first.added) == (
            "finished",
            12,
            12,
            12,
        )
        tracks = await all_tracks(context)
        assert len(tracks) == 12
        assert all(t.root == str(library) for t in tracks)

        second = await scan_library(context)
        assert (second.files_seen, second.files_read, second.added, second.changed) == (12, 0, 0, 0)
        assert (second.moved, second.removed, second.problems) == (0, 0, 0)
        assert [t.id for t in await all_tracks(context)] == [t.id for t in tracks]
        assert await context.catalog.last_scan_report() == second
    assert seen[-1].files_read == seen[-1].files_to_read == 12
    assert seen[-1].files_seen == 12


async def test_compilation_and_album_artist_grouping(demo_library: Path, tmp_path: Path) -> None:
    library = await copy_library(demo_library, tmp_path / "library")
    async with scan_context(tmp_path / "home", [library]) as context:
        await scan_library(context)
        albums = (await context.catalog.list_albums(ListQuery(limit=100, sort="title"))).items
        by_title = {a.title: a for a in albums}
        compilation = by_title["Sine Waves, Vol. 1"]
        assert compilation.compilation and compilation.artist_name == VARIOUS_ARTISTS
        tracks = await context.catalog.list_tracks(ListQuery(album_id=compilation.id))
        assert tracks.total == 2
        assert len({t.artist_id for t in tracks.items}) == 2  # each song its own artist
        # The same album in FLAC and MP3 is one album of its album artist.
        nordlys = by_title["Nordlys"]
        assert nordlys.artist_name == "Zoë Ångström"
        codecs = {
            t.codec
            for t in (await context.catalog.list_tracks(ListQuery(album_id=nordlys.id))).items
        }
        assert codecs == {"flac", "mp3"}


async def test_changed_file_is_updated_in_place(
    audio_templates: dict[str, Path], tmp_path: Path
) -> None:
    library = tmp_path / "library"
    song = copy_template(audio_templates["ogg"], library / "a" / "song.ogg")
    write_simple_tags(song, title="Before", artist="Someone")
    async with scan_context(tmp_path / "home", [library]) as context:
        await scan_library(context)
        [before] = await all_tracks(context)
        write_simple_tags(song, title="After", artist="Someone")
        os.utime(song, ns=(before.mtime_ns + 10**9, before.mtime_ns + 10**9))
        report = await scan_library(context)
        assert (report.files_read, report.changed, report.added) == (1, 1, 0)
        [after] = await all_tracks(context)
        assert (after.id, after.title) == (before.id, "After")


async def test_moved_file_keeps_its_id_and_play_count(
    audio_templates: dict[str, Path], tmp_path: Path
) -> None:
    library = tmp_path / "library"
    for i, ext in enumerate(("flac", "mp3", "opus")):
        path = copy_template(audio_templates[ext], library / "old place" / f"{i}.{ext}")
        write_simple_tags(path, title=f"Song {i}", artist="Mover")
    async with scan_context(tmp_path / "home", [library]) as context:
        await scan_library(context)
        moving = next(t for t in await all_tracks(context) if t.title == "Song 1")
        await context.catalog.add_play_counts({moving.id: 7})

        (library / "new place ✈").mkdir()
        (library / "old place" / "1.mp3").rename(library / "new place ✈" / "renamed.mp3")
        report = await scan_library(context)

        assert (report.moved, report.removed, report.added) == (1, 0, 0)
        moved = await context.catalog.get_track(moving.id)
        assert moved is not None
        assert moved.relpath == "new place ✈/renamed.mp3"
        assert moved.play_count == 7 and not moved.missing
        assert len(await all_tracks(context)) == 3


async def test_removed_file_is_missing_and_comes_back_with_its_id(
    audio_templates: dict[str, Path], tmp_path: Path
) -> None:
    library = tmp_path / "library"
    song = copy_template(audio_templates["m4a"], library / "keep" / "song.m4a")
    copy_template(audio_templates["wav"], library / "keep" / "other.wav")
    async with scan_context(tmp_path / "home", [library]) as context:
        await scan_library(context)
        track = next(t for t in await all_tracks(context) if t.relpath == "keep/song.m4a")
        await context.catalog.add_play_counts({track.id: 3})

        aside = tmp_path / "aside.m4a"
        song.rename(aside)
        report = await scan_library(context)
        assert (report.removed, report.moved) == (1, 0)
        gone = await context.catalog.get_track(track.id)
        assert gone is not None and gone.missing
        assert len(await all_tracks(context)) == 1

        # A second scan with the file still gone changes nothing more.
        assert (await scan_library(context)).removed == 0

        aside.rename(song)
        report = await scan_library(context)
        assert (report.moved, report.added, report.removed) == (1, 0, 0)
        back = await context.catalog.get_track(track.id)
        assert back is not None and not back.missing and back.play_count == 3


async def test_bad_files_are_problems_and_the_scan_goes_on(
    audio_templates: dict[str, Path], tmp_path: Path
) -> None:
    library = tmp_path / "library"
    for ext in ("flac", "mp3", "ogg"):
        copy_template(audio_templates[ext], library / "good" / f"fine.{ext}")
    bad = library / "bad"
    bad.mkdir()
    (bad / "empty.flac").write_bytes(b"")
    (bad / "truncated.flac").write_bytes(audio_templates["flac"].read_bytes()[:30])
    (bad / "text.opus").write_text("this is not audio\n" * 50)
    (bad / "noise.m4a").write_bytes(os.urandom(4096))
    async with scan_context(tmp_path / "home", [library]) as context:
        report = await scan_library(context)
        assert (report.state, report.added, report.problems, report.files_read) == (
            "finished",
            3,
            4,
            7,
        )
        problems = {p.relpath: p.reason for p in await context.catalog.list_problems()}
        assert set(problems) == {
            "bad/empty.flac",
            "bad/truncated.flac",
            "bad/text.opus",
            "bad/noise.m4a",
        }
        assert problems["bad/empty.flac"] == "empty file"
        assert problems["bad/truncated.flac"].startswith("truncated or corrupt FLAC")
        assert problems["bad/text.opus"] == "not an audio file mutagen recognizes"

        # Fixed files leave the problem list on the next scan.
        (bad / "empty.flac").unlink()
        copy_template(audio_templates["flac"], bad / "truncated.flac")
        await scan_library(context)
        problems = {p.relpath: p.reason for p in await context.catalog.list_problems()}
        assert set(problems) == {"bad/text.opus", "bad/noise.m4a"}


async def test_unicode_space_and_newline_paths(
    audio_templates: dict[str, Path], tmp_path: Path
) -> None:
    library = tmp_path / "library"
    relpaths = [
        "Sigur Sín/Ágætis byrjun/01 - Svefn-g-englar.flac",
        "new\nline/track\nname.mp3",
        "  spaces  /  lots of   spaces .ogg",
        "日本語/曲 #1 [live] & \"quotes\" 'too'.opus",
    ]
    templates = ["flac", "mp3", "ogg", "opus"]
    for relpath, ext in zip(relpaths, templates, strict=True):
        copy_template(audio_templates[ext], library / relpath)
    async with scan_context(tmp_path / "home", [library]) as context:
        report = await scan_library(context)
        assert (report.added, report.problems) == (4, 0)
        stored = {t.relpath: t for t in await all_tracks(context)}
        assert set(stored) == set(relpaths)
        assert stored["new\nline/track\nname.mp3"].title == "track\nname"
        assert (await scan_library(context)).files_read == 0


async def test_missing_root_does_not_remove_its_tracks(
    audio_templates: dict[str, Path], tmp_path: Path
) -> None:
    library, other = tmp_path / "library", tmp_path / "other"
    copy_template(audio_templates["flac"], library / "a.flac")
    copy_template(audio_templates["mp3"], other / "b.mp3")
    async with scan_context(tmp_path / "home", [library, other]) as context:
        await scan_library(context)
        assert len(await all_tracks(context)) == 2

        library.rename(tmp_path / "unplugged")  # a disk that is not mounted
        report = await scan_library(context)

        assert (report.state, report.removed, report.problems) == ("finished", 0, 1)
        assert len(await all_tracks(context)) == 2
        [problem] = await context.catalog.list_problems()
        assert (problem.root, problem.relpath) == (str(library), "")
        assert problem.reason == "library folder not found"


async def test_scans_take_turns(audio_templates: dict[str, Path], tmp_path: Path) -> None:
    library = tmp_path / "library"
    for i in range(12):
        copy_template(audio_templates["flac"], library / f"{i:02d}.flac")
    async with scan_context(tmp_path / "home", [library]) as context:
        reports = []

        async def scan() -> None:
            reports.append(await scan_library(context))

        async with anyio.create_task_group() as tg:
            tg.start_soon(scan)
            tg.start_soon(scan)
        # The second waited for the first: it found everything stored already.
        assert sorted((r.added, r.files_read) for r in reports) == [(0, 0), (12, 12)]
