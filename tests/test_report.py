"""The reproduction report: claims read from the results files, verdicts by their stated rules."""

import copy
import json

import matplotlib.pyplot as plt
import nbformat
import pytest

from ising_core import plotting, report
from ising_core.profiles import load_profile
from ising_core.results import RUN_TIMES_NAME, save_results


def transition(value, error):
    return {"value": value, "error": error}


def level(value, error):
    return {"value": value, "error": error, "per_model": [value]}


def study_like_results():
    """Results of every chapter the report reads, with numbers that agree with the study."""
    return {
        "dense_classifier": {"size": 40, "pseudo_critical_temperature": 2.289,
                             "hidden_units": {"8": transition(2.6, 0.1), "1000": transition(2.31, 0.01)}},
        "hidden_size_sweep": {
            "hidden_units": {str(n): {**transition(2.3 + 0.01 * (n < 500), 0.005), "max_probability": p}
                             for n, p in ((1, 0.3), (2, 0.6), (5, 0.99), (400, 1.0), (500, 1.0), (1000, 1.0))},
            "smallest_width_above_half": 2,
            "smallest_width_above_0.95": 5,
            "stability": {"z": 2.0, "onset": 500, "strict_z": 1.0, "strict_onset": 1000},
        },
        "dilution_transfer": {
            "size": 40,
            "densities": {
                "1": {**transition(2.31, 0.01), "max_probability": 1.0, "abs_magnetization_lowest_T": 1.0},
                "0.8": {**transition(1.6, 0.02), "max_probability": 0.99, "abs_magnetization_lowest_T": 0.99},
                "0.6": {**transition(0.5, 0.05), "max_probability": 0.7, "abs_magnetization_lowest_T": 0.8},
                "0.55": {**transition(None, None), "max_probability": 0.3, "abs_magnetization_lowest_T": 0.4},
            },
            "lowest_density_with_ordered_range": 0.6,
            "densities_without_ordered_range": [0.55],
            "fits": {"all ordered densities": {"K": 0.78, "K_error": 0.03, "A": 0.17, "A_error": 0.02,
                                               "rho_c": 0.596, "rho_c_error": 0.004, "rho_c_at_bound": False}},
        },
        "autoencoder": {"size": 40, "pseudo_critical_temperature": 2.289,
                        "maximum_sd_temperature": transition(2.32, 0.02),
                        "levels": {"up": level(0.001, 0.0001), "down": level(0.9, 0.01),
                                   "disordered": level(0.5, 0.01)}},
        "autoencoder_dilution": {
            "maximum_sd_temperature": {"1": transition(2.32, 0.02), "0.8": transition(1.62, 0.03),
                                       "0.6": transition(0.6, 0.1)},
            "splitting_accuracy": {"0.6": {"value": 0.97, "error": 0.005, "per_model": [0.97]},
                                   "0.55": {"value": 0.905, "error": 0.01, "per_model": [0.905]}},
            "percolation": {"threshold": transition(0.58, 0.01), "lowest_detected": 0.6, "highest_undetected": 0.55},
        },
        "relaxed_detection_ablation": {"relaxed": {
            "ordering_lowest_first": ["up", "disordered", "down"],
            "reference_ordering_lowest_first": ["up", "disordered", "down"],
            "levels": {"up": level(0.01, 0.001), "disordered": level(0.2, 0.01), "down": level(0.5, 0.01)},
        }},
        "percolation": {"threshold": transition(0.5927, 0.0002),
                        "study_lattice": {"size": 40, "wrapping_probability": {"0.55": 0.3, "0.6": 0.6}}},
        "binder": {"densities": {"1": transition(2.27, 0.01), "0.8": transition(1.55, 0.02)}},
        "finite_size_scaling": {"extrapolation": {"limit": 2.275, "limit_error": 0.01}},
    }


def claim_named(claims, text):
    matches = [claim for claim in claims if text in claim.claim]
    assert len(matches) == 1, f"expected one claim containing {text!r}, got {[c.claim for c in matches]}"
    return matches[0]


