"""Extrapolation of finite-size estimates with a fixed correction exponent."""

import numpy as np
import pytest

from ising_core.finite_size import extrapolate


def test_exact_line_recovered():
    sizes = np.array([16, 24, 32, 40])
    values = 2.269 + 0.8 / sizes
    fit = extrapolate(sizes, values, np.full(4, 0.01), exponent=1.0)
    assert fit.limit == pytest.approx(2.269, abs=1e-12)
    assert fit.amplitude == pytest.approx(0.8, abs=1e-10)
    assert fit.chi2 == pytest.approx(0.0, abs=1e-18)
    assert fit.dof == 2


def test_limit_error_matches_scatter():
    rng = np.random.default_rng(4)
    sizes = np.array([16, 32, 64, 128])
    errors = np.array([4e-4, 3e-4, 2e-4, 1e-4])
    limits = []
    for _ in range(400):
        values = 0.5927 + 0.3 * sizes**-2.75 + errors * rng.standard_normal(4)
        limits.append(extrapolate(sizes, values, errors, exponent=2.75).limit)
    fit = extrapolate(sizes, 0.5927 + 0.3 * sizes**-2.75, errors, exponent=2.75)
    # The spread of 400 fitted limits estimates the standard error to about 4% (one standard deviation).
    assert np.std(limits, ddof=1) == pytest.approx(fit.limit_error, rel=0.25)


def test_two_sizes_pass_through_both():
    fit = extrapolate([8, 16], [2.4, 2.3], [0.02, 0.02], exponent=1.0)
    assert fit.dof == 0
    assert fit.p_value is None
    assert fit([8, 16]) == pytest.approx([2.4, 2.3])


@pytest.mark.parametrize(
    ("sizes", "values", "errors", "exponent", "message"),
    [
        ([16], [2.3], [0.01], 1.0, "at least two distinct sizes"),
        ([16, 16], [2.3, 2.31], [0.01, 0.01], 1.0, "at least two distinct sizes"),
        ([16, 32], [2.3, 2.31], [0.0, 0.01], 1.0, "errors must be positive"),
        ([16, 32], [2.3, np.nan], [0.01, 0.01], 1.0, "values finite"),
        ([16, 32], [2.3, 2.31], [0.01, 0.01], 0.0, "exponent must be a positive"),
        ([16, 32], [2.3], [0.01, 0.01], 1.0, "equal lengths"),
    ],
)
def test_invalid_input_rejected(sizes, values, errors, exponent, message):
    with pytest.raises(ValueError, match=message):
        extrapolate(sizes, values, errors, exponent)
