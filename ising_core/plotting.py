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
from ising_core.fitting import tc_ratio_model

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


# Figures of the hidden-layer sweep and of the transfer to diluted lattices.


def plot_ordered_probability_panels(
    temperatures: np.ndarray,
    panels: Mapping[str, Mapping[str, tuple]],
    reference_temperatures: Mapping[str, float] | None = None,
    ylabel: str = "p[F]",
) -> Figure:
    """Ordered-class probability against temperature, several curves per panel.

    Parameters
    ----------
    temperatures : numpy.ndarray
        Grid of shape (n_temperatures,), in units of J.
    panels : mapping
        ``{panel title: {curve label: (curve, error)}}``; ``curve`` has shape
        (n_temperatures,) and ``error`` (same shape, or None) is drawn as a band.
    reference_temperatures : mapping of str to float, optional
        Vertical reference lines keyed by their legend label, drawn in every panel.
    ylabel : str
        Label of the probability axis.

    Returns
    -------
    matplotlib.figure.Figure
    """
    temperatures = np.asarray(temperatures, dtype=np.float64)
    if not panels:
        raise ValueError("panels is empty; pass at least one {title: {label: (curve, error)}}")
    with mpl.rc_context(STYLE):
        fig, axes = plt.subplots(1, len(panels), figsize=(6.8 * len(panels), 4.2), sharey=True, squeeze=False)
        for ax, (title, curves) in zip(axes[0], panels.items()):
            colors = plt.cm.viridis(np.linspace(0.0, 0.9, max(len(curves), 1)))
            for color, (label, (curve, error)) in zip(colors, curves.items()):
                curve = np.asarray(curve, dtype=np.float64)
                if curve.shape != temperatures.shape:
                    raise ValueError(
                        f"curve {label!r} has shape {curve.shape}, expected {temperatures.shape} (one value per temperature)"
                    )
                ax.plot(temperatures, curve, marker="o", markersize=2.5, color=color, label=label)
                if error is not None:
                    ax.fill_between(temperatures, curve - error, curve + error, color=color, alpha=0.2, linewidth=0)
            _draw_reference_lines(ax, reference_temperatures)
            ax.axhline(0.5, color="0.7", linewidth=0.8, zorder=0)
            ax.set_xlabel("T/J")
            ax.set_ylim(-0.02, 1.02)
            ax.set_xlim(temperatures[0], temperatures[-1])
            ax.set_title(title)
            ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
        axes[0][0].set_ylabel(ylabel)
        fig.tight_layout()
    return fig


def plot_transition_vs_hidden_units(
    hidden_units: Sequence[int],
    values: Sequence[float | None],
    errors: Sequence[float | None],
    seed_values: Mapping[int, Sequence[float]] | None = None,
    reference_temperatures: Mapping[str, float] | None = None,
    stable_onset: int | None = None,
    all_seeds_cross: Sequence[bool] | None = None,
) -> Figure:
    """Transition temperature against hidden-layer width, on a logarithmic width axis.

    Widths whose value is None (no seed crosses 1/2) are marked along the bottom axis.
    ``seed_values`` maps a width to its per-seed crossings, drawn as small crosses;
    ``reference_temperatures`` become horizontal lines; from ``stable_onset`` on, the
    widths are shaded as the stable range. Where ``all_seeds_cross`` is False the mean
    covers only the seeds that cross, and its marker is drawn open.
    """
    widths = np.asarray(hidden_units, dtype=np.float64)
    crossing = np.array([v is not None for v in values])
    complete = np.ones(widths.size, dtype=bool) if all_seeds_cross is None else np.asarray(all_seeds_cross, dtype=bool)
    with mpl.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(6.4, 4.2))
        if stable_onset is not None:
            ax.axvspan(stable_onset / 1.15, widths.max() * 1.15, color="tab:green", alpha=0.12, linewidth=0,
                       label=f"stable range (n >= {stable_onset})")
        if seed_values:
            first = True
            for n, crossings in seed_values.items():
                if len(crossings):
                    ax.plot(np.full(len(crossings), n), crossings, "x", color="0.55", markersize=4,
                            label="single seeds" if first else None)
                    first = False
        for selected, face, label in ((crossing & complete, "tab:blue", "mean over seeds"),
                                      (crossing & ~complete, "white", "mean over the crossing seeds only")):
            if np.any(selected):
                ax.errorbar(widths[selected], [values[k] for k in np.flatnonzero(selected)],
                            yerr=[errors[k] for k in np.flatnonzero(selected)], fmt="o", color="tab:blue",
                            markerfacecolor=face, capsize=3, label=label)
        for index, (label, temperature) in enumerate((reference_temperatures or {}).items()):
            ax.axhline(temperature, color="0.25", linewidth=1.0,
                       linestyle=REFERENCE_LINESTYLES[index % len(REFERENCE_LINESTYLES)],
                       label=f"{label} ({temperature:.3f})")
        if np.any(~crossing):
            bottom = ax.get_ylim()[0]
            ax.plot(widths[~crossing], np.full(int(np.sum(~crossing)), bottom), "v", color="tab:red",
                    clip_on=False, label="no crossing")
        ax.set_xscale("log")
        ax.set_xlabel("hidden units n")
        ax.set_ylabel("transition temperature T/J")
        ax.legend(fontsize="small")
        fig.tight_layout()
    return fig


