"""Figures of the book, one function per figure.

Every function takes data, returns a ``matplotlib.figure.Figure`` and never
calls ``plt.show()``, so that notebooks display the figure and scripts save
it. Spins are drawn black (-1), white (+1) and grey (empty site), with
temperatures in units of J.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from ising_core.catalog import CLASS_DESCRIPTIONS, Catalog
from ising_core.exact import ONSAGER_TC, onsager_spontaneous_magnetization

STYLE = {
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "savefig.bbox": "tight",
    "font.size": 11,
    "axes.labelsize": 12,
    "axes.titlesize": 12,
    "legend.fontsize": 10,
    "legend.frameon": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "lines.linewidth": 1.8,
    "lines.markersize": 4,
}
"""Matplotlib settings shared by every figure of the book."""

SPIN_COLORMAP = ListedColormap(["black", "0.6", "white"], name="spins")
"""Colors of the spin values -1, 0 (empty site) and +1."""

SPIN_NORM = BoundaryNorm([-1.5, -0.5, 0.5, 1.5], SPIN_COLORMAP.N)

CLASS_COLORS = {"F": "tab:blue", "N": "tab:green", "S": "tab:purple", "P": "tab:red"}
"""Line color of each catalog class, the same in every figure."""

REFERENCE_LINESTYLES = ("--", ":", "-.", (0, (5, 2, 1, 2)))


def apply_style() -> None:
    """Set the shared style for every later figure of the session.

    It updates ``matplotlib.rcParams`` globally. Use
    ``matplotlib.rc_context(STYLE)`` to style only a block of code.
    """
    mpl.rcParams.update(STYLE)


def draw_configuration(ax: plt.Axes, configuration: np.ndarray, title: str | None = None) -> None:
    """Draw one spin configuration on ``ax``, without ticks."""
    ax.imshow(
        np.asarray(configuration),
        cmap=SPIN_COLORMAP,
        norm=SPIN_NORM,
        interpolation="nearest",
    )
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(True)
        spine.set_color("0.4")
    if title is not None:
        ax.set_title(title, fontsize=9)


def plot_catalog(catalog: Catalog, per_class: int = 4) -> Figure:
    """Show examples of every catalog class, one row per class.

    Each row shows up to ``per_class`` distinct configurations of its class
    in catalog order, so repeated ordered patterns appear once. Cells of a
    class with fewer distinct patterns stay empty.

    Parameters
    ----------
    catalog : Catalog
        The catalog to show.
    per_class : int
        Maximum number of examples per class, at least 1.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if per_class < 1:
        raise ValueError(f"per_class={per_class} is invalid; pass an integer >= 1")

    num_rows = catalog.num_classes
    with mpl.rc_context(STYLE):
        fig, axes = plt.subplots(
            num_rows,
            per_class,
            figsize=(1.6 * per_class + 1.2, 1.6 * num_rows + 0.6),
            squeeze=False,
        )
        for row, name in enumerate(catalog.class_names):
            examples = _distinct_configurations(catalog.configurations_of(name), per_class)
            for column in range(per_class):
                ax = axes[row, column]
                if column < len(examples):
                    draw_configuration(ax, examples[column])
                else:
                    ax.axis("off")
            axes[row, 0].set_ylabel(
                f"{name}\n{CLASS_DESCRIPTIONS[name]}", rotation=0, ha="right", va="center"
            )

        fig.legend(
            handles=[
                Patch(facecolor="black", edgecolor="0.4", label="spin -1"),
                Patch(facecolor="white", edgecolor="0.4", label="spin +1"),
                Patch(facecolor="0.6", edgecolor="0.4", label="empty site"),
            ],
            loc="lower center",
            ncol=3,
        )
        fig.suptitle(f"Synthetic catalog on a {catalog.size}x{catalog.size} lattice")
        fig.tight_layout(rect=(0, 0.06, 1, 1))
    return fig


