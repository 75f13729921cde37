"""The sampler against exact enumeration, Kaufman's exact energy and its own contract."""

import numpy as np
import pytest

from ising_core import exact, lattice
from ising_core.sampler import SCHEDULES, sample, time_series

# Every neighbour of site (0, 0) is empty, so that spin is a free, isolated cluster.
VACANCY_MASK = np.ones((4, 4), dtype=bool)
VACANCY_MASK[[0, 1, 0, 3], [1, 0, 3, 0]] = False

ENUMERATION_TEMPERATURES = [1.5, 2.5, 4.0]
CHAINS = 40


def _chain_mean_and_error(values, realization, chains):
    """Mean over independent chains and its standard error from the spread of chain means."""
    chain_means = np.array([values[realization == r].mean() for r in range(chains)])
    return chain_means.mean(), chain_means.std(ddof=1) / np.sqrt(chains)


def _assert_matches_enumeration(mask, schedule):
    result = sample(
        4, 1.0, ENUMERATION_TEMPERATURES, CHAINS * 100, seed=11,
        realizations=CHAINS, thermalization=50, spacing=2, schedule=schedule, mask=mask,
    )
    reference = exact.enumerate_observables(mask, ENUMERATION_TEMPERATURES)
    for t, temperature in enumerate(ENUMERATION_TEMPERATURES):
        realization = result.realization[t]
        energy, energy_error = _chain_mean_and_error(result.energy[t], realization, CHAINS)
        abs_m, abs_m_error = _chain_mean_and_error(np.abs(result.magnetization[t]), realization, CHAINS)
        assert abs(energy - reference["energy"][t]) < 4 * energy_error, (schedule, temperature, "energy")
        assert abs(abs_m - reference["abs_magnetization"][t]) < 4 * abs_m_error, (schedule, temperature, "|m|")


@pytest.mark.parametrize("schedule", sorted(SCHEDULES))
def test_pure_torus_matches_enumeration(schedule):
    _assert_matches_enumeration(np.ones((4, 4), dtype=bool), schedule)


@pytest.mark.parametrize("schedule", sorted(SCHEDULES))
def test_vacancy_mask_matches_enumeration(schedule):
    _assert_matches_enumeration(VACANCY_MASK, schedule)


def test_pure_energy_matches_kaufman():
    temperatures = [2.0, exact.ONSAGER_TC, 2.6]
    chains = 20
    result = sample(16, 1.0, temperatures, chains * 100, seed=5, realizations=chains)
    reference = exact.kaufman_energy(16, temperatures)
    for t, temperature in enumerate(temperatures):
        energy, error = _chain_mean_and_error(result.energy[t], result.realization[t], chains)
        assert abs(energy - reference[t]) < 4 * error, temperature


def test_same_seed_gives_identical_output():
    first = sample(8, 0.8, [1.0, 3.0], 10, seed=3, realizations=2)
    second = sample(8, 0.8, [1.0, 3.0], 10, seed=3, realizations=2)
    assert np.array_equal(first.configurations, second.configurations)
    assert np.array_equal(first.energy, second.energy)


def test_other_seed_gives_other_output():
    first = sample(8, 0.8, [2.0], 10, seed=3)
    second = sample(8, 0.8, [2.0], 10, seed=4)
    assert not np.array_equal(first.configurations, second.configurations)


def test_chain_independent_of_grid():
    alone = sample(8, 0.9, [2.5], 6, seed=1, realizations=2)
    in_grid = sample(8, 0.9, [1.0, 2.5, 4.0], 6, seed=1, realizations=2)
    assert np.array_equal(alone.configurations[0], in_grid.configurations[1])


def test_output_shapes_and_values():
    result = sample(10, 0.7, [1.0, 2.0, 3.0], 7, seed=2, realizations=3)
    assert result.configurations.shape == (3, 7, 10, 10)
    assert result.configurations.dtype == np.int8
    assert result.energy.shape == (3, 7)
    assert result.masks.shape == (3, 10, 10)
    assert set(np.unique(result.configurations)) <= {-1, 0, 1}


def test_empty_sites_follow_masks():
    result = sample(10, 0.6, [2.0], 9, seed=2, realizations=3)
    for k in range(9):
        mask = result.masks[result.realization[0, k]]
        assert np.array_equal(result.configurations[0, k] != 0, mask)


def test_masks_have_exact_occupation():
    result = sample(10, 0.63, [2.0], 4, seed=2, realizations=4)
    assert (result.masks.sum(axis=(1, 2)) == 63).all()


def test_samples_spread_over_realizations():
    result = sample(8, 0.8, [2.0], 10, seed=2, realizations=4)
    assert np.bincount(result.realization[0]).tolist() == [3, 3, 2, 2]


def test_observables_match_configurations():
    result = sample(12, 0.75, [1.5, 3.0], 5, seed=9, realizations=2)
    assert np.allclose(result.energy, lattice.energy_per_spin(result.configurations))
    assert np.allclose(result.magnetization, lattice.magnetization(result.configurations))


def test_low_temperature_orders_pure_model():
    result = sample(16, 1.0, [1.0], 20, seed=4, realizations=4)
    assert np.abs(result.magnetization).min() > 0.95


def test_cluster_updates_flip_isolated_clusters():
    # At T = 0.5 Metropolis almost never reverses a multi-spin cluster; Swendsen-Wang
    # gives each cluster a random sign, so both signs of m appear on a diluted lattice.
    result = sample(12, 0.75, [0.5], 200, seed=8, realizations=2, spacing=1)
    assert (result.magnetization > 0).any()
    assert (result.magnetization < 0).any()


def test_time_series_lengths():
    energy, magnetization = time_series(8, 1.0, 2.3, 50, seed=1, thermalization=10)
    assert energy.shape == (50,)
    assert magnetization.shape == (50,)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"density": 0.0}, "density"),
        ({"density": 1.2}, "density"),
        ({"temperatures": [1.0, 0.0]}, "temperature"),
        ({"temperatures": [-1.0]}, "temperature"),
        ({"size": 3}, "lattice size"),
        ({"size": 8.5}, "lattice size"),
        ({"samples": 0}, "samples"),
        ({"seed": -1}, "seed"),
        ({"schedule": "heat-bath"}, "schedule"),
    ],
)
def test_invalid_input_rejected(kwargs, message):
    arguments = {"size": 8, "density": 0.8, "temperatures": [2.0], "samples": 2, "seed": 0}
    arguments.update(kwargs)
    with pytest.raises(ValueError, match=message):
        sample(**arguments)
