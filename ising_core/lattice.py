"""Square-lattice geometry, quenched occupation masks and observables.

Conventions used throughout the package:

* An ``L x L`` torus (periodic boundaries); site ``i = row * L + col``.
* A configuration is an ``int8`` array of shape ``(L, L)`` with ``+1`` or ``-1`` on an
  occupied site and ``0`` on an empty one.
* Quenched dilution: a realization's occupation mask has exactly ``round(rho * L**2)``
  occupied sites, drawn uniformly without replacement.  The mask is shared by every
  temperature of that realization.
* ``J = 1`` and ``k_B = 1``.  The energy per spin is ``E / N_occupied`` with
  ``E = -sum_<ij> S_i S_j`` over nearest-neighbour bonds, each bond counted once.
  The magnetization is ``sum_i S_i / N_occupied``.
"""

from __future__ import annotations

import numbers

import numpy as np
from scipy import ndimage

MIN_SIZE = 4


def validate_size(size, *, even=False):
    """Return ``size`` as an int, raising ``ValueError`` unless it is a valid lattice size.

    Parameters
    ----------
    size : int
        Linear lattice size ``L``.  At least 4, so that every site has four distinct
        neighbours on the torus.
    even : bool
        Also require an even ``L`` (Neel and stripe patterns need it to be periodic).
    """
    if isinstance(size, bool) or not isinstance(size, numbers.Integral):
        raise ValueError(f"invalid lattice size {size!r}: expected an integer L >= {MIN_SIZE}")
    size = int(size)
    if size < MIN_SIZE:
        raise ValueError(
            f"invalid lattice size L={size}: the torus needs L >= {MIN_SIZE} "
            "so that every site has four distinct neighbours"
        )
    if even and size % 2:
        raise ValueError(
            f"invalid lattice size L={size}: Neel and stripe patterns need an even L; "
            f"use L={size + 1} or L={size - 1}"
        )
    return size


def validate_density(density):
    """Return ``density`` as a float, raising ``ValueError`` unless ``0 < rho <= 1``."""
    try:
        value = float(density)
    except (TypeError, ValueError):
        raise ValueError(f"invalid density {density!r}: expected a number in (0, 1]") from None
    if not (0.0 < value <= 1.0):
        raise ValueError(
            f"invalid density rho={density!r}: the spin density must lie in (0, 1], "
            "for example 1.0 for the pure model or 0.7 for 30% vacancies"
        )
    return value


def validate_temperatures(temperatures):
    """Return temperatures (T/J) as a 1-d float64 array, rejecting non-positive values.

    ``T = 0`` is not a Monte Carlo temperature: use :func:`ground_state` for it.
    """
    array = np.atleast_1d(np.asarray(temperatures, dtype=np.float64))
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"invalid temperatures {temperatures!r}: expected a non-empty 1-d list of T/J")
    bad = array[~np.isfinite(array) | (array <= 0.0)]
    if bad.size:
        raise ValueError(
            f"invalid temperature T/J={bad[0]!r}: Monte Carlo temperatures must be positive and "
            "finite; for T = 0 use ising_core.lattice.ground_state"
        )
    return array


def occupied_count(size, density):
    """Number of occupied sites, ``round(rho * L**2)``, at least one."""
    return max(1, int(round(density * size * size)))


def occupation_mask(size, density, rng):
    """Draw a quenched occupation mask with exactly ``round(rho * L**2)`` occupied sites.

    Parameters
    ----------
    size : int
        Linear lattice size ``L``.
    density : float
        Spin density ``rho`` in ``(0, 1]``.
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    numpy.ndarray
        Boolean array ``(L, L)``, True on occupied sites.
    """
    size = validate_size(size)
    density = validate_density(density)
    n_sites = size * size
    mask = np.zeros(n_sites, dtype=bool)
    mask[rng.permutation(n_sites)[: occupied_count(size, density)]] = True
    return mask.reshape(size, size)


