"""Binder-cumulant crossings: synthetic curves with a known crossing, sampled curves, windows."""

import numpy as np
import pytest

from ising_core import binder
from ising_core.analysis import crossing_temperature
from ising_core.binder import BinderCurve, binder_crossing, locate_window, pair_crossing
from ising_core.sampler import sample

CRITICAL_T = 2.269
CRITICAL_U = 0.61


def scaling_curve(temperatures, size, shift=0.0):
    """A cumulant of the finite-size scaling form U = g((T - T_c) L), equal to 0.61 at T_c for every L."""
    x = (np.asarray(temperatures) - CRITICAL_T - shift) * size
    return (2 / 3) / (1 + np.exp(x / 4 + np.log((2 / 3) / CRITICAL_U - 1)))


def curves_of(sizes, temperatures, error=0.004, shift=0.0):
    return {size: BinderCurve(size, 1.0, temperatures, scaling_curve(temperatures, size, shift),
                              np.full(temperatures.size, error)) for size in sizes}


def test_scaling_curves_cross_at_critical_value():
    assert scaling_curve(CRITICAL_T, 12) == pytest.approx(CRITICAL_U)
    assert scaling_curve(CRITICAL_T, 40) == pytest.approx(CRITICAL_U)


def test_pair_crossing_on_coarse_grid():
    # A grid step of 0.08 brackets T_c between 2.22 and 2.30.
    temperatures = np.round(np.arange(1.90, 2.62, 0.08), 4)
    crossing = pair_crossing(temperatures, scaling_curve(temperatures, 12), scaling_curve(temperatures, 24))
    assert crossing == pytest.approx(CRITICAL_T, abs=2e-3)


def test_pair_crossing_refines_linear_interpolation():
    temperatures = np.round(np.arange(1.90, 2.62, 0.08), 4)
    smaller, larger = scaling_curve(temperatures, 12), scaling_curve(temperatures, 24)
    linear = crossing_temperature(temperatures, larger - smaller, level=0.0)
    refined = pair_crossing(temperatures, smaller, larger)
    assert abs(refined - CRITICAL_T) < abs(linear - CRITICAL_T)


def test_binder_crossing_recovers_known_crossing():
    temperatures = np.round(np.linspace(1.95, 2.6, 11), 4)
    crossing = binder_crossing(curves_of((12, 16, 24), temperatures), resamples=200, seed=1)
    assert crossing.found
    assert crossing.value == pytest.approx(CRITICAL_T, abs=3 * crossing.error + 2e-3)
    assert 0 < crossing.error < 0.05
    assert set(crossing.pairs) == {(12, 16), (12, 24), (16, 24)}
    assert crossing.combined == ((12, 24), (16, 24))
    assert crossing.resamples_used + crossing.failed_resamples == 200


def test_binder_crossing_without_errors_has_no_error():
    temperatures = np.round(np.linspace(1.95, 2.6, 11), 4)
    crossing = binder_crossing(curves_of((12, 24), temperatures, error=np.nan))
    assert crossing.value == pytest.approx(CRITICAL_T, abs=2e-3)
    assert np.isnan(crossing.error)


def test_parallel_curves_have_no_crossing():
    temperatures = np.linspace(1.5, 3.0, 9)
    curves = {
        12: BinderCurve(12, 0.55, temperatures, np.linspace(0.5, 0.2, 9), np.full(9, 0.01)),
        24: BinderCurve(24, 0.55, temperatures, np.linspace(0.45, 0.1, 9), np.full(9, 0.01)),
    }
    crossing = binder_crossing(curves)
    assert not crossing.found
    assert crossing.value is None
    assert crossing.pairs == {(12, 24): None}


def test_crossing_rejects_mismatched_grids():
    curves = {12: curves_of((12,), np.linspace(2.0, 2.6, 7))[12], 24: curves_of((24,), np.linspace(2.0, 2.6, 9))[24]}
    with pytest.raises(ValueError, match="share one temperature grid"):
        binder_crossing(curves)


def test_crossing_needs_two_sizes():
    with pytest.raises(ValueError, match="at least two sizes"):
        binder_crossing(curves_of((12,), np.linspace(2.0, 2.6, 7)))


