"""Thermal and disorder averages of Monte Carlo observables, with error bars.

Every realization (occupation mask) is sampled by its own independent chain, so the
per-realization averages are independent: the error of a disorder average is the
standard error of the realization means.  When all masks are the same (the pure model,
or a fixed mask) there is no disorder variance, and the error comes instead from the
means of short blocks of consecutive stored configurations of every chain.  There are
many more blocks than chains, so that error bar is far steadier.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ThermalAverages:
    """Averages per temperature over configurations and realizations.

    Every field is a float64 array over temperatures; ``*_error`` fields are standard
    errors from the spread of the realization means, or of block means when all masks are
    equal (NaN with a single group).
    Quantities are per occupied spin.  ``specific_heat = N (<e^2> - <e>^2) / T^2`` and
    ``susceptibility = N (<m^2> - <|m|>^2) / T`` are computed inside each realization,
    then averaged over realizations.  ``binder = 1 - <m^4> / (3 <m^2>^2)``, likewise.
    """

    temperatures: np.ndarray
    energy: np.ndarray
    energy_error: np.ndarray
    abs_magnetization: np.ndarray
    abs_magnetization_error: np.ndarray
    specific_heat: np.ndarray
    specific_heat_error: np.ndarray
    susceptibility: np.ndarray
    susceptibility_error: np.ndarray
    binder: np.ndarray
    binder_error: np.ndarray


def _mean_and_error(per_realization):
    """Mean over axis 1 (realizations) and its standard error, over the finite entries.

    A group whose quantity is undefined is NaN and left out: the Binder cumulant of a
    short block in which every magnetization is exactly 0, which the paper grid meets
    in the pure model at high temperature. A temperature with fewer than two finite
    groups gets a NaN error, and one without any a NaN mean.
    """
    finite = np.isfinite(per_realization)
    count = finite.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(finite, per_realization, 0.0).sum(axis=1) / count
        squares = np.where(finite, (per_realization - mean[:, np.newaxis]) ** 2, 0.0).sum(axis=1)
        error = np.sqrt(squares / (count - 1) / count)
    return np.where(count > 0, mean, np.nan), np.where(count > 1, error, np.nan)


BLOCKS_PER_CHAIN = 4


def _groups(samples):
    """Group label of every configuration, (n_T, samples): realizations, or blocks of them.

    With identical masks each chain's stored sequence is cut into ``BLOCKS_PER_CHAIN``
    consecutive blocks (when every block keeps at least two configurations).
    """
    realization = np.asarray(samples.realization, dtype=np.int64)
    masks = samples.masks
    if not np.all(masks == masks[0]):
        return realization
    counts = np.bincount(realization[0])
    if counts.min() < 2 * BLOCKS_PER_CHAIN:
        return realization
    groups = np.empty_like(realization)
    for r, count in enumerate(counts):
        positions = np.flatnonzero(realization[0] == r)
        groups[:, positions] = r * BLOCKS_PER_CHAIN + (np.arange(count) * BLOCKS_PER_CHAIN) // count
    return groups


def _per_realization(values, groups, function):
    """Apply ``function`` to the samples of each group, per temperature: (n_T, n_groups)."""
    labels = np.unique(groups)
    result = np.empty((values.shape[0], labels.size))
    for t in range(values.shape[0]):
        for k, label in enumerate(labels):
            result[t, k] = function(values[t, groups[t] == label])
    return result


def _variance(x):
    return x.var(ddof=1) if x.size > 1 else np.nan


def thermal_averages(samples):
    """Thermal and disorder averages of a MonteCarloSamples set.

    Returns
    -------
    ThermalAverages
    """
    temperatures = np.asarray(samples.temperatures, dtype=np.float64)
    occupied = samples.masks.sum(axis=(1, 2))
    n_spins = float(np.mean(occupied))
    energy = samples.energy
    m = samples.magnetization
    realization = _groups(samples)

    e_mean, e_error = _mean_and_error(_per_realization(energy, realization, np.mean))
    abs_m_mean, abs_m_error = _mean_and_error(_per_realization(np.abs(m), realization, np.mean))

    heat = _per_realization(energy, realization, _variance) * n_spins / temperatures[:, None] ** 2
    heat_mean, heat_error = _mean_and_error(heat)

    chi = _per_realization(np.abs(m), realization, _variance) * n_spins / temperatures[:, None]
    chi_mean, chi_error = _mean_and_error(chi)

    binder = _per_realization(m, realization, binder_cumulant)
    binder_mean, binder_error = _mean_and_error(binder)

    return ThermalAverages(
        temperatures=temperatures,
        energy=e_mean,
        energy_error=e_error,
        abs_magnetization=abs_m_mean,
        abs_magnetization_error=abs_m_error,
        specific_heat=heat_mean,
        specific_heat_error=heat_error,
        susceptibility=chi_mean,
        susceptibility_error=chi_error,
        binder=binder_mean,
        binder_error=binder_error,
    )


def binder_cumulant(magnetization):
    """Binder cumulant ``U4 = 1 - <m^4> / (3 <m^2>^2)`` of a set of magnetizations.

    2/3 for a perfectly ordered sample (|m| the same in every configuration), 0 for a
    Gaussian distribution of m, as for independent random spins on a large lattice.
    """
    m = np.asarray(magnetization, dtype=np.float64)
    m2 = np.mean(m**2)
    if m2 == 0.0:
        return np.nan
    return 1.0 - np.mean(m**4) / (3.0 * m2**2)
