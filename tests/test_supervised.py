"""Tests of the supervised route: sweep stability, transfer to dilution, what the network learned."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import matplotlib  # noqa: E402

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from ising_core import plotting  # noqa: E402
from ising_core.catalog import build_catalog  # noqa: E402
from ising_core.models import build_dense_classifier, train_dense_classifier  # noqa: E402
from ising_core.supervised import (  # noqa: E402
    ClassifierScan,
    combine_crossings,
    hidden_size_sweep,
    hidden_weight_images,
    learned_weight_images,
    magnetization_correlation,
    ordered_reference_patterns,
    ordered_transitions,
    pattern_overlaps,
    probability_by_sign,
    smallest_width_reaching,
    stability_onset,
    sweep_stability_onset,
    transfer_scan,
    unit_preferred_classes,
)

SIZE = 8
TEMPERATURES = np.array([0.5, 1.0, 1.5, 2.0, 2.5, 3.0])
SAMPLES = 10


class ScanData:
    """The two fields of MonteCarloSamples that transfer_scan reads."""

    def __init__(self, configurations):
        self.configurations = configurations
        self.temperatures = TEMPERATURES


def ordered_then_random(rng, ordered_temperatures):
    """All-up configurations below a temperature index, independent random spins above it."""
    configurations = rng.choice(np.array([-1, 1], dtype=np.int8), size=(TEMPERATURES.size, SAMPLES, SIZE, SIZE))
    configurations[:ordered_temperatures] = 1
    return configurations


@pytest.fixture(scope="module")
def transfer():
    rng = np.random.default_rng(0)
    catalog = build_catalog(SIZE, classes=("F", "P"), paramagnetic_samples=64, seed=1)
    data = {1.0: ScanData(ordered_then_random(rng, 3)), 0.5: ScanData(ordered_then_random(rng, 0))}
    return transfer_scan(catalog, data, hidden_units=16, seeds=[0, 1], num_epochs=3, resamples=20)


def fake_scan(crossings, curve=None):
    """A ClassifierScan with given per-seed crossings and, optionally, a given p[F] curve."""
    seeds = len(crossings)
    if curve is None:
        curve = np.linspace(1.0, 0.0, TEMPERATURES.size)
    ordered = np.broadcast_to(np.asarray(curve)[np.newaxis, :, np.newaxis], (seeds, TEMPERATURES.size, SAMPLES))
    probabilities = np.stack([ordered.mean(axis=2), 1 - ordered.mean(axis=2)], axis=-1)
    return ClassifierScan(8, tuple(range(seeds)), TEMPERATURES, ("F", "P"), probabilities, np.array(ordered),
                          combine_crossings(crossings))


# Stability of the crossing against the hidden-layer width.

def test_stability_onset_finds_plateau():
    widths = [1, 2, 5, 10, 100, 1000]
    values = [1.8, 2.0, 2.2, 2.34, 2.36, 2.35]
    errors = [0.05, 0.05, 0.02, 0.01, 0.01, 0.01]
    assert stability_onset(widths, values, errors) == 10


def test_stability_onset_all_agree():
    assert stability_onset([1, 2, 3], [2.3, 2.31, 2.29], [0.01, 0.01, 0.01]) == 1


def test_stability_onset_order_free():
    assert stability_onset([1000, 2, 10, 100], [2.35, 2.0, 2.34, 2.36], [0.01, 0.05, 0.01, 0.01]) == 10


def test_stability_onset_stops_at_missing_crossing():
    widths = [1, 2, 5, 10]
    assert stability_onset(widths, [2.3, None, 2.3, 2.3], [0.01, None, 0.01, 0.01]) == 5
    assert stability_onset(widths, [2.3, np.nan, 2.3, 2.3], [0.01, np.nan, 0.01, 0.01]) == 5


def test_stability_onset_none_without_plateau():
    # The two widest networks disagree by 10 combined errors: nothing is stable.
    assert stability_onset([10, 100, 1000], [2.3, 2.3, 2.45], [0.01, 0.01, 0.01]) is None


def test_stability_onset_none_when_widest_never_crosses():
    assert stability_onset([10, 100], [2.3, None], [0.01, None]) is None


def test_stability_onset_tolerance():
    widths, values, errors = [10, 100], [2.30, 2.33], [0.01, 0.01]
    assert stability_onset(widths, values, errors, z=1.0) is None
    assert stability_onset(widths, values, errors, z=3.0) == 10


def test_stability_onset_min_sizes_one():
    assert stability_onset([10, 100], [2.0, 2.3], [0.01, 0.01], min_sizes=1) == 100


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (([1, 2], [2.3], [0.1]), "equal, non-zero length"),
        (([1, 1], [2.3, 2.3], [0.1, 0.1]), "must not repeat"),
        (([1, 2], [2.3, 2.3], [0.1, np.nan]), "finite, non-negative error"),
    ],
)
def test_stability_onset_rejects(arguments, message):
    with pytest.raises(ValueError, match=message):
        stability_onset(*arguments)


def test_sweep_stability_needs_every_seed():
    scans = {
        2: fake_scan([(2.3, 0.01), None, (2.3, 0.01)]),
        8: fake_scan([(2.3, 0.01)] * 3),
        100: fake_scan([(2.3, 0.01)] * 3),
    }
    assert scans[2].transition.ordered
    assert scans[2].transition.seeds_crossing == 2
    assert sweep_stability_onset(scans) == 8


def test_smallest_width_reaching_needs_all_wider():
    low = np.linspace(0.4, 0.0, TEMPERATURES.size)
    scans = {
        1: fake_scan([None], curve=low),
        2: fake_scan([None], curve=np.linspace(0.6, 0.0, TEMPERATURES.size)),
        5: fake_scan([None], curve=low),
        8: fake_scan([None]),
        100: fake_scan([None]),
    }
    assert smallest_width_reaching(scans, 0.5) == 8
    assert smallest_width_reaching(scans, 1.0) is None


# Curves that never cross report no ordered range instead of a temperature.

def test_combine_without_crossing_reports_no_order():
    estimate = combine_crossings([None, None, None])
    assert estimate.value is None
    assert estimate.error is None
    assert not estimate.ordered
    assert estimate.as_dict()["ordered"] is False
    assert estimate.as_dict()["seeds_crossing"] == 0


def test_combine_mean_and_error():
    estimate = combine_crossings([(2.0, 0.03), (2.2, 0.04)])
    spread = np.std([2.0, 2.2], ddof=1)
    assert estimate.value == pytest.approx(2.1)
    assert estimate.seed_spread == pytest.approx(spread)
    assert estimate.error == pytest.approx(np.sqrt((0.03**2 + 0.04**2) / 2 + spread**2 / 2))


def test_ordered_curve_mean_and_maximum():
    scan = fake_scan([(2.0, 0.01), (2.0, 0.01)])
    assert scan.ordered_curve == pytest.approx(np.linspace(1.0, 0.0, TEMPERATURES.size))
    assert scan.max_ordered_probability == 1.0


def test_ordered_curve_error_combines_terms():
    scan = fake_scan([(2.0, 0.01), (2.0, 0.01)])
    ordered = np.zeros((2, TEMPERATURES.size, 2))
    ordered[0, :, 1] = 1.0
    ordered[1] = 1.0
    scan = ClassifierScan(8, (0, 1), TEMPERATURES, ("F", "P"), scan.probabilities, ordered, scan.transition)
    # Seed 0: values 0 and 1, squared standard error 0.5 / 2; seed 1: none. Seed means
    # 0.5 and 1 have variance 0.125, so the seed term is 0.125 / 2.
    expected = np.sqrt((0.25 + 0.0) / 2 + 0.125 / 2)
    assert scan.ordered_curve_error == pytest.approx(np.full(TEMPERATURES.size, expected))


# Transfer of one trained network to several densities.

def test_transfer_ordered_density_crosses(transfer):
    estimate = transfer[1.0].transition
    assert estimate.all_seeds_cross
    assert TEMPERATURES[2] < estimate.value < TEMPERATURES[3]


def test_transfer_random_density_has_no_ordered_range(transfer):
    estimate = transfer[0.5].transition
    assert not estimate.ordered
    assert estimate.value is None
    assert transfer[0.5].max_ordered_probability < 0.5


def test_transfer_shapes_and_order(transfer):
    assert list(transfer) == [1.0, 0.5]
    assert transfer[1.0].probabilities.shape == (2, TEMPERATURES.size, 2)
    assert transfer[1.0].ordered_probability.shape == (2, TEMPERATURES.size, SAMPLES)


def test_ordered_transitions_keeps_crossing_densities(transfer):
    densities, values, errors = ordered_transitions(transfer)
    assert densities.tolist() == [1.0]
    assert values[0] == transfer[1.0].transition.value
    assert errors[0] == transfer[1.0].transition.error


def test_transfer_rejects_other_lattice_size():
    catalog = build_catalog(SIZE, classes=("F", "P"), paramagnetic_samples=8, seed=1)
    data = {1.0: ScanData(np.ones((TEMPERATURES.size, 2, SIZE + 2, SIZE + 2), dtype=np.int8))}
    with pytest.raises(ValueError, match="build the catalog with the data's size"):
        transfer_scan(catalog, data, hidden_units=4, seeds=[0])


def test_hidden_size_sweep_sorted_widths():
    rng = np.random.default_rng(2)
    catalog = build_catalog(SIZE, classes=("F", "P"), paramagnetic_samples=16, seed=1)
    scans = hidden_size_sweep(catalog, ordered_then_random(rng, 3), TEMPERATURES, [4, 1], [0], num_epochs=1,
                              resamples=5)
    assert list(scans) == [1, 4]
    assert scans[4].hidden_units == 4


def test_hidden_size_sweep_rejects_repeats():
    catalog = build_catalog(SIZE, classes=("F", "P"), paramagnetic_samples=8, seed=1)
    with pytest.raises(ValueError, match="must not repeat"):
        hidden_size_sweep(catalog, np.ones((2, 2, SIZE, SIZE)), TEMPERATURES[:2], [4, 4], [0])


# What the network learned.

def test_hidden_weight_images_layout():
    model = build_dense_classifier(SIZE, 3, 2)
    kernel = model.get_layer("hidden").get_weights()[0]
    images = hidden_weight_images(model)
    assert images.shape == (3, SIZE, SIZE)
    assert np.array_equal(images[1], kernel[:, 1].reshape(SIZE, SIZE))


def test_learned_weight_images_remove_initialization():
    catalog = build_catalog(SIZE, classes=("F", "P"), paramagnetic_samples=8, seed=1)
    frozen = train_dense_classifier(catalog, 3, seed=4, num_epochs=1, lr=1e-12)
    trained = train_dense_classifier(catalog, 3, seed=4, num_epochs=1, lr=1e-2)
    # Adam moves each weight by at most about lr per step, so lr = 1e-12 leaves the start.
    assert np.max(np.abs(learned_weight_images(frozen, seed=4))) < 1e-9
    assert np.max(np.abs(learned_weight_images(trained, seed=4))) > 1e-3


def test_pattern_overlaps_known_values():
    patterns = ordered_reference_patterns(SIZE)
    images = np.stack([patterns["F"], -patterns["N"], patterns["S rows"]]).astype(float)
    overlaps = pattern_overlaps(images, patterns)
    assert overlaps["F"] == pytest.approx([1.0, 0.0, 0.0])
    assert overlaps["N"] == pytest.approx([0.0, -1.0, 0.0])
    assert overlaps["S rows"] == pytest.approx([0.0, 0.0, 1.0])
    assert overlaps["S columns"] == pytest.approx([0.0, 0.0, 0.0])


def test_pattern_overlaps_rejects_shape():
    with pytest.raises(ValueError, match="expected"):
        pattern_overlaps(np.ones((2, SIZE, SIZE)), {"F": np.ones((SIZE + 2, SIZE + 2))})


def test_unit_preferred_classes_follow_output_weights():
    model = build_dense_classifier(SIZE, 3, 2)
    output = model.get_layer("class_probabilities")
    output.set_weights([np.array([[1.0, 0.0], [0.0, 2.0], [3.0, -1.0]]), np.zeros(2)])
    assert unit_preferred_classes(model, ("F", "P")) == ["F", "P", "F"]


def test_probability_by_sign_splits_means():
    probability = np.array([[1.0, 0.0, 0.5, 0.2], [0.3, 0.3, 0.3, 0.9]])
    magnetization = np.array([[0.9, -0.9, 0.7, 0.0], [0.1, 0.2, 0.3, 0.4]])
    means = probability_by_sign(probability, magnetization)
    assert means["m > 0"] == pytest.approx([0.75, 0.45])
    assert means["m < 0"][0] == 0.0
    assert np.isnan(means["m < 0"][1])


def test_magnetization_correlation_monotone():
    rng = np.random.default_rng(5)
    magnetization = rng.uniform(0.0, 1.0, 41) * rng.choice([-1.0, 1.0], 41)
    probability = 1.0 / (1.0 + np.exp(-10 * (np.abs(magnetization) - 0.5)))
    correlation = magnetization_correlation(probability, magnetization)
    assert correlation.spearman == pytest.approx(1.0)
    assert 0.9 < correlation.pearson < 1.0
    assert correlation.samples == 41


def test_magnetization_correlation_rejects_constant():
    with pytest.raises(ValueError, match="probability is constant"):
        magnetization_correlation(np.full(5, 0.5), np.linspace(0, 1, 5))


def test_magnetization_correlation_rejects_shapes():
    with pytest.raises(ValueError, match="same number of configurations"):
        magnetization_correlation(np.linspace(0, 1, 5), np.linspace(0, 1, 6))


# Figures of the sweep and the transfer.

def test_plot_ordered_probability_panels_one_axis_per_panel():
    curve = np.linspace(1.0, 0.0, TEMPERATURES.size)
    panels = {"small n": {"n = 1": (curve, None), "n = 2": (curve, 0.1 * curve)}, "large n": {"n = 100": (curve, None)}}
    fig = plotting.plot_ordered_probability_panels(TEMPERATURES, panels, reference_temperatures={"Onsager": 2.269})
    assert len(fig.axes) == 2
    assert fig.axes[0].get_xlabel() == "T/J"
    assert fig.axes[0].get_ylabel() == "p[F]"
    plt.close(fig)


def test_plot_transition_vs_hidden_units_marks_missing():
    fig = plotting.plot_transition_vs_hidden_units(
        [1, 10, 100], [None, 2.3, 2.35], [None, 0.05, 0.01], seed_values={10: [2.25, 2.35], 100: [2.34, 2.36]},
        reference_temperatures={"Onsager": 2.269}, stable_onset=10, all_seeds_cross=[False, False, True],
    )
    ax = fig.axes[0]
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert ax.get_xscale() == "log"
    assert "no crossing" in labels
    assert "mean over the crossing seeds only" in labels
    assert "stable range (n >= 10)" in labels
    plt.close(fig)


def test_plot_hidden_weights_one_image_per_unit():
    fig = plotting.plot_hidden_weights(np.random.default_rng(3).standard_normal((5, SIZE, SIZE)), columns=3)
    assert len([ax for ax in fig.axes if ax.images]) == 5
    assert len(fig.axes) == 2 * 3 + 1  # a 2 x 3 grid and the colorbar
    plt.close(fig)


def test_plot_probability_vs_magnetization_axes():
    magnetization = np.random.default_rng(4).uniform(-1, 1, (TEMPERATURES.size, SAMPLES))
    fig = plotting.plot_probability_vs_magnetization(magnetization, np.abs(magnetization), TEMPERATURES)
    assert fig.axes[0].get_xlabel() == "|m| per occupied spin"
    plt.close(fig)
