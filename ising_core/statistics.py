"""Error bars for correlated Monte Carlo time series."""

from __future__ import annotations

import numpy as np


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


def integrated_autocorrelation_time(series, *, window_factor=6.0):
    """Integrated autocorrelation time ``tau_int = 1/2 + sum_t rho(t)``, in steps of the series.

    Uses Sokal's automatic window: the sum runs to the first ``W`` with
    ``W >= window_factor * tau_int(W)``.  A constant series returns 0.5.
    The variance of the mean of ``n`` correlated samples is ``2 tau_int var / n``.
    """
    rho = autocorrelation(series)
    tau = 0.5
    for window in range(1, rho.size):
        tau += rho[window]
        if window >= window_factor * tau:
            return float(tau)
    return float(tau)


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
