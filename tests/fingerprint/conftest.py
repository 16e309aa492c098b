"""Fixtures of the fingerprint tests: the acceptance library, scanned and fingerprinted once."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest
from fingerprint_helpers import (
    MakeSetup,
    Setup,
    build_library,
    ingest_through_worker,
    write_setup,
)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def fingerprint_library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The acceptance library (see fingerprint_helpers), written once per session."""
    root = tmp_path_factory.mktemp("fingerprint-library")
    anyio.run(build_library, root)
    return root


@pytest.fixture(scope="session")
def ingested(tmp_path_factory: pytest.TempPathFactory, fingerprint_library: Path) -> Setup:
    """A Segue whose worker scanned and fingerprinted the library (read-only: copy it)."""
    setup = write_setup(tmp_path_factory.mktemp("ingested"), fingerprint_library)
    anyio.run(ingest_through_worker, setup)
    return setup


@pytest.fixture
def ingested_copy(tmp_path: Path, ingested: Setup) -> Setup:
    """A private copy of ``ingested`` for a test that changes things."""
    return write_setup(tmp_path / "home", ingested.library, data_from=ingested.data_dir)


@pytest.fixture
def make_setup(tmp_path: Path, fingerprint_library: Path) -> MakeSetup:
    """``make_setup(plugin="key = value", name="home")``: a fresh home on the library."""

    def make(plugin: str = "", name: str = "home") -> Setup:
        return write_setup(tmp_path / name, fingerprint_library, plugin)

    return make
