"""A real `segue serve` for the deployment tests: the Dockerfile's health check and nginx talk to it."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from deploy_helpers import (
    ADMIN_PASSWORD,
    DOCKER,
    SEGUE,
    RunningSegue,
    dockerfile_env,
    dockerfile_stages,
    segue_environment,
    wait_until_serving,
)
from net_helpers import free_port
from process_helpers import stop_process


@pytest.fixture(scope="session")
def running_segue(
    tmp_path_factory: pytest.TempPathFactory, demo_library: Path
) -> Iterator[RunningSegue]:
    """`segue serve` configured like the image (its ENV), with paths and port of this machine.

    The demo library is scanned first (`segue scan`), so streams can be fetched.
    """
    image_env = dockerfile_env(dockerfile_stages((DOCKER / "Dockerfile").read_text())[-1])
    port = free_port()
    data_dir = tmp_path_factory.mktemp("deploy") / "data"
    image_settings = {k: v for k, v in image_env.items() if k.startswith("SEGUE_")}
    env = segue_environment(
        **image_settings
        | dict(
            SEGUE_SERVER__HOST="127.0.0.1",
            SEGUE_SERVER__PORT=str(port),
            SEGUE_SERVER__DATA_DIR=str(data_dir),
            SEGUE_LIBRARY__PATHS=f'["{demo_library}"]',
            SEGUE_LIBRARY__SCAN_ON_STARTUP="false",
            SEGUE_AUTH__ADMIN_PASSWORD=ADMIN_PASSWORD,
            # No background transcoding or fingerprinting while the tests run.
            SEGUE_EVENTS__RUN_CONSUMERS_IN_SERVER="false",
        )
    )
    scanned = subprocess.run(
        [str(SEGUE), "scan"], env=env, capture_output=True, text=True, timeout=180, check=False
    )
    assert scanned.returncode == 0, scanned.stderr
    process = subprocess.Popen(
        [str(SEGUE), "serve"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until_serving(process, port)
        yield RunningSegue(port, ADMIN_PASSWORD)
    finally:
        stop_process(process)
