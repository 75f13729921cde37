"""Exact results used to validate the sampler and to compare the estimates against.

* Exact enumeration of every spin state of a small diluted torus.
* Kaufman's partition function of the pure ``m x n`` torus (B. Kaufman, Phys. Rev. 76,
  1232 (1949)), in the form given by A. E. Ferdinand and M. E. Fisher, Phys. Rev. 185,
  832 (1969), from which the exact finite-lattice energy and specific heat follow.
* Reference constants: Onsager's critical temperature and the site-percolation threshold
  of the square lattice.
"""

from __future__ import annotations

import numpy as np
from scipy.special import logsumexp

from . import lattice

ONSAGER_TC = 2.0 / np.log(1.0 + np.sqrt(2.0))
"""Critical temperature ``T_c/J = 2 / ln(1 + sqrt 2) = 2.269185...`` of the infinite pure model."""

PERCOLATION_THRESHOLD = 0.59274621
"""Site-percolation threshold of the square lattice, 0.59274621(13) (Newman & Ziff, PRL 85, 4104 (2000))."""

PERCOLATION_THRESHOLD_ERROR = 0.00000013

MAX_ENUMERATED_SPINS = 20


def _state_table(n_spins):
    """Return all ``2**n`` spin states as an int8 array ``(2**n, n)`` of +-1."""
    codes = np.arange(2**n_spins, dtype=np.int64)[:, None]
    bits = (codes >> np.arange(n_spins)) & 1
    return (2 * bits - 1).astype(np.int8)


def enumerate_observables(mask, temperatures):
    """Exact thermal averages on a diluted torus by summing over all ``2**N_occupied`` states.

    Parameters
    ----------
    mask : array_like of bool
        Occupation mask ``(L, L)``, at most 20 occupied sites.
    temperatures : array_like
        Temperatures ``T/J > 0``.

    Returns
    -------
    dict of numpy.ndarray
        ``energy``, ``energy_squared``, ``abs_magnetization``, ``magnetization_squared``
        (all per occupied spin, for each temperature), and ``specific_heat`` per spin,
        ``N (<e^2> - <e>^2) / T^2``.
    """
    mask = np.asarray(mask, dtype=bool)
    size = lattice.validate_size(mask.shape[0])
    temperatures = lattice.validate_temperatures(temperatures)
    occupied = np.flatnonzero(mask.ravel())
    n_occupied = occupied.size
    if not 0 < n_occupied <= MAX_ENUMERATED_SPINS:
        raise ValueError(
            f"cannot enumerate {n_occupied} spins: use a mask with 1 to {MAX_ENUMERATED_SPINS} occupied sites"
        )

    states = _state_table(n_occupied)
    configurations = np.zeros((states.shape[0], size * size), dtype=np.int8)
    configurations[:, occupied] = states
    configurations = configurations.reshape(-1, size, size)

    energy = lattice.energy_per_spin(configurations)
    abs_magnetization = np.abs(lattice.magnetization(configurations))

    # Boltzmann weights in log space: exp(-beta E) overflows for large beta.
    log_weights = -np.outer(1.0 / temperatures, energy * n_occupied)
    log_weights -= logsumexp(log_weights, axis=1, keepdims=True)
    weights = np.exp(log_weights)

    mean_energy = weights @ energy
    mean_energy_squared = weights @ energy**2
    return {
        "energy": mean_energy,
        "energy_squared": mean_energy_squared,
        "abs_magnetization": weights @ abs_magnetization,
        "magnetization_squared": weights @ abs_magnetization**2,
        "specific_heat": n_occupied * (mean_energy_squared - mean_energy**2) / temperatures**2,
    }


def _log_prod_2cosh(x):
    """``(sign, log prod 2 cosh x)``, computed without overflow."""
    x = np.abs(x)
    return 1.0, np.sum(x + np.log1p(np.exp(-2 * x)))


def _log_prod_2sinh(x):
    """``(sign, log |prod 2 sinh x|)``, computed without overflow."""
    sign = np.prod(np.sign(x))
    x = np.abs(x)
    return sign, np.sum(x + np.log(-np.expm1(-2 * x)))


