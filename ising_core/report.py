"""The reproduction report: every quantitative claim of the reference study beside our result.

Medina, Arlego and Lamas (2025) state a handful of numbers and qualitative findings.
They concern the hidden-layer widths at which the dense network starts to work and
becomes stable, the densities that order, the fit parameters K, A and rho_c, the
autoencoder's transition temperatures and K-means accuracies, and the ordering of the
errors under relaxed training.  :func:`reproduction_claims` reads our value of each from the
chapters' results files (never from this module) and judges the agreement by a rule that
is written next to each claim, so that a reader can check it.

A verdict is one of :data:`AGREES`, :data:`DISAGREES` or :data:`UNDETERMINED` (our run
could not measure the quantity, for example because the profile has no such density).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

from .exact import ONSAGER_TC, PERCOLATION_THRESHOLD, PERCOLATION_THRESHOLD_ERROR
from .results import RUN_TIMES_NAME, results_path
from .summary import CHAPTER_RESULTS, REFERENCE_TC_FIT, result_value

AGREES = "agrees"
DISAGREES = "disagrees"
UNDETERMINED = "not measured"

AGREEMENT_Z = 2.0
"""Largest difference, in combined standard errors, that still counts as agreement."""

REFERENCE_ACCURACY_AT_060 = 0.96
"""K-means accuracy the reference study reports to be exceeded at rho = 0.6."""

REFERENCE_ACCURACY_AT_055 = 0.90
"""K-means accuracy the reference study reports at rho = 0.55 ("approximately 90%")."""

APPROXIMATE_TOLERANCE = 0.02
"""Half-width we grant to "approximately 90%": the value is taken as 0.90 +- 0.02."""

NEAR_IDENTITY_ERROR = 1e-4
"""Mean reconstruction error below which the report describes a network as copying its input."""

REPORT_RESULTS = tuple(name for name in CHAPTER_RESULTS if name != "monte_carlo")
"""Result sets the report reads."""



@dataclass(frozen=True)
class Claim:
    """One claim of the reference study beside our measurement of it.

    Attributes
    ----------
    topic : str
        Section of the study (for example "hidden-layer width").
    claim : str
        What the reference study states, in our words.
    chapter : str
        Result set our value comes from.
    paper : str
        The reference study's value or statement.
    ours : str
        Our value with its error, formatted.
    reference : str
        Exact or literature value, or "—" when none exists.
    verdict : str
        :data:`AGREES`, :data:`DISAGREES` or :data:`UNDETERMINED`.
    rule : str
        How the verdict was decided.
    finding : str
        What our data show, in one or two sentences; the explanation of a disagreement.
    deviation : float or None
        For a verdict by combined standard errors: the difference that decided it, in
        those errors; None for the other rules.
    """

    topic: str
    claim: str
    chapter: str
    paper: str
    ours: str
    reference: str
    verdict: str
    rule: str
    finding: str
    deviation: float | None = None

    def as_dict(self):
        """Plain-JSON form."""
        return dict(self.__dict__)


def load_report_results(results_dir, names=REPORT_RESULTS):
    """Load the result sets the report needs.

    Raises ``MissingResultsError``, naming the missing chapters, when a file is missing.
    """
    from .summary import load_chapter_results

    return load_chapter_results(results_dir, names=names)


def reproduction_claims(results):
    """List every quantitative claim of the reference study with our value and a verdict.

    Parameters
    ----------
    results : dict
        ``{result name: results dict}`` as returned by :func:`load_report_results`.

    Returns
    -------
    list of Claim
    """
    claims = []
    claims.extend(_hidden_size_claims(results))
    claims.append(_pure_crossing_claim(results))
    claims.extend(_ordering_claims(results))
    claims.extend(_fit_claims(results))
    claims.extend(_autoencoder_claims(results))
    claims.extend(_autoencoder_dilution_claims(results))
    claims.append(_relaxed_claim(results))
    return claims


def validation_rows(results):
    """List our direct estimates beside exact or literature values (checks that do not involve the study).

    Returns
    -------
    list of dict
        Each with ``quantity``, ``ours`` (text), ``reference`` (text), ``deviation`` (in
        combined standard errors, or None) and ``verdict``.
    """
    rows = []
    threshold = result_value(results, "percolation", "threshold")
    rows.append(_validation("site-percolation threshold (Newman-Ziff wrapping, several L)", threshold["value"],
                            threshold["error"], PERCOLATION_THRESHOLD, PERCOLATION_THRESHOLD_ERROR,
                            "Newman and Ziff (2000)"))
    pure = result_value(results, "binder", "densities").get("1")
    rows.append(_validation("T_c(1) from Binder-cumulant crossings", _get(pure, "value"), _get(pure, "error"),
                            ONSAGER_TC, 0.0, "Onsager"))
    extrapolated = result_value(results, "finite_size_scaling", "extrapolation")
    rows.append(_validation("T_c(L -> infinity) of the dense network's crossings", _get(extrapolated, "limit"),
                            _get(extrapolated, "limit_error"), ONSAGER_TC, 0.0, "Onsager"))
    return rows


def format_claims_table(claims):
    """Format the claims as a Markdown table: claim, paper, ours, exact or literature, verdict."""
    lines = [
        "| # | claim | reference study | this run | exact or literature | verdict |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for number, claim in enumerate(claims, start=1):
        verdict = {AGREES: "✅ agrees", DISAGREES: "❌ disagrees"}.get(claim.verdict, "— " + claim.verdict)
        lines.append(f"| {number} | {_cell(claim.claim)} | {_cell(claim.paper)} | {_cell(claim.ours)} "
                     f"| {_cell(claim.reference)} | {verdict} |")
    return "\n".join(lines)


def format_validation_table(rows):
    """Format :func:`validation_rows` as a Markdown table."""
    lines = ["| quantity | this run | exact or literature | difference | verdict |", "| --- | --- | --- | --- | --- |"]
    for row in rows:
        deviation = "—" if row["deviation"] is None else f"{round(row['deviation'], 1) + 0.0:+.1f} σ"
        lines.append(f"| {_cell(row['quantity'])} | {row['ours']} | {row['reference']} | {deviation} | {row['verdict']} |")
    return "\n".join(lines)


def verdict_counts(claims):
    """``{verdict: count}`` over the claims, every verdict present."""
    counts = {AGREES: 0, DISAGREES: 0, UNDETERMINED: 0}
    for claim in claims:
        counts[claim.verdict] = counts.get(claim.verdict, 0) + 1
    return counts


def profile_differences(profile, reference_profile):
    """List the settings in which ``profile`` differs from ``reference_profile`` (the ``paper`` profile).

    Returns
    -------
    list of tuple
        ``(setting, value in profile, value in reference_profile)`` for every key, nested
        keys written as ``section.key``, whose values differ; the profile name is skipped.
    """
    flat, reference = _flatten(profile), _flatten(reference_profile)
    keys = [k for k in reference if k != "name"] + [k for k in flat if k not in reference and k != "name"]
    return [(key, flat.get(key), reference.get(key)) for key in keys if flat.get(key) != reference.get(key)]


def load_run_times(results_dir):
    """Return the wall times the pipeline recorded for this profile's notebooks, or None when there is no record.

    Returns
    -------
    dict or None
        The ``run_times`` results file: ``{"profile", "cpu_count", "notebooks": {file name: seconds}, ...}``.
    """
    path = results_path(RUN_TIMES_NAME, results_dir)
    if not path.is_file():
        return None
    with path.open(encoding="utf-8") as stream:
        return json.load(stream)


def format_duration(seconds):
    """Format seconds as ``"1 h 02 min"``, ``"3 min 05 s"`` or ``"42.0 s"``."""
    seconds = float(seconds)
    if seconds >= 3600:
        hours, rest = divmod(round(seconds / 60), 60)
        return f"{hours} h {rest:02d} min"
    if seconds >= 60:
        minutes, rest = divmod(round(seconds), 60)
        return f"{minutes} min {rest:02d} s"
    return f"{seconds:.1f} s"


# --- the claims --------------------------------------------------------------------------


def _hidden_size_claims(results):
    by_width = result_value(results, "hidden_size_sweep", "hidden_units")
    widths = sorted(int(n) for n in by_width)
    maxima = ", ".join(f"n = {n}: {by_width[str(n)]['max_probability']:.2f}" for n in widths if n <= 20)
    claims = []
    for key, level, paper_width, text in (
        ("smallest_width_above_half", 0.5, 2, "p[F] first exceeds 1/2 somewhere on the grid at n = 2"),
        ("smallest_width_above_0.95", 0.95, 5, "near-perfect classification of the ordered phase from n = 5 on"),
    ):
        ours = result_value(results, "hidden_size_sweep", key)
        if paper_width not in widths:
            verdict = UNDETERMINED
        else:
            verdict = AGREES if ours == paper_width else DISAGREES
        finding = (f"Largest mean p[F] on the grid: {maxima}."
                   if ours is None else
                   f"Every width from n = {ours} on reaches p[F] > {level:g}; largest mean p[F]: {maxima}.")
        claims.append(Claim(
            topic="hidden-layer width", claim=text, chapter="hidden_size_sweep", paper=f"n = {paper_width}",
            ours="no width" if ours is None else f"n = {ours}", reference="—", verdict=verdict,
            rule=f"our smallest width with p[F] > {level:g} (widths tried: {_list(widths)}) equals the study's",
            finding=finding,
        ))

    stability = result_value(results, "hidden_size_sweep", "stability")
    onset, strict = stability["onset"], stability["strict_onset"]
    verdict = DISAGREES if onset is None or onset <= 400 else AGREES
    if onset is None:
        finding = "No width range has crossings that agree within the tolerance."
    else:
        plateau = [by_width[str(n)] for n in widths if n >= onset and by_width[str(n)]["value"] is not None]
        values = [entry["value"] for entry in plateau]
        finding = (f"From n = {onset} on every crossing agrees with the others within {_errors(stability['z'])} "
                   f"({min(values):.3f} to {max(values):.3f}); with the stricter tolerance of "
                   f"{_errors(stability['strict_z'])} the stable range starts at "
                   f"{'no width' if strict is None else f'n = {strict}'}.")
        finding += _middle_widths_finding(by_width, widths)
    claims.append(Claim(
        topic="hidden-layer width", claim="the crossing temperature is stable only above n = 400",
        chapter="hidden_size_sweep", paper="n > 400",
        ours="no stable range" if onset is None else f"stable from n = {onset}", reference="—", verdict=verdict,
        rule=f"the agreement onset at {stability['z']:g} combined errors lies above n = 400",
        finding=finding,
    ))
    return claims


def _middle_widths_finding(by_width, widths):
    """Say how far the crossings of the widths 10 to 300 lie from the widest network's, in one sentence."""
    widest = by_width[str(widths[-1])]
    middle = [n for n in widths if 10 <= n <= 300 and by_width[str(n)]["value"] is not None]
    if not middle or widest["value"] is None:
        return ""
    deviations = {n: _deviation(by_width[str(n)]["value"], by_width[str(n)]["error"], widest["value"], widest["error"])
                  for n in middle}
    known = {n: d for n, d in deviations.items() if d is not None}
    if not known:
        return ""
    worst = max(known, key=lambda n: abs(known[n]))
    return (f" The widths from 10 to 300 in the sweep lie at most {abs(known[worst]):.1f} combined errors from the "
            f"widest network's crossing (n = {worst}).")


