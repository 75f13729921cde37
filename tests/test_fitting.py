"""Tests of the T_c(rho)/T_c(1) fit on synthetic data with known parameters."""

import json
import logging

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from ising_core.exact import PERCOLATION_THRESHOLD  # noqa: E402
from ising_core.fitting import (  # noqa: E402
    TcFit,
    UnderdeterminedFitError,
    fit_tc_ratio,
    normalized_transitions,
    tc_ratio_model,
)
from ising_core.plotting import plot_tc_ratio_fit  # noqa: E402

K, A, RHO_C = 0.77, 0.18, 0.597
DENSITIES = np.array([1.0, 0.9, 0.8, 0.7, 0.65, 0.64, 0.61, 0.6])
NOISE = 0.005


def synthetic_ratios(rng, noise=NOISE):
    errors = np.full(DENSITIES.size, noise)
    return tc_ratio_model(DENSITIES, K, A, RHO_C) + noise * rng.standard_normal(DENSITIES.size), errors


def test_model_formula():
    assert tc_ratio_model(0.8, 2.0, 0.5, 0.3) == pytest.approx(-2.0 / np.log(0.5) + 0.5)


def test_model_nan_below_rho_c():
    assert np.isnan(tc_ratio_model(0.5, K, A, RHO_C))


def test_fit_exact_data():
    fit = fit_tc_ratio(DENSITIES, tc_ratio_model(DENSITIES, K, A, RHO_C), np.full(DENSITIES.size, NOISE))
    assert fit.K == pytest.approx(K, abs=1e-5)
    assert fit.A == pytest.approx(A, abs=1e-5)
    assert fit.rho_c == pytest.approx(RHO_C, abs=1e-6)
    assert fit.chi2 < 1e-6


def test_fit_recovers_parameters_within_errors():
    ratios, errors = synthetic_ratios(np.random.default_rng(11))
    fit = fit_tc_ratio(DENSITIES, ratios, errors)
    assert isinstance(fit, TcFit)
    assert abs(fit.K - K) < 3 * fit.K_error
    assert abs(fit.A - A) < 3 * fit.A_error
    assert abs(fit.rho_c - RHO_C) < 3 * fit.rho_c_error
    assert fit.dof == DENSITIES.size - 3
    assert fit.reduced_chi2 == pytest.approx(fit.chi2 / fit.dof)
    assert not fit.rho_c_at_bound


def test_fit_errors_cover_truth():
    rng = np.random.default_rng(12)
    pulls, p_values = [], []
    for _ in range(60):
        fit = fit_tc_ratio(DENSITIES, *synthetic_ratios(rng))
        pulls.append([(fit.K - K) / fit.K_error, (fit.A - A) / fit.A_error, (fit.rho_c - RHO_C) / fit.rho_c_error])
        p_values.append(fit.p_value)
    covered = np.mean(np.abs(pulls) < 1, axis=0)
    # One standard error covers 68%; 60 fits give a binomial spread of 6%, so 3 of those.
    assert np.all(covered > 0.68 - 0.18)
    assert np.all(covered < 0.68 + 0.18)
    # p-values of a correct model are uniform: mean 0.5, spread 0.29 / sqrt(60) = 0.04.
    assert 0.5 - 0.12 < np.mean(p_values) < 0.5 + 0.12


def test_fit_rho_c_stays_below_smallest_density(caplog):
    # A low point at rho = 0.55 pulls rho_c towards it, but ln(rho - rho_c) caps it there.
    densities = np.append(DENSITIES, 0.55)
    ratios = np.append(tc_ratio_model(DENSITIES, K, A, RHO_C), 0.24)
    errors = np.full(densities.size, 0.02)
    with caplog.at_level(logging.WARNING, logger="ising_core.fitting"):
        fit = fit_tc_ratio(densities, ratios, errors)
    assert fit.rho_c < 0.55
    assert fit.rho_c_upper_bound == pytest.approx(0.55 - 1e-4)
    assert fit.rho_c_at_bound
    assert "upper bound" in caplog.text


