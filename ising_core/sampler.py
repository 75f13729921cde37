"""Monte Carlo sampler of the site-diluted Ising model.

The update kernels are plain-loop numba functions.  Every Markov chain owns its random
number generators (xoshiro256**), seeded from numpy's ``SeedSequence`` keyed by (root
seed, size, density, temperature, realization).  A chain's output therefore depends only
on its own parameters, and the same data come out whatever the grid around it, the
number of threads or the scheduler.

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

Equilibration policy (the defaults of :func:`sample`)
    Chains start from random spins, discard ``thermalization = 100`` sweeps, then store
    a configuration every ``spacing = 7`` sweeps.  The rule is at least 20 integrated
    autocorrelation times for thermalization and at least 2 between stored
    configurations, for the slowest observable (energy or ``|m|``) at the slowest point
    of the grid.  With ``"sw+metropolis"`` on ``L = 40`` that point is the pure model at
    its critical temperature, where ``tau_int`` of ``|m|`` is 3.1 sweeps (3.2 for the
    slowest of 4 chains of 20000 sweeps).  At ``rho = 0.7`` near its transition
    (T/J = 1.0 to 1.2) it is at most 2.1, and below ``rho = 0.7`` or away from the
    transitions it is smaller still.

    Checkerboard Metropolis alone has ``tau_int`` of about 70 sweeps for ``|m|`` of the
    pure model at Tc (25 for the energy), and about 3000 for ``|m|`` at ``rho = 0.7``
    and T/J = 1.15, varying by a factor of a few between disorder realizations.

    From a random start, the mean energy and ``|m|`` of 64 chains reach equilibrium
    within their errors after about 10 sweeps at every density and temperature tried,
    so 100 sweeps leave a tenfold margin.  ``python -m ising_core.bench`` measures the
    autocorrelation times again.  The numbers hold for ``L = 40``.  They grow with
    ``L``, slowly for the cluster schedules, so measure them again before sampling much
    larger lattices.

Internal lattice layout
    The lattice needs an even ``L``, so that the torus splits into two sublattices
    ``p = (row + col) % 2`` whose sites have all their neighbours on the other
    sublattice.  Each sublattice is stored as two blocks, its even rows and its odd rows,
    each a ``(L/2 + 2) x (L/2 + 2)`` int64 array whose first and last row and column are
    copies (ghosts) of the opposite edge.  Within one block every site then finds its four
    neighbours at the same flat offsets, so the Metropolis update of a block is a single
    branch-free loop that numba compiles to SIMD instructions, with one xoshiro256**
    generator per position of the block.  The cluster updates work on the same array
    through a neighbour table.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numba
import numpy as np

from . import lattice

logger = logging.getLogger(__name__)

SCHEDULES = {"metropolis": 0, "sw+metropolis": 1, "wolff+metropolis": 2}

# Version of the kernels and random streams.  Increase it whenever a change alters the
# configurations sampled for the same parameters: data stores are keyed by it.
SAMPLER_VERSION = 2

DEFAULT_THERMALIZATION = 100
DEFAULT_SPACING = 7

# First entry of every spawn key, so that mask and chain streams never coincide.
_MASK_STREAM = 0
_CHAIN_STREAM = 1

_GOLDEN_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_INT64_MAX = np.iinfo(np.int64).max


# ---------------------------------------------------------------------------------------
# Random numbers: xoshiro256** (Blackman & Vigna, 2018).  A chain owns one generator per
# position of a lattice block, stored as uint64 states[4, lanes], so that the Metropolis
# sweep advances one generator per site in a SIMD loop.  Lane 0 also serves the scalar
# code: cluster updates and the initial spins.
# ---------------------------------------------------------------------------------------


@numba.njit(cache=True)
def _splitmix64(x):
    """SplitMix64's output mix (Steele, Lea & Flood, 2014), a bijection of uint64."""
    z = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@numba.njit(cache=True)
