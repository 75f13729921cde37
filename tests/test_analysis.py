"""Tests of the transition estimators and the class-probability figure."""

import logging

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from ising_core.analysis import (  # noqa: E402
    CrossingEstimate,
    NoCrossingError,
    PeakEstimate,
    bootstrap_crossing,
    bootstrap_maximum_sd,
    crossing_temperature,
    maximum_sd_temperature,
    mean_probabilities,
)
from ising_core.plotting import plot_class_probabilities  # noqa: E402

STEP = 0.02
TEMPERATURES = np.round(np.arange(1.5, 3.1 + STEP / 2, STEP), 10)
TRUE_CROSSING = 2.291
WIDTH = 0.1


def logistic(temperatures, crossing=TRUE_CROSSING, width=WIDTH):
    return 1.0 / (1.0 + np.exp((temperatures - crossing) / width))


def noisy_samples(rng, samples=300, noise=0.2):
    """Per-configuration values whose mean over configurations is the logistic."""
    curve = logistic(TEMPERATURES)
    return curve[:, np.newaxis] + noise * rng.standard_normal((len(TEMPERATURES), samples))


def alternating_samples(amplitudes, samples=10):
    """Values whose standard deviation at each temperature is proportional to amplitude."""
    signs = np.where(np.arange(samples) % 2 == 0, 1.0, -1.0)
    return 3.0 + amplitudes[:, np.newaxis] * signs


def test_mean_probabilities_averages_samples():
    probabilities = np.zeros((3, 4, 2))
    probabilities[:, :2, 0] = 1.0
    probabilities[:, 2:, 1] = 1.0
    assert np.array_equal(mean_probabilities(probabilities), np.full((3, 2), 0.5))


def test_mean_probabilities_rejects_2d():
    with pytest.raises(ValueError, match="n_temperatures, samples, num_classes"):
        mean_probabilities(np.zeros((3, 2)))


def test_crossing_recovers_logistic():
    estimate = crossing_temperature(TEMPERATURES, logistic(TEMPERATURES))
    # The logistic has no curvature at its midpoint, so linear interpolation
    # is far better than the grid spacing.
    assert abs(estimate - TRUE_CROSSING) < 0.01 * STEP


def test_crossing_at_grid_point():
    assert crossing_temperature([1.0, 2.0, 3.0], [0.9, 0.5, 0.1]) == 2.0


def test_crossing_other_level():
    assert crossing_temperature([1.0, 2.0], [1.0, 0.0], level=0.25) == pytest.approx(1.75)


def test_crossing_ignores_earlier_dip():
    values = [0.9, 0.4, 0.8, 0.6, 0.2]
    assert crossing_temperature([1.0, 2.0, 3.0, 4.0, 5.0], values) == pytest.approx(4.25)


def test_crossing_after_rise_from_below():
    values = [0.3, 0.7, 0.1]
    assert crossing_temperature([1.0, 2.0, 3.0], values) == pytest.approx(2.0 + 1.0 / 3)


def test_crossing_never_above_raises():
    with pytest.raises(NoCrossingError, match="p never exceeds 0.5 between T=1 and T=3: no ordered range"):
        crossing_temperature([1.0, 2.0, 3.0], [0.4, 0.3, 0.2])


def test_crossing_at_level_not_above():
    with pytest.raises(NoCrossingError, match="never exceeds"):
        crossing_temperature([1.0, 2.0], [0.5, 0.5])


def test_crossing_above_at_top_raises():
    with pytest.raises(NoCrossingError, match="still above 0.5 at the highest temperature T=3"):
        crossing_temperature([1.0, 2.0, 3.0], [0.9, 0.3, 0.6])


def test_no_crossing_error_is_value_error():
    assert issubclass(NoCrossingError, ValueError)


def test_crossing_names_quantity():
    with pytest.raises(NoCrossingError, match="p\\[F\\] never exceeds"):
        crossing_temperature([1.0, 2.0], [0.1, 0.0], quantity="p[F]")


@pytest.mark.parametrize(
    ("temperatures", "values", "message"),
    [
        ([1.0, 1.0, 2.0], [0.9, 0.6, 0.1], "strictly increasing"),
        ([2.0, 1.0], [0.9, 0.1], "strictly increasing"),
        ([1.0], [0.9], "at least 2 points"),
        ([1.0, 2.0], [0.9, 0.5, 0.1], "one entry per temperature"),
        ([1.0, 2.0], [0.9, np.nan], "NaN or infinity"),
    ],
)
def test_crossing_rejects(temperatures, values, message):
    with pytest.raises(ValueError, match=message):
        crossing_temperature(temperatures, values)


def test_bootstrap_crossing_within_errors():
    rng = np.random.default_rng(1)
    estimate = bootstrap_crossing(TEMPERATURES, noisy_samples(rng), resamples=200, seed=2)
    assert isinstance(estimate, CrossingEstimate)
    assert estimate.resamples_used == 200
    assert estimate.failed_resamples == 0
    assert abs(estimate.value - TRUE_CROSSING) < 4 * estimate.error


