"""Site percolation on the square-lattice torus by the Newman-Ziff algorithm.

One *run* occupies the ``N = L**2`` sites of an ``L x L`` torus one at a time, in a
uniformly random order, and merges clusters with a union-find structure (union by size,
path compression).  Every site also stores its displacement to its parent in unwrapped
lattice coordinates.  When a new bond joins two sites of the same cluster, their
displacements to the root differ by a whole number of lattice periods.  A non-zero
difference in x (y) means that the cluster now wraps around the torus horizontally
(vertically).  This is the wrapping test of M. E. J. Newman and R. M. Ziff, Phys. Rev. E
64, 016706 (2001).

A run stores only the number of occupied sites at which a wrapping cluster first appears
in each direction, because a wrapping cluster never stops wrapping as sites are added.
That gives the *canonical* wrapping probability ``R_n`` at every occupation number
``n = 0..N`` at once.  The binomial convolution
``R(p) = sum_n C(N, n) p^n (1 - p)^(N - n) R_n`` turns it into the probability at
occupation probability ``p``, with every site occupied independently.

The threshold estimate of a size ``L`` solves ``R(p) = R(p_c)``, where ``R(p_c)`` is the
exact wrapping probability of critical percolation on the infinite square torus.  Newman
and Ziff report that this estimate approaches ``p_c`` as ``L**(-2 - 1/nu) = L**(-11/4)``.
"""

from __future__ import annotations

import logging
import numbers
from dataclasses import dataclass

import numba
import numpy as np
from scipy import optimize, stats

from .finite_size import extrapolate
from .lattice import torus_neighbours
from .statistics import jackknife

logger = logging.getLogger(__name__)

MIN_SIZE = 3
"""Smallest torus: with L >= 3 the four neighbours of a site are distinct sites."""

WRAPPING_KINDS = ("horizontal", "either", "both", "one")
"""Wrapping events: in one given direction, in either, in both, in exactly one."""

CRITICAL_WRAPPING = {
    "horizontal": 0.521058290,
    "either": 0.690473725,
    "both": 0.351642855,
    "one": 0.338830870,
}
"""Exact wrapping probabilities of critical percolation on the infinite square torus.

Values for aspect ratio 1, as quoted by Newman and Ziff (2001) from the exact results of
Pinson and of Ziff, Lorenz and Kleban.  They are universal, the same for site and bond
percolation.  ``one = either - both``.
"""

THRESHOLD_CORRECTION_EXPONENT = 11.0 / 4.0
"""Exponent ``2 + 1/nu`` (``nu = 4/3``) of the leading finite-size correction of the estimate ``R(p) = R(p_c)``."""

_NOT_YET = -1
_GOLDEN_GAMMA = np.uint64(0x9E3779B97F4A7C15)


# ---------------------------------------------------------------------------------------
# Numba kernels
# ---------------------------------------------------------------------------------------


@numba.njit(cache=True)
def _splitmix64_next(state):
    """Advance the SplitMix64 generator ``state[0]`` and return its next output (uint64)."""
    state[0] += _GOLDEN_GAMMA
    z = state[0]
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@numba.njit(cache=True)
def _shuffle(order, state):
    """Fisher-Yates shuffle of ``order`` in place."""
    for i in range(order.size - 1, 0, -1):
        # Top 53 bits scaled to [0, i + 1); the rounding bias is below 2**-53 * N.
        j = np.int64(np.float64(_splitmix64_next(state) >> np.uint64(11)) * ((i + 1) / 9007199254740992.0))
        swap = order[i]
        order[i] = order[j]
        order[j] = swap


@numba.njit(cache=True)
def _find_root(parent, shift_x, shift_y, site, path):
    """Return the root of ``site`` and compress its path.

    ``shift_x[s], shift_y[s]`` is the displacement from site ``s`` to its parent in
    unwrapped coordinates.  After the call every site of the path points at the root and
    stores its displacement to it.
    """
    length = 0
    root = site
    while parent[root] != root:
        path[length] = root
        length += 1
        root = parent[root]

    # From the site next to the root down to `site`: each parent already points at the root.
    for k in range(length - 2, -1, -1):
        node = path[k]
        above = parent[node]
        shift_x[node] += shift_x[above]
        shift_y[node] += shift_y[above]
        parent[node] = root
    return root


