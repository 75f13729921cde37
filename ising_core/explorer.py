"""An interactive explorer: a configuration, its class probabilities and its reconstruction.

The appendix notebook ``91_interactive_explorer`` trains two networks once: a dense
classifier on the four catalog classes and an autoencoder on the ordered patterns.
The reader then moves sliders for the temperature T/J and the spin density rho.  For
every slider position the explorer samples a few Monte Carlo configurations on the fly
(``ising_core.sampler.sample``) and shows three panels side by side: one
configuration, the classifier's class probabilities and the autoencoder's
reconstruction.

The module has three layers, so that the static book and the tests use the same code
as the widgets:

* ``explorer_panels`` computes the data of the panels for one (T, rho);
* ``explorer_figure`` draws them into a matplotlib Figure (``explorer_grid_figure``
  stacks several of them for the static book);
* ``make_explorer`` wraps both in ipywidgets sliders.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from dataclasses import dataclass

import ipywidgets as widgets
import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display
from matplotlib.figure import Figure

from ising_core import exact
from ising_core.catalog import build_catalog
from ising_core.models import predict_probabilities, spins_to_pixels, train_dense_classifier
from ising_core.plotting import CLASS_COLORS, RECONSTRUCTION_COLORMAP, STYLE, draw_configuration
from ising_core.profiles import temperature_grid
from ising_core.sampler import sample
from ising_core.unsupervised import (
    profile_training_set,
    profile_training_settings,
    reconstruct,
    train_autoencoders,
)

DEFAULT_HIDDEN_UNITS = 100
"""Hidden units of the explorer's classifier.

