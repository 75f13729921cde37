"""Autocorrelation times and error bars against series whose exact values are known."""

import numpy as np
import pytest

from ising_core import statistics

AR_COEFFICIENT = 0.8
# For x_t = a x_(t-1) + noise, rho(t) = a**t, so tau_int = (1 + a) / (2 (1 - a)).
AR_TAU = (1 + AR_COEFFICIENT) / (2 * (1 - AR_COEFFICIENT))


def _ar1(n, seed):
    rng = np.random.default_rng(seed)
    noise = rng.standard_normal(n)
    x = np.empty(n)
    x[0] = noise[0] / np.sqrt(1 - AR_COEFFICIENT**2)
    for t in range(1, n):
        x[t] = AR_COEFFICIENT * x[t - 1] + noise[t]
    return x


def test_ar1_autocorrelation_time():
    estimate = statistics.autocorrelation_time(_ar1(200_000, seed=1))
    assert abs(estimate.tau - AR_TAU) < 4 * estimate.error


def test_ar1_error_estimate_scale():
    # The Madras-Sokal error of tau over independent series matches their spread.
    estimates = [statistics.autocorrelation_time(_ar1(20_000, seed=s)) for s in range(20)]
    spread = np.std([e.tau for e in estimates], ddof=1)
    typical_error = np.mean([e.error for e in estimates])
    assert 0.5 * typical_error < spread < 2.0 * typical_error


def test_white_noise_autocorrelation_time():
    estimate = statistics.autocorrelation_time(np.random.default_rng(2).standard_normal(100_000))
    assert abs(estimate.tau - 0.5) < 4 * estimate.error


def test_constant_series_autocorrelation_time():
    estimate = statistics.autocorrelation_time(np.full(1000, -1.2))
    assert estimate.tau == 0.5
    assert estimate.error == 0.0


def test_integrated_time_matches_estimate():
    series = _ar1(10_000, seed=3)
    assert statistics.integrated_autocorrelation_time(series) == statistics.autocorrelation_time(series).tau


def test_mean_error_covers_ar1_variance():
    # var(mean) = 2 tau var(x) / n with var(x) = 1 / (1 - a**2) for unit noise.
    n = 100_000
    _, error = statistics.mean_and_error(_ar1(n, seed=4))
    expected = np.sqrt(2 * AR_TAU / (1 - AR_COEFFICIENT**2) / n)
    assert error == pytest.approx(expected, rel=0.1)


def test_jackknife_of_mean_is_standard_error():
    groups = np.random.default_rng(5).standard_normal((10, 50))
    estimate, error = statistics.jackknife(np.mean, list(groups))
    group_means = groups.mean(axis=1)
    assert estimate == pytest.approx(groups.mean())
    assert error == pytest.approx(group_means.std(ddof=1) / np.sqrt(10))


def test_jackknife_variance_error_covers_truth():
    rng = np.random.default_rng(6)
    groups = list(rng.normal(scale=2.0, size=(32, 500)))
    estimate, error = statistics.jackknife(np.var, groups)
    assert abs(estimate - 4.0) < 4 * error


def test_jackknife_rejects_single_group():
    with pytest.raises(ValueError, match="at least 2 groups"):
        statistics.jackknife(np.mean, [np.ones(5)])


def test_batch_means_rejects_short_series():
    with pytest.raises(ValueError, match="too short"):
        statistics.batch_means_error(np.ones(10), batches=20)