def kaufman_log_partition(rows, cols, coupling):
    """``ln Z`` of the pure Ising model on a ``rows x cols`` torus at ``K = J / T``.

    Z = 1/2 (2 sinh 2K)^(mn/2) (Z1 + Z2 + Z3 + Z4), with

    * Z1, Z2 = prod_{r=0}^{n-1} 2 cosh, 2 sinh (m gamma_{2r+1} / 2),
    * Z3, Z4 = prod_{r=0}^{n-1} 2 cosh, 2 sinh (m gamma_{2r} / 2),
    * cosh gamma_l = cosh 2K coth 2K - cos(pi l / n) for l >= 1 and
      gamma_0 = 2K + ln tanh K, which is negative below T_c and makes Z4 change sign.
    """
    k = float(coupling)
    m, n = int(rows), int(cols)
    index = np.arange(2 * n)
    cosh_gamma = np.cosh(2 * k) / np.tanh(2 * k) - np.cos(np.pi * index / n)
    gamma = np.arccosh(cosh_gamma)
    gamma[0] = 2 * k + np.log(np.tanh(k))

    odd = gamma[1::2]
    even = gamma[0::2]
    terms = [
        _log_prod_2cosh(m * odd / 2),
        _log_prod_2sinh(m * odd / 2),
        _log_prod_2cosh(m * even / 2),
        _log_prod_2sinh(m * even / 2),
    ]
    signs = np.array([t[0] for t in terms])
    logs = np.array([t[1] for t in terms])
    log_sum, sign = logsumexp(logs, b=signs, return_sign=True)
    if sign <= 0:
        raise ArithmeticError(f"Kaufman sum is not positive at K={k} on {m}x{n}")
    return -np.log(2.0) + 0.5 * m * n * np.log(2 * np.sinh(2 * k)) + log_sum


def _check_kaufman_arguments(size, temperatures):
    size = lattice.validate_size(size)
    return size, lattice.validate_temperatures(temperatures)


def kaufman_energy(size, temperatures, *, step=1e-5):
    """Exact mean energy per spin of the pure ``L x L`` torus, ``-d ln Z / d beta / N``.

    The derivative is a central difference in ``K = 1/T`` with step ``step`` (error
    about ``step**2``, far below any Monte Carlo error bar).
    """
    size, temperatures = _check_kaufman_arguments(size, temperatures)
    n = size * size
    result = np.empty(temperatures.size)
    for i, temperature in enumerate(temperatures):
        k = 1.0 / temperature
        up = kaufman_log_partition(size, size, k + step)
        down = kaufman_log_partition(size, size, k - step)
        result[i] = -(up - down) / (2 * step) / n
    return result


def kaufman_specific_heat(size, temperatures, *, step=1e-4):
    """Exact specific heat per spin of the pure ``L x L`` torus, ``K^2 d^2 ln Z / dK^2 / N``."""
    size, temperatures = _check_kaufman_arguments(size, temperatures)
    n = size * size
    result = np.empty(temperatures.size)
    for i, temperature in enumerate(temperatures):
        k = 1.0 / temperature
        up = kaufman_log_partition(size, size, k + step)
        mid = kaufman_log_partition(size, size, k)
        down = kaufman_log_partition(size, size, k - step)
        result[i] = k**2 * (up - 2 * mid + down) / step**2 / n
    return result


def onsager_spontaneous_magnetization(temperatures):
    """Onsager-Yang spontaneous magnetization ``(1 - sinh(2/T)^-4)^(1/8)`` of the infinite pure model (0 above Tc)."""
    temperatures = lattice.validate_temperatures(temperatures)
    x = 1.0 - np.sinh(2.0 / temperatures) ** -4.0
    return np.where(temperatures < ONSAGER_TC, np.clip(x, 0.0, None) ** 0.125, 0.0)


def pseudo_critical_temperature(size, *, lower=2.0, upper=2.8, points=801):
    """Temperature of the maximum of Kaufman's exact specific heat on the ``L x L`` torus."""
    temperatures = np.linspace(lower, upper, points)
    heat = kaufman_specific_heat(size, temperatures)
    best = int(np.argmax(heat))
    # One parabolic refinement around the grid maximum.
    if 0 < best < points - 1:
        y0, y1, y2 = heat[best - 1 : best + 2]
        shift = 0.5 * (y0 - y2) / (y0 - 2 * y1 + y2)
        return float(temperatures[best] + shift * (temperatures[1] - temperatures[0]))
    return float(temperatures[best])
