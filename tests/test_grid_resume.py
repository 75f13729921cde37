"""A grid run killed with SIGKILL part-way through resumes into bit-identical data."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import zarr

from ising_core.grid import run_grid
from ising_core.store import GridParameters, density_group_name, store_path

# Each grid point takes about 0.1 s on two cores, so a poll every few milliseconds finds
# the first points flagged complete long before the last one.
PARAMETERS = dict(
    size=16, temperatures=[round(0.5 + 0.25 * k, 2) for k in range(12)], densities=[0.8],
    samples=400, realizations=2, seed=31, thermalization=100, spacing=20,
)

RUN_GRID = """
import json, sys
from ising_core.grid import run_grid
from ising_core.store import GridParameters
run_grid(GridParameters(**json.loads(sys.argv[1])), sys.argv[2], block_size=1, progress=False)
"""

START_TIMEOUT = 300  # seconds; a cold numba cache makes the child compile every kernel first


def _completed(path, density):
    """The complete flags of a store that another process is writing, or None before it exists."""
    if not path.exists():
        return None
    return zarr.open_group(str(path), mode="r")[density_group_name(density)]["complete"][:]


def _kill_part_way(root):
    """Run the grid in a child process and SIGKILL it once some but not all points are stored."""
    parameters = GridParameters(**PARAMETERS)
    path = store_path(root, parameters)
    density = parameters.densities[0]
    child = subprocess.Popen([sys.executable, "-c", RUN_GRID, json.dumps(PARAMETERS), str(root)])
    deadline = time.monotonic() + START_TIMEOUT
    try:
        while time.monotonic() < deadline:
            if child.poll() is not None:
                pytest.fail(f"the grid run ended (exit status {child.returncode}) before it could be interrupted")
            flags = _completed(path, density)
            if flags is not None and flags.any():
                break
            time.sleep(0.002)
        else:
            pytest.fail(f"no grid point was stored within {START_TIMEOUT} s")
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    return _completed(path, density)


def test_killed_run_resumes_bit_identical(tmp_path):
    flags = _kill_part_way(tmp_path / "killed")
    assert flags.any()
    assert not flags.all()

    parameters = GridParameters(**PARAMETERS)
    resumed = run_grid(parameters, tmp_path / "killed", progress=False)
    reference = run_grid(parameters, tmp_path / "reference", progress=False)
    density = parameters.densities[0]
    resumed_data = resumed.load(density)
    reference_data = reference.load(density)
    for name in ("configurations", "energy", "magnetization", "realization", "masks"):
        assert np.array_equal(getattr(resumed_data, name), getattr(reference_data, name)), name