def plot_class_probabilities(
    temperatures: np.ndarray,
    mean_probs: np.ndarray,
    class_names: Sequence[str],
    reference_temperatures: Mapping[str, float] | None = None,
    errors: np.ndarray | None = None,
    title: str | None = None,
) -> Figure:
    """Plot the mean class probabilities against temperature.

    Parameters
    ----------
    temperatures : numpy.ndarray
        Grid of shape (n_temperatures,), in units of J.
    mean_probs : numpy.ndarray
        Mean probabilities of shape (n_temperatures, num_classes), for
        example from ``ising_core.analysis.mean_probabilities``.
    class_names : sequence of str
        Class code of each column of ``mean_probs``.
    reference_temperatures : mapping of str to float, optional
        Vertical reference lines keyed by their legend label, for example
        ``{"Onsager $T_c$": 2.269, "$L=40$ pseudo-critical": 2.30}``.
    errors : numpy.ndarray, optional
        Standard errors of ``mean_probs``, same shape, drawn as bands.
    title : str, optional
        Axes title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    temperatures = np.asarray(temperatures, dtype=np.float64)
    mean_probs = np.asarray(mean_probs, dtype=np.float64)
    class_names = tuple(class_names)
    expected_shape = (temperatures.shape[0], len(class_names))
    if temperatures.ndim != 1 or mean_probs.shape != expected_shape:
        raise ValueError(
            f"mean_probs must have shape (n_temperatures, num_classes) = "
            f"{expected_shape} for {temperatures.shape[0]} temperatures and "
            f"classes {class_names}, got shape {mean_probs.shape}"
        )
    if errors is not None and np.shape(errors) != mean_probs.shape:
        raise ValueError(
            f"errors must have the shape of mean_probs {mean_probs.shape}, got "
            f"shape {np.shape(errors)}"
        )

    with mpl.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(6.4, 4.2))
        _draw_class_probabilities(ax, temperatures, mean_probs, class_names, reference_temperatures, errors)
        if title is not None:
            ax.set_title(title)
        ax.legend(loc="center right")
        fig.tight_layout()
    return fig


def plot_class_probability_panels(
    temperatures: np.ndarray,
    panels: Mapping[str, np.ndarray],
    class_names: Sequence[str],
    reference_temperatures: Mapping[str, float] | None = None,
) -> Figure:
    """Class probabilities against temperature, one panel per network, side by side.

    ``panels`` maps a panel title (for example "n = 8 hidden units") to mean
    probabilities of shape (n_temperatures, num_classes).
    """
    temperatures = np.asarray(temperatures, dtype=np.float64)
    with mpl.rc_context(STYLE):
        fig, axes = plt.subplots(1, len(panels), figsize=(5.2 * len(panels), 4.0), sharey=True, squeeze=False)
        for ax, (title, mean_probs) in zip(axes[0], panels.items()):
            _draw_class_probabilities(ax, temperatures, np.asarray(mean_probs), tuple(class_names), reference_temperatures, None)
            ax.set_title(title)
        for ax in axes[0][1:]:
            ax.set_ylabel("")
        handles, labels = axes[0][0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="lower center", ncol=3, bbox_to_anchor=(0.5, -0.02))
        fig.tight_layout(rect=(0, 0.14, 1, 1))
    return fig


def _draw_class_probabilities(ax, temperatures, mean_probs, class_names, reference_temperatures, errors):
    for k, name in enumerate(class_names):
        color = CLASS_COLORS.get(name)
        label = f"{name} ({CLASS_DESCRIPTIONS[name]})" if name in CLASS_DESCRIPTIONS else name
        ax.plot(temperatures, mean_probs[:, k], marker="o", color=color, label=label)
        if errors is not None:
            ax.fill_between(
                temperatures,
                mean_probs[:, k] - errors[:, k],
                mean_probs[:, k] + errors[:, k],
                color=color,
                alpha=0.2,
                linewidth=0,
            )
    _draw_reference_lines(ax, reference_temperatures)
    ax.axhline(0.5, color="0.7", linewidth=0.8, zorder=0)
    ax.set_xlabel("T/J")
    ax.set_ylabel("class probability")
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlim(temperatures[0], temperatures[-1])


def _draw_reference_lines(ax: plt.Axes, reference_temperatures: Mapping[str, float] | None) -> None:
    if not reference_temperatures:
        return
    for index, (label, temperature) in enumerate(reference_temperatures.items()):
        ax.axvline(
            temperature,
            color="0.25",
            linewidth=1.0,
            linestyle=REFERENCE_LINESTYLES[index % len(REFERENCE_LINESTYLES)],
            label=f"{label} ({temperature:g})",
        )


def _distinct_configurations(configurations: np.ndarray, limit: int) -> list[np.ndarray]:
    distinct: list[np.ndarray] = []
    seen: set[bytes] = set()
    for configuration in configurations:
        key = configuration.tobytes()
        if key in seen:
            continue
        seen.add(key)
        distinct.append(configuration)
        if len(distinct) == limit:
            break
    return distinct


def plot_configurations(samples_by_density: Mapping, temperatures: Sequence[float], index: int = 0) -> Figure:
    """Grid of Monte Carlo configurations: one row per density, one column per temperature.

    ``samples_by_density`` maps a density to its MonteCarloSamples; each requested
    temperature is replaced by the nearest one of the grid, and the ``index``-th stored
    configuration is shown.
    """
    densities = sorted(samples_by_density, reverse=True)
    with mpl.rc_context(STYLE):
        fig, axes = plt.subplots(
            len(densities), len(temperatures),
            figsize=(1.8 * len(temperatures) + 0.8, 1.8 * len(densities)), squeeze=False,
        )
        for row, rho in enumerate(densities):
            samples = samples_by_density[rho]
            for col, wanted in enumerate(temperatures):
                t = int(np.argmin(np.abs(samples.temperatures - wanted)))
                ax = axes[row, col]
                draw_configuration(ax, samples.configurations[t, index])
                if row == 0:
                    ax.set_title(f"T/J = {samples.temperatures[t]:.2f}", fontsize=10)
                if col == 0:
                    ax.set_ylabel(f"rho = {rho:g}", fontsize=10)
        fig.tight_layout()
    return fig


def plot_energy_check(temperatures, energy, energy_error, exact_energy, size: int) -> Figure:
    """Monte Carlo energy per spin against the exact finite-lattice energy, with residuals in standard errors.

    Points with a zero error bar (every stored configuration a ground state) are left
    out of the residual panel.
    """
    temperatures = np.asarray(temperatures, dtype=np.float64)
    energy_error = np.asarray(energy_error, dtype=np.float64)
    with mpl.rc_context(STYLE):
        fig, (top, bottom) = plt.subplots(
            2, 1, figsize=(6.4, 5.4), sharex=True, gridspec_kw={"height_ratios": [3, 1.4]}
        )
        top.plot(temperatures, exact_energy, color="black", linewidth=1.2, label=f"exact (Kaufman), L = {size}")
        top.errorbar(temperatures, energy, yerr=energy_error, fmt="o", color="tab:blue", label="Monte Carlo")
        top.axvline(ONSAGER_TC, color="0.4", linestyle="--", linewidth=0.9, label=f"Onsager $T_c$ ({ONSAGER_TC:.4f})")
        top.set_ylabel("energy per spin e/J")
        top.legend()

        fluctuating = energy_error > 0
        deviation = (np.asarray(energy) - exact_energy)[fluctuating] / energy_error[fluctuating]
        bottom.axhspan(-2, 2, color="tab:blue", alpha=0.12, linewidth=0)
        bottom.axhline(0, color="black", linewidth=0.8)
        bottom.plot(temperatures[fluctuating], deviation, "o", color="tab:blue")
        bottom.set_xlabel("T/J")
        bottom.set_ylabel("(MC - exact) / error")
        fig.tight_layout()
    return fig


def plot_order_parameter(averages_by_density: Mapping, onsager: bool = True) -> Figure:
    """Mean |m| per occupied spin against temperature for each density.

    ``averages_by_density`` maps a density to its ThermalAverages.  With ``onsager``
    the spontaneous magnetization of the infinite pure lattice is drawn as reference.
    """
    with mpl.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(6.4, 4.2))
        highest = 0.0
        for k, rho in enumerate(sorted(averages_by_density, reverse=True)):
            a = averages_by_density[rho]
            highest = max(highest, float(np.max(a.temperatures)))
            ax.errorbar(a.temperatures, a.abs_magnetization, yerr=a.abs_magnetization_error,
                        fmt="o-", markersize=3, linewidth=1, color=f"C{k}", label=f"rho = {rho:g}")
        if onsager:
            grid = np.linspace(0.05, highest, 400)
            ax.plot(grid, onsager_spontaneous_magnetization(grid), color="black", linewidth=1, linestyle="--",
                    label="Onsager, infinite pure lattice")
        ax.set_xlabel("T/J")
        ax.set_ylabel("mean |m| per occupied spin")
        ax.set_ylim(-0.02, 1.05)
        ax.legend(fontsize="small")
        fig.tight_layout()
    return fig