def plot_hidden_weights(
    images: np.ndarray,
    titles: Sequence[str] | None = None,
    columns: int = 4,
    colorbar_label: str = "input weight",
) -> Figure:
    """Draw each hidden unit's input weights as an L x L image on one symmetric color scale.

    ``images`` has shape (hidden_units, L, L), for example from
    ``ising_core.supervised.hidden_weight_images`` or ``learned_weight_images``. Red is a
    positive weight, blue a negative one.
    """
    images = np.asarray(images, dtype=np.float64)
    if images.ndim != 3:
        raise ValueError(f"images must have shape (hidden_units, L, L), got shape {images.shape}")
    count = images.shape[0]
    columns = max(1, min(columns, count))
    rows = int(np.ceil(count / columns))
    limit = float(np.max(np.abs(images))) or 1.0
    with mpl.rc_context(STYLE):
        fig, axes = plt.subplots(rows, columns, figsize=(2.0 * columns + 1.0, 2.0 * rows + 0.3), squeeze=False)
        for index, ax in enumerate(axes.flat):
            if index >= count:
                ax.axis("off")
                continue
            shown = ax.imshow(images[index], cmap="RdBu_r", vmin=-limit, vmax=limit, interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_title(titles[index] if titles is not None else f"unit {index + 1}", fontsize=9)
        fig.colorbar(shown, ax=axes.ravel().tolist(), shrink=0.8, label=colorbar_label)
    return fig


def plot_probability_vs_magnetization(
    abs_magnetization: np.ndarray,
    probability: np.ndarray,
    temperatures: np.ndarray | None = None,
    title: str | None = None,
    ylabel: str = "p[F]",
) -> Figure:
    """Scatter each configuration's ordered-class probability against its |m|.

    ``abs_magnetization`` and ``probability`` have shape (n_temperatures, samples);
    with ``temperatures`` (shape (n_temperatures,)) the points are colored by T/J.
    """
    abs_magnetization = np.abs(np.asarray(abs_magnetization, dtype=np.float64))
    probability = np.asarray(probability, dtype=np.float64)
    if abs_magnetization.shape != probability.shape:
        raise ValueError(
            f"abs_magnetization and probability must have the same shape, got {abs_magnetization.shape} "
            f"and {probability.shape}"
        )
    with mpl.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(6.0, 4.2))
        if temperatures is None:
            ax.scatter(abs_magnetization.ravel(), probability.ravel(), s=5, alpha=0.5, color="tab:blue")
        else:
            colors = np.broadcast_to(np.asarray(temperatures, dtype=np.float64)[:, np.newaxis], probability.shape)
            shown = ax.scatter(abs_magnetization.ravel(), probability.ravel(), c=colors.ravel(), s=5, alpha=0.6,
                               cmap="coolwarm")
            fig.colorbar(shown, ax=ax, label="T/J")
        ax.axhline(0.5, color="0.7", linewidth=0.8, zorder=0)
        ax.set_xlabel("|m| per occupied spin")
        ax.set_ylabel(ylabel)
        ax.set_xlim(-0.02, 1.02)
        ax.set_ylim(-0.02, 1.02)
        if title is not None:
            ax.set_title(title)
        fig.tight_layout()
    return fig


