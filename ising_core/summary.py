"""Gather the chapters' results files into the phase diagram and a table of estimates.

Every chapter notebook stores its key numbers with
``ising_core.results.save_results(name, {...}, RESULTS_DIR)``.  The summary chapter reads
all of them.  A missing file raises :class:`MissingResultsError`, which names the
chapter and the notebook that writes it, and a file without an expected key raises
:class:`MissingResultKeyError`; neither ever yields a partial diagram.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .exact import ONSAGER_TC, PERCOLATION_THRESHOLD, PERCOLATION_THRESHOLD_ERROR
from .results import load_results, results_path

CHAPTER_RESULTS = (
    "monte_carlo",
    "dense_classifier",
    "hidden_size_sweep",
    "dilution_transfer",
    "autoencoder",
    "autoencoder_dilution",
    "relaxed_detection_ablation",
    "percolation",
    "binder",
    "finite_size_scaling",
)
"""Result sets the summary reads, in chapter order."""

REFERENCE_TC_FIT = {"K": 0.77, "K_error": 0.03, "A": 0.18, "A_error": 0.02, "rho_c": 0.597, "rho_c_error": 0.005}
"""Fit of T_c(rho)/T_c(1) = -K/ln(rho - rho_c) + A to the dense-network estimates of Medina, Arlego and Lamas (2025)."""

DENSE_FIT_NAME = "all ordered densities"
"""Fit of the dilution chapter that follows the reference study's procedure (rho_c free)."""


class MissingResultsError(FileNotFoundError):
    """Results files of one or more chapters are missing.

    Attributes
    ----------
    missing : dict
        ``{result name: notebook file name or None}`` of every missing file.
    results_dir : pathlib.Path
        Folder that was searched.
    """

    def __init__(self, missing: dict, results_dir: Path):
        self.missing = dict(missing)
        self.results_dir = Path(results_dir)
        chapters = []
        for name, notebook in self.missing.items():
            source = f"written by notebooks/{notebook}" if notebook else "no notebook in notebooks/ writes it"
            chapters.append(f"'{name}' ({source})")
        super().__init__(
            f"results of {len(chapters)} chapter(s) missing in {self.results_dir}: {', '.join(chapters)}; "
            "run those chapters first, for example with `python -m ising_core run --profile <profile>`, "
            "which runs every chapter in order"
        )


class MissingResultKeyError(KeyError):
    """A results file lacks a key the summary needs (it was written by an older notebook version)."""

    def __str__(self):
        return str(self.args[0])


@dataclass(frozen=True)
class EstimateRow:
    """One estimate of the summary table.

    Attributes
    ----------
    quantity : str
        What was estimated.
    chapter : str
        Result set the value comes from.
    value : float or None
        The estimate; None when the chapter found none (for example no crossing).
    error : float or None
        Its standard error; None when the chapter gives none.
    reference_label : str
        Where the reference value comes from.
    reference : float or None
        Exact, literature or direct numerical value to compare with.
    reference_error : float
        Standard error of the reference (0 for exact values).
    """

    quantity: str
    chapter: str
    value: float | None
    error: float | None
    reference_label: str
    reference: float | None
    reference_error: float = 0.0

    @property
    def deviation(self):
        """``(value - reference) / sqrt(error**2 + reference_error**2)``, or None when undefined."""
        if self.value is None or self.reference is None or self.error is None:
            return None
        scale = math.hypot(self.error, self.reference_error)
        if not math.isfinite(scale) or scale == 0:
            return None
        return (self.value - self.reference) / scale

    def as_dict(self):
        """Plain-JSON form for the results files."""
        return {
            "quantity": self.quantity, "chapter": self.chapter, "value": self.value, "error": self.error,
            "reference_label": self.reference_label, "reference": self.reference,
            "reference_error": self.reference_error, "deviation": self.deviation,
        }


@dataclass(frozen=True)
class PhasePoints:
    """Normalized transition temperatures of one method: densities, ``T_c(rho)/T_c(1)`` and errors."""

    label: str
    densities: np.ndarray
    ratios: np.ndarray
    errors: np.ndarray

    def as_tuple(self):
        """``(densities, ratios, errors)`` as taken by :func:`ising_core.plotting.plot_phase_diagram`."""
        return self.densities, self.ratios, self.errors


def chapter_notebook(name: str, notebooks_dir: str | os.PathLike) -> str | None:
    """Return the file name of the notebook in ``notebooks_dir`` that saves the result set ``name``.

    The notebooks' source text is searched for ``save_results("name"``; None when no
    notebook contains it.
    """
    pattern = re.compile(r"save_results\(\s*\\?[\"']" + re.escape(name) + r"\\?[\"']")
    for path in sorted(Path(notebooks_dir).glob("[0-9][0-9]_*.ipynb")):
        if pattern.search(path.read_text(encoding="utf-8")):
            return path.name
    return None


