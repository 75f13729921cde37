"""The notebook chain under papermill, the staged book source and the CLI."""

import json
import shutil
from pathlib import Path

import nbformat
import pytest

from ising_core import pipeline
from ising_core.__main__ import _parse_parameters, main
from ising_core.results import RUN_TIMES_NAME, list_results

PROJECT_DIR = Path(__file__).resolve().parent.parent


def write_notebook(path, *sources):
    """Write a Python notebook whose first code cell is the parameters cell."""
    cells = [nbformat.v4.new_code_cell('PROFILE = "quick"\nDATA_DIR = "."\nRESULTS_DIR = "."', metadata={"tags": ["parameters"]})]
    cells += [nbformat.v4.new_code_cell(source) for source in sources]
    metadata = {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
    }
    nbformat.write(nbformat.v4.new_notebook(cells=cells, metadata=metadata), path)


@pytest.fixture
def small_project(tmp_path):
    """A project folder with three notebooks; the second fails in its last cell."""
    notebooks = tmp_path / "project" / "notebooks"
    notebooks.mkdir(parents=True)
    write_notebook(notebooks / "01_first.ipynb", "print('first', PROFILE)")
    write_notebook(notebooks / "02_second.ipynb", "print('before the error')", "raise RuntimeError('deliberate failure')")
    write_notebook(notebooks / "03_third.ipynb", "print('third')")
    return tmp_path / "project"


@pytest.mark.slow
def test_chain_executes_every_notebook(tiny_book):
    executed = [run.output.name for run in tiny_book.runs]
    assert executed == [path.name for path in pipeline.notebook_paths(PROJECT_DIR / "notebooks")]
    for run in tiny_book.runs:
        assert run.output.is_file()


@pytest.mark.slow
def test_executed_notebooks_have_no_errors(tiny_book):
    for run in tiny_book.runs:
        notebook = nbformat.read(run.output, as_version=4)
        outputs = [output for cell in notebook.cells for output in cell.get("outputs", [])]
        errors = [output.get("ename") for output in outputs if output.output_type == "error"]
        assert not errors, f"{run.output.name} has error outputs: {errors}"


@pytest.mark.slow
def test_profile_injected_into_notebooks(tiny_book):
    for run in tiny_book.runs:
        notebook = nbformat.read(run.output, as_version=4)
        injected = [cell.source for cell in notebook.cells if "injected-parameters" in cell.metadata.get("tags", [])]
        assert len(injected) == 1, f"{run.output.name}: expected one injected-parameters cell"
        assert 'PROFILE = "tiny"' in injected[0]
        assert str(tiny_book.layout.results_dir) in injected[0]


@pytest.mark.slow
def test_chapters_write_results(tiny_book):
    names = list_results(tiny_book.layout.results_dir)
    assert names, f"no chapter wrote results into {tiny_book.layout.results_dir}"
    for name in names:
        json.loads((tiny_book.layout.results_dir / f"{name}.json").read_text())


@pytest.mark.slow
def test_book_has_a_page_per_toc_entry(tiny_book):
    html = tiny_book.layout.html_dir
    assert tiny_book.index == html / "index.html"
    for page in ["book/intro", "book/running", "book/conclusions", "book/bibliography"]:
        assert (html / f"{page}.html").is_file(), f"{page}.html missing from the book"
    for run in tiny_book.runs:
        assert (html / "notebooks" / f"{run.output.stem}.html").is_file(), f"{run.output.stem}.html missing"


@pytest.mark.slow
def test_staged_notebooks_drop_widget_state(tiny_book):
    for run in tiny_book.runs:
        staged = nbformat.read(tiny_book.layout.source_dir / "notebooks" / run.output.name, as_version=4)
        assert "widgets" not in staged.metadata