def _errors(z):
    return f"{z:g} combined standard error" + ("" if z == 1 else "s")


def _pure_crossing_claim(results):
    by_width = result_value(results, "dense_classifier", "hidden_units")
    size = result_value(results, "dense_classifier", "size")
    pseudo = result_value(results, "dense_classifier", "pseudo_critical_temperature")
    width = max((int(n) for n in by_width if by_width[n]["value"] is not None), default=None)
    if width is None:
        return Claim("pure model", "the network's crossing lies above Onsager's T_c (finite-size shift)",
                     "dense_classifier", "above 2.269", "no crossing", f"{ONSAGER_TC:.4f} (Onsager)", UNDETERMINED,
                     "the estimate lies above Onsager's value", "No network width crossed p[F] = 1/2.")
    entry = by_width[str(width)]
    value, error = entry["value"], entry["error"]
    to_onsager = _deviation(value, error, ONSAGER_TC, 0.0)
    to_pseudo = _deviation(value, error, pseudo, 0.0)
    return Claim(
        topic="pure model", claim=f"the crossing p[F] = 1/2 of the widest network (n = {width}) lies above Onsager's "
                                  f"T_c, shifted by the finite lattice",
        chapter="dense_classifier", paper="above 2.269 (Fig. 4; no value in the text)",
        ours=f"{_value(value, error)} T/J", reference=f"{ONSAGER_TC:.4f} (Onsager); {pseudo:.4f} (C_V maximum, L = {size})",
        verdict=AGREES if value > ONSAGER_TC else DISAGREES,
        rule="the estimate lies above Onsager's value",
        finding=(f"{_sigma(to_onsager)} from Onsager's T_c and {_sigma(to_pseudo)} from the specific-heat maximum of "
                 f"the exact L = {size} torus."),
    )


