"""Run profiles: the lattice, grid, sample counts and training settings of one book run.

A profile is a YAML file.  Three ship with the package (``ising_core/profiles/``):

* ``tiny``: the test suite's profile; every notebook runs in seconds, no physics.
* ``quick``: the default; the whole book on a 2-core laptop in a few minutes.
* ``paper``: the full grid of Medina, Arlego and Lamas (2025).

``load_profile`` takes one of those names or the path of a YAML file of the same shape,
and validates every key, so that a typo fails before any Monte Carlo time is spent.
The papermill pipeline injects the profile name into each notebook, which loads it again
with ``load_profile``.
"""

from __future__ import annotations

import math
import numbers
import os
from pathlib import Path

import numpy as np
import yaml

PROFILE_NAMES = ("tiny", "quick", "paper")
DEFAULT_PROFILE = "quick"
PROFILE_DIR = Path(__file__).with_name("profiles")

MIN_SIZE = 4

# Sections whose keys are all validated the same way: key -> (kind, minimum).
# Kinds: "int" (an integer >= minimum), "float" (a finite number > 0, minimum unused),
# "ints" (a non-empty list of distinct integers >= minimum).
_SECTION_KEYS = {
    "catalog": {
        "paramagnetic_samples": ("int", 1),
    },
    "dense": {
        "hidden_units": ("ints", 1),
        "seeds": ("ints", 0),
        "num_epochs": ("int", 1),
        "batch_size": ("int", 1),
        "lr": ("float", 0.0),
    },
    "autoencoder": {
        "num_epochs": ("int", 1),
        "batch_size": ("int", 1),
        "lr": ("float", 0.0),
        "filters": ("int", 1),
        "bottleneck_filters": ("int", 1),
        "seeds": ("ints", 0),
        "repeats": ("int", 1),
        "paramagnetic_samples": ("int", 1),
        "low_temperature": ("float", 0.0),
    },
    "percolation": {
        "sizes": ("ints", 3),
        "runs": ("int", 2),
    },
    "binder": {
        "sizes": ("even_ints", 4),
        "samples": ("int", 1),
        "realizations": ("int", 1),
        "temperature_points": ("int", 3),
        "window": ("fraction", 0.0),
    },
    "finite_size": {
        "sizes": ("even_ints", 4),
        "temperatures": ("grid", 0.0),
        "hidden_units": ("int", 1),
        "seeds": ("ints", 0),
    },
}
# More kinds: "even_ints" (like "ints", every entry even), "fraction" (a number strictly
# between 0 and 1), "grid" (a temperature grid like the top-level "temperatures").

_COUNT_KEYS = {
    "samples": 1,
    "realizations": 1,
    "thermalization": 0,
    "spacing": 1,
    "seed": 0,
    "bootstrap_resamples": 1,
}

_TOP_LEVEL_KEYS = (
    "name",
    "size",
    "temperatures",
    "densities",
    *_COUNT_KEYS,
    *_SECTION_KEYS,
)

_TEMPERATURE_KEYS = ("start", "stop", "step")


def load_profile(name_or_path: str | os.PathLike = DEFAULT_PROFILE) -> dict:
    """Load and validate a run profile.

    Parameters
    ----------
    name_or_path : str or path-like
        One of ``PROFILE_NAMES``, or the path of a YAML file with the same keys.

    Returns
    -------
    dict
        The validated profile.  Numbers are plain ``int`` and ``float``; the temperature
        grid itself comes from ``temperature_grid``.

    Raises
    ------
    ValueError
        If the name is neither a packaged profile nor a path to a ``.yaml``/``.yml``
        file, if the file is not valid YAML, or if a key is missing, unknown or has an
        invalid value.  The message lists every problem found.
    FileNotFoundError
        If a path is given and no file exists there.
    """
    path = profile_path(name_or_path)
    try:
        with path.open(encoding="utf-8") as stream:
            raw = yaml.safe_load(stream)
    except yaml.YAMLError as error:
        raise ValueError(f"profile file {path} is not valid YAML: {error}") from None

    return validate_profile(raw, source=str(path))


def profile_path(name_or_path: str | os.PathLike) -> Path:
    """Return the YAML file of a packaged profile name or of an explicit path."""
    if isinstance(name_or_path, str) and name_or_path in PROFILE_NAMES:
        return PROFILE_DIR / f"{name_or_path}.yaml"

    path = Path(name_or_path)
    if path.suffix not in (".yaml", ".yml"):
        raise ValueError(
            f"unknown profile {str(name_or_path)!r}: expected one of "
            f"{', '.join(PROFILE_NAMES)} or the path of a .yaml profile file"
        )
    if not path.is_file():
        raise FileNotFoundError(f"profile file {path} not found")
    return path