def stage_one(tmp_path, parameters_source):
    """Stage a project with one executed notebook and return the staged notebook."""
    project = tmp_path / "project"
    (project / "notebooks").mkdir(parents=True)
    (project / "book").mkdir()
    shutil.copy(PROJECT_DIR / "_config.yml", project)
    (project / "_toc.yml").write_text("format: jb-book\nroot: notebooks/01_first\n")
    write_notebook(project / "notebooks" / "01_first.ipynb", "print(PROFILE)")

    executed = nbformat.read(project / "notebooks" / "01_first.ipynb", as_version=4)
    executed.cells[0].source = parameters_source
    injected = nbformat.v4.new_code_cell('# Parameters\nPROFILE = "tiny"\nDATA_DIR = "d"\nRESULTS_DIR = "r"')
    injected.metadata["tags"] = ["injected-parameters"]
    executed.cells.insert(1, injected)
    executed.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    executed.cells[-1].outputs = [
        nbformat.v4.new_output("display_data", data={pipeline.WIDGET_MIME: {"model_id": "a"}, "text/plain": "HBox()"}),
        nbformat.v4.new_output("stream", name="stdout", text="tiny\n"),
    ]
    layout = pipeline.BookLayout.create("tiny", project_dir=project, build_dir=tmp_path / "build")
    layout.executed_dir.mkdir(parents=True)
    nbformat.write(executed, layout.executed_dir / "01_first.ipynb")

    source = pipeline.stage_book_source(layout)
    return nbformat.read(source / "notebooks" / "01_first.ipynb", as_version=4)


def test_staging_removes_overridden_defaults(tmp_path):
    staged = stage_one(tmp_path, 'PROFILE = "quick"\nDATA_DIR = "../data"\nRESULTS_DIR = "../results/quick"')
    assert "remove-cell" in staged.cells[0].metadata["tags"]
    assert "remove-cell" not in staged.cells[1].metadata["tags"]
    assert "widgets" not in staged.metadata


def test_staging_drops_widget_outputs(tmp_path):
    staged = stage_one(tmp_path, 'PROFILE = "quick"\nDATA_DIR = "../data"\nRESULTS_DIR = "../results/quick"')
    assert [output.output_type for output in staged.cells[-1].outputs] == ["stream"]


def test_staging_keeps_defaults_with_own_names(tmp_path):
    defaults = 'PROFILE = "quick"\nDATA_DIR = "../data"\nRESULTS_DIR = "../results/quick"\nDASK_SCHEDULER = None'
    staged = stage_one(tmp_path, defaults)
    assert "remove-cell" not in staged.cells[0].metadata["tags"]
    assert "hide-cell" in staged.cells[0].metadata["tags"]


@pytest.mark.slow
def test_failed_notebook_keeps_outputs(small_project, tmp_path):
    build = tmp_path / "build"
    with pytest.raises(pipeline.NotebookExecutionError, match="02_second.ipynb failed") as error:
        pipeline.run_notebooks(
            "tiny", project_dir=small_project, build_dir=build,
            data_dir=tmp_path / "data", results_dir=tmp_path / "results", progress=False,
        )

    executed = build / "tiny" / "executed"
    first = nbformat.read(executed / "01_first.ipynb", as_version=4)
    assert "first tiny" in first.cells[-1].outputs[0].text
    failed = nbformat.read(error.value.output, as_version=4)
    texts = [output.get("text", "") for cell in failed.cells for output in cell.get("outputs", [])]
    assert any("before the error" in text for text in texts)
    enames = [output.get("ename") for cell in failed.cells for output in cell.get("outputs", [])]
    assert "RuntimeError" in enames


def test_run_times_kept_up_to_the_failure(small_project, tmp_path):
    results = tmp_path / "results"
    with pytest.raises(pipeline.NotebookExecutionError):
        pipeline.run_notebooks("tiny", project_dir=small_project, build_dir=tmp_path / "build",
                               data_dir=tmp_path / "data", results_dir=results, progress=False)
    times = json.loads((results / f"{RUN_TIMES_NAME}.json").read_text())
    assert list(times["notebooks"]) == ["01_first.ipynb"]
    assert times["profile"] == "tiny"
    assert times["cpu_count"] >= 1


@pytest.mark.slow
def test_failed_run_blocks_book(small_project, tmp_path):
    shutil.copy(PROJECT_DIR / "_config.yml", small_project)
    shutil.copy(PROJECT_DIR / "_toc.yml", small_project)
    shutil.copytree(PROJECT_DIR / "book", small_project / "book")
    folders = {"project_dir": small_project, "build_dir": tmp_path / "build"}
    layout = pipeline.BookLayout.create("tiny", **folders)
    layout.executed_dir.mkdir(parents=True)
    shutil.copy(small_project / "notebooks" / "03_third.ipynb", layout.executed_dir)
    with pytest.raises(pipeline.NotebookExecutionError):
        pipeline.run_notebooks("tiny", **folders, data_dir=tmp_path / "data", results_dir=tmp_path / "results", progress=False)

    assert not (layout.executed_dir / "03_third.ipynb").exists(), "a copy from an earlier run survived"
    with pytest.raises(pipeline.BookBuildError, match="02_second.ipynb .* stopped at an error"):
        pipeline.stage_book_source(layout)