def test_bootstrap_error_matches_repeats():
    rng = np.random.default_rng(3)
    estimates = [
        bootstrap_crossing(TEMPERATURES, noisy_samples(rng), resamples=100, seed=seed)
        for seed in range(40)
    ]
    spread = np.std([estimate.value for estimate in estimates], ddof=1)
    mean_error = np.mean([estimate.error for estimate in estimates])
    # The bootstrap error of one data set scatters by about 30% here, so the
    # mean of 40 by about 5%, and the SD of 40 crossings by about 11%. Their
    # ratio is uncertain by about 12%, and a factor of 1.5 is about 3 of those.
    assert spread / 1.5 < mean_error < 1.5 * spread


def test_bootstrap_counts_failed_resamples(caplog):
    rng = np.random.default_rng(5)
    values = np.zeros((3, 50))
    values[0] = 0.52 + 0.3 * rng.standard_normal(50)
    values[0] += 0.52 - values[0].mean()
    with caplog.at_level(logging.WARNING, logger="ising_core.analysis"):
        estimate = bootstrap_crossing([1.0, 2.0, 3.0], values, resamples=100, seed=0)
    assert estimate.failed_resamples > 0
    assert estimate.resamples_used + estimate.failed_resamples == 100
    assert "did not cross" in caplog.text


def test_bootstrap_same_seed_same_error():
    values = noisy_samples(np.random.default_rng(6), samples=50)
    first = bootstrap_crossing(TEMPERATURES, values, resamples=20, seed=9)
    second = bootstrap_crossing(TEMPERATURES, values, resamples=20, seed=9)
    assert first == second


def test_bootstrap_crossing_raises_without_crossing():
    with pytest.raises(NoCrossingError):
        bootstrap_crossing([1.0, 2.0], np.full((2, 5), 0.2), resamples=10)


def test_bootstrap_rejects_bad_shape():
    with pytest.raises(ValueError, match="n_temperatures, samples"):
        bootstrap_crossing([1.0, 2.0, 3.0], np.zeros((2, 5)))


def test_bootstrap_rejects_one_resample():
    with pytest.raises(ValueError, match="resamples=1 is invalid"):
        bootstrap_crossing(TEMPERATURES, noisy_samples(np.random.default_rng(0)), resamples=1)


def test_maximum_sd_finds_grid_peak():
    amplitudes = np.exp(-((TEMPERATURES - 2.4) ** 2) / (2 * 0.15**2))
    assert maximum_sd_temperature(TEMPERATURES, alternating_samples(amplitudes)) == 2.4


def test_maximum_sd_refine_recovers_vertex():
    amplitudes = 1.0 - (TEMPERATURES - 2.333) ** 2
    peak = maximum_sd_temperature(TEMPERATURES, alternating_samples(amplitudes), refine=True)
    assert peak == pytest.approx(2.333, abs=1e-9)


def test_maximum_sd_no_refine_at_edge():
    amplitudes = np.linspace(1.0, 0.0, len(TEMPERATURES))
    peak = maximum_sd_temperature(TEMPERATURES, alternating_samples(amplitudes), refine=True)
    assert peak == TEMPERATURES[0]


def test_maximum_sd_needs_two_samples():
    with pytest.raises(ValueError, match="at least 2 samples"):
        maximum_sd_temperature(TEMPERATURES, np.zeros((len(TEMPERATURES), 1)))


def test_bootstrap_maximum_sd_near_peak():
    rng = np.random.default_rng(7)
    spread = 0.05 + 0.3 * np.exp(-((TEMPERATURES - 2.4) ** 2) / (2 * 0.1**2))
    values = spread[:, np.newaxis] * rng.standard_normal((len(TEMPERATURES), 300))
    estimate = bootstrap_maximum_sd(TEMPERATURES, values, resamples=100, seed=8, refine=True)
    assert isinstance(estimate, PeakEstimate)
    # The sample SD of 300 values is uncertain by about 4%, which moves the
    # peak of this curve by a few grid points at most.
    assert abs(estimate.value - 2.4) < 3 * STEP
    assert estimate.error < 3 * STEP
    assert estimate.resamples_used == 100


def test_plot_class_probabilities_labels():
    mean_probs = np.stack([logistic(TEMPERATURES), 1 - logistic(TEMPERATURES)], axis=1)
    fig = plot_class_probabilities(
        TEMPERATURES,
        mean_probs,
        ("F", "P"),
        reference_temperatures={"Onsager $T_c$": 2.269, "$L=40$ pseudo-critical": 2.30},
    )
    ax = fig.axes[0]
    legend_labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert isinstance(fig, matplotlib.figure.Figure)
    assert ax.get_xlabel() == "T/J"
    assert ax.get_ylabel() == "class probability"
    assert len(legend_labels) == 4
    assert "Onsager $T_c$ (2.269)" in legend_labels
    plt.close(fig)


def test_plot_class_probabilities_rejects_shape():
    with pytest.raises(ValueError, match="mean_probs must have shape"):
        plot_class_probabilities(TEMPERATURES, np.zeros((3, 2)), ("F", "P"))
