"""Chapter results as JSON: round trip, conversions and atomic writes."""

import dataclasses
import json
import os

import numpy as np
import pytest

from ising_core.results import list_results, load_results, results_path, save_results


@dataclasses.dataclass
class Estimate:
    value: float
    error: float


def test_round_trip(tmp_path):
    results = {"tc": 2.31, "hidden_units": [1, 2, 3], "profile": "tiny", "ordered": True}
    save_results("dense_classifier", results, tmp_path)
    assert load_results("dense_classifier", tmp_path) == results


def test_numpy_values_become_json(tmp_path):
    results = {
        "tc": np.float64(2.31),
        "count": np.int64(4),
        "curve": np.array([0.5, 0.25]),
        "ordered": np.bool_(True),
        "pair": (1, 2),
    }
    loaded = load_results("numbers", save_results("numbers", results, tmp_path).parent)
    assert loaded == {"tc": 2.31, "count": 4, "curve": [0.5, 0.25], "ordered": True, "pair": [1, 2]}


def test_dataclass_becomes_object(tmp_path):
    save_results("crossing", {"tc": Estimate(2.3, 0.02)}, tmp_path)
    assert load_results("crossing", tmp_path) == {"tc": {"value": 2.3, "error": 0.02}}


def test_nan_written_as_null(tmp_path):
    path = save_results("no_crossing", {"tc": float("nan"), "bound": np.inf}, tmp_path)
    assert json.loads(path.read_text()) == {"bound": None, "tc": None}


def test_creates_missing_folder(tmp_path):
    folder = tmp_path / "results" / "tiny"
    save_results("monte_carlo", {"samples": 12}, folder)
    assert (folder / "monte_carlo.json").is_file()


def test_replace_leaves_no_temporary_file(tmp_path):
    save_results("catalog", {"size": 8}, tmp_path)
    save_results("catalog", {"size": 40}, tmp_path)
    assert load_results("catalog", tmp_path) == {"size": 40}
    assert sorted(os.listdir(tmp_path)) == ["catalog.json"]


def test_failed_conversion_keeps_previous_file(tmp_path):
    save_results("catalog", {"size": 8}, tmp_path)
    with pytest.raises(TypeError, match="no JSON form"):
        save_results("catalog", {"size": object()}, tmp_path)
    assert load_results("catalog", tmp_path) == {"size": 8}
    assert sorted(os.listdir(tmp_path)) == ["catalog.json"]


def test_non_string_key_rejected(tmp_path):
    with pytest.raises(TypeError, match="non-string key 0.6"):
        save_results("densities", {0.6: 1.2}, tmp_path)


@pytest.mark.parametrize("name", ["../escape", "a/b", "", "dense.json", ".hidden"])
def test_invalid_name_rejected(tmp_path, name):
    with pytest.raises(ValueError, match="invalid result name"):
        results_path(name, tmp_path)


def test_missing_results_name_command(tmp_path):
    with pytest.raises(FileNotFoundError, match="python -m ising_core run"):
        load_results("dense_classifier", tmp_path)


def test_list_results_sorted(tmp_path):
    save_results("b_chapter", {}, tmp_path)
    save_results("a_chapter", {}, tmp_path)
    assert list_results(tmp_path) == ["a_chapter", "b_chapter"]
    assert list_results(tmp_path / "missing") == []
