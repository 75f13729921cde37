"""Committed notebooks are clean sources: no outputs, one parameters cell, all in the book."""

import ast
from pathlib import Path

import nbformat
import pytest
import yaml

from ising_core.pipeline import notebook_paths

PROJECT_DIR = Path(__file__).resolve().parent.parent
NOTEBOOKS = notebook_paths(PROJECT_DIR / "notebooks")
PARAMETER_NAMES = {"PROFILE", "DATA_DIR", "RESULTS_DIR"}


def read(path):
    return nbformat.read(path, as_version=4)


def code_cells(notebook):
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def parameter_cells(notebook):
    return [cell for cell in notebook.cells if "parameters" in cell.metadata.get("tags", [])]


def toc_files(toc):
    """Return every ``file`` entry of a jb-book table of contents, root first."""
    files = [toc["root"]]
    pending = list(toc.get("parts", [])) + list(toc.get("chapters", []))
    while pending:
        entry = pending.pop(0)
        if "file" in entry:
            files.append(entry["file"])
        pending.extend(entry.get("chapters", []))
        pending.extend(entry.get("sections", []))
    return files


def test_chapter_notebooks_exist():
    assert NOTEBOOKS, f"no chapter notebooks NN_*.ipynb in {PROJECT_DIR / 'notebooks'}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_notebook_has_no_outputs(path):
    with_outputs = [index for index, cell in enumerate(read(path).cells) if cell.get("outputs")]
    assert not with_outputs, f"{path.name}: cells {with_outputs} have outputs; clear them before committing"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_notebook_has_no_execution_counts(path):
    counted = [index for index, cell in enumerate(code_cells(read(path))) if cell.get("execution_count") is not None]
    assert not counted, f"{path.name}: code cells {counted} have execution counts; clear them before committing"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_notebook_has_one_parameters_cell(path):
    cells = parameter_cells(read(path))
    assert len(cells) == 1, f"{path.name}: expected exactly one cell tagged 'parameters', found {len(cells)}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_parameters_cell_sets_pipeline_names(path):
    cells = parameter_cells(read(path))
    assert cells, f"{path.name}: no cell tagged 'parameters'"
    assigned = set()
    for node in ast.parse(cells[0].source).body:
        if isinstance(node, ast.Assign):
            assigned.update(target.id for target in node.targets if isinstance(target, ast.Name))
    missing = PARAMETER_NAMES - assigned
    assert not missing, f"{path.name}: the parameters cell does not assign {sorted(missing)}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_notebook_has_no_injected_parameters(path):
    injected = [cell for cell in read(path).cells if "injected-parameters" in cell.metadata.get("tags", [])]
    assert not injected, f"{path.name}: commit the source notebook, not an executed copy with injected parameters"


def test_toc_files_exist():
    toc = yaml.safe_load((PROJECT_DIR / "_toc.yml").read_text(encoding="utf-8"))
    missing = []
    for entry in toc_files(toc):
        if not any((PROJECT_DIR / f"{entry}{suffix}").is_file() for suffix in (".md", ".ipynb")):
            missing.append(entry)
    assert not missing, f"_toc.yml names files that do not exist: {missing}"


def test_every_notebook_in_toc():
    toc = yaml.safe_load((PROJECT_DIR / "_toc.yml").read_text(encoding="utf-8"))
    listed = set(toc_files(toc))
    absent = [path.name for path in NOTEBOOKS if f"notebooks/{path.stem}" not in listed]
    assert not absent, f"notebooks executed by the pipeline but missing from _toc.yml: {absent}"