def _seed_lanes(seed_words, lanes):
    """Expand 4 seed words into the xoshiro256** states of ``lanes`` generators.

    Word ``w`` of lane ``l`` is output ``l`` of a SplitMix64 stream started at
    ``seed_words[w]``, the seeding that the xoshiro authors recommend.
    """
    states = np.empty((4, lanes), dtype=np.uint64)
    for w in range(4):
        for lane in range(lanes):
            states[w, lane] = _splitmix64(seed_words[w] + np.uint64(lane + 1) * _GOLDEN_GAMMA)

    # The all-zero state is xoshiro's only invalid one (probability 2**-256 per lane).
    for lane in range(lanes):
        if states[0, lane] == 0 and states[1, lane] == 0 and states[2, lane] == 0 and states[3, lane] == 0:
            states[0, lane] = np.uint64(1)
    return states


@numba.njit(cache=True)
def _rotl(x, k):
    return (x << np.uint64(k)) | (x >> np.uint64(64 - k))


@numba.njit(cache=True)
def _next_u64(states, lane):
    s0 = states[0, lane]
    s1 = states[1, lane]
    s2 = states[2, lane]
    s3 = states[3, lane]
    result = _rotl(s1 * np.uint64(5), 7) * np.uint64(9)
    t = s1 << np.uint64(17)
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = _rotl(s3, 45)
    states[0, lane] = s0
    states[1, lane] = s1
    states[2, lane] = s2
    states[3, lane] = s3
    return result


@numba.njit(cache=True)
def _threshold(probability):
    """Integer ``t`` with ``P(u < t) = probability`` for ``u`` uniform on ``[0, 2**63)``.

    The probability is rounded up to a multiple of ``2**-63``; 1 maps to ``2**63 - 1``.
    """
    if probability >= 1.0:
        return _INT64_MAX
    if probability <= 0.0:
        return np.int64(0)
    return np.int64(np.ceil(probability * 9.223372036854775808e18))


@numba.njit(cache=True)
def _bernoulli(states, lane, threshold):
    return np.int64(_next_u64(states, lane) >> np.uint64(1)) < threshold


@numba.njit(cache=True)
def _randint(states, lane, n):
    """Uniform integer in ``[0, n)`` from the top 53 bits of one draw."""
    return np.int64(np.float64(_next_u64(states, lane) >> np.uint64(11)) * (n / 9007199254740992.0))


# ---------------------------------------------------------------------------------------
# Lattice layout (see the module docstring).  `lat` is int64 (2, 2, width * width):
# sublattice, row parity, flat position in the block.  `spins` is the flat view of `lat`.
# `sites` lists the occupied positions in it, and `neighbours` maps a position to its
# right, down, left and up neighbours.  Empty sites are 0, so every update leaves them
# unchanged.
# ---------------------------------------------------------------------------------------