def validate_profile(profile: dict, source: str = "<profile>") -> dict:
    """Validate a profile mapping and return a normalized copy.

    Every problem is collected, and one ``ValueError`` lists them all, each line naming
    the key, the invalid value and what is expected.  ``source`` names the profile in
    the message.
    """
    if not isinstance(profile, dict):
        raise ValueError(f"profile {source}: expected a mapping of keys to values, got {type(profile).__name__}")

    errors: list[str] = []
    normalized: dict = {}

    for key in sorted(set(profile) - set(_TOP_LEVEL_KEYS)):
        errors.append(f"unknown key {key!r}: valid keys are {', '.join(_TOP_LEVEL_KEYS)}")
    for key in _TOP_LEVEL_KEYS:
        if key not in profile:
            errors.append(f"missing key {key!r}")

    if "name" in profile:
        normalized["name"] = _check_name(profile["name"], errors)
    if "size" in profile:
        normalized["size"] = _check_size(profile["size"], errors)
    if "temperatures" in profile:
        normalized["temperatures"] = _check_temperatures(profile["temperatures"], errors)
    if "densities" in profile:
        normalized["densities"] = _check_densities(profile["densities"], errors)
    for key, minimum in _COUNT_KEYS.items():
        if key in profile:
            normalized[key] = _check_integer(key, profile[key], minimum, errors)
    for section, keys in _SECTION_KEYS.items():
        if section in profile:
            normalized[section] = _check_section(section, profile[section], keys, errors)

    if errors:
        lines = "\n".join(f"  - {error}" for error in errors)
        raise ValueError(f"invalid profile {source}:\n{lines}")
    return normalized


def temperature_grid(profile: dict) -> np.ndarray:
    """Return the profile's temperatures T/J, from ``start`` to ``stop`` inclusive.

    The values are rounded to 10 decimals so that a grid such as 0.1, 0.2, ... matches
    the same numbers written by hand (the Monte Carlo store keys on them).
    """
    grid = profile["temperatures"]
    count = _grid_steps(grid["start"], grid["stop"], grid["step"]) + 1
    return np.round(grid["start"] + grid["step"] * np.arange(count), 10)


def summarize_profile(profile: dict) -> str:
    """Return a one-line description of a validated profile's grid and sample counts."""
    temperatures = temperature_grid(profile)
    densities = ", ".join(f"{rho:g}" for rho in profile["densities"])
    return (
        f"{profile['name']}: L={profile['size']}, {temperatures.size} temperatures "
        f"T/J={temperatures[0]:g}..{temperatures[-1]:g} (step {profile['temperatures']['step']:g}), "
        f"densities [{densities}], {profile['samples']} samples x {profile['realizations']} realizations, "
        f"{len(profile['dense']['hidden_units'])} hidden sizes x {len(profile['dense']['seeds'])} seeds"
    )


def _grid_steps(start: float, stop: float, step: float) -> int:
    """Number of steps from start to stop; ``ValueError`` unless it is a whole number."""
    steps = (stop - start) / step
    nearest = round(steps)
    if not math.isclose(steps, nearest, rel_tol=0.0, abs_tol=1e-6):
        raise ValueError(f"stop - start = {stop - start:g} is not a whole number of steps of {step:g}")
    return int(nearest)