def _ordering_claims(results):
    densities = result_value(results, "dilution_transfer", "densities")
    lowest = result_value(results, "dilution_transfer", "lowest_density_with_ordered_range")
    wrapping = result_value(results, "percolation", "study_lattice")
    size = result_value(results, "dilution_transfer", "size")
    claims = []

    has = {rho: rho in densities for rho in ("0.6", "0.55")}
    if not all(has.values()):
        verdict = UNDETERMINED
    elif lowest == 0.6:
        verdict = AGREES
    else:
        verdict = DISAGREES
    summary = ", ".join(f"ρ = {rho}: {densities[rho]['max_probability']:.2f}" for rho in sorted(densities, key=float))
    claims.append(Claim(
        topic="dilution, dense network", claim="ρ = 0.6 is the lowest density with an ordered range (p[F] > 1/2)",
        chapter="dilution_transfer", paper="ρ = 0.6", ours="none" if lowest is None else f"ρ = {lowest:g}",
        reference=f"ρ_c = {PERCOLATION_THRESHOLD:.4f} (percolation)", verdict=verdict,
        rule="our lowest density with max p[F] > 1/2 equals the study's (both 0.6 and 0.55 must be on the grid)",
        finding=f"Largest mean p[F] over temperature: {summary}.",
    ))

    entry = densities.get("0.55")
    if entry is None:
        claims.append(Claim("dilution, dense network", "ρ = 0.55 has no ordered range at any temperature",
                            "dilution_transfer", "no ordered range", "ρ = 0.55 not in this run", "—", UNDETERMINED,
                            "max p[F] at ρ = 0.55 stays at or below 1/2", "The profile has no ρ = 0.55."))
        return claims
    ordered = entry["max_probability"] > 0.5
    spanning = wrapping["wrapping_probability"].get("0.55")
    finding = f"At ρ = 0.55 the largest mean p[F] is {entry['max_probability']:.2f}"
    if entry.get("abs_magnetization_lowest_T") is not None:
        finding += f" and |m| per spin at the lowest temperature is {entry['abs_magnetization_lowest_T']:.2f}"
    finding += "."
    if ordered:
        finding += (f" At low temperature every cluster of spins is ordered by itself, and on a {size} x {size} "
                    "lattice the largest clusters hold a large share of the spins, so the configurations carry a "
                    "sizeable magnetization that the network reads as ferromagnetic.")
        if spanning is not None:
            finding += (f" A cluster wraps around the torus in {100 * spanning:.0f}% of the masks at this density "
                        "(percolation chapter); long-range order is absent only on the infinite lattice.")
    claims.append(Claim(
        topic="dilution, dense network", claim="ρ = 0.55 has no ordered range at any temperature",
        chapter="dilution_transfer", paper="no ordered range (max p[F] < 1/2)",
        ours=f"max p[F] = {entry['max_probability']:.2f}", reference="no order below ρ_c = 0.5927 (L → ∞)",
        verdict=DISAGREES if ordered else AGREES, rule="max p[F] at ρ = 0.55 stays at or below 1/2", finding=finding,
    ))
    return claims


