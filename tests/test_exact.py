"""Exact references: Kaufman's torus against enumeration, and the known constants."""

import numpy as np
import pytest

from ising_core import exact

TEMPERATURES = [1.0, 2.0, exact.ONSAGER_TC, 3.0, 6.0]


def test_kaufman_energy_matches_enumeration():
    enumerated = exact.enumerate_observables(np.ones((4, 4), dtype=bool), TEMPERATURES)
    assert np.allclose(exact.kaufman_energy(4, TEMPERATURES), enumerated["energy"], atol=1e-8)


def test_kaufman_specific_heat_matches_enumeration():
    enumerated = exact.enumerate_observables(np.ones((4, 4), dtype=bool), TEMPERATURES)
    assert np.allclose(exact.kaufman_specific_heat(4, TEMPERATURES), enumerated["specific_heat"], atol=1e-5)


def test_kaufman_energy_approaches_onsager_at_tc():
    # The infinite-lattice energy at Tc is -sqrt(2), approached as a / L.
    gaps = [(exact.kaufman_energy(size, [exact.ONSAGER_TC])[0] + np.sqrt(2)) * size for size in (128, 256, 1024)]
    assert gaps[0] == pytest.approx(gaps[2], rel=0.01)
    assert gaps[1] == pytest.approx(gaps[2], rel=0.01)


def test_onsager_tc_value():
    assert exact.ONSAGER_TC == pytest.approx(2.269185314, abs=1e-9)


def test_pseudo_critical_temperature_above_onsager():
    assert exact.ONSAGER_TC < exact.pseudo_critical_temperature(40) < 2.32


def test_enumeration_ground_state_limit():
    result = exact.enumerate_observables(np.ones((4, 4), dtype=bool), [0.05])
    assert result["energy"][0] == pytest.approx(-2.0)


def test_enumeration_isolated_spin_is_free():
    mask = np.zeros((4, 4), dtype=bool)
    mask[0, 0] = True
    result = exact.enumerate_observables(mask, [0.5, 5.0])
    assert np.allclose(result["energy"], 0.0)


def test_enumeration_rejects_large_lattice():
    with pytest.raises(ValueError, match="cannot enumerate"):
        exact.enumerate_observables(np.ones((6, 6), dtype=bool), [1.0])


def test_spontaneous_magnetization_limits():
    values = exact.onsager_spontaneous_magnetization([0.5, 3.0])
    assert values[0] == pytest.approx(1.0, abs=1e-6)
    assert values[1] == 0.0
