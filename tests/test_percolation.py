"""Newman-Ziff percolation: exact wrapping on enumerated tori, the threshold, validation."""

import itertools
from math import comb

import numpy as np
import pytest
from scipy import ndimage

from ising_core import percolation
from ising_core.exact import PERCOLATION_THRESHOLD

CROSS = np.array([[[0, 0, 0], [0, 0, 0], [0, 0, 0]],
                  [[0, 1, 0], [1, 1, 1], [0, 1, 0]],
                  [[0, 0, 0], [0, 0, 0], [0, 0, 0]]])


def all_occupations(size):
    """Every occupation pattern of an L x L torus, (2**N, L, L) bool, pattern k = bits of k."""
    n_sites = size * size
    codes = np.arange(2**n_sites, dtype=np.int64)[:, None]
    return ((codes >> np.arange(n_sites)) & 1).astype(bool).reshape(-1, size, size)


def wrapping_by_lift(occupations, chunk=4096):
    """Independent wrapping test: label clusters on an open tiling of the torus.

    A cluster wraps horizontally iff some site of the central copy is connected to one
    of its images shifted by (a L, b L) with a != 0.  A simple cycle of the torus has at
    most N = L**2 sites, so its winding numbers are at most L and its lift stays within N
    sites of its start: a (2L + 1) x (2L + 1) tiling with the central copy in the middle
    contains every such path.
    """
    count, size, _ = occupations.shape
    copies = 2 * size + 1
    centre = size * size  # first row/column of the central copy
    horizontal = np.zeros(count, dtype=bool)
    vertical = np.zeros(count, dtype=bool)
    shifts = [(a, b) for a, b in itertools.product(range(-size, size + 1), repeat=2) if (a, b) != (0, 0)]
    for start in range(0, count, chunk):
        block = occupations[start : start + chunk]
        tiled = np.tile(block, (1, copies, copies))
        labels, _ = ndimage.label(tiled, structure=CROSS)
        for row, col in itertools.product(range(size), repeat=2):
            own = labels[:, centre + row, centre + col]
            for a, b in shifts:
                same = (own > 0) & (labels[:, centre + row + b * size, centre + col + a * size] == own)
                if a != 0:
                    horizontal[start : start + chunk] |= same
                if b != 0:
                    vertical[start : start + chunk] |= same
    return horizontal, vertical


@pytest.fixture(scope="module")
def torus_4x4():
    occupations = all_occupations(4)
    return occupations, wrapping_by_lift(occupations)


def exact_canonical(occupations, wrapped):
    """Fraction of the C(N, n) patterns with n occupied sites that wrap, n = 0..N."""
    n_sites = occupations.shape[1] * occupations.shape[2]
    occupied = occupations.reshape(occupations.shape[0], -1).sum(axis=1)
    counts = np.bincount(occupied[wrapped], minlength=n_sites + 1)
    return counts / np.array([comb(n_sites, n) for n in range(n_sites + 1)])


def test_wrapping_matches_lift_3x3():
    occupations = all_occupations(3)
    horizontal, vertical = percolation.wrapping_of_occupations(occupations)
    expected_horizontal, expected_vertical = wrapping_by_lift(occupations)
    assert np.array_equal(horizontal, expected_horizontal)
    assert np.array_equal(vertical, expected_vertical)


def test_wrapping_matches_lift_4x4(torus_4x4):
    occupations, (expected_horizontal, expected_vertical) = torus_4x4
    horizontal, vertical = percolation.wrapping_of_occupations(occupations)
    assert np.array_equal(horizontal, expected_horizontal)
    assert np.array_equal(vertical, expected_vertical)


def test_full_row_wraps_horizontally_only():
    occupation = np.zeros((5, 5), dtype=bool)
    occupation[2] = True
    horizontal, vertical = percolation.wrapping_of_occupations(occupation)
    assert horizontal
    assert not vertical


def test_diagonal_staircase_wraps_both_ways():
    # A staircase closing with winding (1, 1): a loop around both directions at once.
    occupation = np.zeros((4, 4), dtype=bool)
    for k in range(4):
        occupation[k, k] = True
        occupation[k, (k + 1) % 4] = True
    horizontal, vertical = percolation.wrapping_of_occupations(occupation)
    assert horizontal
    assert vertical