It is wide enough to fit all four catalog classes.  The hidden-size sweep chapter
shows how the transition estimate depends on the width.
"""

DEFAULT_SAMPLES = 8
"""Configurations sampled per slider position."""

DENSITY_STEP = 0.01
"""Step of the density slider."""

PANEL_WIDTHS = (1.0, 1.1, 1.0)
"""Relative widths of the configuration, probability and reconstruction panels."""

TOUR_LOW_TEMPERATURE = 1.0
"""T/J of the ordered points of ``tour_points``: well below T_c, with a few flipped spins."""

DECISION_LEVEL = 0.5
"""Probability at which the classifier is maximally unsure between two classes."""


@dataclass(frozen=True)
class ExplorerModels:
    """The two trained networks of the explorer.

    Attributes
    ----------
    classifier : keras.Model
        Dense classifier over ``class_names``.
    autoencoder : keras.Model
        Convolutional autoencoder trained on the ordered catalog patterns.
    class_names : tuple of str
        Catalog class codes in the order of the classifier's outputs.
    """

    classifier: object
    autoencoder: object
    class_names: tuple[str, ...]

    @property
    def size(self) -> int:
        """Linear lattice size L the networks take."""
        return int(self.autoencoder.input_shape[1])


@dataclass(frozen=True)
class ExplorerPanels:
    """Data of the explorer's panels at one (T, rho).

    Attributes
    ----------
    configurations : numpy.ndarray
        int8 spins of shape (samples, L, L), values -1, 0 (empty site) and +1.
    probabilities : numpy.ndarray
        float64 class probabilities of every configuration, shape (samples, C).
    reconstructions : numpy.ndarray
        float64 autoencoder reconstructions in pixel units, shape (samples, L, L),
        values in [0, 1].
    reconstruction_errors : numpy.ndarray
        float64 mean squared error between input pixels and reconstruction, shape
        (samples,).
    magnetization : numpy.ndarray
        float64 signed magnetization per occupied spin, shape (samples,).
    class_names : tuple of str
    temperature, density : float
    """

    configurations: np.ndarray
    probabilities: np.ndarray
    reconstructions: np.ndarray
    reconstruction_errors: np.ndarray
    magnetization: np.ndarray
    class_names: tuple[str, ...]
    temperature: float
    density: float

    @property
    def samples(self) -> int:
        """Number of sampled configurations."""
        return int(self.configurations.shape[0])

    @property
    def mean_probabilities(self) -> np.ndarray:
        """Class probabilities averaged over the sampled configurations, shape (C,)."""
        return self.probabilities.mean(axis=0)

    def summary(self) -> dict:
        """Return the averages over the sampled configurations, as plain Python numbers.

        Keys: ``temperature``, ``density``, ``samples``, ``mean_probabilities`` (class
        code -> probability), ``mean_reconstruction_error`` and
        ``mean_abs_magnetization``.
        """
        return {
            "temperature": self.temperature,
            "density": self.density,
            "samples": self.samples,
            "mean_probabilities": dict(zip(self.class_names, self.mean_probabilities.tolist())),
            "mean_reconstruction_error": float(self.reconstruction_errors.mean()),
            "mean_abs_magnetization": float(np.abs(self.magnetization).mean()),
        }

    def figure(self, index: int = 0, axes: Sequence[plt.Axes] | None = None) -> Figure:
        """Draw configuration ``index`` with ``explorer_figure``."""
        if not 0 <= index < self.samples:
            raise ValueError(f"index={index} is invalid; pass 0 <= index < {self.samples}")
        return explorer_figure(
            self.configurations[index],
            self.probabilities[index],
            self.class_names,
            self.reconstructions[index],
            self.temperature,
            self.density,
            mean_probabilities=self.mean_probabilities if self.samples > 1 else None,
            reconstruction_error=float(self.reconstruction_errors[index]),
            axes=axes,
        )


def train_explorer_models(
    profile: dict,
    hidden_units: int = DEFAULT_HIDDEN_UNITS,
    classes: tuple[str, ...] = ("F", "N", "S", "P"),
    cache_dir: str | os.PathLike | None = None,
) -> ExplorerModels:
    """Train the explorer's classifier and autoencoder with a profile's settings.

    The classifier trains on the profile's catalog (``catalog.paramagnetic_samples``
    random configurations, the profile's seed) with the ``dense`` settings and the
    first of its seeds.  The autoencoder is the one of the autoencoder chapter for
    the first seed of the ``autoencoder`` section: trained on the ordered patterns,
    or loaded from ``cache_dir`` when that chapter already stored it there.

    Parameters
    ----------
    profile : dict
        A profile from ``ising_core.profiles.load_profile``.
    hidden_units : int
        Width of the classifier's hidden layer.
    classes : tuple of str
        Catalog classes of the classifier.
    cache_dir : path-like, optional
        Folder of cached autoencoder weights (see
        ``ising_core.unsupervised.train_autoencoders``); None trains every time.

    Returns
    -------
    ExplorerModels
    """
    dense = profile["dense"]
    catalog = build_catalog(
        size=profile["size"],
        classes=classes,
        paramagnetic_samples=profile["catalog"]["paramagnetic_samples"],
        seed=profile["seed"],
    )
    classifier = train_dense_classifier(
        catalog,
        hidden_units,
        seed=dense["seeds"][0],
        num_epochs=dense["num_epochs"],
        batch_size=dense["batch_size"],
        lr=dense["lr"],
    )

    autoencoder = train_autoencoders(
        profile_training_set(profile, "ordered"),
        profile["autoencoder"]["seeds"][:1],
        **profile_training_settings(profile),
        cache_dir=cache_dir,
    )[0]
    return ExplorerModels(classifier=classifier, autoencoder=autoencoder, class_names=catalog.class_names)


def explorer_panels(
    models: ExplorerModels,
    temperature: float,
    density: float,
    *,
    samples: int = DEFAULT_SAMPLES,
    seed: int = 0,
    thermalization: int | None = None,
    spacing: int | None = None,
) -> ExplorerPanels:
    """Sample configurations at (T, rho) and evaluate both networks on them.

    One disorder realization is sampled: a single chain at ``temperature`` stores
    ``samples`` configurations after ``thermalization`` sweeps, one every
    ``spacing`` sweeps (the sampler's defaults when None).  The first call compiles
    the sampler's numba kernels, unless they are already cached on disk.

    Parameters
    ----------
    models : ExplorerModels
        The trained networks; their lattice size sets L.
    temperature : float
        T/J, positive.
    density : float
        Spin density rho in (0, 1].
    samples : int
        Configurations to sample.
    seed : int
        Root seed of the sampler; the same (seed, T, rho) gives the same
        configurations.
    thermalization, spacing : int, optional
        See ``ising_core.sampler.sample``.

    Returns
    -------
    ExplorerPanels
    """
    drawn = sample(
        models.size,
        density,
        [temperature],
        samples,
        seed,
        realizations=1,
        thermalization=thermalization,
        spacing=spacing,
    )
    configurations = drawn.configurations[0]

    probabilities = predict_probabilities(models.classifier, configurations)
    reconstructions = reconstruct(models.autoencoder, configurations)
    # ``reconstruct`` returns pixel units for either encoding, so this is the MSE
    # that ``ising_core.models.reconstruction_error`` reports.
    pixels = spins_to_pixels(configurations)[..., 0].astype(np.float64)
    errors = ((pixels - reconstructions) ** 2).mean(axis=(-2, -1))

    return ExplorerPanels(
        configurations=configurations,
        probabilities=probabilities,
        reconstructions=reconstructions,
        reconstruction_errors=errors,
        magnetization=drawn.magnetization[0],
        class_names=tuple(models.class_names),
        temperature=float(drawn.temperatures[0]),
        density=float(drawn.density),
    )


def explorer_figure(
    configuration: np.ndarray,
    probabilities: np.ndarray,
    class_names: Sequence[str],
    reconstruction: np.ndarray,
    temperature: float,
    density: float,
    *,
    mean_probabilities: np.ndarray | None = None,
    reconstruction_error: float | None = None,
    axes: Sequence[plt.Axes] | None = None,
) -> Figure:
    """Draw a configuration, its class probabilities and its reconstruction side by side.

    Parameters
    ----------
    configuration : numpy.ndarray
        Spins of shape (L, L) with values -1, 0 (empty site) and +1.
    probabilities : numpy.ndarray
        The classifier's probabilities of this configuration, shape (C,).
    class_names : sequence of str
        Class codes in the order of ``probabilities``.
    reconstruction : numpy.ndarray
        The autoencoder's reconstruction in pixel units, shape (L, L), values in [0, 1].
    temperature, density : float
        T/J and rho of the configuration, shown in the panel titles.
    mean_probabilities : numpy.ndarray, optional
        Probabilities averaged over several configurations at the same (T, rho),
        drawn as markers over the bars.
    reconstruction_error : float, optional
        MSE of the reconstruction, shown under the reconstruction.
    axes : sequence of three matplotlib Axes, optional
        Axes to draw into (a row of a larger figure); a new figure when None.

    Returns
    -------
    matplotlib.figure.Figure
        The figure of the three panels: configuration, probabilities, reconstruction.
    """
    configuration = np.asarray(configuration)
    probabilities = np.asarray(probabilities, dtype=np.float64)
    reconstruction = np.asarray(reconstruction, dtype=np.float64)
    class_names = list(class_names)
    if configuration.ndim != 2 or reconstruction.shape != configuration.shape:
        raise ValueError(
            f"configuration and reconstruction must both have shape (L, L), got shapes "
            f"{configuration.shape} and {reconstruction.shape}"
        )
    if probabilities.shape != (len(class_names),):
        raise ValueError(
            f"probabilities must have one value per class {class_names}, got shape {probabilities.shape}"
        )
    if mean_probabilities is not None:
        mean_probabilities = np.asarray(mean_probabilities, dtype=np.float64)
        if mean_probabilities.shape != probabilities.shape:
            raise ValueError(
                f"mean_probabilities must have shape {probabilities.shape}, got {mean_probabilities.shape}"
            )
    if axes is not None and len(axes) != 3:
        raise ValueError(f"axes must hold 3 Axes (configuration, probabilities, reconstruction), got {len(axes)}")

    with mpl.rc_context(STYLE):
        if axes is None:
            fig, axes = plt.subplots(
                1, 3, figsize=(10.5, 3.6), layout="constrained", gridspec_kw={"width_ratios": PANEL_WIDTHS}
            )
        else:
            fig = axes[0].figure
        configuration_ax, probability_ax, reconstruction_ax = axes

        draw_configuration(configuration_ax, configuration)
        configuration_ax.set_title(f"configuration, $T/J = {temperature:.2f}$, $\\rho = {density:.2f}$")
        configuration_ax.set_xlabel("white +1, black -1, grey empty")

        _draw_probability_bars(probability_ax, probabilities, class_names, mean_probabilities)

        reconstruction_ax.imshow(
            reconstruction, cmap=RECONSTRUCTION_COLORMAP, vmin=0.0, vmax=1.0, interpolation="nearest"
        )
        reconstruction_ax.set_xticks([])
        reconstruction_ax.set_yticks([])
        reconstruction_ax.set_title("autoencoder reconstruction")
        if reconstruction_error is None:
            reconstruction_ax.set_xlabel("pixels: white 1 (spin +1), black 0 (spin -1)")
        else:
            reconstruction_ax.set_xlabel(f"MSE = {reconstruction_error:.4f}")
    return fig


def _draw_probability_bars(ax: plt.Axes, probabilities, class_names, mean_probabilities) -> None:
    positions = np.arange(len(class_names))
    colors = [CLASS_COLORS.get(name, "0.5") for name in class_names]
    ax.bar(positions, probabilities, color=colors, width=0.6, label="this configuration")
    if mean_probabilities is not None:
        ax.plot(
            positions, mean_probabilities, linestyle="none", marker="D", markersize=6,
            color="black", label="mean of the samples",
        )
    ax.axhline(DECISION_LEVEL, color="0.5", linestyle="--", linewidth=1.0)
    ax.set_xticks(positions, class_names)
    # Headroom above 1 keeps the legend clear of the bars.
    ax.set_ylim(0.0, 1.3 if mean_probabilities is not None else 1.05)
    ax.set_yticks(np.linspace(0.0, 1.0, 6))
    ax.set_xlabel("catalog class")
    ax.set_ylabel("class probability")
    ax.set_title("dense classifier")
    if mean_probabilities is not None:
        ax.legend(loc="upper center", ncol=2, fontsize=8, handletextpad=0.3, columnspacing=1.0)


def explorer_grid_figure(panels: Sequence[ExplorerPanels], index: int = 0) -> Figure:
    """Stack the explorer's three panels for several (T, rho), one row each.

    Every row is drawn by ``explorer_figure`` for configuration ``index`` of its
    ``ExplorerPanels``.
    """
    if not panels:
        raise ValueError("panels is empty; pass at least one ExplorerPanels")
    with mpl.rc_context(STYLE):
        fig, axes = plt.subplots(
            len(panels), 3, figsize=(10.5, 3.7 * len(panels)), squeeze=False, layout="constrained",
            gridspec_kw={"width_ratios": PANEL_WIDTHS},
        )
        for row, panel in zip(axes, panels):
            panel.figure(index, axes=row)
    return fig


def tour_points(profile: dict) -> list[tuple[float, float]]:
    """Return (T/J, rho) points of the profile's grid that show the main regimes.

    The first three points are the pure model (the profile's highest density) at three
    grid temperatures: the one closest to ``TOUR_LOW_TEMPERATURE``, the one closest to
    the finite lattice's specific-heat maximum, and the highest.  The last point is the
    lowest density at the lowest temperature, where every cluster of occupied sites is
    ordered and only its sign varies.
    """
    temperatures = temperature_grid(profile)
    densities = sorted(profile["densities"])
    near_tc = _grid_temperature_near_tc(profile)
    low = float(temperatures[np.argmin(np.abs(temperatures - TOUR_LOW_TEMPERATURE))])
    high = float(temperatures[-1])

    lowest = float(temperatures[0])
    points = [(low, densities[-1]), (near_tc, densities[-1]), (high, densities[-1]), (lowest, densities[0])]
    return list(dict.fromkeys(points))


def _grid_temperature_near_tc(profile: dict) -> float:
    """Return the grid temperature closest to the specific-heat maximum of the profile's lattice."""
    temperatures = temperature_grid(profile)
    pseudo_tc = exact.pseudo_critical_temperature(profile["size"])
    return float(temperatures[np.argmin(np.abs(temperatures - pseudo_tc))])


class Explorer(widgets.VBox):
    """The explorer's sliders above its figure.

    Attributes
    ----------
    temperature, density : ipywidgets.FloatSlider
    sample : ipywidgets.IntSlider
        Index of the configuration shown among those sampled at (T, rho).
    output : ipywidgets.Output
        Contains the current figure.
    """

    def __init__(self, temperature, density, sample, output):
        super().__init__([widgets.HBox([temperature, density, sample]), output])
        self.temperature = temperature
        self.density = density
        self.sample = sample
        self.output = output


def make_explorer(
    models: ExplorerModels,
    profile: dict,
    *,
    samples: int = DEFAULT_SAMPLES,
    temperature: float | None = None,
    density: float | None = None,
):
    """Build the explorer's widgets: sliders for T/J, rho and the configuration shown.

    The temperature slider spans the profile's grid with its step, the density slider
    spans the profile's densities with a step of ``DENSITY_STEP``.  The sampler uses
    the profile's seed, thermalization and spacing.  Each new (T, rho) is sampled and
    evaluated once, when the slider is released, and kept in a small cache, so that
    moving the configuration slider only redraws.

    Parameters
    ----------
    models : ExplorerModels
        The trained networks (``train_explorer_models``).
    profile : dict
        The profile whose grid sets the slider ranges.
    samples : int
        Configurations sampled per (T, rho).
    temperature, density : float, optional
        Initial slider values; the grid temperature closest to the lattice's
        specific-heat maximum and the highest density by default.

    Returns
    -------
    Explorer
        An ipywidgets ``VBox``; display it in JupyterLab.
    """
    if samples < 1:
        raise ValueError(f"samples={samples} is invalid; pass an integer >= 1")
    temperatures = temperature_grid(profile)
    densities = sorted(profile["densities"])
    step = float(profile["temperatures"]["step"])
    if temperature is None:
        temperature = _grid_temperature_near_tc(profile)
    if density is None:
        density = densities[-1]

    temperature_slider = widgets.FloatSlider(
        value=temperature, min=float(temperatures[0]), max=float(temperatures[-1]), step=step,
        description="T/J", continuous_update=False, readout_format=".2f",
    )
    density_slider = widgets.FloatSlider(
        value=density, min=float(densities[0]), max=float(densities[-1]), step=DENSITY_STEP,
        description="ρ", continuous_update=False, readout_format=".2f",
    )
    sample_slider = widgets.IntSlider(
        value=0, min=0, max=samples - 1, step=1, description="sample", continuous_update=True,
    )

    @functools.lru_cache(maxsize=32)
    def panels_at(temperature: float, density: float) -> ExplorerPanels:
        return explorer_panels(
            models, temperature, density, samples=samples, seed=profile["seed"],
            thermalization=profile["thermalization"], spacing=profile["spacing"],
        )

    def show(temperature: float, density: float, sample: int) -> None:
        # Rounding keeps slider values such as 2.3000000000000003 in one cache entry.
        fig = panels_at(round(temperature, 6), round(density, 6)).figure(sample)
        display(fig)
        plt.close(fig)

    controls = {"temperature": temperature_slider, "density": density_slider, "sample": sample_slider}
    output = widgets.interactive_output(show, controls)
    return Explorer(temperature_slider, density_slider, sample_slider, output)