@numba.njit(cache=True)
def _occupy(site, parent, shift_x, shift_y, cluster_size, neighbours, steps, path, wrapped, occupation):
    """Occupy ``site``, merge it with its occupied neighbours and record new wrapping.

    ``wrapped[0]`` (``wrapped[1]``) receives ``occupation`` when this site makes a
    cluster wrap horizontally (vertically) for the first time.
    """
    parent[site] = site
    shift_x[site] = 0
    shift_y[site] = 0
    cluster_size[site] = 1

    for direction in range(4):
        other = neighbours[site, direction]
        if parent[other] < 0:
            continue
        root_site = _find_root(parent, shift_x, shift_y, site, path)
        root_other = _find_root(parent, shift_x, shift_y, other, path)

        # Unwrapped position of `other` is position(site) + step, so the two routes to
        # a common root must agree up to whole periods of the torus.
        mismatch_x = shift_x[site] - shift_x[other] - steps[direction, 0]
        mismatch_y = shift_y[site] - shift_y[other] - steps[direction, 1]
        if root_site == root_other:
            if mismatch_x != 0 and wrapped[0] == _NOT_YET:
                wrapped[0] = occupation
            if mismatch_y != 0 and wrapped[1] == _NOT_YET:
                wrapped[1] = occupation
        elif cluster_size[root_site] >= cluster_size[root_other]:
            parent[root_other] = root_site
            shift_x[root_other] = mismatch_x
            shift_y[root_other] = mismatch_y
            cluster_size[root_site] += cluster_size[root_other]
        else:
            parent[root_site] = root_other
            shift_x[root_site] = -mismatch_x
            shift_y[root_site] = -mismatch_y
            cluster_size[root_other] += cluster_size[root_site]


@numba.njit(cache=True)
def _first_wrapping(order, n_sites, neighbours, steps, wrapped):
    """Occupy the sites in ``order`` until clusters wrap both ways; fill ``wrapped`` (x, y).

    ``wrapped`` keeps ``_NOT_YET`` for a direction in which no cluster wraps once every
    site of ``order`` (possibly fewer than ``n_sites``) is occupied.
    """
    parent = np.full(n_sites, -1, dtype=np.int64)
    shift_x = np.zeros(n_sites, dtype=np.int64)
    shift_y = np.zeros(n_sites, dtype=np.int64)
    cluster_size = np.zeros(n_sites, dtype=np.int64)
    path = np.empty(n_sites, dtype=np.int64)
    wrapped[0] = _NOT_YET
    wrapped[1] = _NOT_YET

    for k in range(order.size):
        _occupy(order[k], parent, shift_x, shift_y, cluster_size, neighbours, steps, path, wrapped, k + 1)
        if wrapped[0] != _NOT_YET and wrapped[1] != _NOT_YET:
            break


@numba.njit(cache=True, parallel=True)
def _run_many(n_sites, neighbours, steps, seeds, first_horizontal, first_vertical):
    for run in numba.prange(seeds.size):
        state = np.empty(1, dtype=np.uint64)
        state[0] = seeds[run]
        order = np.arange(n_sites)
        _shuffle(order, state)
        wrapped = np.empty(2, dtype=np.int64)
        _first_wrapping(order, n_sites, neighbours, steps, wrapped)
        first_horizontal[run] = wrapped[0]
        first_vertical[run] = wrapped[1]


@numba.njit(cache=True)
def _wrapping_of_sets(occupations, neighbours, steps, horizontal, vertical):
    n_sites = occupations.shape[1]
    wrapped = np.empty(2, dtype=np.int64)
    for index in range(occupations.shape[0]):
        order = np.flatnonzero(occupations[index])
        _first_wrapping(order, n_sites, neighbours, steps, wrapped)
        horizontal[index] = wrapped[0] != _NOT_YET
        vertical[index] = wrapped[1] != _NOT_YET