@pytest.mark.parametrize("kind", ["either", "both", "horizontal"])
def test_canonical_wrapping_matches_enumeration(torus_4x4, kind):
    occupations, (horizontal, vertical) = torus_4x4
    if kind == "either":
        exact = exact_canonical(occupations, horizontal | vertical)
    elif kind == "both":
        exact = exact_canonical(occupations, horizontal & vertical)
    else:
        exact = 0.5 * (exact_canonical(occupations, horizontal) + exact_canonical(occupations, vertical))

    runs = percolation.sample_wrapping(4, 20000, seed=3)
    measured = percolation.canonical_wrapping(runs, kind)

    # Binomial standard error of a fraction of the runs; for "horizontal", the average of
    # two equally likely directions, it is an upper bound.  4 errors over 17 values.
    standard_error = np.sqrt(np.maximum(exact * (1 - exact), 1e-12) / runs.runs)
    assert np.all(np.abs(measured - exact) <= 4 * standard_error + 1e-12)


def test_binomial_convolution_matches_polynomial(torus_4x4):
    occupations, (horizontal, vertical) = torus_4x4
    wrapped = horizontal | vertical
    occupied = occupations.reshape(occupations.shape[0], -1).sum(axis=1)
    counts = np.bincount(occupied[wrapped], minlength=17)
    p = np.array([0.2, 0.5, 0.5927, 0.8])
    polynomial = sum(counts[n] * p**n * (1 - p) ** (16 - n) for n in range(17))

    convolved = percolation.binomial_convolution(exact_canonical(occupations, wrapped), p)
    assert np.allclose(convolved, polynomial, rtol=1e-12, atol=1e-14)


def test_canonical_wrapping_endpoints():
    runs = percolation.sample_wrapping(8, 50, seed=0)
    either = percolation.canonical_wrapping(runs, "either")
    assert either[0] == 0.0
    assert either[-1] == 1.0
    assert np.all(np.diff(either) >= 0)


def test_runs_reproducible_and_prefix_stable():
    first = percolation.sample_wrapping(12, 40, seed=5)
    again = percolation.sample_wrapping(12, 40, seed=5)
    longer = percolation.sample_wrapping(12, 80, seed=5)
    assert np.array_equal(first.first_horizontal, again.first_horizontal)
    assert np.array_equal(first.first_vertical, longer.first_vertical[:40])


def test_threshold_estimate_within_error_of_pc():
    runs = percolation.sample_wrapping(32, 2000, seed=11)
    estimate = percolation.threshold_estimate(runs)
    assert 0 < estimate.error < 0.002
    # The L**(-11/4) bias at L = 32 is far below the statistical error.
    assert abs(estimate.value - PERCOLATION_THRESHOLD) < 3 * estimate.error


def test_extrapolated_threshold_within_error():
    estimates = [percolation.threshold_estimate(percolation.sample_wrapping(size, 1500, seed=2)) for size in (16, 32)]
    fit = percolation.extrapolate_threshold(estimates)
    assert abs(fit.limit - PERCOLATION_THRESHOLD) < 3 * fit.limit_error


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"size": 2, "runs": 10, "seed": 0}, "L >= 3"),
        ({"size": 8.0, "runs": 10, "seed": 0}, "expected an integer"),
        ({"size": 8, "runs": 0, "seed": 0}, "invalid runs"),
        ({"size": 8, "runs": 10, "seed": -1}, "invalid seed"),
    ],
)
def test_sample_wrapping_rejects_invalid_arguments(arguments, message):
    with pytest.raises(ValueError, match=message):
        percolation.sample_wrapping(**arguments)


def test_unknown_kind_rejected():
    runs = percolation.sample_wrapping(8, 10, seed=0)
    with pytest.raises(ValueError, match="unknown wrapping kind"):
        percolation.canonical_wrapping(runs, "diagonal")


def test_threshold_of_non_monotone_kind_rejected():
    runs = percolation.sample_wrapping(8, 10, seed=0)
    with pytest.raises(ValueError, match="not monotone"):
        percolation.threshold_estimate(runs, kind="one")