def plot_tc_ratio_fit(
    densities: Sequence[float],
    ratios: Sequence[float],
    errors: Sequence[float],
    fits: Mapping | None = None,
    reference_fit: Mapping[str, float] | None = None,
    percolation_threshold: float | None = None,
    unordered_densities: Sequence[float] = (),
) -> Figure:
    """Normalized transition temperature against spin density, with the fitted curve.

    Parameters
    ----------
    densities, ratios, errors : sequences of float
        Ordered densities, T_c(rho)/T_c(1) and its standard error.
    fits : mapping of str to ising_core.fitting.TcFit, optional
        Fitted curves keyed by legend label, each drawn from just above its rho_c to 1.
    reference_fit : mapping, optional
        Literature parameters ``{"K": .., "A": .., "rho_c": .., "label": ..}``, drawn dashed.
    percolation_threshold : float, optional
        Vertical line at the exact site-percolation threshold.
    unordered_densities : sequence of float
        Densities without a transition, marked at zero.
    """
    densities = np.asarray(densities, dtype=np.float64)
    with mpl.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(6.4, 4.2))
        ax.errorbar(densities, ratios, yerr=errors, fmt="o", color="black", capsize=3,
                    label="network, $p[F] = 1/2$")
        if len(unordered_densities):
            ax.plot(unordered_densities, np.zeros(len(unordered_densities)), "v", color="tab:red",
                    label="no ordered range")
        curves = []
        for index, (label, fit) in enumerate((fits or {}).items()):
            curves.append((fit.K, fit.A, fit.rho_c, "-", f"C{index}", f"{label}: $\\rho_c$ = {fit.rho_c:.3f}"))
        if reference_fit is not None:
            curves.append((reference_fit["K"], reference_fit["A"], reference_fit["rho_c"], "--", "0.35",
                           reference_fit.get("label", "reference fit")))
        for K, A, rho_c, style, color, label in curves:
            grid = np.linspace(rho_c + 1e-3, 1.0, 400)
            ax.plot(grid, tc_ratio_model(grid, K, A, rho_c), linestyle=style, color=color, linewidth=1.2, label=label)
        if percolation_threshold is not None:
            ax.axvline(percolation_threshold, color="0.25", linestyle=":", linewidth=1.0,
                       label=f"percolation threshold ({percolation_threshold:.4f})")
        ax.set_xlabel("spin density $\\rho$")
        ax.set_ylabel("$T_c(\\rho) / T_c(1)$")
        ax.set_ylim(-0.05, 1.15)
        ax.legend(fontsize="small", loc="lower right")
        fig.tight_layout()
    return fig


# Figures of the direct numerical references: percolation, Binder cumulants, finite-size
# scaling and the combined phase diagram.


def plot_wrapping_probability(
    occupation: np.ndarray,
    curves: Mapping[int, np.ndarray],
    critical_value: float,
    threshold: float,
    ylabel: str = "wrapping probability $R_e(p)$",
) -> Figure:
    """Wrapping probability against occupation probability, one curve per lattice size.

    Parameters
    ----------
    occupation : numpy.ndarray
        Occupation probabilities ``p`` of shape (n_points,).
    curves : mapping of int to numpy.ndarray
        ``{L: R_L(p)}`` on that grid.
    critical_value : float
        Exact wrapping probability at the threshold, drawn as a horizontal line.
    threshold : float
        Exact percolation threshold, drawn as a vertical line.
    ylabel : str
        Label of the probability axis.
    """
    occupation = np.asarray(occupation, dtype=np.float64)
    with mpl.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(6.4, 4.2))
        colors = plt.cm.viridis(np.linspace(0.0, 0.9, max(len(curves), 1)))
        for color, (size, curve) in zip(colors, sorted(curves.items())):
            ax.plot(occupation, curve, color=color, label=f"L = {size}")
        ax.axhline(critical_value, color="0.4", linestyle="--", linewidth=1.0,
                   label=f"exact $R(p_c)$ = {critical_value:.4f}")
        ax.axvline(threshold, color="0.25", linestyle=":", linewidth=1.0, label=f"$p_c$ = {threshold:.5f}")
        ax.set_xlabel("occupation probability $p$")
        ax.set_ylabel(ylabel)
        ax.set_xlim(occupation[0], occupation[-1])
        ax.set_ylim(-0.02, 1.02)
        ax.legend(fontsize="small", loc="upper left")
        fig.tight_layout()
    return fig


