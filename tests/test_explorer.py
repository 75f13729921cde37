"""The interactive explorer: its figure, its panel data and its widgets."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from ising_core import explorer
from ising_core.catalog import build_catalog
from ising_core.models import train_dense_classifier, train_autoencoder
from ising_core.profiles import load_profile, temperature_grid

SIZE = 8
CLASSES = ("F", "N", "S", "P")


@pytest.fixture(scope="module")
def models():
    """A tiny classifier and autoencoder for L = 8, trained for one epoch."""
    catalog = build_catalog(SIZE, classes=CLASSES, paramagnetic_samples=16, seed=0)
    classifier = train_dense_classifier(catalog, hidden_units=8, seed=0, num_epochs=1)
    ordered = build_catalog(SIZE, classes=("F", "N", "S")).configurations
    autoencoder = train_autoencoder(ordered, seed=0, num_epochs=1)
    return explorer.ExplorerModels(classifier=classifier, autoencoder=autoencoder, class_names=catalog.class_names)


@pytest.fixture(scope="module")
def panels(models):
    return explorer.explorer_panels(models, 2.0, 0.8, samples=3, seed=1, thermalization=10, spacing=1)


def test_figure_has_three_labelled_panels():
    rng = np.random.default_rng(0)
    configuration = rng.choice(np.array([-1, 0, 1], dtype=np.int8), size=(SIZE, SIZE))
    fig = explorer.explorer_figure(
        configuration, np.array([0.7, 0.1, 0.1, 0.1]), CLASSES, rng.random((SIZE, SIZE)), 2.25, 0.9,
    )
    configuration_ax, probability_ax, reconstruction_ax = fig.axes[:3]

    assert len(fig.axes) == 3
    assert "T/J = 2.25" in configuration_ax.get_title()
    assert "0.90" in configuration_ax.get_title()
    assert configuration_ax.get_xlabel()
    assert probability_ax.get_ylabel() == "class probability"
    assert probability_ax.get_xlabel() == "catalog class"
    assert [tick.get_text() for tick in probability_ax.get_xticklabels()] == list(CLASSES)
    assert reconstruction_ax.get_title() == "autoencoder reconstruction"
    assert reconstruction_ax.get_xlabel()
    plt.close(fig)


def test_figure_rejects_wrong_probability_count():
    configuration = np.ones((SIZE, SIZE), dtype=np.int8)
    with pytest.raises(ValueError, match="one value per class"):
        explorer.explorer_figure(configuration, np.array([0.5, 0.5]), CLASSES, np.ones((SIZE, SIZE)), 1.0, 1.0)


def test_panels_shapes(panels):
    assert panels.configurations.shape == (3, SIZE, SIZE)
    assert panels.configurations.dtype == np.int8
    assert panels.reconstructions.shape == (3, SIZE, SIZE)
    assert panels.reconstruction_errors.shape == (3,)
    assert panels.probabilities.shape == (3, len(CLASSES))


def test_panels_match_request(panels):
    occupied = np.count_nonzero(panels.configurations[0])
    assert occupied == round(0.8 * SIZE * SIZE)
    assert panels.temperature == 2.0
    assert panels.class_names == CLASSES


def test_panels_probabilities_sum_to_one(panels):
    np.testing.assert_allclose(panels.probabilities.sum(axis=-1), 1.0, rtol=1e-6)


def test_panels_reconstruction_in_pixel_range(panels):
    assert panels.reconstructions.min() >= 0.0
    assert panels.reconstructions.max() <= 1.0
    assert np.all((panels.reconstruction_errors >= 0.0) & (panels.reconstruction_errors <= 1.0))


def test_panels_summary_averages(panels):
    summary = panels.summary()
    assert summary["samples"] == 3
    assert list(summary["mean_probabilities"]) == list(CLASSES)
    assert summary["mean_probabilities"]["F"] == pytest.approx(panels.probabilities[:, 0].mean())
    assert summary["mean_reconstruction_error"] == pytest.approx(panels.reconstruction_errors.mean())
    assert 0.0 <= summary["mean_abs_magnetization"] <= 1.0


def test_panels_figure_marks_mean(panels):
    fig = panels.figure(1)
    probability_ax = fig.axes[1]
    assert probability_ax.get_legend() is not None
    assert "MSE" in fig.axes[2].get_xlabel()
    plt.close(fig)


def test_grid_figure_has_row_per_point(panels):
    fig = explorer.explorer_grid_figure([panels, panels])
    assert len(fig.axes) == 6
    plt.close(fig)


def test_tour_points_on_profile_grid():
    profile = load_profile("quick")
    grid = temperature_grid(profile)
    points = explorer.tour_points(profile)
    for temperature, density in points:
        assert np.isclose(grid, temperature).any()
        assert density in profile["densities"]
    assert (2.3, 1.0) in points
    assert min(density for _, density in points) == min(profile["densities"])


def test_make_explorer_slider_ranges(models):
    profile = load_profile("tiny")
    assert profile["size"] == SIZE
    grid = temperature_grid(profile)
    widget = explorer.make_explorer(models, profile, samples=2)

    assert widget.temperature.min == grid[0]
    assert widget.temperature.max == grid[-1]
    assert widget.temperature.step == profile["temperatures"]["step"]
    assert widget.density.min == min(profile["densities"])
    assert widget.density.max == max(profile["densities"])
    assert widget.sample.max == 1
    assert widget.output in widget.children
    plt.close("all")


def test_make_explorer_samples_each_point_once(models, monkeypatch):
    calls = []
    original = explorer.explorer_panels

    def counting(*args, **kwargs):
        calls.append(args[1:3])
        return original(*args, **kwargs)

    monkeypatch.setattr(explorer, "explorer_panels", counting)
    widget = explorer.make_explorer(models, load_profile("tiny"), samples=2)
    start = widget.temperature.value
    assert len(calls) == 1

    widget.temperature.value = widget.temperature.max
    assert len(calls) == 2
    widget.sample.value = 1
    assert len(calls) == 2, "changing the sample shown resampled"
    widget.temperature.value = start
    assert len(calls) == 2, "a (T, rho) seen before was sampled again"
    plt.close("all")
