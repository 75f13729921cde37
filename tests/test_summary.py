"""The summary chapter's inputs: missing results fail loudly, the table compares with references."""

from pathlib import Path

import nbformat
import numpy as np
import pytest

from ising_core import summary
from ising_core.exact import ONSAGER_TC, PERCOLATION_THRESHOLD
from ising_core.results import save_results

PROJECT_DIR = Path(__file__).resolve().parent.parent


def transition(value, error):
    return {"value": value, "error": error}


def minimal_results():
    """The smallest results of every chapter that the summary reads, with made-up numbers."""
    return {
        "monte_carlo": {"profile": "test", "pseudo_critical_temperature": 2.29},
        "dense_classifier": {"profile": "test", "size": 40,
                             "hidden_units": {"8": transition(2.5, 0.1), "1000": transition(2.33, 0.02)}},
        "hidden_size_sweep": {"profile": "test", "hidden_units": {"400": transition(2.32, 0.02),
                                                                  "1000": transition(None, None)}},
        "dilution_transfer": {
            "profile": "test",
            "normalized": {"1": {"ratio": 1.0, "error": 0.01}, "0.8": {"ratio": 0.66, "error": 0.02}},
            "fits": {summary.DENSE_FIT_NAME: {"K": 0.8, "K_error": 0.05, "A": 0.2, "A_error": 0.03,
                                              "rho_c": 0.59, "rho_c_error": 0.01}},
        },
        "autoencoder": {"profile": "test", "size": 40, "maximum_sd_temperature": transition(2.35, 0.05)},
        "autoencoder_dilution": {
            "profile": "test",
            "normalized": {"1": {"ratio": 1.0, "error": 0.02}, "0.8": {"ratio": 0.70, "error": 0.03}},
            "percolation": {"threshold": transition(0.58, 0.02)},
        },
        "relaxed_detection_ablation": {
            "profile": "test",
            "ablation": {
                "ReLU": {"maximum_sd_temperature": {"1": transition(2.36, 0.04)},
                         "percolation": {"threshold": transition(0.6, 0.01)}},
                "symmetric": {"maximum_sd_temperature": {"1": transition(2.4, 0.08)},
                              "percolation": {"threshold": transition(None, None)}},
            },
        },
        "percolation": {"profile": "test", "threshold": transition(0.5928, 0.0002)},
        "binder": {
            "profile": "test",
            "densities": {"1": transition(2.27, 0.01), "0.8": transition(1.53, 0.02)},
            "normalized": {"1": {"ratio": 1.0, "error": 0.004}, "0.8": {"ratio": 0.674, "error": 0.01}},
        },
        "finite_size_scaling": {"profile": "test", "extrapolation": {"limit": 2.30, "limit_error": 0.03}},
    }


def write_results(folder, results):
    for name, data in results.items():
        save_results(name, data, folder)


def fake_notebook(folder, filename, name):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(f'save_results("{name}", {{}}, RESULTS_DIR)')])
    nbformat.write(notebook, folder / filename)


def test_missing_results_name_every_chapter(tmp_path):
    with pytest.raises(summary.MissingResultsError) as error:
        summary.load_chapter_results(tmp_path / "empty", notebooks_dir=tmp_path)
    for name in summary.CHAPTER_RESULTS:
        assert f"'{name}'" in str(error.value)
    assert set(error.value.missing) == set(summary.CHAPTER_RESULTS)


def test_missing_results_name_their_notebook(tmp_path):
    results = minimal_results()
    del results["binder"]
    write_results(tmp_path / "results", results)
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    fake_notebook(notebooks, "10_binder_cumulant.ipynb", "binder")

    with pytest.raises(summary.MissingResultsError, match=r"'binder' \(written by notebooks/10_binder_cumulant.ipynb\)") as error:
        summary.load_chapter_results(tmp_path / "results", notebooks_dir=notebooks)
    assert error.value.missing == {"binder": "10_binder_cumulant.ipynb"}
    assert "'percolation'" not in str(error.value)