def test_study_like_results_agree_everywhere():
    claims = report.reproduction_claims(study_like_results())
    disagreeing = [(claim.claim, claim.finding) for claim in claims if claim.verdict != report.AGREES]
    assert not disagreeing


def test_every_claim_of_the_issue_is_covered():
    claims = report.reproduction_claims(study_like_results())
    texts = " ".join(claim.claim for claim in claims)
    for phrase in ("n = 2", "n = 5", "n = 400", "Onsager", "ρ = 0.6 is the lowest", "ρ = 0.55 has no ordered",
                   ": K", ": A", ": ρ_c", "maximum SD", "ρ = 0.6", "ρ = 0.55", "up < disordered < down"):
        assert phrase in texts, f"no claim mentions {phrase!r}"


def test_values_come_from_the_results():
    results = study_like_results()
    results["dilution_transfer"]["fits"]["all ordered densities"].update(K=1.234, K_error=0.011)
    claim = claim_named(report.reproduction_claims(results), ": K")
    assert claim.ours == "1.234 ± 0.011"
    assert claim.verdict == report.DISAGREES
    assert claim.deviation == pytest.approx((1.234 - 0.77) / (0.011**2 + 0.03**2) ** 0.5)


def test_fit_at_bound_disagrees():
    results = study_like_results()
    fits = results["dilution_transfer"]["fits"]
    fits["all ordered densities"]["rho_c_at_bound"] = True
    fits["rho_c fixed at the percolation threshold"] = {"K": 0.716, "K_error": 0.026, "A": 0.218, "A_error": 0.021}
    claim = claim_named(report.reproduction_claims(results), ": ρ_c")
    assert claim.verdict == report.DISAGREES
    assert "bound" in claim.finding
    assert "K = 0.716 ± 0.026" in claim.finding


def test_order_at_055_disagrees_and_cites_wrapping():
    results = study_like_results()
    results["dilution_transfer"]["densities"]["0.55"]["max_probability"] = 0.77
    results["dilution_transfer"]["lowest_density_with_ordered_range"] = 0.55
    claims = report.reproduction_claims(results)
    assert claim_named(claims, "ρ = 0.55 has no ordered").verdict == report.DISAGREES
    assert "30%" in claim_named(claims, "ρ = 0.55 has no ordered").finding
    assert claim_named(claims, "ρ = 0.6 is the lowest").ours == "ρ = 0.55"


def test_missing_density_is_not_measured():
    results = study_like_results()
    del results["dilution_transfer"]["densities"]["0.55"]
    del results["autoencoder_dilution"]["splitting_accuracy"]["0.55"]
    claims = report.reproduction_claims(results)
    assert claim_named(claims, "ρ = 0.55 has no ordered").verdict == report.UNDETERMINED
    assert claim_named(claims, "split at ρ = 0.55").verdict == report.UNDETERMINED
    assert claim_named(claims, "ρ = 0.6 is the lowest").verdict == report.UNDETERMINED


@pytest.mark.parametrize("accuracy, verdict", [(0.90, report.AGREES), (0.93, report.AGREES), (0.80, report.DISAGREES)])
def test_accuracy_at_055_tolerance(accuracy, verdict):
    results = study_like_results()
    results["autoencoder_dilution"]["splitting_accuracy"]["0.55"].update(value=accuracy, error=0.01)
    assert claim_named(report.reproduction_claims(results), "split at ρ = 0.55").verdict == verdict


def test_relaxed_ordering_disagreement_is_explained():
    results = study_like_results()
    results["relaxed_detection_ablation"]["relaxed"]["ordering_lowest_first"] = ["up", "down", "disordered"]
    claim = claim_named(report.reproduction_claims(results), "up < disordered < down")
    assert claim.verdict == report.DISAGREES
    assert claim.ours == "up < down < disordered"
    assert "down level" in claim.finding