# ---------------------------------------------------------------------------------------
# Python API
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WrappingRuns:
    """Newman-Ziff runs on one ``L x L`` torus.

    Attributes
    ----------
    size : int
        Linear size ``L``.
    seed : int
        Root seed of the runs.
    first_horizontal, first_vertical : numpy.ndarray
        int64 ``(runs,)``: the number of occupied sites at which a cluster first wraps
        around the torus horizontally (vertically).  Every run reaches both before the
        lattice is full, because the full torus wraps both ways.
    """

    size: int
    seed: int
    first_horizontal: np.ndarray
    first_vertical: np.ndarray

    @property
    def runs(self):
        """Number of runs."""
        return int(self.first_horizontal.size)

    @property
    def n_sites(self):
        """Number of lattice sites ``L**2``."""
        return self.size * self.size

    def subset(self, indices):
        """Return the runs at ``indices`` as a new WrappingRuns."""
        indices = np.asarray(indices, dtype=np.int64)
        return WrappingRuns(self.size, self.seed, self.first_horizontal[indices], self.first_vertical[indices])


@dataclass(frozen=True)
class ThresholdEstimate:
    """Occupation probability where the wrapping probability of one size reaches a target.

    Attributes
    ----------
    size : int
        Linear size ``L``.
    value, error : float
        Jackknife (bias-corrected) estimate of ``p_L`` with ``R_L(p_L) = target``, and its
        jackknife standard error over groups of runs.
    kind : str
        Wrapping event, one of ``WRAPPING_KINDS``.
    target : float
        Wrapping probability solved for.
    runs : int
        Runs that entered the estimate.
    """

    size: int
    value: float
    error: float
    kind: str
    target: float
    runs: int

    def as_dict(self):
        """Plain-JSON form for the results files."""
        return {"size": self.size, "value": self.value, "error": self.error, "kind": self.kind,
                "target": self.target, "runs": self.runs}


def _lattice_steps():
    """Unwrapped ``(dx, dy)`` of the right, down, left and up neighbours of ``torus_neighbours``."""
    return np.array([[1, 0], [0, 1], [-1, 0], [0, -1]], dtype=np.int64)


def validate_size(size):
    """Return ``size`` as an int, raising ``ValueError`` unless it is an integer ``L >= 3``."""
    if isinstance(size, bool) or not isinstance(size, numbers.Integral):
        raise ValueError(f"invalid lattice size {size!r}: expected an integer L >= {MIN_SIZE}")
    if size < MIN_SIZE:
        raise ValueError(
            f"invalid lattice size L={size}: the torus needs L >= {MIN_SIZE} so that the four "
            "neighbours of a site are distinct"
        )
    return int(size)


def _validate_count(name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"invalid {name} {value!r}: expected an integer >= {minimum}")
    return int(value)


def _validate_kind(kind):
    if kind not in WRAPPING_KINDS:
        raise ValueError(f"unknown wrapping kind {kind!r}: choose one of {', '.join(WRAPPING_KINDS)}")
    return kind


def run_seeds(size, runs, seed):
    """64-bit seed words of the runs ``0..runs-1`` on ``L = size``.

    Word ``r`` depends only on ``(seed, size, r)``, so the first runs of a longer series
    repeat a shorter one.
    """
    sequence = np.random.SeedSequence(seed, spawn_key=(size,))
    return sequence.generate_state(runs, dtype=np.uint64)


def sample_wrapping(size, runs, seed):
    """Run the Newman-Ziff algorithm ``runs`` times on an ``L x L`` torus.

    Parameters
    ----------
    size : int
        Linear lattice size ``L >= 3``.
    runs : int
        Number of independent random occupation orders.
    seed : int
        Root seed; run ``r`` shuffles the sites with a SplitMix64 generator seeded from
        ``SeedSequence(seed, spawn_key=(L,))``, word ``r``.

    Returns
    -------
    WrappingRuns

    Notes
    -----
    The kernels are compiled by numba on first use and cached on disk afterwards.  The
    runs are spread over threads with ``prange``, and the result does not depend on the
    number of threads.  A run costs about ``0.6 N`` site additions, because it stops as
    soon as clusters wrap both ways.
    """
    size = validate_size(size)
    runs = _validate_count("runs", runs, 1)
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"invalid seed {seed!r}: expected a non-negative integer")

    first_horizontal = np.empty(runs, dtype=np.int64)
    first_vertical = np.empty(runs, dtype=np.int64)
    logger.info("Newman-Ziff: %d runs on L=%d", runs, size)
    _run_many(size * size, torus_neighbours(size), _lattice_steps(), run_seeds(size, runs, int(seed)),
              first_horizontal, first_vertical)
    return WrappingRuns(size, int(seed), first_horizontal, first_vertical)