def plot_finite_size_extrapolation(
    sizes: Sequence[int],
    values: Sequence[float],
    errors: Sequence[float],
    fit=None,
    reference_value: float | None = None,
    reference_label: str = "exact",
    ylabel: str = "estimate",
    exponent: float | None = None,
) -> Figure:
    """Finite-size estimates against ``L**(-exponent)``, with the fitted line to ``L = infinity``.

    Parameters
    ----------
    sizes, values, errors : sequences
        Lattice sizes, estimates and their standard errors.
    fit : ising_core.finite_size.FiniteSizeFit, optional
        Fitted ``X(L) = limit + amplitude L**(-exponent)``, drawn down to ``L**(-exponent) = 0``
        with the extrapolated value and its error.
    reference_value : float, optional
        Exact or literature value, drawn as a horizontal line.
    reference_label : str
        Legend label of the reference line.
    ylabel : str
        Label of the estimate axis (for example ``"T/J"``).
    exponent : float, optional
        Exponent of the abscissa; taken from ``fit`` when None (1 without a fit).
    """
    sizes = np.asarray(sizes, dtype=np.float64)
    if exponent is None:
        exponent = fit.exponent if fit is not None else 1.0
    x = sizes ** (-exponent)
    x_max = x.max() if x.size else 1.0
    with mpl.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(6.4, 4.2))
        ax.errorbar(x, values, yerr=errors, fmt="o", color="black", capsize=3, label="finite-size estimates")
        for size, xi, value in zip(sizes, x, values):
            ax.annotate(f"L={size:g}", (xi, value), textcoords="offset points", xytext=(5, 5), fontsize="x-small")
        if fit is not None:
            grid = np.linspace(0.0, x_max * 1.05, 100)
            ax.plot(grid, fit.limit + fit.amplitude * grid, color="tab:blue", linewidth=1.2,
                    label=f"fit: {fit.limit:.5g} $\\pm$ {fit.limit_error:.2g} at $L \\to \\infty$")
            ax.errorbar([0.0], [fit.limit], yerr=[fit.limit_error], fmt="s", color="tab:blue", capsize=3)
        if reference_value is not None:
            ax.axhline(reference_value, color="0.25", linestyle="--", linewidth=1.0,
                       label=f"{reference_label} ({reference_value:.6g})")
        exponent_text = f"{exponent:g}" if float(exponent).is_integer() else f"{exponent:.3g}"
        ax.set_xlabel(f"$L^{{-{exponent_text}}}$")
        ax.set_ylabel(ylabel)
        ax.set_xlim(left=-0.02 * x_max)
        ax.legend(fontsize="small")
        fig.tight_layout()
    return fig


def plot_binder_curves(curves_by_density: Mapping, crossings: Mapping | None = None, columns: int = 3) -> Figure:
    """Binder cumulant against temperature, one panel per density and one curve per size.

    Parameters
    ----------
    curves_by_density : mapping
        ``{rho: {L: BinderCurve}}`` (see :mod:`ising_core.binder`).
    crossings : mapping of float to BinderCrossing, optional
        Crossing estimate of each density, drawn as a vertical line with its error band.
    columns : int
        Panels per row.
    """
    if not curves_by_density:
        with mpl.rc_context(STYLE):
            fig, ax = plt.subplots(figsize=(4.4, 3.4))
            ax.text(0.5, 0.5, "no density was scanned", ha="center", va="center", transform=ax.transAxes)
            ax.set_xlabel("T/J")
            ax.set_ylabel("Binder cumulant $U$")
            fig.tight_layout()
        return fig
    count = len(curves_by_density)
    columns = min(columns, count)
    rows = int(np.ceil(count / columns))
    with mpl.rc_context(STYLE):
        fig, axes = plt.subplots(rows, columns, figsize=(4.4 * columns, 3.4 * rows), squeeze=False)
        for ax, (density, curves) in zip(axes.ravel(), curves_by_density.items()):
            colors = plt.cm.viridis(np.linspace(0.0, 0.9, max(len(curves), 1)))
            for color, (size, curve) in zip(colors, sorted(curves.items())):
                ax.errorbar(curve.temperatures, curve.binder, yerr=curve.binder_error, marker="o", markersize=2.5,
                            capsize=2, color=color, label=f"L = {size}")
            crossing = (crossings or {}).get(density)
            if crossing is not None and crossing.value is not None:
                ax.axvline(crossing.value, color="tab:red", linestyle="--", linewidth=1.0,
                           label=f"crossing {crossing.value:.3f}")
                if crossing.error is not None and np.isfinite(crossing.error):
                    ax.axvspan(crossing.value - crossing.error, crossing.value + crossing.error, color="tab:red",
                               alpha=0.15, linewidth=0)
            if np.isclose(density, 1.0):
                ax.axvline(ONSAGER_TC, color="0.25", linestyle=":", linewidth=1.0, label="Onsager $T_c$")
            ax.set_title(f"$\\rho$ = {density:g}")
            ax.set_xlabel("T/J")
            ax.set_ylabel("Binder cumulant $U$")
            ax.legend(fontsize="x-small", loc="lower left")
        for ax in axes.ravel()[count:]:
            ax.set_visible(False)
        fig.tight_layout()
    return fig


