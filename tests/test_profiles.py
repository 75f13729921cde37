"""Run profiles: the packaged ones load, and invalid ones fail with a clear message."""

import copy

import numpy as np
import pytest
import yaml

from ising_core.profiles import (
    PROFILE_DIR,
    PROFILE_NAMES,
    load_profile,
    temperature_grid,
    validate_profile,
)


@pytest.fixture
def quick():
    return load_profile("quick")


def write_profile(path, profile):
    path.write_text(yaml.safe_dump(profile), encoding="utf-8")
    return path


@pytest.mark.parametrize("name", PROFILE_NAMES)
def test_packaged_profile_loads(name):
    profile = load_profile(name)
    assert profile["name"] == name
    assert (PROFILE_DIR / f"{name}.yaml").is_file()


def test_paper_profile_matches_reference_grid():
    profile = load_profile("paper")
    temperatures = temperature_grid(profile)
    assert profile["size"] == 40
    assert temperatures.size == 250
    assert temperatures[0] == pytest.approx(0.02)
    assert temperatures[-1] == pytest.approx(5.0)
    assert profile["samples"] == 300
    assert profile["densities"] == [1.0, 0.9, 0.8, 0.7, 0.65, 0.64, 0.61, 0.6, 0.55]
    assert profile["dense"]["hidden_units"] == [1, 2, 3, 4, 5, 6, 8, 10, 20, 50, 100, 200, 300, 400, 500, 700, 1000]
    assert profile["autoencoder"]["num_epochs"] == 150
    assert len(profile["dense"]["seeds"]) == 5


def test_quick_grid_brackets_pure_transition(quick):
    temperatures = temperature_grid(quick)
    assert quick["size"] == 40
    assert temperatures.min() < 0.7 < 2.269 < temperatures.max()
    assert 1.0 in quick["densities"]


def test_temperature_grid_is_inclusive_and_rounded(quick):
    temperatures = temperature_grid(quick)
    assert temperatures.size == 35
    assert temperatures[-1] == 3.5
    assert 2.3 in temperatures
    assert np.all(np.diff(temperatures) > 0)


def test_profile_file_path_loads(tmp_path, quick):
    custom = copy.deepcopy(quick)
    custom["name"] = "custom"
    custom["size"] = 24
    profile = load_profile(write_profile(tmp_path / "custom.yaml", custom))
    assert profile["name"] == "custom"
    assert profile["size"] == 24


def test_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match="unknown profile 'fast'") as error:
        load_profile("fast")
    for name in PROFILE_NAMES:
        assert name in str(error.value)


def test_missing_profile_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.yaml"):
        load_profile(tmp_path / "missing.yaml")


def test_invalid_yaml_names_file(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("name: [unclosed\n", encoding="utf-8")
    with pytest.raises(ValueError, match="not valid YAML"):
        load_profile(path)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("size", 7, "size must be even"),
        ("size", 2, "size must be >= 4"),
        ("size", 40.0, "size must be an integer"),
        ("densities", [1.0, 0.0], r"densities must lie in \(0, 1\]"),
        ("densities", [1.2], r"densities must lie in \(0, 1\]"),
        ("densities", [], "densities must be a non-empty list"),
        ("densities", [0.8, 0.8], "densities must not repeat"),
        ("samples", 0, "samples must be >= 1"),
        ("samples", True, "samples must be an integer"),
        ("realizations", -1, "realizations must be >= 1"),
        ("thermalization", -5, "thermalization must be >= 0"),
        ("spacing", 0, "spacing must be >= 1"),
        ("name", "", "name must be a non-empty string"),
    ],
)
def test_invalid_value_is_named(quick, key, value, message):
    quick[key] = value
    with pytest.raises(ValueError, match=message):
        validate_profile(quick)


@pytest.mark.parametrize(
    ("grid", "message"),
    [
        ({"start": 0.0, "stop": 3.5, "step": 0.1}, r"temperatures.start must be > 0"),
        ({"start": -1.0, "stop": 3.5, "step": 0.1}, r"temperatures.start must be > 0"),
        ({"start": 1.0, "stop": 3.5, "step": 0.0}, r"temperatures.step must be > 0"),
        ({"start": 3.0, "stop": 1.0, "step": 0.1}, "must not be below temperatures.start"),
        ({"start": 1.0, "stop": 3.55, "step": 0.1}, "not a whole number of steps"),
        ({"start": 1.0, "stop": 3.5}, "missing key 'temperatures.step'"),
        ({"start": 1.0, "stop": 3.5, "step": 0.5, "num": 6}, "unknown key"),
    ],
)
def test_invalid_temperature_grid(quick, grid, message):
    quick["temperatures"] = grid
    with pytest.raises(ValueError, match=message):
        validate_profile(quick)


def test_string_exponent_gets_hint(quick):
    quick["dense"]["lr"] = "1e-3"
    with pytest.raises(ValueError, match="dense.lr must be a finite number > 0") as error:
        validate_profile(quick)
    assert "1.0e-3" in str(error.value)


def test_hidden_units_must_be_positive(quick):
    quick["dense"]["hidden_units"] = [0, 5]
    with pytest.raises(ValueError, match=r"dense.hidden_units must contain only integers >= 1"):
        validate_profile(quick)


def test_unknown_and_missing_keys_reported_together(quick):
    quick["sampels"] = 100
    del quick["seed"]
    del quick["autoencoder"]["filters"]
    with pytest.raises(ValueError) as error:
        validate_profile(quick, source="test.yaml")
    message = str(error.value)
    assert "invalid profile test.yaml" in message
    assert "unknown key 'sampels'" in message
    assert "missing key 'seed'" in message
    assert "missing key 'autoencoder.filters'" in message


def test_profile_must_be_mapping():
    with pytest.raises(ValueError, match="expected a mapping"):
        validate_profile(["size", 40])