def wrapping_of_occupations(occupations):
    """Detect wrapping clusters in each occupation pattern of an ``L x L`` torus.

    The sites are added to the union-find structure in increasing index order, with the
    same kernel as :func:`sample_wrapping`.  The result does not depend on that order.

    Parameters
    ----------
    occupations : array_like of bool
        ``(L, L)`` or ``(..., L, L)``.

    Returns
    -------
    horizontal, vertical : numpy.ndarray of bool
        Shape ``(...)``: a cluster wraps horizontally (along the columns, x), vertically
        (along the rows, y).
    """
    occupations = np.asarray(occupations, dtype=bool)
    if occupations.ndim < 2 or occupations.shape[-1] != occupations.shape[-2]:
        raise ValueError(f"occupations must have shape (..., L, L), got {occupations.shape}")
    size = validate_size(occupations.shape[-1])
    flat = occupations.reshape(-1, size * size).astype(np.int8)
    horizontal = np.empty(flat.shape[0], dtype=np.bool_)
    vertical = np.empty(flat.shape[0], dtype=np.bool_)
    _wrapping_of_sets(flat, torus_neighbours(size), _lattice_steps(), horizontal, vertical)
    shape = occupations.shape[:-2]
    return horizontal.reshape(shape), vertical.reshape(shape)


def canonical_wrapping(wrapping_runs, kind="either"):
    """Return the fraction of runs with a wrapping cluster at each occupation number ``n = 0..N``.

    For ``kind="horizontal"`` the horizontal and vertical events of every run are
    averaged, because the square torus treats both directions alike.

    Returns
    -------
    numpy.ndarray
        float64 ``(N + 1,)``, non-decreasing, 0 at ``n = 0`` and 1 at ``n = N`` (except
        for ``"one"``, which is 0 on the full lattice).
    """
    kind = _validate_kind(kind)
    n_sites = wrapping_runs.n_sites
    horizontal = _cumulative_fraction(wrapping_runs.first_horizontal, n_sites)
    vertical = _cumulative_fraction(wrapping_runs.first_vertical, n_sites)
    first_either = np.minimum(wrapping_runs.first_horizontal, wrapping_runs.first_vertical)
    first_both = np.maximum(wrapping_runs.first_horizontal, wrapping_runs.first_vertical)

    if kind == "horizontal":
        return 0.5 * (horizontal + vertical)
    either = _cumulative_fraction(first_either, n_sites)
    if kind == "either":
        return either
    both = _cumulative_fraction(first_both, n_sites)
    if kind == "both":
        return both
    return either - both


def _cumulative_fraction(first, n_sites):
    """Fraction of runs whose event has happened at each occupation ``0..N``."""
    counts = np.bincount(first, minlength=n_sites + 1)[: n_sites + 1]
    return np.cumsum(counts) / first.size


def binomial_convolution(canonical, occupation_probability):
    """Convert a canonical quantity ``Q_n`` (``n = 0..N``) into ``Q(p) = sum_n B(N, n, p) Q_n``.

    ``B(N, n, p)`` is the binomial probability of ``n`` occupied sites among ``N`` when
    each is occupied independently with probability ``p``.

    Parameters
    ----------
    canonical : array_like
        ``(N + 1,)`` values at ``n = 0..N``.
    occupation_probability : float or array_like
        Values of ``p`` in ``[0, 1]``.

    Returns
    -------
    float or numpy.ndarray
        Same shape as ``occupation_probability``.
    """
    canonical = np.asarray(canonical, dtype=np.float64)
    if canonical.ndim != 1 or canonical.size < 2:
        raise ValueError(f"canonical must be a 1-d array of N + 1 >= 2 values, got shape {canonical.shape}")
    p = np.asarray(occupation_probability, dtype=np.float64)
    if np.any(~np.isfinite(p) | (p < 0) | (p > 1)):
        raise ValueError(f"occupation probabilities must lie in [0, 1], got {p}")

    n_sites = canonical.size - 1
    flat = p.ravel()
    result = np.empty(flat.size)
    for k, probability in enumerate(flat):
        # Terms more than 12 standard deviations from the mean weigh less than 1e-30.
        spread = 12.0 * np.sqrt(n_sites * probability * (1.0 - probability)) + 2.0
        low = max(0, int(np.floor(n_sites * probability - spread)))
        high = min(n_sites, int(np.ceil(n_sites * probability + spread)))
        occupied = np.arange(low, high + 1)
        result[k] = stats.binom.pmf(occupied, n_sites, probability) @ canonical[low : high + 1]
    return result.reshape(p.shape) if p.ndim else float(result[0])