def plot_phase_diagram(
    point_sets: Mapping[str, tuple],
    fit: Mapping[str, float] | None = None,
    percolation_threshold: float | None = None,
    percolation_estimate: tuple | None = None,
) -> Figure:
    """Normalized transition temperature ``T_c(rho)/T_c(1)`` against spin density from several methods.

    Parameters
    ----------
    point_sets : mapping
        ``{label: (densities, ratios, errors)}``, one marker style per method.
    fit : mapping, optional
        ``{"K": .., "A": .., "rho_c": .., "label": ..}`` of ``-K/ln(rho - rho_c) + A``,
        drawn as a line.
    percolation_threshold : float, optional
        Exact site-percolation threshold, the ``T = 0`` endpoint; the exact endpoint
        ``T_c(1)/T_c(1) = 1`` at ``rho = 1`` is always drawn.
    percolation_estimate : tuple, optional
        ``(value, error)`` of a measured threshold, drawn at ``T = 0`` with a horizontal
        error bar.
    """
    markers = ("o", "s", "D", "^", "v", "P")
    with mpl.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(6.8, 4.6))
        for index, (label, (densities, ratios, errors)) in enumerate(point_sets.items()):
            offset = 0.004 * (index - (len(point_sets) - 1) / 2)  # keep overlapping error bars apart
            ax.errorbar(np.asarray(densities, dtype=np.float64) + offset, ratios, yerr=errors,
                        fmt=markers[index % len(markers)], color=f"C{index}", capsize=3, label=label)
        if fit is not None:
            grid = np.linspace(fit["rho_c"] + 1e-3, 1.0, 400)
            ax.plot(grid, tc_ratio_model(grid, fit["K"], fit["A"], fit["rho_c"]), color="0.3", linewidth=1.2,
                    label=fit.get("label", "fit"))
        ax.plot([1.0], [1.0], "*", color="black", markersize=12, label="exact: Onsager at $\\rho = 1$")
        if percolation_threshold is not None:
            ax.plot([percolation_threshold], [0.0], "*", color="tab:red", markersize=12,
                    label=f"exact: percolation threshold {percolation_threshold:.5f}")
        if percolation_estimate is not None:
            ax.errorbar([percolation_estimate[0]], [0.0], xerr=[percolation_estimate[1]], fmt="x", color="tab:red",
                        capsize=3, label="Newman-Ziff estimate")
        ax.set_xlabel("spin density $\\rho$")
        ax.set_ylabel("$T_c(\\rho) / T_c(1)$")
        ax.set_xlim(0.5, 1.02)
        ax.set_ylim(-0.05, 1.15)
        ax.legend(fontsize="x-small", loc="upper left")
        fig.tight_layout()
    return fig


# Figures of the autoencoder chapters.

RECONSTRUCTION_COLORMAP = "gray"
"""Colormap of reconstructed pixels: 0 (spin -1) black, 1 (spin +1) white, as SPIN_COLORMAP."""


def plot_reconstructions(
    inputs: np.ndarray,
    reconstructions: np.ndarray,
    titles: Sequence[str] | None = None,
    row_labels: tuple[str, str] = ("input", "reconstruction"),
) -> Figure:
    """Show configurations (top row) above their autoencoder reconstructions (bottom row).

    Parameters
    ----------
    inputs : numpy.ndarray
        Spins of shape (n, L, L) with values -1, 0 (empty site) and +1.
    reconstructions : numpy.ndarray
        Reconstructions in pixel units, shape (n, L, L) with values in [0, 1], for
        example from ``ising_core.unsupervised.reconstruct``. They are drawn in grey
        levels from black (0, spin -1) to white (1, spin +1).
    titles : sequence of str, optional
        One title per column.
    row_labels : tuple of str
        Labels of the two rows.
    """
    inputs = np.asarray(inputs)
    reconstructions = np.asarray(reconstructions, dtype=np.float64)
    if inputs.ndim != 3 or reconstructions.shape != inputs.shape:
        raise ValueError(
            f"inputs and reconstructions must both have shape (n, L, L), got shapes "
            f"{inputs.shape} and {reconstructions.shape}"
        )
    columns = inputs.shape[0]
    with mpl.rc_context(STYLE):
        fig, axes = plt.subplots(2, columns, figsize=(1.6 * columns + 1.0, 3.8), squeeze=False)
        for k in range(columns):
            draw_configuration(axes[0, k], inputs[k], None if titles is None else titles[k])
            image = axes[1, k].imshow(
                reconstructions[k], cmap=RECONSTRUCTION_COLORMAP, vmin=0.0, vmax=1.0, interpolation="nearest"
            )
            axes[1, k].set_xticks([])
            axes[1, k].set_yticks([])
        axes[0, 0].set_ylabel(row_labels[0])
        axes[1, 0].set_ylabel(row_labels[1])
        fig.colorbar(image, ax=axes[1, :].tolist(), fraction=0.02, pad=0.02, label="pixel")
    return fig


