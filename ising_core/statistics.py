"""Error bars for correlated Monte Carlo time series."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class AutocorrelationTime:
    """An integrated autocorrelation time and its uncertainty, in steps of the series."""

    tau: float
    error: float
    window: int


def autocorrelation(series):
    """Normalized autocorrelation function ``rho(t)`` of a 1-d series, by FFT."""
    x = np.asarray(series, dtype=np.float64)
    x = x - x.mean()
    n = x.size
    spectrum = np.fft.rfft(x, 2 * n)
    acf = np.fft.irfft(spectrum * np.conj(spectrum))[:n]
    if acf[0] == 0.0:
        return np.ones(n)
    return acf / acf[0]


def autocorrelation_time(series, *, window_factor=6.0):
    """Integrated autocorrelation time ``tau_int = 1/2 + sum_t rho(t)`` with its standard error.

    The sum runs to Sokal's automatic window, the first ``W`` with
    ``W >= window_factor * tau_int(W)``.  The error is the Madras-Sokal estimate
    ``tau * sqrt(2 (2W + 1) / n)`` (N. Madras and A. D. Sokal, J. Stat. Phys. 50, 109
    (1988)); it is only meaningful when the series is much longer than ``W``.  A
    constant series returns ``tau = 0.5``.
    """
    x = np.asarray(series, dtype=np.float64)
    if x.size < 2 or np.all(x == x[0]):
        return AutocorrelationTime(tau=0.5, error=0.0, window=0)
    rho = autocorrelation(x)
    tau = 0.5
    window = rho.size - 1
    for w in range(1, rho.size):
        tau += rho[w]
        if w >= window_factor * tau:
            window = w
            break
    error = tau * np.sqrt(2.0 * (2 * window + 1) / x.size)
    return AutocorrelationTime(tau=float(tau), error=float(error), window=int(window))


def integrated_autocorrelation_time(series, *, window_factor=6.0):
    """Integrated autocorrelation time ``tau_int = 1/2 + sum_t rho(t)``, in steps of the series.

    Uses Sokal's automatic window: the sum runs to the first ``W`` with
    ``W >= window_factor * tau_int(W)``.  A constant series returns 0.5.
    The variance of the mean of ``n`` correlated samples is ``2 tau_int var / n``.
    """
    return autocorrelation_time(series, window_factor=window_factor).tau


def mean_and_error(series, *, window_factor=6.0):
    """Mean of a correlated series and its standard error ``sqrt(2 tau_int var / n)``."""
    x = np.asarray(series, dtype=np.float64)
    tau = max(integrated_autocorrelation_time(x, window_factor=window_factor), 0.5)
    return float(x.mean()), float(np.sqrt(2.0 * tau * x.var(ddof=1) / x.size))


def batch_means_error(series, batches=20):
    """Standard error of the mean of a 1-d series from ``batches`` contiguous batch means."""
    x = np.asarray(series, dtype=np.float64)
    if x.size < 2 * batches:
        raise ValueError(f"series of length {x.size} is too short for {batches} batches of 2 or more")
    usable = (x.size // batches) * batches
    means = x[:usable].reshape(batches, -1).mean(axis=1)
    return float(means.std(ddof=1) / np.sqrt(batches))


def jackknife(estimator, groups):
    """Jackknife estimate and standard error of ``estimator`` over independent groups of samples.

    Parameters
    ----------
    estimator : callable
        Maps a 1-d array of samples to a number, for example a variance.
    groups : sequence of array_like
        Independent blocks of samples, such as the series of independent Markov chains.
        At least two.

    Returns
    -------
    (float, float)
        The bias-corrected estimate and its standard error.
    """
    groups = [np.asarray(g, dtype=np.float64).ravel() for g in groups]
    n = len(groups)
    if n < 2:
        raise ValueError(f"the jackknife needs at least 2 groups, got {n}")
    full = estimator(np.concatenate(groups))
    leave_one_out = np.array([estimator(np.concatenate(groups[:k] + groups[k + 1 :])) for k in range(n)])
    mean = leave_one_out.mean()
    estimate = n * full - (n - 1) * mean
    error = np.sqrt((n - 1) / n * np.sum((leave_one_out - mean) ** 2))
    return float(estimate), float(error)