def _is_integer(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _number_hint(value) -> str:
    # PyYAML follows YAML 1.1, which reads 1e-3 (no dot) as a string.
    if isinstance(value, str):
        return " (write exponents with a dot, e.g. 1.0e-3: YAML reads 1e-3 as text)"
    return ""


def _check_name(value, errors: list[str]):
    if not isinstance(value, str) or not value.strip():
        errors.append(f"name must be a non-empty string, got {value!r}")
    return value


def _check_size(value, errors: list[str]):
    if not _is_integer(value):
        errors.append(f"size must be an integer L >= {MIN_SIZE}, got {value!r}")
        return value
    if value < MIN_SIZE:
        errors.append(f"size must be >= {MIN_SIZE} so that each site has four distinct neighbours, got {value}")
    if value % 2:
        errors.append(f"size must be even because the Neel and stripe patterns need it, got {value}")
    return int(value)


def _check_integer(key: str, value, minimum: int, errors: list[str]):
    if not _is_integer(value):
        errors.append(f"{key} must be an integer >= {minimum}, got {value!r}")
        return value
    if value < minimum:
        errors.append(f"{key} must be >= {minimum}, got {value}")
    return int(value)


def _check_positive_number(key: str, value, errors: list[str]):
    if not _is_number(value) or not math.isfinite(value):
        errors.append(f"{key} must be a finite number > 0, got {value!r}{_number_hint(value)}")
        return value
    if value <= 0:
        errors.append(f"{key} must be > 0, got {value}")
    return float(value)


def _check_integer_list(key: str, value, minimum: int, errors: list[str]):
    if not isinstance(value, list) or not value:
        errors.append(f"{key} must be a non-empty list of integers >= {minimum}, got {value!r}")
        return value
    invalid = [item for item in value if not _is_integer(item) or item < minimum]
    if invalid:
        errors.append(f"{key} must contain only integers >= {minimum}, got invalid entries {invalid!r}")
        return value
    if len(set(value)) != len(value):
        errors.append(f"{key} must not repeat a value, got {value!r}")
    return [int(item) for item in value]


def _check_temperatures(value, errors: list[str]):
    if not isinstance(value, dict):
        errors.append(f"temperatures must be a mapping with keys start, stop, step (T/J), got {value!r}")
        return value

    unknown = sorted(set(value) - set(_TEMPERATURE_KEYS))
    if unknown:
        errors.append(f"unknown key(s) {unknown} in temperatures: valid keys are start, stop, step")
    grid = {}
    for key in _TEMPERATURE_KEYS:
        if key not in value:
            errors.append(f"missing key 'temperatures.{key}'")
            continue
        before = len(errors)
        grid[key] = _check_positive_number(f"temperatures.{key}", value[key], errors)
        if len(errors) > before:
            return value

    if len(grid) < len(_TEMPERATURE_KEYS):
        return value
    if grid["stop"] < grid["start"]:
        errors.append(f"temperatures.stop ({grid['stop']:g}) must not be below temperatures.start ({grid['start']:g})")
        return grid
    try:
        _grid_steps(grid["start"], grid["stop"], grid["step"])
    except ValueError as error:
        errors.append(f"temperatures: {error}; adjust stop or step so the grid ends exactly at stop")
    return grid


def _check_densities(value, errors: list[str]):
    if not isinstance(value, list) or not value:
        errors.append(f"densities must be a non-empty list of spin densities in (0, 1], got {value!r}")
        return value
    invalid = [rho for rho in value if not _is_number(rho) or not 0.0 < rho <= 1.0]
    if invalid:
        errors.append(f"densities must lie in (0, 1], got invalid entries {invalid!r}")
        return value
    if len(set(value)) != len(value):
        errors.append(f"densities must not repeat a value, got {value!r}")
    return [float(rho) for rho in value]


def _check_section(section: str, value, keys: dict, errors: list[str]):
    if not isinstance(value, dict):
        errors.append(f"{section} must be a mapping with keys {', '.join(keys)}, got {value!r}")
        return value

    for key in sorted(set(value) - set(keys)):
        errors.append(f"unknown key '{section}.{key}': valid keys are {', '.join(keys)}")
    normalized = {}
    for key, (kind, minimum) in keys.items():
        name = f"{section}.{key}"
        if key not in value:
            errors.append(f"missing key '{name}'")
        elif kind == "int":
            normalized[key] = _check_integer(name, value[key], minimum, errors)
        elif kind == "float":
            normalized[key] = _check_positive_number(name, value[key], errors)
        elif kind == "fraction":
            normalized[key] = _check_fraction(name, value[key], errors)
        elif kind == "grid":
            normalized[key] = _check_section_grid(name, value[key], errors)
        elif kind == "even_ints":
            normalized[key] = _check_even_integer_list(name, value[key], minimum, errors)
        else:
            normalized[key] = _check_integer_list(name, value[key], minimum, errors)
    return normalized


def _check_fraction(key: str, value, errors: list[str]):
    before = len(errors)
    number = _check_positive_number(key, value, errors)
    if len(errors) == before and number >= 1.0:
        errors.append(f"{key} must lie strictly between 0 and 1, got {value}")
    return number


def _check_even_integer_list(key: str, value, minimum: int, errors: list[str]):
    before = len(errors)
    values = _check_integer_list(key, value, minimum, errors)
    if len(errors) == before and any(item % 2 for item in values):
        errors.append(f"{key} must contain only even sizes (the sampler's checkerboard sweep needs them), got {values!r}")
    return values


def _check_section_grid(key: str, value, errors: list[str]):
    """Validate a temperature grid inside a section; messages name it by its full key."""
    grid_errors: list[str] = []
    grid = _check_temperatures(value, grid_errors)
    errors.extend(message.replace("temperatures", key) for message in grid_errors)
    return grid
