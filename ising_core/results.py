"""Key results of each chapter as JSON files, one per chapter and profile.

Each notebook stores what later chapters and the summary need (transition temperatures
with errors, fit parameters) with ``save_results("dense_classifier", {...}, RESULTS_DIR)``,
which writes ``RESULTS_DIR/dense_classifier.json``.  The pipeline passes
``RESULTS_DIR = results/<profile>``, so each profile keeps its own results.

Writes are atomic: the JSON goes to a temporary file in the same folder, which then
replaces the target with ``os.replace``, so an interrupted run never leaves a
half-written file behind.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import re
import tempfile
from pathlib import Path

import numpy as np

RUN_TIMES_NAME = "run_times"
"""Result set in which the pipeline records the wall time of every notebook of its last run."""

_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def results_path(name: str, results_dir: str | os.PathLike) -> Path:
    """Return the JSON file of the result set ``name`` in ``results_dir``.

    ``name`` is a plain file stem such as ``"monte_carlo"`` or ``"01_monte_carlo"``
    (letters, digits, ``_``, ``-`` and ``.``, no path separators).
    """
    if not isinstance(name, str) or not _NAME_PATTERN.match(name) or name.endswith(".json"):
        raise ValueError(
            f"invalid result name {name!r}: use a plain file stem of letters, digits, '_', '-' "
            "or '.', without a folder or the .json suffix, e.g. 'dense_classifier'"
        )
    return Path(results_dir) / f"{name}.json"


def save_results(name: str, results: dict, results_dir: str | os.PathLike) -> Path:
    """Write ``results`` to ``results_dir/<name>.json`` atomically and return the path.

    NumPy scalars and arrays become JSON numbers and lists, tuples become lists, and
    dataclass instances (such as a crossing estimate) become objects of their fields.
    NaN and infinities are written as ``null``, because JSON has no literal for them.
    The folder is created when missing.

    Raises
    ------
    ValueError
        If ``name`` is not a plain file stem.
    TypeError
        If ``results`` is not a dict with string keys, or contains a value that has
        no JSON form.
    """
    path = results_path(name, results_dir)
    if not isinstance(results, dict):
        raise TypeError(f"results must be a dict, got {type(results).__name__}")
    text = json.dumps(_to_json(results, "results"), indent=2, sort_keys=True, allow_nan=False) + "\n"

    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def load_results(name: str, results_dir: str | os.PathLike) -> dict:
    """Read the result set ``name`` from ``results_dir``.

    Raises
    ------
    FileNotFoundError
        If the file is missing; the message names the notebook-run command that
        writes it.
    """
    path = results_path(name, results_dir)
    if not path.is_file():
        raise FileNotFoundError(
            f"results file {path} not found: run the chapter that writes {name!r} first, "
            "e.g. `python -m ising_core run --profile <profile>`"
        )
    with path.open(encoding="utf-8") as stream:
        return json.load(stream)


def list_results(results_dir: str | os.PathLike) -> list[str]:
    """Return the names of the result sets stored in ``results_dir``, sorted."""
    folder = Path(results_dir)
    if not folder.is_dir():
        return []
    return sorted(path.stem for path in folder.glob("*.json") if _NAME_PATTERN.match(path.stem))


def _to_json(value, where: str):
    """Convert ``value`` to plain JSON types; ``where`` names it in error messages."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _to_json(dataclasses.asdict(value), where)
    if isinstance(value, dict):
        converted = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{where} has the non-string key {key!r}; JSON objects need string keys")
            converted[key] = _to_json(item, f"{where}[{key!r}]")
        return converted
    if isinstance(value, (list, tuple)):
        return [_to_json(item, f"{where}[{index}]") for index, item in enumerate(value)]
    if isinstance(value, np.ndarray):
        return _to_json(value.tolist(), where)
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        number = float(value)
        return number if math.isfinite(number) else None
    if value is None or isinstance(value, str):
        return value
    raise TypeError(f"{where} has a value of type {type(value).__name__} that has no JSON form: {value!r}")