def test_locate_window_centres_on_level():
    temperatures = np.round(np.arange(0.1, 3.51, 0.1), 4)
    reference = scaling_curve(temperatures, 40, shift=0.05)
    window = locate_window(temperatures, reference, level=0.6, half_width=0.1, points=5)
    centre = window[2]
    assert scaling_curve(centre, 40, shift=0.05) == pytest.approx(0.6, abs=0.02)
    assert window[0] == pytest.approx(0.9 * centre, abs=1e-3)
    assert window[-1] == pytest.approx(1.1 * centre, abs=1e-3)


def test_locate_window_without_ordered_range():
    temperatures = np.linspace(0.1, 3.5, 35)
    assert locate_window(temperatures, np.full(35, 0.45)) is None


@pytest.mark.parametrize(("half_width", "points"), [(0.0, 5), (1.0, 5), (0.1, 2)])
def test_locate_window_rejects_invalid_arguments(half_width, points):
    with pytest.raises(ValueError):
        locate_window(np.linspace(1, 3, 5), np.linspace(0.66, 0.1, 5), half_width=half_width, points=points)


def test_curve_from_sampled_ordered_and_hot_lattices():
    samples = sample(4, 1.0, [0.3, 100.0], 400, seed=3, realizations=4, thermalization=50, spacing=2)
    curve = BinderCurve.from_samples(samples)
    # Fully ordered at T = 0.3 (|m| = 1 in every configuration): U = 2/3 exactly.
    assert curve.binder[0] == pytest.approx(2 / 3, abs=1e-12)
    # Nearly independent spins at T = 100: U = 2/(3N) = 0.042 for N = 16, within a few errors.
    assert abs(curve.binder[1] - 2 / 48) < 4 * curve.binder_error[1] + 0.02


def test_sample_binder_curves_reuses_store(tmp_path):
    temperatures = np.array([1.5, 2.0, 2.5])
    options = dict(samples=8, realizations=2, seed=1, thermalization=10, spacing=1)
    curves = binder.sample_binder_curves(tmp_path, [6, 4], 0.9, temperatures, **options)
    assert list(curves) == [4, 6]
    assert curves[6].binder.shape == (3,)
    assert curves[4].density == pytest.approx(0.9)
    again = binder.sample_binder_curves(tmp_path, [4, 6], 0.9, temperatures, **options)
    assert np.array_equal(again[6].binder, curves[6].binder, equal_nan=True)


def realization_curves(sizes, temperatures, rng, realizations=16, offset=0.01, noise=0.01):
    """Curves whose realizations each shift the whole scaling curve, plus independent noise per point."""
    curves = {}
    for size in sizes:
        shifts = offset * rng.standard_normal((1, realizations))
        per_realization = (scaling_curve(temperatures, size)[:, None] + shifts
                           + noise * rng.standard_normal((temperatures.size, realizations)))
        mean = per_realization.mean(axis=1)
        error = per_realization.std(axis=1, ddof=1) / np.sqrt(realizations)
        curves[size] = BinderCurve(size, 0.9, temperatures, mean, error, per_realization)
    return curves


def test_realization_bootstrap_matches_scatter():
    temperatures = np.round(np.linspace(1.95, 2.6, 11), 4)
    rng = np.random.default_rng(8)
    options = dict(offset=0.012, noise=0.003)
    values = [binder_crossing(realization_curves((12, 24), temperatures, rng, **options), resamples=2).value
              for _ in range(200)]
    errors = [binder_crossing(realization_curves((12, 24), temperatures, rng, **options), resamples=100, seed=k).error
              for k in range(10)]
    # The scatter of 200 estimates is known to about 5%.  A bootstrap that redraws the
    # points independently ignores the shared shifts and comes out about 25% low here.
    assert np.mean(errors) == pytest.approx(np.std(values, ddof=1), rel=0.2)


def test_curve_keeps_realization_cumulants():
    samples = sample(4, 0.75, [0.5, 3.0], 60, seed=2, realizations=3, thermalization=20, spacing=1)
    curve = BinderCurve.from_samples(samples)
    assert curve.realization_binder.shape == (2, 3)
    assert np.allclose(curve.realization_binder.mean(axis=1), curve.binder)