def _fit_claims(results):
    fits = result_value(results, "dilution_transfer", "fits")
    fit = fits.get("all ordered densities")
    fixed = fits.get("rho_c fixed at the percolation threshold")
    claims = []
    for key, symbol in (("K", "K"), ("A", "A"), ("rho_c", "ρ_c")):
        paper_value, paper_error = REFERENCE_TC_FIT[key], REFERENCE_TC_FIT[f"{key}_error"]
        reference = f"{PERCOLATION_THRESHOLD:.4f} (Newman-Ziff)" if key == "rho_c" else "—"
        claim_text = f"fit of T_c(ρ)/T_c(1) = −K/ln(ρ − ρ_c) + A: {symbol}"
        if fit is None:
            claims.append(Claim("dilution, dense network", claim_text, "dilution_transfer",
                                _value(paper_value, paper_error), "not fitted", reference, UNDETERMINED,
                                f"within {AGREEMENT_Z:g} combined standard errors",
                                "Too few ordered densities for the fit."))
            continue
        value, error = fit[key], fit[f"{key}_error"]
        deviation = _deviation(value, error, paper_value, paper_error)
        finding = f"{_sigma(deviation)} from the study's value."
        if fit.get("rho_c_at_bound"):
            finding += (f" ρ_c runs into its bound just below the smallest fitted density ({fit['rho_c']:.4f}), so its "
                        "error and the correlated K and A are not reliable.")
            if fixed is not None:
                finding += (f" With ρ_c fixed at the exact threshold: K = {_value(fixed['K'], fixed['K_error'])}, "
                            f"A = {_value(fixed['A'], fixed['A_error'])}.")
        claims.append(Claim(
            topic="dilution, dense network", claim=claim_text, chapter="dilution_transfer",
            paper=_value(paper_value, paper_error), ours=_value(value, error), reference=reference,
            verdict=_z_verdict(deviation, at_bound=bool(fit.get("rho_c_at_bound"))),
            rule=f"within {AGREEMENT_Z:g} combined standard errors (a ρ_c at its bound disagrees)", finding=finding,
            deviation=deviation,
        ))
    return claims


