"""Monte Carlo sampler of the site-diluted Ising model.

The update kernels are plain-loop numba functions working on flat spin arrays.  Every
Markov chain owns its random-number generator (xoshiro256**), seeded from numpy's
``SeedSequence`` keyed by (root seed, size, density, temperature, realization), so a
chain's output depends only on its own parameters: the same data come out whatever the
grid around it, the number of threads or the scheduler.

Update schedules, applied once per *sweep*:

``"sw+metropolis"`` (default)
    One Swendsen-Wang cluster update over the occupied sites, then one checkerboard
    Metropolis sweep.  Swendsen-Wang flips every Fortuin-Kasteleyn cluster with
    probability 1/2, including the finite clusters that dilution cuts off from the rest of
    the lattice; single-spin Metropolis leaves their signs frozen at low T.
``"wolff+metropolis"``
    One Wolff single-cluster update, then one Metropolis sweep.  The number of clusters
    per sweep is fixed: repeating Wolff steps until a number of spins has flipped would
    make the stopping rule depend on the state and bias the distribution.
``"metropolis"``
    Checkerboard Metropolis alone (for autocorrelation comparisons).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numba
import numpy as np

from . import lattice

logger = logging.getLogger(__name__)

SCHEDULES = {"metropolis": 0, "sw+metropolis": 1, "wolff+metropolis": 2}

DEFAULT_THERMALIZATION = 200
DEFAULT_SPACING = 5

# First entry of every spawn key, so that mask and chain streams never coincide.
_MASK_STREAM = 0
_CHAIN_STREAM = 1


# ---------------------------------------------------------------------------------------
# Random numbers: xoshiro256** (Blackman & Vigna, 2018), one state of 4 uint64 per chain.
# ---------------------------------------------------------------------------------------


@numba.njit(cache=True, inline="always")
def _rotl(x, k):
    return (x << np.uint64(k)) | (x >> np.uint64(64 - k))


@numba.njit(cache=True)
def _next_u64(state):
    s0, s1, s2, s3 = state[0], state[1], state[2], state[3]
    result = _rotl(s1 * np.uint64(5), 7) * np.uint64(9)
    t = s1 << np.uint64(17)
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = _rotl(s3, 45)
    state[0], state[1], state[2], state[3] = s0, s1, s2, s3
    return result


@numba.njit(cache=True)
def _uniform(state):
    """Uniform double in [0, 1) from the top 53 bits."""
    return np.float64(_next_u64(state) >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@numba.njit(cache=True)
def _randint(state, n):
    """Uniform integer in [0, n)."""
    return np.int64(_uniform(state) * n)


def _generator_state(seed_sequence):
    state = seed_sequence.generate_state(4, dtype=np.uint64)
    if not state.any():  # xoshiro's only forbidden state
        state[0] = 1
    return state


# ---------------------------------------------------------------------------------------
# Update kernels.  `spins` is the flat int8 configuration (0 on empty sites), `sites` the
# indices of occupied sites, ordered even sublattice first (`n_even` of them).
# ---------------------------------------------------------------------------------------


@numba.njit(cache=True)
def _metropolis_sweep(spins, sites, neighbours, acceptance, state):
    # acceptance[s*h + 4] = min(1, exp(-2 beta s h)); s*h ranges over -4..4 with dilution.
    # Sites come sublattice by sublattice (checkerboard order).
    for k in range(sites.shape[0]):
        i = sites[k]
        s = spins[i]
        h = spins[neighbours[i, 0]] + spins[neighbours[i, 1]] + spins[neighbours[i, 2]] + spins[neighbours[i, 3]]
        x = s * h
        if x <= 0 or _uniform(state) < acceptance[x + 4]:
            spins[i] = -s


@numba.njit(cache=True)
def _find(parent, a):
    root = a
    while parent[root] != root:
        root = parent[root]
    while parent[a] != root:
        nxt = parent[a]
        parent[a] = root
        a = nxt
    return root


@numba.njit(cache=True)
def _swendsen_wang_update(spins, sites, neighbours, p_bond, state, parent, flip):
    """Swendsen-Wang: activate satisfied bonds with probability 1 - exp(-2 beta), flip clusters with probability 1/2."""
    for k in range(sites.shape[0]):
        i = sites[k]
        parent[i] = i
        flip[i] = -1

    # Right and down neighbours only, so every bond is visited once.
    for k in range(sites.shape[0]):
        i = sites[k]
        for d in range(2):
            j = neighbours[i, d]
            if spins[j] == spins[i] and _uniform(state) < p_bond:
                root_i = _find(parent, i)
                root_j = _find(parent, j)
                if root_i != root_j:
                    parent[root_j] = root_i

    for k in range(sites.shape[0]):
        i = sites[k]
        root = _find(parent, i)
        if flip[root] < 0:
            flip[root] = 1 if _uniform(state) < 0.5 else 0
        if flip[root] == 1:
            spins[i] = -spins[i]


@numba.njit(cache=True)
def _wolff_cluster(spins, sites, neighbours, p_add, state, stack):
    """Grow and flip one Wolff cluster from a random occupied site; return its size."""
    seed = sites[_randint(state, sites.shape[0])]
    s = spins[seed]
    spins[seed] = -s
    top = 0
    stack[top] = seed
    top += 1
    size = 1
    while top > 0:
        top -= 1
        i = stack[top]
        for d in range(4):
            j = neighbours[i, d]
            if spins[j] == s and _uniform(state) < p_add:
                spins[j] = -s
                stack[top] = j
                top += 1
                size += 1
    return size


@numba.njit(cache=True)
def _sweep(spins, sites, neighbours, acceptance, p_bond, schedule, state, parent, flip):
    if schedule == 1:
        _swendsen_wang_update(spins, sites, neighbours, p_bond, state, parent, flip)
    elif schedule == 2:
        _wolff_cluster(spins, sites, neighbours, p_bond, state, parent)
    _metropolis_sweep(spins, sites, neighbours, acceptance, state)


@numba.njit(cache=True)
def _bond_sum(spins, sites, neighbours):
    total = 0
    for k in range(sites.shape[0]):
        i = sites[k]
        total += spins[i] * (spins[neighbours[i, 0]] + spins[neighbours[i, 1]])
    return total


@numba.njit(cache=True)
def _spin_sum(spins, sites):
    total = 0
    for k in range(sites.shape[0]):
        total += spins[sites[k]]
    return total


@numba.njit(cache=True)
def _initialize(spins, sites, state):
    for k in range(sites.shape[0]):
        spins[sites[k]] = 1 if _uniform(state) < 0.5 else -1


@numba.njit(cache=True, parallel=True)
def _run_chains(
    occupied_sites,
    site_counts,
    chain_mask,
    betas,
    states,
    neighbours,
    schedule,
    thermalization,
    spacing,
    keep,
    offsets,
    out_spins,
    out_energy,
    out_magnetization,
):
    """Run independent chains in parallel; chain c stores `keep[c]` configurations from row `offsets[c]`."""
    n_chains = betas.shape[0]
    n_sites = neighbours.shape[0]
    for c in numba.prange(n_chains):
        m = chain_mask[c]
        sites = occupied_sites[m, : site_counts[m]]
        state = states[c]
        beta = betas[c]

        acceptance = np.empty(9)
        for x in range(-4, 5):
            acceptance[x + 4] = min(1.0, np.exp(-2.0 * beta * x))
        p_bond = 1.0 - np.exp(-2.0 * beta)

        spins = np.zeros(n_sites, dtype=np.int8)
        parent = np.empty(n_sites, dtype=np.int64)
        flip = np.empty(n_sites, dtype=np.int8)
        _initialize(spins, sites, state)

        for _ in range(thermalization):
            _sweep(spins, sites, neighbours, acceptance, p_bond, schedule, state, parent, flip)

        n_occupied = sites.shape[0]
        for k in range(keep[c]):
            for _ in range(spacing):
                _sweep(spins, sites, neighbours, acceptance, p_bond, schedule, state, parent, flip)
            row = offsets[c] + k
            out_spins[row, :] = spins
            out_energy[row] = -_bond_sum(spins, sites, neighbours) / n_occupied
            out_magnetization[row] = _spin_sum(spins, sites) / n_occupied


@numba.njit(cache=True)
def _run_series(sites, beta, state, neighbours, schedule, thermalization, sweeps, spins, energy, magnetization):
    n_sites = neighbours.shape[0]
    acceptance = np.empty(9)
    for x in range(-4, 5):
        acceptance[x + 4] = min(1.0, np.exp(-2.0 * beta * x))
    p_bond = 1.0 - np.exp(-2.0 * beta)
    parent = np.empty(n_sites, dtype=np.int64)
    flip = np.empty(n_sites, dtype=np.int8)
    _initialize(spins, sites, state)
    for _ in range(thermalization):
        _sweep(spins, sites, neighbours, acceptance, p_bond, schedule, state, parent, flip)
    n_occupied = sites.shape[0]
    for t in range(sweeps):
        _sweep(spins, sites, neighbours, acceptance, p_bond, schedule, state, parent, flip)
        energy[t] = -_bond_sum(spins, sites, neighbours) / n_occupied
        magnetization[t] = _spin_sum(spins, sites) / n_occupied


# ---------------------------------------------------------------------------------------
# Python API
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MonteCarloSamples:
    """Configurations and observables sampled at one density.

    Attributes
    ----------
    configurations : numpy.ndarray
        int8 ``(n_temperatures, samples, L, L)``, 0 on empty sites.
    energy, magnetization : numpy.ndarray
        float64 ``(n_temperatures, samples)``: energy and signed magnetization per
        occupied spin.
    realization : numpy.ndarray
        int32 ``(n_temperatures, samples)``: index of the disorder realization (occupation
        mask) each configuration was sampled on.
    masks : numpy.ndarray
        bool ``(realizations, L, L)``: the occupation masks.
    """

    configurations: np.ndarray
    energy: np.ndarray
    magnetization: np.ndarray
    realization: np.ndarray
    masks: np.ndarray
    temperatures: np.ndarray
    density: float
    size: int
    seed: int
    schedule: str
    thermalization: int
    spacing: int


def _key(value):
    """Integer spawn key of a density or temperature, exact to 1e-6."""
    return int(round(float(value) * 1_000_000))


def _validate_seed(seed):
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"invalid seed {seed!r}: expected a non-negative integer")
    return int(seed)


def _validate_count(name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"invalid {name} {value!r}: expected an integer >= {minimum}")
    return int(value)


def _validate_schedule(schedule):
    if schedule not in SCHEDULES:
        raise ValueError(f"unknown update schedule {schedule!r}: choose one of {sorted(SCHEDULES)}")
    return SCHEDULES[schedule]


def realization_masks(size, density, realizations, seed):
    """Occupation masks of the realizations ``0..realizations-1`` of one (size, density).

    Mask ``r`` depends only on ``(seed, size, density, r)``.
    """
    masks = np.empty((realizations, size, size), dtype=bool)
    for r in range(realizations):
        sequence = np.random.SeedSequence(seed, spawn_key=(_MASK_STREAM, size, _key(density), r))
        masks[r] = lattice.occupation_mask(size, density, np.random.default_rng(sequence))
    return masks


def chain_seed_sequence(seed, size, density, temperature, realization):
    """The ``SeedSequence`` of the chain at (size, density, temperature, realization)."""
    return np.random.SeedSequence(
        seed, spawn_key=(_CHAIN_STREAM, size, _key(density), _key(temperature), realization)
    )


def _ordered_sites(mask):
    """Occupied site indices, even sublattice first, as int64."""
    size = mask.shape[0]
    flat = mask.ravel()
    index = np.arange(size * size)
    parity = (index // size + index % size) % 2
    return np.concatenate([index[flat & (parity == 0)], index[flat & (parity == 1)]]).astype(np.int64)


def _site_tables(masks):
    n_sites = masks.shape[1] * masks.shape[2]
    occupied_sites = np.zeros((masks.shape[0], n_sites), dtype=np.int64)
    counts = np.zeros(masks.shape[0], dtype=np.int64)
    for r, mask in enumerate(masks):
        sites = _ordered_sites(mask)
        occupied_sites[r, : sites.size] = sites
        counts[r] = sites.size
    return occupied_sites, counts


def samples_per_realization(samples, realizations):
    """Split ``samples`` configurations over realizations as evenly as possible."""
    base, extra = divmod(samples, realizations)
    return np.array([base + (r < extra) for r in range(realizations)], dtype=np.int64)


def sample(
    size,
    density,
    temperatures,
    samples,
    seed,
    *,
    realizations=1,
    thermalization=None,
    spacing=None,
    schedule="sw+metropolis",
    mask=None,
):
    """Sample equilibrium configurations of the site-diluted Ising model.

    For each temperature and each disorder realization an independent chain starts from
    random spins, runs ``thermalization`` sweeps, then stores one configuration every
    ``spacing`` sweeps.  The chains run in parallel threads (numba ``prange``); the
    result does not depend on the number of threads.

    Parameters
    ----------
    size : int
        Linear lattice size ``L >= 4``.
    density : float
        Spin density ``rho`` in ``(0, 1]``; each realization has exactly
        ``round(rho * L**2)`` occupied sites.  Ignored when ``mask`` is given.
    temperatures : array_like
        Temperatures ``T/J > 0``.
    samples : int
        Configurations per temperature, spread evenly over the realizations.
    seed : int
        Root seed.  The chain at (size, density, T, realization) is seeded from
        ``SeedSequence(seed, spawn_key=(1, size, rho*1e6, T*1e6, realization))``.
    realizations : int
        Number of independent occupation masks (quenched disorder).
    thermalization, spacing : int, optional
        Sweeps discarded before the first stored configuration, and sweeps between two
        stored configurations.  Defaults: 200 and 5 (see the Monte Carlo chapter).
    schedule : str
        ``"sw+metropolis"``, ``"wolff+metropolis"`` or ``"metropolis"``.
    mask : array_like of bool, optional
        A fixed occupation mask ``(L, L)`` used by every realization instead of random
        masks; the realizations are then independent chains on the same lattice.

    Returns
    -------
    MonteCarloSamples

    Notes
    -----
    The kernels are compiled by numba on first use (a few seconds, then cached on disk).
    """
    size = lattice.validate_size(size)
    temperatures = lattice.validate_temperatures(temperatures)
    samples = _validate_count("samples", samples, 1)
    seed = _validate_seed(seed)
    realizations = _validate_count("realizations", realizations, 1)
    thermalization = _validate_count(
        "thermalization", DEFAULT_THERMALIZATION if thermalization is None else thermalization, 0
    )
    spacing = _validate_count("spacing", DEFAULT_SPACING if spacing is None else spacing, 1)
    schedule_code = _validate_schedule(schedule)

    if mask is not None:
        mask = np.asarray(mask, dtype=bool)
        if mask.shape != (size, size) or not mask.any():
            raise ValueError(f"invalid mask of shape {mask.shape}: expected ({size}, {size}) with an occupied site")
        density = mask.mean()
        masks = np.repeat(mask[None], realizations, axis=0)
    else:
        density = lattice.validate_density(density)
        masks = realization_masks(size, density, realizations, seed)

    occupied_sites, site_counts = _site_tables(masks)
    keep = samples_per_realization(samples, realizations)
    n_temperatures = temperatures.size

    chain_mask = np.tile(np.arange(realizations, dtype=np.int64), n_temperatures)
    betas = np.repeat(1.0 / temperatures, realizations)
    chain_keep = np.tile(keep, n_temperatures)
    offsets = np.concatenate([[0], np.cumsum(chain_keep)[:-1]]).astype(np.int64)
    states = np.empty((betas.size, 4), dtype=np.uint64)
    for c in range(betas.size):
        t, r = divmod(c, realizations)
        states[c] = _generator_state(chain_seed_sequence(seed, size, density, temperatures[t], r))

    total = n_temperatures * samples
    out_spins = np.empty((total, size * size), dtype=np.int8)
    out_energy = np.empty(total)
    out_magnetization = np.empty(total)

    logger.info(
        "sampling L=%d rho=%.4g: %d temperatures x %d realizations, %d samples each",
        size, density, n_temperatures, realizations, samples,
    )
    _run_chains(
        occupied_sites, site_counts, chain_mask, betas, states, lattice.neighbour_table(size),
        schedule_code, thermalization, spacing, chain_keep, offsets,
        out_spins, out_energy, out_magnetization,
    )

    realization = np.repeat(np.arange(realizations, dtype=np.int32), keep)
    return MonteCarloSamples(
        configurations=out_spins.reshape(n_temperatures, samples, size, size),
        energy=out_energy.reshape(n_temperatures, samples),
        magnetization=out_magnetization.reshape(n_temperatures, samples),
        realization=np.tile(realization, (n_temperatures, 1)),
        masks=masks,
        temperatures=temperatures,
        density=float(density),
        size=size,
        seed=seed,
        schedule=schedule,
        thermalization=thermalization,
        spacing=spacing,
    )


def time_series(size, density, temperature, sweeps, seed, *, thermalization=None, schedule="sw+metropolis", mask=None):
    """Run one chain and return its energy and magnetization per spin after every sweep.

    Used to measure autocorrelation times.  Returns ``(energy, magnetization)``, each a
    float64 array of length ``sweeps``.
    """
    size = lattice.validate_size(size)
    temperature = lattice.validate_temperatures([temperature])[0]
    sweeps = _validate_count("sweeps", sweeps, 1)
    seed = _validate_seed(seed)
    thermalization = _validate_count(
        "thermalization", DEFAULT_THERMALIZATION if thermalization is None else thermalization, 0
    )
    schedule_code = _validate_schedule(schedule)
    if mask is None:
        density = lattice.validate_density(density)
        mask = realization_masks(size, density, 1, seed)[0]
    mask = np.asarray(mask, dtype=bool)

    state = _generator_state(chain_seed_sequence(seed, size, mask.mean(), temperature, 0))
    spins = np.zeros(size * size, dtype=np.int8)
    energy = np.empty(sweeps)
    magnetization = np.empty(sweeps)
    _run_series(
        _ordered_sites(mask), 1.0 / temperature, state, lattice.neighbour_table(size),
        schedule_code, thermalization, sweeps, spins, energy, magnetization,
    )
    return energy, magnetization