def test_fit_underdetermined_with_three_points():
    with pytest.raises(UnderdeterminedFitError, match="needs at least 4 ordered densities, got 3.*or fix rho_c"):
        fit_tc_ratio([1.0, 0.9, 0.8], [1.0, 0.85, 0.7], [0.01, 0.01, 0.01])


def test_fit_underdetermined_fixed_rho_c():
    with pytest.raises(UnderdeterminedFitError, match="with rho_c fixed needs at least 3 ordered densities, got 2"):
        fit_tc_ratio([1.0, 0.7], [1.0, 0.5], [0.01, 0.01], rho_c=PERCOLATION_THRESHOLD)


def test_underdetermined_is_value_error():
    assert issubclass(UnderdeterminedFitError, ValueError)


def test_fit_fixed_rho_c_three_points():
    densities = DENSITIES[:3]
    fit = fit_tc_ratio(densities, tc_ratio_model(densities, K, A, RHO_C), np.full(3, NOISE), rho_c=RHO_C)
    assert fit.rho_c_fixed
    assert fit.rho_c == RHO_C
    assert fit.rho_c_error is None
    assert fit.dof == 1
    assert fit.K == pytest.approx(K, abs=1e-6)
    assert fit.A == pytest.approx(A, abs=1e-6)


def test_fit_rejects_fixed_rho_c_above_density():
    with pytest.raises(ValueError, match="below every fitted density"):
        fit_tc_ratio(DENSITIES, tc_ratio_model(DENSITIES, K, A, RHO_C), np.full(DENSITIES.size, NOISE), rho_c=0.61)


@pytest.mark.parametrize(
    ("errors", "message"),
    [
        (np.zeros(DENSITIES.size), "errors must be positive"),
        (np.full(DENSITIES.size - 1, NOISE), "equal lengths"),
    ],
)
def test_fit_rejects_bad_errors(errors, message):
    with pytest.raises(ValueError, match=message):
        fit_tc_ratio(DENSITIES, tc_ratio_model(DENSITIES, K, A, RHO_C), errors)


def test_fit_rejects_repeated_density():
    with pytest.raises(ValueError, match="must not repeat"):
        fit_tc_ratio([1.0, 0.9, 0.9, 0.8], [1.0, 0.8, 0.8, 0.7], [0.01] * 4)


def test_fit_as_dict_is_json():
    fit = fit_tc_ratio(DENSITIES, *synthetic_ratios(np.random.default_rng(13)))
    decoded = json.loads(json.dumps(fit.as_dict()))
    assert decoded["K"] == fit.K
    assert decoded["densities"] == DENSITIES.tolist()


def test_fit_callable_evaluates_model():
    fit = fit_tc_ratio(DENSITIES, *synthetic_ratios(np.random.default_rng(14)))
    assert fit(0.75) == pytest.approx(tc_ratio_model(0.75, fit.K, fit.A, fit.rho_c))


def test_normalized_transitions_propagates_errors():
    ratios, errors = normalized_transitions([1.0, 0.8], [2.0, 1.0], [0.02, 0.03])
    assert ratios.tolist() == [1.0, 0.5]
    assert errors[0] == pytest.approx(0.01)
    assert errors[1] == pytest.approx(0.5 * np.hypot(0.03, 0.01))


def test_normalized_transitions_needs_reference():
    with pytest.raises(ValueError, match="reference density 1 must appear exactly once"):
        normalized_transitions([0.9, 0.8], [2.0, 1.5], [0.1, 0.1])


def test_plot_tc_ratio_fit_labels():
    ratios, errors = synthetic_ratios(np.random.default_rng(15))
    fit = fit_tc_ratio(DENSITIES, ratios, errors)
    fig = plot_tc_ratio_fit(DENSITIES, ratios, errors, fits={"all densities": fit},
                            reference_fit={"K": K, "A": A, "rho_c": RHO_C, "label": "reference"},
                            percolation_threshold=PERCOLATION_THRESHOLD, unordered_densities=[0.55])
    ax = fig.axes[0]
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert ax.get_xlabel() == "spin density $\\rho$"
    assert len(labels) == 5
    assert "reference" in labels
    plt.close(fig)