def _autoencoder_claims(results):
    claims = []
    levels = result_value(results, "autoencoder", "levels")
    up, down, disordered = levels.get("up"), levels.get("down"), levels.get("disordered")
    if up is None or down is None:
        verdict, ours, finding = UNDETERMINED, "one sector empty", "A sign sector has no low-temperature configurations."
    else:
        deviation = _deviation(down["value"], down["error"], up["value"], up["error"])
        verdict = AGREES if deviation is not None and deviation > AGREEMENT_Z else DISAGREES
        ours = f"m > 0: {_value(up['value'], up['error'])}; m < 0: {_value(down['value'], down['error'])}"
        finding = f"The m < 0 error differs from the m > 0 error by {_sigma(deviation)}"
        if up["value"] > 0:
            finding += f" (ratio {down['value'] / up['value']:.2g})"
        finding += "."
    claims.append(Claim(
        topic="autoencoder, pure model", claim="at low T, configurations with m < 0 are reconstructed worse than m > 0",
        chapter="autoencoder", paper="m < 0 error much higher", ours=ours, reference="—", verdict=verdict,
        rule=f"MSE(m < 0) exceeds MSE(m > 0) by more than {AGREEMENT_Z:g} combined errors", finding=finding,
    ))

    if down is None or disordered is None:
        claims.append(Claim("autoencoder, pure model", "the m < 0 error can exceed the paramagnetic error",
                            "autoencoder", "yes", "one level missing", "—", UNDETERMINED,
                            "MSE(m < 0, low T) exceeds MSE(highest T)", "A level is missing."))
    else:
        deviation = _deviation(down["value"], down["error"], disordered["value"], disordered["error"])
        exceeds = deviation is not None and deviation > AGREEMENT_Z
        finding = (f"MSE(m < 0) = {_value(down['value'], down['error'])} at low T against "
                   f"{_value(disordered['value'], disordered['error'])} at the highest temperature.")
        catalog = results["autoencoder"].get("catalog_errors") or {}
        if not exceeds and catalog.get("F-") and catalog.get("F+"):
            down_pattern, up_pattern = _mean(catalog["F-"]), _mean(catalog["F+"])
            finding += (f" The trained networks reconstruct the all-down pattern of the catalog with MSE "
                        f"{down_pattern:.3g} (all-up: {up_pattern:.3g})")
            finding += (", so with this training the down sector is no longer the worst case."
                        if down_pattern < disordered["value"] else
                        ", as badly as random configurations, yet thermal m < 0 configurations fare better.")
        claims.append(Claim(
            topic="autoencoder, pure model", claim="the m < 0 error can exceed the paramagnetic error",
            chapter="autoencoder", paper="yes", ours="exceeds" if exceeds else "does not exceed", reference="—",
            verdict=AGREES if exceeds else DISAGREES,
            rule=f"MSE(m < 0, low T) exceeds MSE(highest T) by more than {AGREEMENT_Z:g} combined errors",
            finding=finding,
        ))

    transition = result_value(results, "autoencoder", "maximum_sd_temperature")
    dense = result_value(results, "dense_classifier", "hidden_units")
    width = max((int(n) for n in dense if dense[n]["value"] is not None), default=None)
    pseudo = result_value(results, "autoencoder", "pseudo_critical_temperature")
    if width is None or transition.get("value") is None:
        claims.append(Claim("autoencoder, pure model", "the maximum SD of the error marks the transition",
                            "autoencoder", "near T_c (Fig. 8)", "not found", f"{ONSAGER_TC:.4f} (Onsager)",
                            UNDETERMINED, f"within {AGREEMENT_Z:g} combined errors of the dense crossing",
                            "No peak or no dense-network crossing to compare with."))
        return claims
    value, error = transition["value"], transition["error"]
    dense_value, dense_error = dense[str(width)]["value"], dense[str(width)]["error"]
    deviation = _deviation(value, error, dense_value, dense_error)
    claims.append(Claim(
        topic="autoencoder, pure model",
        claim="the temperature of maximum SD of the error agrees with the dense network's crossing",
        chapter="autoencoder", paper="agreement (Fig. 6; no value in the text)",
        ours=f"{_value(value, error)} T/J (dense n = {width}: {_value(dense_value, dense_error)})",
        reference=f"{ONSAGER_TC:.4f} (Onsager); {pseudo:.4f} (C_V maximum)",
        verdict=_z_verdict(deviation), rule=f"within {AGREEMENT_Z:g} combined errors of the dense crossing",
        deviation=deviation,
        finding=(f"{_sigma(deviation)} from the dense network, {_sigma(_deviation(value, error, ONSAGER_TC, 0.0))} "
                 f"from Onsager and {_sigma(_deviation(value, error, pseudo, 0.0))} from the finite-lattice C_V maximum."),
    ))
    return claims