def wrapping_probability(wrapping_runs, occupation_probability, kind="either"):
    """Wrapping probability ``R(p)`` at occupation probabilities ``p`` (binomial convolution)."""
    return binomial_convolution(canonical_wrapping(wrapping_runs, kind), occupation_probability)


def solve_occupation(canonical, target):
    """Return the ``p`` in ``(0, 1)`` where ``sum_n B(N, n, p) Q_n = target``.

    ``Q_n`` must be non-decreasing from ``Q_0 < target`` to ``Q_N > target``, so that the
    root is unique.
    """
    canonical = np.asarray(canonical, dtype=np.float64)
    if not canonical[0] < target < canonical[-1]:
        raise ValueError(
            f"target {target:g} must lie strictly between Q_0 = {canonical[0]:g} and Q_N = {canonical[-1]:g}"
        )
    return float(optimize.brentq(lambda p: binomial_convolution(canonical, p) - target, 0.0, 1.0, xtol=1e-12))


def threshold_estimate(wrapping_runs, kind="either", target=None, groups=20):
    """Estimate ``p_L`` with ``R_L(p_L) = target`` and its jackknife error.

    Parameters
    ----------
    wrapping_runs : WrappingRuns
    kind : str
        ``"either"`` (default), ``"horizontal"`` or ``"both"``.  ``"one"`` is not
        monotone in ``p`` and has no unique solution.
    target : float, optional
        Wrapping probability to solve for; default ``CRITICAL_WRAPPING[kind]``.
    groups : int
        Runs are split into this many groups for the jackknife (fewer when there are
        fewer runs, at least 2).

    Returns
    -------
    ThresholdEstimate
    """
    kind = _validate_kind(kind)
    if kind == "one":
        raise ValueError("kind 'one' is not monotone in p; use 'either', 'horizontal' or 'both'")
    target = CRITICAL_WRAPPING[kind] if target is None else float(target)
    if not 0.0 < target < 1.0:
        raise ValueError(f"target {target!r} must lie in (0, 1)")
    groups = min(_validate_count("groups", groups, 2), wrapping_runs.runs)
    if groups < 2:
        raise ValueError(f"the jackknife needs at least 2 runs, got {wrapping_runs.runs}")

    def estimator(indices):
        subset = wrapping_runs.subset(indices.astype(np.int64))
        return solve_occupation(canonical_wrapping(subset, kind), target)

    blocks = np.array_split(np.arange(wrapping_runs.runs), groups)
    value, error = jackknife(estimator, blocks)
    return ThresholdEstimate(wrapping_runs.size, value, error, kind, target, wrapping_runs.runs)


def extrapolate_threshold(estimates):
    """Fit ``p_L = p_c + a L**(-11/4)`` to the threshold estimates of several sizes.

    Parameters
    ----------
    estimates : iterable of ThresholdEstimate
        At least two sizes, all of one wrapping kind.

    Returns
    -------
    ising_core.finite_size.FiniteSizeFit
        ``limit`` is the extrapolated threshold.
    """
    estimates = list(estimates)
    kinds = {estimate.kind for estimate in estimates}
    if len(kinds) > 1:
        raise ValueError(f"threshold estimates of different wrapping kinds {sorted(kinds)} cannot be combined")
    return extrapolate(
        [estimate.size for estimate in estimates],
        [estimate.value for estimate in estimates],
        [estimate.error for estimate in estimates],
        THRESHOLD_CORRECTION_EXPONENT,
    )
