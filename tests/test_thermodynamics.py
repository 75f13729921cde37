"""Thermal averages, error bars and the Binder cumulant."""

import dataclasses

import numpy as np
import pytest

from ising_core import exact
from ising_core.sampler import sample
from ising_core.thermodynamics import binder_cumulant, thermal_averages


def test_binder_ordered_sample():
    assert binder_cumulant(np.array([1.0, -1.0, 1.0, 1.0])) == pytest.approx(2 / 3)


def test_binder_random_spins_near_zero():
    rng = np.random.default_rng(0)
    spins = rng.choice([-1, 1], size=(4000, 32 * 32))
    magnetization = spins.mean(axis=1)
    # U4 of a Gaussian is 0; the sampling error of 4000 draws is about 0.02.
    assert abs(binder_cumulant(magnetization)) < 0.06


def test_pure_errors_from_blocks():
    result = sample(8, 1.0, [2.5], 80, seed=1, realizations=2)
    averages = thermal_averages(result)
    # Two chains alone would give a one-degree-of-freedom error; blocks give eight groups.
    assert np.isfinite(averages.energy_error).all()
    assert averages.energy_error[0] > 0


def test_specific_heat_matches_kaufman():
    chains = 10
    temperatures = [2.0, 3.0]
    result = sample(8, 1.0, temperatures, chains * 200, seed=2, realizations=chains, spacing=2)
    averages = thermal_averages(result)
    reference = exact.kaufman_specific_heat(8, temperatures)
    deviation = np.abs(averages.specific_heat - reference) / averages.specific_heat_error
    assert (deviation < 4).all(), deviation


def test_diluted_errors_from_realizations():
    result = sample(10, 0.7, [2.0], 30, seed=3, realizations=3)
    averages = thermal_averages(result)
    assert averages.abs_magnetization_error.shape == (1,)
    assert np.isfinite(averages.abs_magnetization_error[0])


def test_binder_skips_block_without_magnetization():
    result = sample(8, 1.0, [3.5], 80, seed=4, realizations=2)
    magnetization = result.magnetization.copy()
    first_block = np.flatnonzero(result.realization[0] == 0)[:10]
    magnetization[0, first_block] = 0.0
    averages = thermal_averages(dataclasses.replace(result, magnetization=magnetization))
    assert np.isfinite(averages.binder).all()
    assert np.isfinite(averages.binder_error).all()
