"""Figure functions return labelled matplotlib figures (Agg backend, no display)."""

import matplotlib

matplotlib.use("Agg")

import numpy as np

from ising_core import exact, plotting
from ising_core.sampler import sample
from ising_core.thermodynamics import thermal_averages


def _samples():
    return {rho: sample(8, rho, [1.0, 2.5], 12, seed=1, realizations=2) for rho in (1.0, 0.7)}


def test_configurations_grid_shape():
    fig = plotting.plot_configurations(_samples(), [1.0, 2.5])
    assert len(fig.axes) == 4
    assert fig.axes[0].get_title() == "T/J = 1.00"


def test_energy_check_labels():
    temperatures = np.array([1.0, 2.0, 3.0])
    exact_energy = exact.kaufman_energy(8, temperatures)
    fig = plotting.plot_energy_check(temperatures, exact_energy + 0.01, np.array([0.0, 0.02, 0.02]), exact_energy, 8)
    assert fig.axes[1].get_xlabel() == "T/J"
    assert len(fig.axes[1].lines[-1].get_xdata()) == 2


def test_order_parameter_one_curve_per_density():
    averages = {rho: thermal_averages(s) for rho, s in _samples().items()}
    fig = plotting.plot_order_parameter(averages)
    labels = [text.get_text() for text in fig.axes[0].get_legend().get_texts()]
    assert "rho = 0.7" in labels
    assert fig.axes[0].get_xlabel() == "T/J"


def test_probability_panels_one_axis_per_network():
    temperatures = np.linspace(1, 3, 5)
    probabilities = np.tile([0.7, 0.1, 0.1, 0.1], (5, 1))
    fig = plotting.plot_class_probability_panels(
        temperatures, {"n = 8": probabilities, "n = 1000": probabilities}, ("F", "N", "S", "P"),
        reference_temperatures={"Onsager": exact.ONSAGER_TC},
    )
    assert [ax.get_title() for ax in fig.axes] == ["n = 8", "n = 1000"]