def test_relaxed_networks_that_copy_their_input_are_named():
    results = study_like_results()
    results["relaxed_detection_ablation"]["relaxed"]["levels"] = {
        "up": level(7e-8, 5e-8), "disordered": level(7e-7, 3e-7), "down": level(5e-7, 2e-7)}
    results["relaxed_detection_ablation"]["relaxed"]["ordering_lowest_first"] = ["up", "down", "disordered"]
    claim = claim_named(report.reproduction_claims(results), "up < disordered < down")
    assert "copy almost any input" in claim.finding
    assert "up (7.00 ± 5.00)e-8" in claim.finding


def test_unstable_sweep_disagrees():
    results = study_like_results()
    results["hidden_size_sweep"]["stability"]["onset"] = 5
    claim = claim_named(report.reproduction_claims(results), "n = 400")
    assert claim.verdict == report.DISAGREES
    assert claim.ours == "stable from n = 5"


def test_tables_are_markdown_with_a_row_per_claim():
    claims = report.reproduction_claims(study_like_results())
    for table in (report.format_claims_table(claims), report.format_findings_table(claims)):
        lines = table.splitlines()
        assert len(lines) == len(claims) + 2
        assert all(line.startswith("|") and line.endswith("|") for line in lines)
    counts = report.verdict_counts(claims)
    assert sum(counts.values()) == len(claims)


def test_validation_rows_compare_with_exact_values():
    rows = report.validation_rows(study_like_results())
    assert [row["verdict"] for row in rows] == [report.AGREES] * 3
    assert rows[1]["deviation"] == pytest.approx((2.27 - 2.269185314) / 0.01, abs=1e-6)
    table = report.format_validation_table(rows)
    assert table.count("\n") == len(rows) + 1


def test_paper_profile_is_the_full_run():
    paper = load_profile("paper")
    assert report.profile_differences(paper, paper) == []
    assert "Full-scale run" in report.run_notice("paper", [])


def test_quick_profile_is_a_reduced_run():
    differences = report.profile_differences(load_profile("quick"), load_profile("paper"))
    keys = [key for key, _, _ in differences]
    assert "samples" in keys
    assert "dense.hidden_units" in keys
    assert "name" not in keys
    notice = report.run_notice("quick", differences)
    assert "This is a reduced run" in notice
    assert "`samples` | 100 | 300" in notice


def test_run_times_read_back(tmp_path):
    assert report.load_run_times(tmp_path) is None
    assert "No run times" in report.format_run_times(None)
    save_results(RUN_TIMES_NAME, {"profile": "tiny", "cpu_count": 2, "notebooks": {"01_a.ipynb": 75.0,
                                                                                      "02_b.ipynb": 3700.0}}, tmp_path)
    table = report.format_run_times(report.load_run_times(tmp_path))
    assert "| 01_a.ipynb | 1 min 15 s |" in table
    assert "1 h 03 min" in table


def test_deviation_figure_rows():
    results = study_like_results()
    results["dilution_transfer"]["fits"]["all ordered densities"].update(K=5.0)
    claims = report.reproduction_claims(results)
    figure = plotting.plot_claim_deviations(claims)
    axis = figure.axes[0]
    assert len(axis.get_yticks()) == sum(claim.deviation is not None for claim in claims)
    assert axis.get_xlabel()
    plt.close(figure)


def test_report_does_not_change_results():
    results = study_like_results()
    before = copy.deepcopy(results)
    report.reproduction_claims(results)
    report.validation_rows(results)
    assert results == before


@pytest.mark.slow
def test_tiny_run_writes_a_reduced_report(tiny_book):
    results_dir = tiny_book.layout.results_dir
    stored = json.loads((results_dir / "reproduction_report.json").read_text())
    assert stored["profile"] == "tiny"
    assert stored["reduced_run"] is True
    claims = report.reproduction_claims(report.load_report_results(results_dir))
    assert [claim.as_dict() for claim in claims] == stored["claims"]

    executed = nbformat.read(tiny_book.layout.executed_dir / "13_reproduction_report.ipynb", as_version=4)
    text = json.dumps([cell.get("outputs", []) for cell in executed.cells])
    assert "This is a reduced run" in text

    times = report.load_run_times(results_dir)
    ran = [run.output.name for run in tiny_book.runs]
    assert list(times["notebooks"]) == ran
    assert times["profile"] == "tiny"