def neighbour_table(size):
    """Return the ``(L*L, 4)`` int64 table of right, down, left and up neighbours on the torus."""
    return torus_neighbours(validate_size(size))


def torus_neighbours(size):
    """Build the neighbour table of :func:`neighbour_table` without checking ``size``.

    Percolation uses it on 3 x 3 tori, where the Ising sampler's ``L >= 4`` does not apply.
    """
    rows, cols = np.divmod(np.arange(size * size), size)
    right = rows * size + (cols + 1) % size
    down = ((rows + 1) % size) * size + cols
    left = rows * size + (cols - 1) % size
    up = ((rows - 1) % size) * size + cols
    return np.stack([right, down, left, up], axis=1).astype(np.int64)


def _occupied_counts(configurations):
    return np.count_nonzero(configurations, axis=(-2, -1))


def magnetization(configurations):
    """Magnetization per occupied spin, ``sum S_i / N_occupied``, over the last two axes."""
    configurations = np.asarray(configurations)
    total = configurations.sum(axis=(-2, -1), dtype=np.int64)
    return total / np.maximum(_occupied_counts(configurations), 1)


def staggered_magnetization(configurations):
    """Neel order parameter per occupied spin: ``sum (-1)**(row + col) S_i / N_occupied``."""
    configurations = np.asarray(configurations)
    size = configurations.shape[-1]
    signs = np.where(np.add.outer(np.arange(size), np.arange(size)) % 2 == 0, 1, -1)
    total = (configurations * signs).sum(axis=(-2, -1), dtype=np.int64)
    return total / np.maximum(_occupied_counts(configurations), 1)


def bond_sum(configurations):
    """Sum of ``S_i S_j`` over nearest-neighbour bonds (each bond once), as int64."""
    spins = np.asarray(configurations, dtype=np.int64)
    right = np.roll(spins, -1, axis=-1)
    down = np.roll(spins, -1, axis=-2)
    return (spins * right + spins * down).sum(axis=(-2, -1))


def energy_per_spin(configurations):
    """Energy per occupied spin, ``-sum_<ij> S_i S_j / N_occupied`` with ``J = 1``."""
    configurations = np.asarray(configurations)
    return -bond_sum(configurations) / np.maximum(_occupied_counts(configurations), 1)


def cluster_labels(mask):
    """Label the connected clusters of occupied sites on the torus.

    Returns an int array ``(L, L)`` with 0 on empty sites and labels ``1..n`` on occupied
    ones; clusters that wrap around the periodic boundary carry one label.
    """
    mask = np.asarray(mask, dtype=bool)
    labels, count = ndimage.label(mask)
    size = mask.shape[0]

    # ndimage.label works on an open grid: merge labels that touch across the boundary.
    parent = np.arange(count + 1)

    def find(a):
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    pairs = [(labels[:, -1], labels[:, 0]), (labels[-1, :], labels[0, :])]
    for edge_a, edge_b in pairs:
        for a, b in zip(edge_a, edge_b):
            if a and b:
                root_a, root_b = find(a), find(b)
                if root_a != root_b:
                    parent[max(root_a, root_b)] = min(root_a, root_b)

    roots = np.array([find(a) for a in range(count + 1)])
    _, compact = np.unique(roots, return_inverse=True)
    return compact[labels].reshape(size, size)


def ground_state(mask, rng):
    """Draw a ``T = 0`` configuration of the diluted model on the occupation ``mask``.

    Every connected cluster of occupied sites is fully aligned, and clusters that share
    no bond are independent, so each gets its own random sign.  This samples the ground
    states uniformly, which is the ``T -> 0`` limit of the Boltzmann distribution.
    """
    labels = cluster_labels(mask)
    signs = rng.choice(np.array([-1, 1], dtype=np.int8), size=labels.max() + 1)
    signs[0] = 0
    return signs[labels].astype(np.int8)