def plot_error_curve_panels(
    temperatures: np.ndarray,
    panels: Mapping[str, Mapping[str, tuple]],
    reference_temperatures: Mapping[str, float] | None = None,
    levels: Mapping[str, float] | None = None,
    ylabel: str = "reconstruction MSE",
    log_scale: bool = False,
    columns: int = 3,
) -> Figure:
    """Plot the reconstruction error against temperature, several curves per panel, panels side by side.

    Parameters
    ----------
    temperatures : numpy.ndarray
        Grid of shape (n_temperatures,), in units of J.
    panels : mapping
        Panel title -> {curve label -> (mean, sd)}, each array of shape
        (n_temperatures,). The mean is drawn as a line and mean +- sd as a band.
        NaN entries (a sign sector without configurations) leave gaps. A curve
        label has the same color in every panel.
    reference_temperatures : mapping of str to float, optional
        Vertical reference lines keyed by legend label.
    levels : mapping of str to float, optional
        Horizontal reference lines keyed by legend label, for example the error of
        random configurations.
    ylabel : str
        Label of the vertical axis.
    log_scale : bool
        Logarithmic vertical axis (the band is then clipped at a small positive value).
    columns : int
        Maximum number of panels per row.
    """
    temperatures = np.asarray(temperatures, dtype=np.float64)
    count = len(panels)
    with mpl.rc_context(STYLE):
        columns = min(count, columns)
        rows = -(-count // columns)
        fig, axes = plt.subplots(
            rows, columns, figsize=(4.6 * columns, 3.6 * rows + 0.6), sharex=True, sharey=True, squeeze=False
        )
        colors: dict = {}
        for curves in panels.values():
            for label in curves:
                colors.setdefault(label, f"C{len(colors)}")
        for ax, (title, curves) in zip(axes.flat, panels.items()):
            for label, (mean, sd) in curves.items():
                mean = np.asarray(mean, dtype=np.float64)
                sd = np.asarray(sd, dtype=np.float64)
                color = colors[label]
                ax.plot(temperatures, mean, marker="o", color=color, label=label)
                lower = mean - sd
                if log_scale:
                    lower = np.maximum(lower, 1e-6)
                ax.fill_between(temperatures, lower, mean + sd, color=color, alpha=0.2, linewidth=0)
            for index, (label, value) in enumerate((levels or {}).items()):
                ax.axhline(value, color="tab:red", linewidth=1.0, linestyle=REFERENCE_LINESTYLES[index % 4],
                           label=f"{label} ({value:.3g})")
            _draw_reference_lines(ax, reference_temperatures)
            ax.set_title(title)
            ax.set_xlabel("T/J")
            if log_scale:
                ax.set_yscale("log")
        for ax in axes.flat[count:]:
            ax.axis("off")
        for row in axes:
            row[0].set_ylabel(ylabel)
        handles, labels = _unique_legend_entries(axes.flat)
        fig.legend(handles, labels, loc="lower center", ncol=min(len(labels), 3))
        legend_rows = -(-len(labels) // 3)
        fig.tight_layout(rect=(0, 0.05 + 0.05 * legend_rows / rows, 1, 1))
    return fig


def _unique_legend_entries(axes) -> tuple[list, list]:
    """Legend handles and labels of several axes, each label once, in order of appearance."""
    entries: dict = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            entries.setdefault(label, handle)
    return list(entries.values()), list(entries)


def plot_error_by_density(
    temperatures: np.ndarray,
    mean_by_density: Mapping[float, np.ndarray],
    sd_by_density: Mapping[float, np.ndarray],
    peaks: Mapping[float, tuple] | None = None,
) -> Figure:
    """Plot the mean (top) and standard deviation (bottom) of the MSE against temperature, one curve per density.

    ``peaks`` maps a density to the (value, error) of its maximum-SD temperature,
    which is drawn as a horizontal error bar on the SD curve. A None entry is skipped.
    """
    temperatures = np.asarray(temperatures, dtype=np.float64)
    with mpl.rc_context(STYLE):
        fig, (top, bottom) = plt.subplots(2, 1, figsize=(8.0, 6.4), sharex=True)
        for k, rho in enumerate(sorted(mean_by_density, reverse=True)):
            color = f"C{k}"
            top.plot(temperatures, mean_by_density[rho], marker="o", color=color, label=f"rho = {rho:g}")
            sd = np.asarray(sd_by_density[rho], dtype=np.float64)
            bottom.plot(temperatures, sd, marker="o", color=color)
            peak = (peaks or {}).get(rho)
            if peak is not None and peak[0] is not None:
                height = float(np.interp(peak[0], temperatures, sd))
                bottom.errorbar(peak[0], height, xerr=peak[1] or 0.0, fmt="D", color=color,
                                markeredgecolor="black", markersize=7, capsize=3)
        top.axvline(ONSAGER_TC, color="0.3", linestyle="--", linewidth=1.0, label=f"Onsager $T_c$ ({ONSAGER_TC:.4f})")
        bottom.axvline(ONSAGER_TC, color="0.3", linestyle="--", linewidth=1.0)
        top.set_ylabel("mean MSE")
        bottom.set_ylabel("SD of the MSE")
        bottom.set_xlabel("T/J")
        top.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
        fig.tight_layout()
    return fig


def plot_splitting_accuracy(
    densities: Sequence[float],
    series: Mapping[str, tuple],
    level: float = 0.95,
    thresholds: Mapping[str, tuple] | None = None,
    reference_densities: Mapping[str, float] | None = None,
) -> Figure:
    """Plot the K-means splitting accuracy against spin density, with the detection level.

    Parameters
    ----------
    densities : sequence of float
        Densities of the points.
    series : mapping
        Label -> (accuracy, error), arrays over ``densities``.
    level : float
        Detection level, drawn as a horizontal line (0.95: 5% misclassified).
    thresholds : mapping, optional
        Label -> (value, error) of an estimated threshold density, drawn as a
        shaded band; entries with a None value are skipped.
    reference_densities : mapping of str to float, optional
        Vertical reference lines, for example the exact percolation threshold.
    """
    densities = np.asarray(densities, dtype=np.float64)
    with mpl.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(8.6, 4.2))
        for k, (label, (accuracy, error)) in enumerate(series.items()):
            ax.errorbar(densities, accuracy, yerr=error, fmt="o-", color=f"C{k}", capsize=3, label=label)
        for k, (label, (value, error)) in enumerate((thresholds or {}).items()):
            if value is None:
                continue
            color = f"C{len(series) + k}"
            ax.axvspan(value - (error or 0.0), value + (error or 0.0), color=color, alpha=0.15, linewidth=0)
            ax.axvline(value, color=color, linewidth=1.0, label=f"{label}: {value:.3f}")
        ax.axhline(level, color="tab:red", linewidth=1.0, label=f"{1 - level:.0%} misclassified")
        for index, (label, density) in enumerate((reference_densities or {}).items()):
            ax.axvline(density, color="0.25", linewidth=1.0, linestyle=REFERENCE_LINESTYLES[index % 4],
                       label=f"{label} ({density:g})")
        ax.set_xlabel("spin density rho")
        ax.set_ylabel("K-means splitting accuracy")
        ax.set_ylim(0.45, 1.03)
        ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
        fig.tight_layout()
    return fig


def plot_transition_comparison(
    series: Mapping[str, tuple],
    reference_curve: tuple | None = None,
    percolation_threshold: float | None = None,
) -> Figure:
    """Plot the transition temperature against spin density for several estimators.

    Parameters
    ----------
    series : mapping
        Label -> (densities, values, errors); None values are skipped.
    reference_curve : tuple, optional
        (label, densities, temperatures) of a reference line, for example a
        published fit.
    percolation_threshold : float, optional
        Density drawn as a vertical line, below which no order survives.
    """
    with mpl.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(6.4, 4.2))
        for k, (label, (densities, values, errors)) in enumerate(series.items()):
            points = [(d, v, e or 0.0) for d, v, e in zip(densities, values, errors) if v is not None]
            if not points:
                continue
            d, v, e = (np.array(column, dtype=np.float64) for column in zip(*points))
            ax.errorbar(d + 0.004 * (k - 0.5), v, yerr=e, fmt="o", color=f"C{k}", capsize=3, label=label)
        if reference_curve is not None:
            label, densities, temperatures = reference_curve
            ax.plot(densities, temperatures, color="black", linewidth=1.0, label=label)
        if percolation_threshold is not None:
            ax.axvline(percolation_threshold, color="0.3", linestyle="--", linewidth=1.0,
                       label=f"percolation threshold ({percolation_threshold:.4f})")
        ax.axhline(ONSAGER_TC, color="0.3", linestyle=":", linewidth=1.0, label=f"Onsager $T_c$ ({ONSAGER_TC:.4f})")
        ax.set_xlabel("spin density rho")
        ax.set_ylabel("$T_c$ / J")
        ax.legend(fontsize="small")
        fig.tight_layout()
    return fig