def test_missing_results_without_writer(tmp_path):
    with pytest.raises(summary.MissingResultsError, match="no notebook in notebooks/ writes it"):
        summary.load_chapter_results(tmp_path, names=["percolation"], notebooks_dir=tmp_path)


def test_missing_results_error_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        summary.load_chapter_results(tmp_path, names=["binder"], notebooks_dir=tmp_path)


def test_project_notebooks_writing_their_results():
    notebooks = PROJECT_DIR / "notebooks"
    assert summary.chapter_notebook("percolation", notebooks) == "09_percolation.ipynb"
    assert summary.chapter_notebook("binder", notebooks) == "10_binder_cumulant.ipynb"
    assert summary.chapter_notebook("finite_size_scaling", notebooks) == "11_finite_size_scaling.ipynb"


def test_complete_results_load(tmp_path):
    write_results(tmp_path, minimal_results())
    loaded = summary.load_chapter_results(tmp_path, notebooks_dir=tmp_path)
    assert set(loaded) == set(summary.CHAPTER_RESULTS)
    assert set(summary.result_profiles(loaded).values()) == {"test"}


def test_missing_key_names_chapter_and_path():
    results = minimal_results()
    del results["binder"]["normalized"]
    with pytest.raises(summary.MissingResultKeyError, match=r"results 'binder' have no key 'normalized'"):
        summary.binder_points(results)


def test_phase_points_sorted_by_density():
    points = summary.dense_points(minimal_results())
    assert points.densities.tolist() == [1.0, 0.8]
    assert points.ratios.tolist() == [1.0, 0.66]
    assert points.errors.tolist() == [0.01, 0.02]


def test_table_compares_with_references():
    rows = {row.quantity: row for row in summary.estimate_table(minimal_results())}

    percolation = rows["site-percolation threshold, Newman-Ziff"]
    assert percolation.reference == PERCOLATION_THRESHOLD
    assert percolation.deviation == pytest.approx((0.5928 - PERCOLATION_THRESHOLD) / np.hypot(0.0002, 1.3e-7))

    binder_pure = rows["T_c(1), Binder crossing"]
    assert binder_pure.reference == ONSAGER_TC
    assert binder_pure.deviation == pytest.approx((2.27 - ONSAGER_TC) / 0.01)

    dense = rows["T_c(0.8)/T_c(1), dense network, $p[F] = 1/2$"]
    assert dense.reference == 0.674
    assert dense.deviation == pytest.approx((0.66 - 0.674) / np.hypot(0.02, 0.01))


def test_table_keeps_missing_crossings():
    rows = {row.quantity: row for row in summary.estimate_table(minimal_results())}
    sweep = rows["T_c(1), widest crossing network of the sweep n = 400"]
    assert sweep.value == 2.32
    results = minimal_results()
    results["finite_size_scaling"]["extrapolation"] = None
    extrapolated = [row for row in summary.estimate_table(results) if row.chapter == "finite_size_scaling"][0]
    assert extrapolated.value is None
    assert extrapolated.deviation is None


def test_table_lists_every_ablation_variant():
    rows = {row.quantity: row for row in summary.estimate_table(minimal_results())}
    assert rows["T_c(1), ReLU autoencoder of the ablation"].value == 2.36
    symmetric = rows["percolation threshold, symmetric autoencoder of the ablation"]
    assert symmetric.value is None
    assert symmetric.reference == PERCOLATION_THRESHOLD


def test_format_table_is_markdown():
    text = summary.format_table(summary.estimate_table(minimal_results()))
    lines = text.splitlines()
    assert lines[0].startswith("| quantity |")
    assert all(line.startswith("|") and line.endswith("|") for line in lines)
    assert "none found" in text
    assert "σ" in text
    assert "0.59280 ± 0.00020" in text
    assert "0.59274621 ± 0.00000013 (Newman-Ziff 2000)" in text