def _autoencoder_dilution_claims(results):
    claims = []
    transitions = result_value(results, "autoencoder_dilution", "maximum_sd_temperature")
    dense = result_value(results, "dilution_transfer", "densities")
    binder = result_value(results, "binder", "densities")
    for rho in sorted(transitions, key=float, reverse=True):
        if float(rho) == 1.0:
            continue  # the pure model has its own claim
        entry, dense_entry = transitions[rho], dense.get(rho)
        binder_entry = binder.get(rho)
        reference = "—" if _get(binder_entry, "value") is None else \
            f"{_value(binder_entry['value'], binder_entry['error'])} (Binder crossing)"
        claim_text = f"ρ = {rho}: maximum-SD temperature agrees with the dense network"
        if dense_entry is None or dense_entry.get("value") is None or entry.get("value") is None:
            claims.append(Claim("autoencoder, dilution", claim_text, "autoencoder_dilution", "agreement (Fig. 6)",
                                "no peak" if entry.get("value") is None else _value(entry["value"], entry["error"]),
                                reference, UNDETERMINED, f"within {AGREEMENT_Z:g} combined errors of the dense network's crossing",
                                "The dense network has no crossing at this density, or the autoencoder no peak."))
            continue
        deviation = _deviation(entry["value"], entry["error"], dense_entry["value"], dense_entry["error"])
        finding = f"{_sigma(deviation)} from the dense network"
        binder_deviation = _deviation(entry["value"], entry["error"], _get(binder_entry, "value"),
                                      _get(binder_entry, "error"))
        if binder_deviation is not None:
            finding += f", {_sigma(binder_deviation)} from the Binder crossing"
        claims.append(Claim(
            topic="autoencoder, dilution", claim=claim_text, chapter="autoencoder_dilution",
            paper="agreement (Fig. 6; no value in the text)",
            ours=f"{_value(entry['value'], entry['error'])} T/J (dense: {_value(dense_entry['value'], dense_entry['error'])})",
            reference=reference, verdict=_z_verdict(deviation), deviation=deviation,
            rule=f"within {AGREEMENT_Z:g} combined errors of the dense network's crossing", finding=finding + ".",
        ))

    accuracies = result_value(results, "autoencoder_dilution", "splitting_accuracy")
    for rho, paper_text, rule, judge in (
        ("0.6", f"above {REFERENCE_ACCURACY_AT_060:.0%}", f"value + {AGREEMENT_Z:g} errors reaches {REFERENCE_ACCURACY_AT_060:.0%}",
         lambda v, e: v + AGREEMENT_Z * e >= REFERENCE_ACCURACY_AT_060),
        ("0.55", f"about {REFERENCE_ACCURACY_AT_055:.0%}",
         f"within {AGREEMENT_Z:g} errors of {REFERENCE_ACCURACY_AT_055:.2f} ± {APPROXIMATE_TOLERANCE:.2f}",
         lambda v, e: abs(v - REFERENCE_ACCURACY_AT_055) <= AGREEMENT_Z * math.hypot(e, APPROXIMATE_TOLERANCE)),
    ):
        entry = accuracies.get(rho)
        claim_text = f"K-means accuracy of the low-T sign split at ρ = {rho}"
        if entry is None:
            claims.append(Claim("autoencoder, dilution", claim_text, "autoencoder_dilution", paper_text,
                                f"ρ = {rho} not in this run", "—", UNDETERMINED, rule, "The profile lacks this density."))
            continue
        per_model = entry.get("per_model") or []
        finding = f"Per training seed: {', '.join(f'{100 * a:.1f}%' for a in per_model)}."
        claims.append(Claim(
            topic="autoencoder, dilution", claim=claim_text, chapter="autoencoder_dilution", paper=paper_text,
            ours=_percent(entry["value"], entry["error"]), reference="—",
            verdict=AGREES if judge(entry["value"], entry["error"]) else DISAGREES, rule=rule, finding=finding,
        ))

    percolation = result_value(results, "autoencoder_dilution", "percolation")
    lowest, highest = percolation.get("lowest_detected"), percolation.get("highest_undetected")
    threshold = percolation.get("threshold") or {}
    if threshold.get("value") is None:
        ours = "no estimate"
    else:
        ours = _value(threshold["value"], threshold["error"])
    if lowest is None or highest is None:
        verdict = UNDETERMINED if lowest is None and highest is None else DISAGREES
    else:
        verdict = AGREES if math.isclose(lowest, 0.6) and math.isclose(highest, 0.55) else DISAGREES
    claims.append(Claim(
        topic="autoencoder, dilution", claim="the split stays detectable (< 5% misclassified) down to ρ = 0.6, not at 0.55",
        chapter="autoencoder_dilution", paper="ρ_c near 0.6, between 0.55 and 0.6",
        ours=ours + ("" if lowest is None else f" (detected down to ρ = {lowest:g})"),
        reference=f"{PERCOLATION_THRESHOLD:.4f} (Newman-Ziff)", verdict=verdict,
        rule="the lowest detected density is 0.6 and the highest undetected one 0.55",
        finding=(f"Lowest density with accuracy ≥ 95%: {'none' if lowest is None else f'{lowest:g}'}; highest below: "
                 f"{'none' if highest is None else f'{highest:g}'}."
                 + ("" if threshold.get("value") is None else
                    f" Interpolated threshold {_sigma(_deviation(threshold['value'], threshold['error'], PERCOLATION_THRESHOLD, PERCOLATION_THRESHOLD_ERROR))} "
                    "from the exact value.")),
    ))
    return claims


