"""Shared fixtures: one executed and built book on the tiny profile per test session.

The book is built into a temporary folder, so a user's ``_build/``, ``data/`` and
``results/`` are never touched, and both the pipeline and the browser tests read it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from ising_core import pipeline

PROJECT_DIR = Path(__file__).resolve().parent.parent

# Filled by the tiny_book fixture and printed in the terminal summary.
_TIMINGS: dict[str, float] = {}


@dataclass(frozen=True)
class TinyBook:
    """The tiny profile's executed notebooks and HTML book, with the time each step took."""

    layout: pipeline.BookLayout
    runs: list
    index: Path
    run_seconds: float
    build_seconds: float


@pytest.fixture(scope="session")
def tiny_book(tmp_path_factory) -> TinyBook:
    root = tmp_path_factory.mktemp("tiny_book")
    folders = {
        "project_dir": PROJECT_DIR,
        "build_dir": root / "_build",
    }

    started = time.perf_counter()
    runs = pipeline.run_notebooks(
        "tiny", **folders, data_dir=root / "data", results_dir=root / "results", progress=False
    )
    run_seconds = time.perf_counter() - started

    started = time.perf_counter()
    index = pipeline.build_book("tiny", **folders, warnings_as_errors=True, keep_going=True, quiet=True)
    build_seconds = time.perf_counter() - started

    _TIMINGS.update({"notebooks": run_seconds, "book build": build_seconds})
    layout = pipeline.BookLayout.create(
        "tiny", **folders, data_dir=root / "data", results_dir=root / "results"
    )
    return TinyBook(layout=layout, runs=runs, index=index, run_seconds=run_seconds, build_seconds=build_seconds)


def pytest_terminal_summary(terminalreporter):
    if _TIMINGS:
        steps = ", ".join(f"{step} {seconds:.0f} s" for step, seconds in _TIMINGS.items())
        terminalreporter.write_line(f"tiny book: {steps}")