def _layout(size):
    """Return ``(index, neighbours)``: the position of each natural site in ``spins``, and the neighbour table.

    Positions are unsigned (uint32) so that numba indexes with them without the checks
    for negative indices, which slow the cluster search down by half.
    """
    half = size // 2
    width = half + 2
    block = width * width
    rows, cols = np.divmod(np.arange(size * size), size)
    sublattice = (rows + cols) % 2
    index = (2 * sublattice + rows % 2) * block + (rows // 2 + 1) * width + cols // 2 + 1
    neighbours = np.zeros((4 * block, 4), dtype=np.uint32)
    neighbours[index] = index[lattice.neighbour_table(size)]
    return index.astype(np.uint32), neighbours


@numba.njit(cache=True)
def _refresh_ghosts(block, width):
    """Copy the edges of one block into its ghost columns and rows (the torus wrap)."""
    half = width - 2
    for i in range(1, half + 1):
        block[i * width] = block[i * width + half]
        block[i * width + half + 1] = block[i * width + 1]
    for j in range(width):
        block[j] = block[half * width + j]
        block[(half + 1) * width + j] = block[width + j]


@numba.njit(cache=True)
def _refresh_all_ghosts(lat, width):
    for p in range(2):
        for b in range(2):
            _refresh_ghosts(lat[p, b], width)


# ---------------------------------------------------------------------------------------
# Update kernels
# ---------------------------------------------------------------------------------------


@numba.njit(cache=True, inline="always")
def _lane_draw(st0, st1, st2, st3, g):
    """Advance generator ``g``, whose state words are ``st0[g]`` to ``st3[g]``, and return its output."""
    a0 = st0[g]
    a1 = st1[g]
    a2 = st2[g]
    a3 = st3[g]
    m5 = a1 * np.uint64(5)
    draw = ((m5 << np.uint64(7)) | (m5 >> np.uint64(57))) * np.uint64(9)
    t = a1 << np.uint64(17)
    a2 ^= a0
    a3 ^= a1
    a1 ^= a2
    a0 ^= a3
    a2 ^= t
    a3 = (a3 << np.uint64(45)) | (a3 >> np.uint64(19))
    st0[g] = a0
    st1[g] = a1
    st2[g] = a2
    st3[g] = a3
    return draw


@numba.njit(cache=True, inline="always")
def _block_neighbours(lat, p, b, width, lanes):
    """Views of the right, down, left and up neighbours of the real rows of block ``(p, b)``.

    Element ``g`` of each view is a neighbour of ``lat[p, b, width + g]``.  In row ``r``
    of sublattice ``p``, the same column index ``k = col // 2`` of the other sublattice
    is the left neighbour when ``r + p`` is even and the right one when it is odd.  The
    other horizontal neighbour sits one position further.
    """
    q = 1 - p
    same = lat[q, b]
    cross = lat[q, 1 - b]
    mid = same[width : width + lanes]
    if b == 0:
        up = cross[0:lanes]
        down = cross[width : width + lanes]
    else:
        up = cross[width : width + lanes]
        down = cross[2 * width : 2 * width + lanes]
    if (b + p) % 2 == 0:
        return mid, down, same[width - 1 : width - 1 + lanes], up
    return same[width + 1 : width + 1 + lanes], down, mid, up


@numba.njit(cache=True)
def _metropolis_sweep(lat, states, t1, t2, t3, t4):
    """Run one checkerboard Metropolis sweep, ``tx`` being the threshold of ``min(1, exp(-2 beta x))``.

    ``x = s h`` is the spin times its local field, so flipping costs ``2 x``.  The values
    1 and 3 occur only next to vacancies.  The loop over a block is branch-free: every
    position draws a number, and empty sites (``s = 0``) and ghost positions are updated
    too, harmlessly, because empty sites stay 0 and ghosts are overwritten from the
    edges afterwards.
    """
    width = int(np.sqrt(lat.shape[2]) + 0.5)
    lanes = states.shape[1]
    st0 = states[0]
    st1 = states[1]
    st2 = states[2]
    st3 = states[3]

    # A zero that the compiler cannot see: `s | zero` in the no-flip branch makes the
    # store unconditional, which LLVM would otherwise turn into a masked store
    # (vpmaskmovq), several times slower on AMD Zen 3.
    zero = np.int64(lat.shape[0] - 2)

    for p in range(2):
        for b in range(2):
            out = lat[p, b, width : width + lanes]
            right, down, left, up = _block_neighbours(lat, p, b, width, lanes)
            for g in range(lanes):
                draw = _lane_draw(st0, st1, st2, st3, g)
                s = out[g]
                h = right[g] + down[g] + left[g] + up[g]
                sign = s >> 63  # -1 for s = -1, else 0: x = s * h without a multiply
                x = (h ^ sign) - sign
                threshold = t1
                if x == 2:
                    threshold = t2
                if x == 3:
                    threshold = t3
                if x >= 4:
                    threshold = t4
                flip = (x <= 0) | (np.int64(draw >> np.uint64(1)) < threshold)
                out[g] = -s if flip else (s | zero)
            _refresh_ghosts(lat[p, b], width)


@numba.njit(cache=True)
def _draw_bonds(lat, states, bond_threshold, bonds):
    """Draw every Fortuin-Kasteleyn bond: active with probability ``1 - exp(-2 beta)`` between equal spins.

    ``bonds[d, i]`` is the bond from the sublattice-0 position ``i`` in direction ``d``
    (right, down, left, up), so each bond of the torus is drawn once, at its sublattice-0
    end.  The ghosts of ``lat`` must be current.  An empty site is 0 and so never bonds
    with an occupied one.
    """
    width = int(np.sqrt(lat.shape[2]) + 0.5)
    lanes = states.shape[1]
    st0 = states[0]
    st1 = states[1]
    st2 = states[2]
    st3 = states[3]
    for b in range(2):
        spins = lat[0, b, width : width + lanes]
        neighbours = _block_neighbours(lat, 0, b, width, lanes)
        start = b * width * width + width
        for d in range(4):
            other = neighbours[d]
            out = bonds[d, start : start + lanes]
            for g in range(lanes):
                draw = _lane_draw(st0, st1, st2, st3, g)
                out[g] = (spins[g] == other[g]) & (np.int64(draw >> np.uint64(1)) < bond_threshold)


@numba.njit(cache=True)
def _swendsen_wang_update(lat, sites, neighbours, bond_threshold, states, bonds, visited, stack):
    """Flip each Fortuin-Kasteleyn cluster with probability 1/2 (a Swendsen-Wang update).

    The clusters grow one at a time by depth-first search on the drawn bonds, each from
    its first site in ``sites``.  A cluster's coin is the next bit of a 64-bit draw.
    """
    _draw_bonds(lat, states, bond_threshold, bonds)
    spins = lat.reshape(lat.size)
    positions = np.uint32(spins.shape[0])
    lower = positions // np.uint32(2)  # sublattice-0 positions come first
    flat_bonds = bonds.reshape(bonds.size)
    visited[:] = 0
    coins = np.uint64(0)
    coins_left = 0
    for k in range(sites.shape[0]):
        start = sites[k]
        if visited[start]:
            continue
        if coins_left == 0:
            coins = _next_u64(states, 0)
            coins_left = 64
        s = spins[start]
        new_spin = -s if coins & np.uint64(1) else s
        coins >>= np.uint64(1)
        coins_left -= 1

        visited[start] = 1
        stack[0] = start
        top = 1
        while top > 0:
            top -= 1
            i = stack[top]
            spins[i] = new_spin
            for d in range(4):
                j = neighbours[i, d]
                # The bond is stored at its sublattice-0 end, in the direction seen from
                # there.  A conditional expression compiles to a branch-free select.
                slot = np.uint32(d) * positions + i if i < lower else np.uint32((d + 2) & 3) * positions + j
                if flat_bonds[slot] > visited[j]:
                    visited[j] = 1
                    stack[top] = j
                    top += 1


@numba.njit(cache=True)
def _wolff_cluster(spins, sites, neighbours, bond_threshold, states, stack):
    """Grow and flip one Wolff cluster from a random occupied site; return its size."""
    start = sites[_randint(states, 0, sites.shape[0])]
    s = spins[start]
    spins[start] = -s
    stack[0] = start
    top = 1
    size = 1
    while top > 0:
        top -= 1
        i = stack[top]
        for d in range(4):
            j = neighbours[i, d]
            if spins[j] == s and _bernoulli(states, 0, bond_threshold):
                spins[j] = -s
                stack[top] = j
                top += 1
                size += 1
    return size


@numba.njit(cache=True)
def _new_work(positions):
    """Scratch arrays of the cluster updates: bonds, visited marks and the stack."""
    return (
        np.zeros((4, positions), dtype=np.uint8),
        np.zeros(positions, dtype=np.uint8),
        np.empty(positions, dtype=np.uint32),
    )


@numba.njit(cache=True)
def _sweep(lat, sites, neighbours, thresholds, bond_threshold, schedule, states, work):
    width = int(np.sqrt(lat.shape[2]) + 0.5)
    bonds, visited, stack = work
    if schedule == 1:
        _swendsen_wang_update(lat, sites, neighbours, bond_threshold, states, bonds, visited, stack)
        _refresh_all_ghosts(lat, width)
    elif schedule == 2:
        _wolff_cluster(lat.reshape(lat.size), sites, neighbours, bond_threshold, states, stack)
        _refresh_all_ghosts(lat, width)
    _metropolis_sweep(lat, states, thresholds[0], thresholds[1], thresholds[2], thresholds[3])


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
def _metropolis_thresholds(beta):
    thresholds = np.empty(4, dtype=np.int64)
    for x in range(1, 5):
        thresholds[x - 1] = _threshold(np.exp(-2.0 * beta * x))
    return thresholds


@numba.njit(cache=True)
def _bond_threshold(beta):
    return _threshold(-np.expm1(-2.0 * beta))


@numba.njit(cache=True)
def _new_chain(size, sites, seed_words):
    """Allocate a chain's lattice and generators and draw random initial spins on ``sites``."""
    half = size // 2
    width = half + 2
    lat = np.zeros((2, 2, width * width), dtype=np.int64)
    states = _seed_lanes(seed_words, half * width)
    spins = lat.reshape(lat.size)
    for k in range(sites.shape[0]):
        spins[sites[k]] = 1 if (_next_u64(states, 0) >> np.uint64(63)) == 1 else -1
    _refresh_all_ghosts(lat, width)
    return lat, states


@numba.njit(cache=True, parallel=True)
def _run_chains(
    occupied_sites,
    site_counts,
    chain_mask,
    betas,
    seeds,
    neighbours,
    index,
    size,
    schedule,
    thermalization,
    spacing,
    keep,
    offsets,
    out_spins,
    out_energy,
    out_magnetization,
):
    """Run independent chains in parallel; chain c stores ``keep[c]`` configurations from row ``offsets[c]``."""
    n_chains = betas.shape[0]
    for c in numba.prange(n_chains):
        m = chain_mask[c]
        sites = occupied_sites[m, : site_counts[m]]
        beta = betas[c]
        thresholds = _metropolis_thresholds(beta)
        bond_threshold = _bond_threshold(beta)
        lat, states = _new_chain(size, sites, seeds[c])
        spins = lat.reshape(lat.size)
        work = _new_work(spins.shape[0])

        for _ in range(thermalization):
            _sweep(lat, sites, neighbours, thresholds, bond_threshold, schedule, states, work)

        n_occupied = sites.shape[0]
        for k in range(keep[c]):
            for _ in range(spacing):
                _sweep(lat, sites, neighbours, thresholds, bond_threshold, schedule, states, work)
            row = offsets[c] + k
            for n in range(index.shape[0]):
                out_spins[row, n] = spins[index[n]]
            out_energy[row] = -_bond_sum(spins, sites, neighbours) / n_occupied
            out_magnetization[row] = _spin_sum(spins, sites) / n_occupied


@numba.njit(cache=True)
def _run_series(size, sites, beta, seed_words, neighbours, schedule, thermalization, sweeps, energy, magnetization):
    thresholds = _metropolis_thresholds(beta)
    bond_threshold = _bond_threshold(beta)
    lat, states = _new_chain(size, sites, seed_words)
    spins = lat.reshape(lat.size)
    work = _new_work(spins.shape[0])
    for _ in range(thermalization):
        _sweep(lat, sites, neighbours, thresholds, bond_threshold, schedule, states, work)
    n_occupied = sites.shape[0]
    for t in range(sweeps):
        _sweep(lat, sites, neighbours, thresholds, bond_threshold, schedule, states, work)
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
    """Return the ``SeedSequence`` of the chain at (size, density, temperature, realization)."""
    return np.random.SeedSequence(
        seed, spawn_key=(_CHAIN_STREAM, size, _key(density), _key(temperature), realization)
    )


def _chain_seed_words(seed, size, density, temperature, realization):
    return chain_seed_sequence(seed, size, density, temperature, realization).generate_state(4, dtype=np.uint64)


def _occupied_positions(mask, index):
    """Positions of the occupied sites of ``mask`` in the chain's spin array, as uint32."""
    return index[np.flatnonzero(np.asarray(mask).ravel())]


def _site_tables(masks, index):
    n_sites = masks.shape[1] * masks.shape[2]
    occupied_sites = np.zeros((masks.shape[0], n_sites), dtype=np.uint32)
    counts = np.zeros(masks.shape[0], dtype=np.int64)
    for r, mask in enumerate(masks):
        sites = _occupied_positions(mask, index)
        occupied_sites[r, : sites.size] = sites
        counts[r] = sites.size
    return occupied_sites, counts


def _validate_size(size):
    size = lattice.validate_size(size)
    if size % 2:
        raise ValueError(
            f"invalid lattice size L={size}: the checkerboard Metropolis sweep needs an even L, "
            f"so that the torus splits into two sublattices; use L={size + 1} or L={size - 1}"
        )
    return size


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
        Linear lattice size, an even ``L >= 4``.
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
        stored configurations.  Defaults: 100 and 7 (see "Equilibration policy" in the
        module docstring).
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
    size = _validate_size(size)
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

    index, neighbours = _layout(size)
    occupied_sites, site_counts = _site_tables(masks, index)
    keep = samples_per_realization(samples, realizations)
    n_temperatures = temperatures.size

    chain_mask = np.tile(np.arange(realizations, dtype=np.int64), n_temperatures)
    betas = np.repeat(1.0 / temperatures, realizations)
    chain_keep = np.tile(keep, n_temperatures)
    offsets = np.concatenate([[0], np.cumsum(chain_keep)[:-1]]).astype(np.int64)
    seeds = np.empty((betas.size, 4), dtype=np.uint64)
    for c in range(betas.size):
        t, r = divmod(c, realizations)
        seeds[c] = _chain_seed_words(seed, size, density, temperatures[t], r)

    total = n_temperatures * samples
    out_spins = np.empty((total, size * size), dtype=np.int8)
    out_energy = np.empty(total)
    out_magnetization = np.empty(total)

    logger.info(
        "sampling L=%d rho=%.4g: %d temperatures x %d realizations, %d samples each",
        size, density, n_temperatures, realizations, samples,
    )
    _run_chains(
        occupied_sites, site_counts, chain_mask, betas, seeds, neighbours, index, size,
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


def time_series(
    size,
    density,
    temperature,
    sweeps,
    seed,
    *,
    thermalization=None,
    schedule="sw+metropolis",
    mask=None,
    realization=0,
):
    """Run one chain and return its energy and magnetization per spin after every sweep.

    The chain is the one that :func:`sample` runs at (size, density, temperature,
    realization), on that realization's occupation mask unless ``mask`` is given.  Used
    to measure autocorrelation times.  Returns ``(energy, magnetization)``, each a
    float64 array of length ``sweeps``.
    """
    size = _validate_size(size)
    temperature = lattice.validate_temperatures([temperature])[0]
    sweeps = _validate_count("sweeps", sweeps, 1)
    seed = _validate_seed(seed)
    thermalization = _validate_count(
        "thermalization", DEFAULT_THERMALIZATION if thermalization is None else thermalization, 0
    )
    schedule_code = _validate_schedule(schedule)
    realization = _validate_count("realization", realization, 0)
    if mask is None:
        density = lattice.validate_density(density)
        mask = realization_masks(size, density, realization + 1, seed)[realization]
    else:
        mask = np.asarray(mask, dtype=bool)
        if mask.shape != (size, size) or not mask.any():
            raise ValueError(f"invalid mask of shape {mask.shape}: expected ({size}, {size}) with an occupied site")
        density = mask.mean()

    index, neighbours = _layout(size)
    seed_words = _chain_seed_words(seed, size, density, temperature, realization)
    energy = np.empty(sweeps)
    magnetization = np.empty(sweeps)
    _run_series(
        size, _occupied_positions(mask, index), 1.0 / temperature, seed_words, neighbours,
        schedule_code, thermalization, sweeps, energy, magnetization,
    )
    return energy, magnetization
