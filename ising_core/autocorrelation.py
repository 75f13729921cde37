"""Autocorrelation times of the Monte Carlo chains, and the equilibration policy they set.

The sampler stores a configuration every ``spacing`` sweeps after ``thermalization``
sweeps from a random start.  Both numbers follow from the integrated autocorrelation
time ``tau`` of the slowest observable at the slowest grid point, measured here:

* ``thermalization >= THERMALIZATION_FACTOR * tau`` (20), so that the memory of the
  random start has decayed by far more than the statistical noise;
* ``spacing >= SPACING_FACTOR * tau`` (2), so that consecutive stored configurations
  are nearly independent.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import sampler, statistics

THERMALIZATION_FACTOR = 20
SPACING_FACTOR = 2


@dataclass(frozen=True)
class AutocorrelationMeasurement:
    """Integrated autocorrelation times of one (size, density, temperature, schedule), in sweeps.

    ``energy`` and ``abs_magnetization`` average the estimates of ``chains`` independent
    chains, on the disorder realizations ``0..chains-1``.  Their errors are the larger of
    the spread of the chain estimates and the combined Madras-Sokal errors.
    """

    size: int
    density: float
    temperature: float
    schedule: str
    sweeps: int
    chains: int
    energy: statistics.AutocorrelationTime
    abs_magnetization: statistics.AutocorrelationTime

    @property
    def tau(self):
        """The larger of the two times."""
        return max(self.energy.tau, self.abs_magnetization.tau)


def _combine(estimates):
    taus = np.array([e.tau for e in estimates])
    errors = np.array([e.error for e in estimates])
    n = taus.size
    spread = taus.std(ddof=1) / np.sqrt(n) if n > 1 else 0.0
    error = max(spread, np.sqrt(np.sum(errors**2)) / n)
    return statistics.AutocorrelationTime(
        tau=float(taus.mean()), error=float(error), window=int(max(e.window for e in estimates))
    )


def measure(size, density, temperature, schedule, sweeps, seed, *, chains=4, thermalization=None):
    """Measure the integrated autocorrelation times of the energy and of ``|m|``.

    Parameters
    ----------
    size, density, temperature : int, float, float
        The grid point.
    schedule : str
        Update schedule, one of :data:`ising_core.sampler.SCHEDULES`.
    sweeps : int
        Length of each chain's series after thermalization.  Use at least a thousand
        times the expected time for an error of a few percent.
    seed : int
        Root seed.
    chains : int
        Independent chains, one per disorder realization.
    thermalization : int, optional
        Sweeps discarded first; default ``sweeps // 10``.
    """
    if thermalization is None:
        thermalization = sweeps // 10
    energy, abs_magnetization = [], []
    for realization in range(chains):
        e, m = sampler.time_series(
            size, density, temperature, sweeps, seed,
            thermalization=thermalization, schedule=schedule, realization=realization,
        )
        energy.append(statistics.autocorrelation_time(e))
        abs_magnetization.append(statistics.autocorrelation_time(np.abs(m)))
    return AutocorrelationMeasurement(
        size=size, density=float(density), temperature=float(temperature), schedule=schedule,
        sweeps=sweeps, chains=chains, energy=_combine(energy), abs_magnetization=_combine(abs_magnetization),
    )


def minimum_thermalization(tau):
    """Return the minimum thermalization, in sweeps, that the policy allows for an autocorrelation time ``tau``."""
    return math.ceil(THERMALIZATION_FACTOR * tau)


def minimum_spacing(tau):
    """Return the minimum number of sweeps between stored configurations that the policy allows for ``tau``."""
    return max(1, math.ceil(SPACING_FACTOR * tau))


def format_table(measurements):
    """Render measurements as a fixed-width text table, one row per measurement."""
    header = f"{'L':>3} {'rho':>5} {'T/J':>6} {'schedule':<17} {'sweeps':>8} {'chains':>6} {'tau_E':>15} {'tau_|m|':>15}"
    lines = [header, "-" * len(header)]
    for row in measurements:
        energy = f"{row.energy.tau:.2f} +- {row.energy.error:.2f}"
        magnetization = f"{row.abs_magnetization.tau:.2f} +- {row.abs_magnetization.error:.2f}"
        lines.append(
            f"{row.size:>3} {row.density:>5.2f} {row.temperature:>6.3f} {row.schedule:<17} "
            f"{row.sweeps:>8} {row.chains:>6} {energy:>15} {magnetization:>15}"
        )
    return "\n".join(lines)