def _relaxed_claim(results):
    relaxed = result_value(results, "relaxed_detection_ablation", "relaxed")
    ordering = relaxed["ordering_lowest_first"]
    paper = relaxed.get("reference_ordering_lowest_first", ["up", "disordered", "down"])
    levels = relaxed["levels"]
    parts = [f"{name} {_value(levels[name]['value'], levels[name]['error'])}" for name in ordering if levels.get(name)]
    finding = "Mean errors: " + "; ".join(parts) + "."
    if ordering != paper and "down" in ordering and "disordered" in ordering:
        down, disordered = levels["down"], levels["disordered"]
        deviation = _deviation(disordered["value"], disordered["error"], down["value"], down["error"])
        finding += f" The disordered level lies {_sigma(deviation)} from the down level"
        if down["value"] < disordered["value"]:
            finding += (": with random configurations in the training set, the network reconstructs low-temperature "
                        "m < 0 configurations better than disordered ones.")
        else:
            finding += "."
    values = [levels[name]["value"] for name in ordering if levels.get(name)]
    if values and max(values) < NEAR_IDENTITY_ERROR:
        finding += (f" All three errors are below {NEAR_IDENTITY_ERROR:g}: the relaxed networks copy almost any input, "
                    "so the ordering rests on differences far smaller than the errors of the strict networks.")
    return Claim(
        topic="relaxed anomaly detection", claim="with random configurations in training, the errors order as "
                                                 "up < disordered < down",
        chapter="relaxed_detection_ablation", paper=" < ".join(paper), ours=" < ".join(ordering), reference="—",
        verdict=AGREES if ordering == paper else DISAGREES, rule="the same ordering of the three mean errors",
        finding=finding,
    )


# --- helpers -------------------------------------------------------------------------------


def _validation(quantity, value, error, reference, reference_error, label):
    deviation = _deviation(value, error, reference, reference_error)
    ours = "none found" if value is None else _value(value, error)
    reference_text = f"{reference:.6g}" + (f" ± {reference_error:.1g}" if reference_error else "") + f" ({label})"
    return {"quantity": quantity, "ours": ours, "reference": reference_text, "deviation": deviation,
            "verdict": _z_verdict(deviation)}