def load_chapter_results(results_dir, names=CHAPTER_RESULTS, notebooks_dir=None):
    """Load the result sets ``names`` from ``results_dir``.

    Parameters
    ----------
    results_dir : path-like
        Folder of the results files (``RESULTS_DIR`` of the notebooks).
    names : sequence of str
        Result sets to load; default every chapter the summary uses.
    notebooks_dir : path-like, optional
        Folder searched for the notebook that writes a missing set, so that the error
        can name it; the project's ``notebooks/`` by default.

    Returns
    -------
    dict
        ``{name: results dict}``.

    Raises
    ------
    MissingResultsError
        Listing every missing set and its notebook, when any file is missing.
    """
    results_dir = Path(results_dir)
    missing = [name for name in names if not results_path(name, results_dir).is_file()]
    if missing:
        if notebooks_dir is None:
            notebooks_dir = Path(__file__).resolve().parent.parent / "notebooks"
        raise MissingResultsError({name: chapter_notebook(name, notebooks_dir) for name in missing}, results_dir)
    return {name: load_results(name, results_dir) for name in names}


def result_profiles(results):
    """Return ``{result name: profile name}`` as stored in each results file (None where absent)."""
    return {name: data.get("profile") if isinstance(data, dict) else None for name, data in results.items()}


def result_value(results, name, *keys):
    """Return ``results[name][keys[0]][keys[1]]...``.

    Raises
    ------
    MissingResultKeyError
        Naming the result set and the missing key path, when a key is absent.
    """
    if name not in results:
        raise MissingResultKeyError(f"result set {name!r} was not loaded; pass it to load_chapter_results")
    value = results[name]
    for depth, key in enumerate(keys):
        if not isinstance(value, dict) or key not in value:
            path = ".".join(str(k) for k in keys[: depth + 1])
            raise MissingResultKeyError(
                f"results {name!r} have no key {path!r}: rerun the chapter that writes them, the file may come "
                "from an older version of its notebook"
            )
        value = value[key]
    return value


def _normalized_points(results, name, label):
    normalized = result_value(results, name, "normalized")
    densities = sorted(normalized, key=float, reverse=True)
    return PhasePoints(
        label=label,
        densities=np.array([float(rho) for rho in densities]),
        ratios=np.array([float(normalized[rho]["ratio"]) for rho in densities]),
        errors=np.array([float(normalized[rho]["error"]) for rho in densities]),
    )


def dense_points(results):
    """Dense-network points ``T_c(rho)/T_c(1)`` of the dilution chapter."""
    return _normalized_points(results, "dilution_transfer", "dense network, $p[F] = 1/2$")


def binder_points(results):
    """Binder-crossing points ``T_c(rho)/T_c(1)``."""
    return _normalized_points(results, "binder", "Binder-cumulant crossings")


def autoencoder_points(results):
    """Autoencoder points ``T_c(rho)/T_c(1)`` (maximum spread of the reconstruction error)."""
    return _normalized_points(results, "autoencoder_dilution", "autoencoder, maximum SD of the error")


def dense_fit(results):
    """Parameters of the dilution chapter's fit (rho_c free, every ordered density), or None if it was not done."""
    fits = result_value(results, "dilution_transfer", "fits")
    fit = fits.get(DENSE_FIT_NAME)
    if fit is None:
        return None
    return {"K": fit["K"], "A": fit["A"], "rho_c": fit["rho_c"],
            "K_error": fit["K_error"], "A_error": fit["A_error"], "rho_c_error": fit["rho_c_error"]}


def _transition(entry):
    """``(value, error)`` of a transition dict with ``value`` and ``error`` keys (None when absent)."""
    if entry is None:
        return None, None
    return entry.get("value"), entry.get("error")


def _widest_transition(by_width):
    """``(width, value, error)`` of the widest network whose crossing exists, or ``(None, None, None)``."""
    for width in sorted(by_width, key=int, reverse=True):
        value, error = _transition(by_width[width])
        if value is not None:
            return int(width), value, error
    return None, None, None


def _width_text(width):
    return "" if width is None else f" n = {width}"


