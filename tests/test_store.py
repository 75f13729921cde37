"""The on-disk Monte Carlo data store and the grid runner, with real Zarr folders."""

import shutil

import numpy as np
import pytest

from ising_core import __version__
from ising_core.grid import run_grid, temperature_grid
from ising_core.sampler import SAMPLER_VERSION, sample
from ising_core.store import FORMAT_VERSION, GridParameters, MonteCarloStore, StoreError


def _parameters(**changes):
    values = dict(size=8, temperatures=[1.0, 2.0, 3.0], densities=[1.0, 0.7], samples=6, realizations=2, seed=4)
    values.update(changes)
    return GridParameters(**values)


def test_grid_matches_direct_sampling(tmp_path):
    parameters = _parameters()
    store = run_grid(parameters, tmp_path, progress=False)
    direct = sample(8, 0.7, [1.0, 2.0, 3.0], 6, 4, realizations=2)
    assert np.array_equal(store.load(0.7).configurations, direct.configurations)
    assert np.array_equal(store.load(0.7).masks, direct.masks)


def test_second_run_reuses_store(tmp_path):
    parameters = _parameters()
    first = run_grid(parameters, tmp_path, progress=False)
    marker = first.path / "rho_1.000000" / "energy" / "zarr.json"
    stamp = marker.stat().st_mtime_ns
    second = run_grid(parameters, tmp_path, progress=False)
    assert second.path == first.path
    assert marker.stat().st_mtime_ns == stamp


def test_partial_store_resumes_identically(tmp_path):
    parameters = _parameters()
    reference = run_grid(parameters, tmp_path / "reference", progress=False).load(0.7)

    store = MonteCarloStore.open(tmp_path / "resumed", parameters)
    block = sample(8, 0.7, [2.0], 6, 4, realizations=2)
    store.write(0.7, 1, block)
    assert store.completed(0.7).tolist() == [False, True, False]

    resumed = run_grid(parameters, tmp_path / "resumed", progress=False).load(0.7)
    assert np.array_equal(resumed.configurations, reference.configurations)


def test_other_parameters_get_other_store(tmp_path):
    first = run_grid(_parameters(), tmp_path, progress=False)
    second = run_grid(_parameters(seed=5), tmp_path, progress=False)
    assert first.path != second.path


def test_mismatched_metadata_rejected(tmp_path):
    parameters = _parameters()
    store = run_grid(parameters, tmp_path, progress=False)
    store._group.attrs["parameters"] = {**parameters.as_dict(), "samples": 99}
    with pytest.raises(StoreError, match="other parameters"):
        MonteCarloStore.open(tmp_path, parameters)


def test_damaged_metadata_rejected(tmp_path):
    parameters = _parameters()
    store = run_grid(parameters, tmp_path, progress=False)
    (store.path / "zarr.json").write_text("{not json")
    with pytest.raises(StoreError, match="Delete the folder"):
        MonteCarloStore.open(tmp_path, parameters)


def test_missing_density_group_rejected(tmp_path):
    parameters = _parameters()
    store = run_grid(parameters, tmp_path, progress=False)
    shutil.rmtree(store.path / "rho_0.700000")
    reopened = MonteCarloStore.open(tmp_path, parameters)
    with pytest.raises(StoreError, match="damaged"):
        reopened.load(0.7)


def test_incomplete_store_load_rejected(tmp_path):
    store = MonteCarloStore.open(tmp_path, _parameters())
    with pytest.raises(StoreError, match="incomplete"):
        store.load(1.0)


def test_dask_local_cluster_bit_identical(tmp_path):
    parameters = _parameters()
    local = run_grid(parameters, tmp_path / "local", progress=False)
    distributed = run_grid(parameters, tmp_path / "dask", client="local", progress=False)
    for density in parameters.densities:
        assert np.array_equal(local.load(density).configurations, distributed.load(density).configurations)


def test_temperature_grid_inclusive():
    grid = temperature_grid(0.02, 5.0, 0.02)
    assert grid.size == 250
    assert grid[-1] == 5.0


@pytest.mark.parametrize(
    "changes, message",
    [({"densities": [0.5, 1.5]}, "density"), ({"temperatures": [0.0, 1.0]}, "temperature"),
     ({"samples": 0}, "samples"), ({"schedule": "glauber"}, "schedule")],
)
def test_invalid_parameters_rejected(changes, message):
    with pytest.raises(ValueError, match=message):
        _parameters(**changes)


def _chunk_file(store, density, name, temperature_index):
    """Path of the chunk of one temperature of one array (zarr 3 default chunk keys)."""
    folder = store.path / f"rho_{density:.6f}" / name / "c" / str(temperature_index)
    return next(path for path in sorted(folder.rglob("*")) if path.is_file())


def test_metadata_records_versions(tmp_path):
    store = run_grid(_parameters(), tmp_path, progress=False)
    attributes = dict(store._group.attrs)
    assert attributes["parameters"]["sampler_version"] == SAMPLER_VERSION
    assert attributes["code_version"] == __version__
    assert attributes["format_version"] == FORMAT_VERSION


def test_truncated_chunk_rejected(tmp_path):
    store = run_grid(_parameters(), tmp_path, progress=False)
    chunk = _chunk_file(store, 0.7, "configurations", 1)
    chunk.write_bytes(chunk.read_bytes()[: chunk.stat().st_size // 2])
    with pytest.raises(StoreError, match="damaged") as error:
        MonteCarloStore.open(tmp_path, _parameters()).load(0.7)
    assert str(store.path) in str(error.value)
    assert "Delete the folder" in str(error.value)


def test_deleted_chunk_rejected(tmp_path):
    # Zarr reads a missing chunk as the fill value, zeros, which only the checksum catches.
    store = run_grid(_parameters(), tmp_path, progress=False)
    _chunk_file(store, 0.7, "configurations", 2).unlink()
    with pytest.raises(StoreError, match="checksum") as error:
        MonteCarloStore.open(tmp_path, _parameters()).load(0.7)
    assert str(store.path) in str(error.value)


def test_edited_energy_rejected(tmp_path):
    store = run_grid(_parameters(), tmp_path, progress=False)
    energy = store._group["rho_1.000000"]["energy"]
    energy[0, 0] = energy[0, 0] + 1.0
    with pytest.raises(StoreError, match="checksum"):
        MonteCarloStore.open(tmp_path, _parameters()).load(1.0)


def test_write_rejects_other_parameters(tmp_path):
    store = MonteCarloStore.open(tmp_path, _parameters())
    other_seed = sample(8, 0.7, [2.0], 6, seed=5, realizations=2)
    with pytest.raises(ValueError, match="seed=5"):
        store.write(0.7, 1, other_seed)
    assert not store.completed(0.7).any()


def test_write_rejects_other_temperature(tmp_path):
    store = MonteCarloStore.open(tmp_path, _parameters())
    with pytest.raises(ValueError, match="temperature"):
        store.write(0.7, 0, sample(8, 0.7, [2.0], 6, seed=4, realizations=2))