def _z_verdict(deviation, at_bound=False):
    if deviation is None:
        return UNDETERMINED
    return AGREES if abs(deviation) <= AGREEMENT_Z and not at_bound else DISAGREES


def _deviation(value, error, reference, reference_error):
    if value is None or reference is None or error is None:
        return None
    scale = math.hypot(error, reference_error or 0.0)
    if not math.isfinite(scale) or scale == 0:
        return None
    return (value - reference) / scale


def _sigma(deviation):
    return "an undefined number of errors" if deviation is None else f"{deviation:+.1f} σ"


def _get(entry, key):
    return None if entry is None else entry.get(key)


def _value(value, error):
    if value is None:
        return "none"
    if error is None or not math.isfinite(error) or error == 0:
        return f"{value:.4g}"
    if value != 0 and abs(value) < 1e-3:
        # Tiny reconstruction errors read better as mantissa and exponent.
        exponent = math.floor(math.log10(abs(value)))
        scale = 10.0**exponent
        return f"({value / scale:.2f} ± {error / scale:.2f})e{exponent}"
    decimals = max(1, min(8, 1 - math.floor(math.log10(error))))
    return f"{value:.{decimals}f} ± {error:.{decimals}f}"


def _percent(value, error):
    return f"{100 * value:.1f}% ± {100 * error:.1f}%"


def _mean(values):
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else float("nan")


def _list(values):
    return ", ".join(str(v) for v in values)


def _cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def _flatten(mapping, prefix=""):
    flat = {}
    for key, value in mapping.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat



def run_notice(profile_name, differences):
    """Return a MyST admonition telling whether this is the full-scale run, and if not how it was reduced.

    Parameters
    ----------
    profile_name : str
        Name of the profile the report was run with.
    differences : list of tuple
        From :func:`profile_differences` against the ``paper`` profile; empty for the full run.
    """
    if not differences:
        return (":::{admonition} Full-scale run\n:class: tip\n\n"
                f"This report comes from the profile `{profile_name}`, which has every setting of the `paper` "
                "profile: the study's grid, all densities, the full hidden-size sweep and the full training.\n:::")
    rows = "\n".join(f"| `{key}` | {_setting(ours)} | {_setting(theirs)} |" for key, ours, theirs in differences)
    return (":::{admonition} This is a reduced run\n:class: warning\n\n"
            f"This report comes from the profile `{profile_name}`, not from the full-scale `paper` profile. "
            f"It differs from it in {len(differences)} settings, listed below, so its numbers test the pipeline and "
            "show the trends; they are not the reproduction of the study. Run "
            "`python -m ising_core run --profile paper --book` for that.\n\n"
            "| setting | this run | paper profile |\n| --- | --- | --- |\n" + rows + "\n:::")


def format_findings_table(claims):
    """Format claim number, verdict, deciding rule and finding of each claim as a Markdown table."""
    lines = ["| # | verdict | rule | what this run shows |", "| --- | --- | --- | --- |"]
    for number, claim in enumerate(claims, start=1):
        lines.append(f"| {number} | {claim.verdict} | {_cell(claim.rule) or '—'} | {_cell(claim.finding)} |")
    return "\n".join(lines)


def format_run_times(times):
    """Format the notebooks' wall times from :func:`load_run_times` as a Markdown table with their total."""
    if not times or not times.get("notebooks"):
        return ("No run times are recorded for this profile: they are written by "
                "`python -m ising_core run`, not when the notebooks are run by hand.")
    notebooks = times["notebooks"]
    lines = ["| notebook | wall time |", "| --- | --- |"]
    lines += [f"| {name} | {format_duration(seconds)} |" for name, seconds in notebooks.items()]
    lines.append(f"| **total of these {len(notebooks)}** | **{format_duration(sum(notebooks.values()))}** |")
    machine = f"{times.get('cpu_count', '?')} logical cores, {times.get('processor', 'unknown processor')}"
    return (f"Run of profile `{times.get('profile')}` started {times.get('started', '?')} on {machine}.\n\n"
            + "\n".join(lines))


def _setting(value):
    if isinstance(value, list) and len(value) > 8:
        return f"{len(value)} values, {value[0]} … {value[-1]}"
    return "—" if value is None else f"{value}"
