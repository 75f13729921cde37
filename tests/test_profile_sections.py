"""Profile sections of the reference chapters: percolation, Binder crossings, finite-size scaling."""

import copy

import pytest

from ising_core.profiles import PROFILE_NAMES, load_profile, temperature_grid, validate_profile


@pytest.fixture
def quick():
    return copy.deepcopy(load_profile("quick"))


@pytest.mark.parametrize("name", PROFILE_NAMES)
def test_sections_present(name):
    profile = load_profile(name)
    assert profile["percolation"]["sizes"]
    assert len(profile["binder"]["sizes"]) >= 2
    assert profile["finite_size"]["temperatures"]["step"] > 0


def test_paper_percolation_reaches_256():
    assert max(load_profile("paper")["percolation"]["sizes"]) >= 256


def test_binder_uses_three_sizes_outside_tiny():
    for name in ("quick", "paper"):
        assert len(load_profile(name)["binder"]["sizes"]) >= 3


def test_finite_size_grid_loads(quick):
    grid = temperature_grid({"temperatures": quick["finite_size"]["temperatures"]})
    assert grid[0] == pytest.approx(2.0)
    assert grid[-1] == pytest.approx(2.8)


@pytest.mark.parametrize(
    ("section", "key", "value", "message"),
    [
        ("percolation", "sizes", [2, 16], r"percolation.sizes must contain only integers >= 3"),
        ("percolation", "runs", 1, r"percolation.runs must be >= 2"),
        ("binder", "sizes", [12, 15], r"binder.sizes must contain only even sizes"),
        ("binder", "window", 1.0, r"binder.window must lie strictly between 0 and 1"),
        ("binder", "temperature_points", 2, r"binder.temperature_points must be >= 3"),
        ("finite_size", "sizes", [16, 25], r"finite_size.sizes must contain only even sizes"),
        ("finite_size", "temperatures", {"start": 2.8, "stop": 2.0, "step": 0.1},
         r"finite_size.temperatures.stop \(2\) must not be below finite_size.temperatures.start"),
        ("finite_size", "temperatures", {"start": 2.0, "stop": 2.8}, r"missing key 'finite_size.temperatures.step'"),
    ],
)
def test_invalid_section_value_named(quick, section, key, value, message):
    quick[section][key] = value
    with pytest.raises(ValueError, match=message):
        validate_profile(quick)


def test_missing_section_named(quick):
    del quick["binder"]
    with pytest.raises(ValueError, match="missing key 'binder'"):
        validate_profile(quick)
