"""The sampler against exact enumeration, Kaufman's exact energy and its own contract."""

import numpy as np
import pytest

from ising_core import autocorrelation, exact, lattice, statistics
from ising_core.sampler import DEFAULT_SPACING, DEFAULT_THERMALIZATION, SCHEDULES, sample, time_series

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


def test_production_schedule_matches_kaufman_at_l24():
    # The default schedule, thermalization and spacing, five temperatures around Tc. The
    # chains are independent, so each chain is one block of the error analysis: the
    # energy error is the spread of chain means, the specific-heat error a jackknife
    # over chains.
    size, chains, per_chain = 24, 32, 200
    temperatures = [2.1, 2.2, exact.ONSAGER_TC, 2.35, 2.5]
    result = sample(size, 1.0, temperatures, chains * per_chain, seed=24, realizations=chains)
    energy_reference = exact.kaufman_energy(size, temperatures)
    heat_reference = exact.kaufman_specific_heat(size, temperatures)
    for t, temperature in enumerate(temperatures):
        by_chain = [result.energy[t][result.realization[t] == r] for r in range(chains)]
        energy, energy_error = _chain_mean_and_error(result.energy[t], result.realization[t], chains)
        heat, heat_error = statistics.jackknife(lambda e: size * size * e.var() / temperature**2, by_chain)
        assert abs(energy - energy_reference[t]) < 4 * energy_error, (temperature, "energy")
        assert abs(heat - heat_reference[t]) < 4 * heat_error, (temperature, "specific heat")


def test_time_series_follows_sample_chain():
    # time_series runs the chain that sample stores from, so its magnetization after
    # thermalization + k * spacing sweeps is sample's k-th configuration.
    thermalization, spacing, keep = 30, 3, 4
    result = sample(12, 0.8, [1.7], 3 * keep, seed=6, realizations=3, thermalization=thermalization, spacing=spacing)
    energy, magnetization = time_series(
        12, 0.8, 1.7, keep * spacing, seed=6, thermalization=thermalization, realization=2,
    )
    stored = result.realization[0] == 2
    assert np.array_equal(magnetization[spacing - 1 :: spacing], result.magnetization[0][stored])
    assert np.array_equal(energy[spacing - 1 :: spacing], result.energy[0][stored])


def test_chain_independent_of_realization_count():
    fewer = sample(8, 0.75, [2.0], 6, seed=12, realizations=3)
    more = sample(8, 0.75, [2.0], 10, seed=12, realizations=5)
    assert np.array_equal(fewer.masks, more.masks[:3])
    assert np.array_equal(fewer.configurations[0], more.configurations[0][more.realization[0] < 3])


def test_defaults_cover_autocorrelation_at_tc():
    # The slowest point of the grid for the default schedule: the pure L = 40 lattice at
    # Tc, where tau_int is about 3.1 sweeps (error about 0.15 with these series).
    measured = autocorrelation.measure(40, 1.0, exact.ONSAGER_TC, "sw+metropolis", 20000, seed=8, chains=2)
    assert DEFAULT_THERMALIZATION >= autocorrelation.minimum_thermalization(measured.tau)
    assert DEFAULT_SPACING >= autocorrelation.minimum_spacing(measured.tau)


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
        ({"size": 9}, "even L"),
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