def plot_training_probes(epochs: np.ndarray, errors: Mapping[str, np.ndarray], levels: Mapping[str, float] | None = None) -> Figure:
    """Plot the reconstruction error of probe sets against training epoch, one thin line per seed.

    ``errors`` maps a probe name to an array (n_seeds, n_epochs + 1), for example
    ``ising_core.unsupervised.TrainingProbe.errors``; the vertical axis is logarithmic.
    """
    with mpl.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(6.4, 4.2))
        for k, (label, curves) in enumerate(errors.items()):
            curves = np.atleast_2d(np.asarray(curves, dtype=np.float64))
            for row, curve in enumerate(curves):
                ax.plot(epochs, np.maximum(curve, 1e-7), color=f"C{k}", linewidth=1.2, alpha=0.85,
                        label=label if row == 0 else None)
        for index, (label, value) in enumerate((levels or {}).items()):
            ax.axhline(value, color="0.3", linewidth=1.0, linestyle=REFERENCE_LINESTYLES[index % 4], label=label)
        ax.set_yscale("log")
        ax.set_xlabel("training epoch")
        ax.set_ylabel("mean reconstruction MSE")
        ax.legend(fontsize="small")
        fig.tight_layout()
    return fig


def plot_claim_deviations(claims: Sequence, limit: float = 2.0, clip: float = 8.0) -> Figure:
    """Differences behind the reproduction report's error-based verdicts, in combined standard errors.

    Parameters
    ----------
    claims : sequence of ising_core.report.Claim
        Claims without a ``deviation`` (qualitative rules) are left out; the numbers on
        the vertical axis are the claims' row numbers in the report table.
    limit : float
        Agreement tolerance, drawn as a shaded band ``[-limit, limit]``.
    clip : float
        Points beyond ``+-clip`` are drawn at the edge, as open markers with their value.
    """
    rows = [(number, claim) for number, claim in enumerate(claims, start=1) if claim.deviation is not None]
    with mpl.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(6.8, 1.3 + 0.32 * max(len(rows), 1)))
        ax.axvspan(-limit, limit, color="tab:green", alpha=0.15)
        ax.set_title(f"shaded: agreement within {limit:g} errors; red: disagreement", fontsize="small")
        ax.axvline(0.0, color="0.4", linewidth=0.8)
        for position, (number, claim) in enumerate(rows):
            value = claim.deviation
            drawn = float(np.clip(value, -clip, clip))
            color = "tab:green" if claim.verdict == "agrees" else "tab:red"
            ax.plot([drawn], [position], "o", color=color, markersize=7,
                    markerfacecolor=color if drawn == value else "white")
            if drawn != value:
                ax.annotate(f"{value:+.0f}", (drawn, position), textcoords="offset points",
                            xytext=(-14 if value > 0 else 14, 6), ha="center", fontsize="x-small")
        ax.set_yticks(range(len(rows)))
        ax.set_yticklabels([f"#{number} {_short_label(claim.claim)}" for number, claim in rows], fontsize="x-small")
        ax.invert_yaxis()
        ax.set_xlim(-clip - 0.5, clip + 0.5)
        ax.set_xlabel("difference / combined standard error")
        if not rows:
            ax.text(0.5, 0.5, "no claim with an error-based verdict", transform=ax.transAxes, ha="center")
        fig.tight_layout()
    return fig


def _short_label(text: str, width: int = 48) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"