def estimate_table(results):
    """List every estimate of the book beside its reference value.

    References: Onsager's T_c for the pure model, the Newman-Ziff threshold for rho_c, the
    reference study's fit parameters, and for the normalized transition temperatures of
    the diluted model the Binder-crossing values at the same density (the direct
    numerical estimate).

    Returns
    -------
    list of EstimateRow
    """
    rows = []

    threshold = result_value(results, "percolation", "threshold")
    rows.append(EstimateRow("site-percolation threshold, Newman-Ziff", "percolation", threshold["value"],
                            threshold["error"], "Newman-Ziff 2000", PERCOLATION_THRESHOLD,
                            PERCOLATION_THRESHOLD_ERROR))

    binder_pure = result_value(results, "binder", "densities").get("1")
    value, error = _transition(binder_pure)
    rows.append(EstimateRow("T_c(1), Binder crossing", "binder", value, error, "Onsager", ONSAGER_TC))

    width, value, error = _widest_transition(result_value(results, "dense_classifier", "hidden_units"))
    size = result_value(results, "dense_classifier", "size")
    rows.append(EstimateRow(f"T_c(1), dense network{_width_text(width)}, L = {size}", "dense_classifier", value,
                            error, "Onsager", ONSAGER_TC))

    width, value, error = _widest_transition(result_value(results, "hidden_size_sweep", "hidden_units"))
    rows.append(EstimateRow(f"T_c(1), widest crossing network of the sweep{_width_text(width)}", "hidden_size_sweep",
                            value, error, "Onsager", ONSAGER_TC))

    extrapolated = result_value(results, "finite_size_scaling", "extrapolation")
    value, error = (None, None) if extrapolated is None else (extrapolated["limit"], extrapolated["limit_error"])
    rows.append(EstimateRow("T_c(L -> infinity), dense network, finite-size scaling", "finite_size_scaling", value,
                            error, "Onsager", ONSAGER_TC))

    rows.extend(_autoencoder_rows(results))
    rows.extend(_ablation_rows(results))

    binder = binder_points(results)
    binder_ratio = {round(rho, 6): (r, e) for rho, r, e in zip(binder.densities, binder.ratios, binder.errors)}
    for points, chapter in ((dense_points(results), "dilution_transfer"), (autoencoder_points(results), "autoencoder_dilution")):
        for rho, ratio, ratio_error in zip(points.densities, points.ratios, points.errors):
            if np.isclose(rho, 1.0):
                continue
            reference, reference_error = binder_ratio.get(round(rho, 6), (None, 0.0))
            rows.append(EstimateRow(f"T_c({rho:g})/T_c(1), {points.label}", chapter, ratio, ratio_error,
                                    "Binder crossing", reference, reference_error))

    fit = dense_fit(results)
    for key in ("K", "A", "rho_c"):
        value = None if fit is None else fit[key]
        error = None if fit is None else fit[f"{key}_error"]
        rows.append(EstimateRow(f"fit parameter {key}, dense network", "dilution_transfer", value, error,
                                "reference study", REFERENCE_TC_FIT[key], REFERENCE_TC_FIT[f"{key}_error"]))
    if fit is not None:
        rows.append(EstimateRow("fit parameter rho_c, dense network", "dilution_transfer", fit["rho_c"],
                                fit["rho_c_error"], "Newman-Ziff 2000", PERCOLATION_THRESHOLD,
                                PERCOLATION_THRESHOLD_ERROR))
    return rows


def _autoencoder_rows(results):
    """Pure-model transition and percolation estimate of the autoencoder chapters."""
    value, error = _transition(result_value(results, "autoencoder", "maximum_sd_temperature"))
    size = result_value(results, "autoencoder", "size")
    rows = [EstimateRow(f"T_c(1), autoencoder maximum SD of the error, L = {size}", "autoencoder", value, error,
                        "Onsager", ONSAGER_TC)]

    value, error = _transition(result_value(results, "autoencoder_dilution", "percolation", "threshold"))
    rows.append(EstimateRow("percolation threshold, autoencoder sign split (95% accuracy)", "autoencoder_dilution",
                            value, error, "Newman-Ziff 2000", PERCOLATION_THRESHOLD, PERCOLATION_THRESHOLD_ERROR))
    return rows


def _ablation_rows(results):
    """Pure-model transition and percolation estimate of every autoencoder variant of the ablation chapter."""
    rows = []
    for variant, analysis in result_value(results, "relaxed_detection_ablation", "ablation").items():
        by_density = result_value(results, "relaxed_detection_ablation", "ablation", variant, "maximum_sd_temperature")
        value, error = _transition(by_density.get("1"))
        rows.append(EstimateRow(f"T_c(1), {variant} autoencoder of the ablation", "relaxed_detection_ablation", value,
                                error, "Onsager", ONSAGER_TC))
        value, error = _transition(
            result_value(results, "relaxed_detection_ablation", "ablation", variant, "percolation", "threshold"))
        rows.append(EstimateRow(f"percolation threshold, {variant} autoencoder of the ablation",
                                "relaxed_detection_ablation", value, error, "Newman-Ziff 2000",
                                PERCOLATION_THRESHOLD, PERCOLATION_THRESHOLD_ERROR))
    return rows


def format_table(rows, digits=4):
    """Markdown table of EstimateRows: quantity, chapter, value +- error, reference, difference in errors.

    Values are written to two significant digits of their error, or with ``digits``
    decimals when there is no error.
    """
    lines = [
        "| quantity | chapter | estimate | reference | difference |",
        "| --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        lines.append(
            f"| {row.quantity.replace('|', '/')} | {row.chapter} | {_format_value(row.value, row.error, digits, 'none found')} "
            f"| {_format_value(row.reference, row.reference_error, digits, 'none')} ({row.reference_label}) "
            f"| {_format_deviation(row.deviation)} |"
        )
    return "\n".join(lines)


def _format_deviation(deviation):
    if deviation is None:
        return "—"
    # Adding 0.0 turns a rounded -0.0 into 0.0, so it prints as +0.0.
    return f"{round(deviation, 1) + 0.0:+.1f} σ"


def _format_value(value, error, digits, missing):
    if value is None:
        return missing
    if not error or not math.isfinite(error):
        return f"{value:.{digits}f}"
    decimals = max(1, min(10, 1 - math.floor(math.log10(error))))
    return f"{value:.{decimals}f} ± {error:.{decimals}f}"