def test_rejected_run_keeps_executed_copies(small_project, tmp_path):
    executed = tmp_path / "build" / "tiny" / "executed"
    executed.mkdir(parents=True)
    (executed / "01_first.ipynb").write_text("stale")
    with pytest.raises(ValueError, match="set by the pipeline"):
        pipeline.run_notebooks(
            "tiny", project_dir=small_project, build_dir=tmp_path / "build",
            parameters={"DATA_DIR": "elsewhere"}, progress=False,
        )
    assert (executed / "01_first.ipynb").read_text() == "stale"


def test_book_needs_executed_notebooks(small_project, tmp_path):
    shutil.copy(PROJECT_DIR / "_config.yml", small_project)
    shutil.copy(PROJECT_DIR / "_toc.yml", small_project)
    shutil.copytree(PROJECT_DIR / "book", small_project / "book")
    layout = pipeline.BookLayout.create("tiny", project_dir=small_project, build_dir=tmp_path / "build")
    with pytest.raises(FileNotFoundError, match="run --profile tiny"):
        pipeline.stage_book_source(layout)


def test_no_notebooks_is_an_error(tmp_path):
    (tmp_path / "notebooks").mkdir()
    with pytest.raises(FileNotFoundError, match="no notebooks matching"):
        pipeline.run_notebooks("tiny", project_dir=tmp_path, build_dir=tmp_path / "build", progress=False)


def test_cli_unknown_profile_exits_2(caplog):
    assert main(["run", "--profile", "nonexistent"]) == 2
    assert "unknown profile 'nonexistent'" in caplog.text


def test_cli_book_unknown_profile_exits_2(caplog):
    assert main(["book", "--profile", "fast"]) == 2
    assert "tiny, quick, paper" in caplog.text


def test_cli_lists_profiles(capsys):
    assert main(["profiles"]) == 0
    output = capsys.readouterr().out
    assert "quick: L=40" in output
    assert "paper: L=40, 250 temperatures" in output


def test_find_project_dir_from_subfolder():
    assert pipeline.find_project_dir(PROJECT_DIR / "notebooks") == PROJECT_DIR


def test_reserved_parameter_rejected(small_project, tmp_path):
    with pytest.raises(ValueError, match="set by the pipeline"):
        pipeline.run_notebooks(
            "tiny", project_dir=small_project, build_dir=tmp_path / "build",
            parameters={"PROFILE": "paper"}, progress=False,
        )


def test_cli_parameters_read_as_yaml():
    parsed = _parse_parameters([["DASK_SCHEDULER", "local"], ["WORKERS", "4"], ["CLIENT", "null"]])
    assert parsed == {"DASK_SCHEDULER": "local", "WORKERS": 4, "CLIENT": None}


def test_cli_parameter_name_must_be_identifier():
    with pytest.raises(ValueError, match="invalid parameter name"):
        _parse_parameters([["not-a-name", "1"]])


@pytest.mark.slow
def test_strict_build_lists_warnings(tmp_path):
    project = tmp_path / "project"
    (project / "notebooks").mkdir(parents=True)
    shutil.copy(PROJECT_DIR / "_config.yml", project)
    shutil.copytree(PROJECT_DIR / "book", project / "book")
    (project / "_toc.yml").write_text("format: jb-book\nroot: book/intro\nchapters:\n  - file: notebooks/01_first\n")
    (project / "book" / "intro.md").write_text("# Intro\n\nSee {cite:p}`no_such_key`.\n")
    write_notebook(project / "notebooks" / "01_first.ipynb", "print('first')")
    executed = tmp_path / "build" / "tiny" / "executed"
    executed.mkdir(parents=True)
    shutil.copy(project / "notebooks" / "01_first.ipynb", executed)

    with pytest.raises(pipeline.BookBuildError, match="no_such_key"):
        pipeline.build_book("tiny", project_dir=project, build_dir=tmp_path / "build", warnings_as_errors=True, quiet=True)
