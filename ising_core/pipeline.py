"""Execute the notebook chain for a profile with papermill, then build the Jupyter Book.

Layout for a profile ``<name>`` (all under the git-ignored build folder, ``_build/`` of
the project by default):

* ``_build/<name>/executed/NN_*.ipynb``: the executed notebooks, written by papermill
  after every cell, so a failed run keeps everything up to the failing cell.
* ``_build/<name>/source/``: the book source that ``jupyter-book build`` reads: a copy of
  ``_config.yml``, ``_toc.yml`` and ``book/``, with ``notebooks/`` holding the executed
  notebooks in place of the committed (output-free) ones.  The table of contents
  therefore names ``notebooks/01_...`` in both trees, and the book is rendered with
  ``execute_notebooks: "off"``.
* ``_build/<name>/_build/html/index.html``: the book.

Each notebook receives three parameters, injected by papermill after its cell tagged
``parameters``: ``PROFILE`` (a profile name, or the absolute path of a profile file),
``DATA_DIR`` (the Monte Carlo store, shared by all profiles because the store is keyed
by the sampling parameters) and ``RESULTS_DIR`` (``results/<name>``).  The kernel runs
in ``notebooks/``, and folders inside the project are passed relative to it
(``../data``), the same paths a notebook opened by hand in JupyterLab uses.
"""

from __future__ import annotations

import ast
import contextlib
import datetime
import json
import logging
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat

from ising_core.profiles import PROFILE_NAMES, load_profile
from ising_core.results import RUN_TIMES_NAME, results_path, save_results

logger = logging.getLogger(__name__)

NOTEBOOK_PATTERN = "[0-9][0-9]_*.ipynb"
PIPELINE_PARAMETERS = ("PROFILE", "DATA_DIR", "RESULTS_DIR")

KERNEL_NAME = "python3"

# Colour codes that Sphinx puts around its messages.
_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")
# Sphinx reports "path:line: WARNING: ..."; with -W and no --keep-going the first
# warning ends the build as "sphinx.errors.SphinxWarning: path:line: ...".
_PROBLEM_LINE = re.compile(r"\b(WARNING|ERROR|SphinxWarning):")

# Paths copied from the project into the book source, besides the executed notebooks.
BOOK_FILES = ("_config.yml", "_toc.yml")
BOOK_FOLDERS = ("book",)

# Set for the notebook kernels unless the caller's environment already sets them:
# progress bars would be stored as widget or stderr outputs in the executed pages,
# and TensorFlow's start-up messages as stderr noise.
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"

KERNEL_ENVIRONMENT = {
    "TQDM_DISABLE": "1",
    "TF_CPP_MIN_LOG_LEVEL": "2",
}


class NotebookExecutionError(RuntimeError):
    """A notebook of the chain raised an error; ``output`` keeps the partial outputs."""

    def __init__(self, notebook: Path, output: Path, cause: Exception):
        self.notebook = notebook
        self.output = output
        self.cause = cause
        super().__init__(
            f"notebook {notebook.name} failed; the executed copy with the traceback is {output}\n{cause}"
        )


class BookBuildError(RuntimeError):
    """An executed notebook records a failed run, or ``jupyter-book build`` failed."""


@dataclass(frozen=True)
class NotebookRun:
    """One executed notebook: source, executed copy and wall time in seconds."""

    notebook: Path
    output: Path
    seconds: float


@dataclass(frozen=True)
class BookLayout:
    """Where the pipeline reads and writes for one profile.

    ``project_dir`` contains ``_config.yml``, ``_toc.yml``, ``book/`` and ``notebooks/``.
    The other folders default to ``_build``, ``data`` and ``results/<profile>`` inside
    it.  Tests point them at a temporary folder, so a user's build is left alone.
    """

    project_dir: Path
    profile_name: str
    build_dir: Path
    data_dir: Path
    results_dir: Path

    @classmethod
    def create(
        cls,
        profile_name: str,
        *,
        project_dir: str | os.PathLike | None = None,
        build_dir: str | os.PathLike | None = None,
        data_dir: str | os.PathLike | None = None,
        results_dir: str | os.PathLike | None = None,
    ) -> BookLayout:
        project = find_project_dir() if project_dir is None else Path(project_dir).resolve()
        return cls(
            project_dir=project,
            profile_name=profile_name,
            build_dir=Path(build_dir).resolve() if build_dir else project / "_build",
            data_dir=Path(data_dir).resolve() if data_dir else project / "data",
            results_dir=Path(results_dir).resolve() if results_dir else project / "results" / profile_name,
        )

    @property
    def notebooks_dir(self) -> Path:
        return self.project_dir / "notebooks"

    @property
    def profile_build_dir(self) -> Path:
        return self.build_dir / self.profile_name

    @property
    def executed_dir(self) -> Path:
        return self.profile_build_dir / "executed"

    @property
    def source_dir(self) -> Path:
        return self.profile_build_dir / "source"

    @property
    def html_dir(self) -> Path:
        # jupyter-book writes to <--path-output>/_build/html.
        return self.profile_build_dir / "_build" / "html"

    @property
    def kernel_dir(self) -> Path:
        """Jupyter data folder holding the kernelspec the pipeline runs notebooks with."""
        return self.build_dir / "jupyter"


def find_project_dir(start: str | os.PathLike | None = None) -> Path:
    """Return the first folder that contains both ``_toc.yml`` and ``notebooks/``.

    The search covers ``start`` (default: the working directory), its parents, and then
    the folder above the installed package, which is the repository for an editable
    install.
    """
    start_dir = Path.cwd() if start is None else Path(start)
    candidates = [start_dir.resolve(), *start_dir.resolve().parents, Path(__file__).resolve().parent.parent]
    for candidate in candidates:
        if (candidate / "_toc.yml").is_file() and (candidate / "notebooks").is_dir():
            return candidate
    raise FileNotFoundError(
        f"no project folder (with _toc.yml and notebooks/) found at or above {start_dir}; "
        "run the command from the ising_core repository"
    )


def notebook_paths(notebooks_dir: str | os.PathLike) -> list[Path]:
    """Return the chapter notebooks ``NN_*.ipynb`` of a folder in reading order."""
    return sorted(Path(notebooks_dir).glob(NOTEBOOK_PATTERN))


def resolve_profile(profile: str | os.PathLike) -> tuple[str, str]:
    """Validate a profile and return ``(name, value to inject as PROFILE)``.

    A packaged profile is injected by name; a profile file by its absolute path, so the
    kernel finds it whatever its working directory.
    """
    loaded = load_profile(profile)
    if isinstance(profile, str) and profile in PROFILE_NAMES:
        return loaded["name"], profile
    return loaded["name"], str(Path(profile).resolve())


def run_notebooks(
    profile: str | os.PathLike = "quick",
    *,
    project_dir: str | os.PathLike | None = None,
    build_dir: str | os.PathLike | None = None,
    data_dir: str | os.PathLike | None = None,
    results_dir: str | os.PathLike | None = None,
    parameters: dict | None = None,
    cell_timeout: float | None = None,
    progress: bool = True,
) -> list[NotebookRun]:
    """Execute every ``notebooks/NN_*.ipynb`` in order with papermill.

    Parameters
    ----------
    profile : str or path-like
        A packaged profile name (``tiny``, ``quick``, ``paper``) or a profile file.
    project_dir, build_dir, data_dir, results_dir : path-like, optional
        Override the folders of ``BookLayout``.
    parameters : dict, optional
        Further values injected into every notebook, such as
        ``{"DASK_SCHEDULER": "local"}``.  A notebook without that name in its
        parameters cell still receives it, and ignores it.
    cell_timeout : float, optional
        Seconds one cell may run before papermill stops the notebook; no limit when
        None.
    progress : bool
        Show a tqdm bar over the notebooks.

    Returns
    -------
    list of NotebookRun

    Raises
    ------
    ValueError, FileNotFoundError
        For an invalid profile, for extra parameters that would replace PROFILE,
        DATA_DIR or RESULTS_DIR, or when there is no notebook to run.
    NotebookExecutionError
        When a notebook fails.  The chain stops there, because later chapters read the
        earlier chapters' results.  Notebooks executed before it, and the failing one up
        to its failing cell, stay in the executed folder.  Executed copies left by an
        earlier run are deleted when the run starts, so the folder never mixes two runs.
    """
    import papermill
    from tqdm.auto import tqdm

    name, injected_profile = resolve_profile(profile)
    extra = dict(parameters or {})
    reserved = sorted(set(extra) & set(PIPELINE_PARAMETERS))
    if reserved:
        raise ValueError(
            f"parameters {reserved} are set by the pipeline; choose them with the profile "
            "and the data_dir / results_dir arguments instead"
        )
    layout = BookLayout.create(
        name, project_dir=project_dir, build_dir=build_dir, data_dir=data_dir, results_dir=results_dir
    )
    notebooks = notebook_paths(layout.notebooks_dir)
    if not notebooks:
        raise FileNotFoundError(f"no notebooks matching {NOTEBOOK_PATTERN} in {layout.notebooks_dir}")

    layout.executed_dir.mkdir(parents=True, exist_ok=True)
    for notebook in notebooks:
        (layout.executed_dir / notebook.name).unlink(missing_ok=True)
    layout.data_dir.mkdir(parents=True, exist_ok=True)
    layout.results_dir.mkdir(parents=True, exist_ok=True)
    injected = {
        "PROFILE": injected_profile,
        "DATA_DIR": _path_for_kernel(layout.data_dir, layout),
        "RESULTS_DIR": _path_for_kernel(layout.results_dir, layout),
        **extra,
    }
    logger.info("running %d notebooks with profile %s into %s", len(notebooks), name, layout.executed_dir)

    # The wall time of every notebook, rewritten after each one, so that later chapters
    # (the reproduction report) and the README's timings can quote what this run measured.
    times = {
        "profile": name,
        "started": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "cpu_count": os.cpu_count(),
        "machine": platform.machine(),
        "processor": _processor_name(),
        "notebooks": {},
    }
    results_path(RUN_TIMES_NAME, layout.results_dir).unlink(missing_ok=True)
    runs = []
    bar = tqdm(notebooks, desc=f"notebooks [{name}]", unit="notebook", disable=not progress)
    with _kernel_environment(layout):
        for notebook in bar:
            bar.set_postfix_str(notebook.name)
            output = layout.executed_dir / notebook.name
            started = time.perf_counter()
            try:
                papermill.execute_notebook(
                    str(notebook),
                    str(output),
                    parameters=injected,
                    kernel_name=KERNEL_NAME,
                    language="python",
                    cwd=str(layout.notebooks_dir),
                    progress_bar=False,
                    execution_timeout=cell_timeout,
                    config=_kernel_manager_config(),
                )
            except papermill.PapermillExecutionError as error:
                logger.error("notebook %s failed at cell %s: %s: %s", notebook.name, error.exec_count, error.ename, error.evalue)
                raise NotebookExecutionError(notebook, output, error) from error
            except Exception as error:
                logger.error("notebook %s could not be executed: %s", notebook.name, error)
                raise NotebookExecutionError(notebook, output, error) from error

            seconds = time.perf_counter() - started
            logger.info("notebook %s done in %.1f s", notebook.name, seconds)
            runs.append(NotebookRun(notebook=notebook, output=output, seconds=seconds))
            times["notebooks"][notebook.name] = round(seconds, 1)
            save_results(RUN_TIMES_NAME, times, layout.results_dir)
    return runs


def stage_book_source(layout: BookLayout) -> Path:
    """Assemble the book source of a profile from the project and the executed notebooks.

    The staged notebooks are the executed copies with two changes for reading.  The
    default ``parameters`` cell is tagged ``remove-cell`` when the cell papermill
    injected after it sets every name the default cell sets, because the injected cell
    then shows all the values that ran.  A default cell with a name of its own (say
    ``DASK_SCHEDULER``) stays, folded behind a toggle (``hide-cell``).  Stored widget state is dropped, because
    rendering it would load the widget JavaScript from a CDN, and so are widget outputs,
    which cannot render without it.

    Raises
    ------
    FileNotFoundError
        If a project notebook has no executed copy.
    BookBuildError
        If an executed copy records a failed run (papermill's ``exception`` flag).
    """
    notebooks = notebook_paths(layout.notebooks_dir)
    # A failed run is the cause of any missing copies after it, so report it first.
    executed_copies = [layout.executed_dir / notebook.name for notebook in notebooks]
    failed = [path.name for path in executed_copies if path.is_file() and _run_failed(path)]
    if failed:
        raise BookBuildError(
            f"the executed copy of {', '.join(failed)} in {layout.executed_dir} stopped at an error; "
            f"fix it and rerun `python -m ising_core run --profile {layout.profile_name}`"
        )
    missing = [notebook.name for notebook in notebooks if not (layout.executed_dir / notebook.name).is_file()]
    if missing:
        raise FileNotFoundError(
            f"no executed copy of {', '.join(missing)} in {layout.executed_dir}; "
            f"run `python -m ising_core run --profile {layout.profile_name}` first"
        )

    source = layout.source_dir
    if source.exists():
        shutil.rmtree(source)
    source.mkdir(parents=True)
    for name in BOOK_FILES:
        shutil.copy2(layout.project_dir / name, source / name)
    for name in BOOK_FOLDERS:
        ignored = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__")
        shutil.copytree(layout.project_dir / name, source / name, ignore=ignored)

    # Anything beside the notebooks (images they link, small inputs) comes along too.
    shutil.copytree(layout.notebooks_dir, source / "notebooks", ignore=shutil.ignore_patterns("*.ipynb", ".ipynb_checkpoints"))
    for notebook in notebooks:
        executed = layout.executed_dir / notebook.name
        if executed.stat().st_mtime < notebook.stat().st_mtime:
            logger.warning(
                "%s changed after its executed copy was made; rerun `python -m ising_core run --profile %s`",
                notebook.name, layout.profile_name,
            )
        _write_reading_copy(executed, source / "notebooks" / notebook.name)
    return source


def build_book(
    profile: str | os.PathLike = "quick",
    *,
    project_dir: str | os.PathLike | None = None,
    build_dir: str | os.PathLike | None = None,
    warnings_as_errors: bool = False,
    keep_going: bool = False,
    fresh: bool = False,
    quiet: bool = False,
) -> Path:
    """Build the HTML book of a profile from its executed notebooks; return index.html.

    Parameters
    ----------
    profile : str or path-like
        The profile whose executed notebooks to render.
    project_dir, build_dir : path-like, optional
        Override the folders of ``BookLayout``.
    warnings_as_errors : bool
        Pass ``-W`` to ``jupyter-book build``: any Sphinx warning fails the build.
    keep_going : bool
        With ``warnings_as_errors``, report every warning before failing.
    fresh : bool
        Rebuild every page (``--all``) instead of only the changed ones.
    quiet : bool
        Pass ``-q``: hide Sphinx's progress messages but keep its warnings.

    Raises
    ------
    FileNotFoundError
        If a notebook has not been executed for this profile.
    BookBuildError
        If ``jupyter-book build`` fails.
    """
    name, _ = resolve_profile(profile)
    layout = BookLayout.create(name, project_dir=project_dir, build_dir=build_dir)
    source = stage_book_source(layout)

    command = [
        sys.executable, "-c", "from jupyter_book.cli.main import main; main()",
        "build", str(source), "--path-output", str(layout.profile_build_dir),
    ]
    if warnings_as_errors:
        command.append("-W")
    if keep_going:
        command.append("--keep-going")
    if fresh:
        command.append("--all")
    if quiet:
        command.append("-q")

    logger.info("building the %s book: %s", name, " ".join(command[3:]))
    returncode, problems = _run_and_collect_problems(command, layout.project_dir)
    index = layout.html_dir / "index.html"
    if returncode != 0:
        listed = "\n".join(problems) if problems else "(no warning or error line found; see the output above)"
        raise BookBuildError(f"jupyter-book build failed with exit code {returncode}:\n{listed}")
    if not index.is_file():
        raise BookBuildError(f"jupyter-book build finished but {index} is missing")
    return index


def open_lab(project_dir: str | os.PathLike | None = None, extra_args: list[str] | None = None) -> int:
    """Start JupyterLab on ``notebooks/`` with the pipeline's kernel and return its exit code."""
    project = find_project_dir() if project_dir is None else Path(project_dir).resolve()
    layout = BookLayout.create("lab", project_dir=project)
    command = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={layout.notebooks_dir}", *(extra_args or [])]
    environment = dict(os.environ)
    environment["JUPYTER_PATH"] = _jupyter_path_with_kernel(layout)
    process = subprocess.Popen(command, cwd=layout.notebooks_dir, env=environment)
    while True:
        try:
            return process.wait()
        except KeyboardInterrupt:
            # Ctrl-C also reaches JupyterLab, which prompts for confirmation before it
            # shuts down, so keep waiting for it.
            continue


def _run_and_collect_problems(command: list[str], cwd: Path) -> tuple[int, list[str]]:
    """Run ``command``, echo its output line by line, and return its exit code together
    with the lines that report a Sphinx warning or error.
    """
    problems = []
    with subprocess.Popen(
        command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace"
    ) as process:
        for line in process.stdout:
            sys.stdout.write(line)
            plain = _ANSI_ESCAPE.sub("", line).rstrip()
            if _PROBLEM_LINE.search(plain):
                problems.append(plain)
    return process.returncode, problems


def _processor_name() -> str:
    """Return the processor's model name from /proc/cpuinfo, or platform.processor() elsewhere."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _path_for_kernel(path: Path, layout: BookLayout) -> str:
    """Return ``path`` relative to ``notebooks/``, the kernel's working directory.

    Paths inside the project become relative, so the book shows ``../data`` rather
    than the builder's absolute path.  Paths outside it stay absolute.
    """
    if path.is_relative_to(layout.project_dir):
        return os.path.relpath(path, layout.notebooks_dir)
    return str(path)


def _write_reading_copy(executed: Path, target: Path) -> None:
    notebook = nbformat.read(executed, as_version=4)
    notebook.metadata.pop("widgets", None)

    # Without their state, widget outputs (progress bars among them) show only as a text
    # repr, and in a figure cell they would take the figure's label a second time.
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = [output for output in cell.get("outputs", []) if WIDGET_MIME not in output.get("data", {})]

    defaults = [cell for cell in notebook.cells if "parameters" in cell.metadata.get("tags", [])]
    injected = [cell for cell in notebook.cells if "injected-parameters" in cell.metadata.get("tags", [])]
    if len(defaults) == 1 and len(injected) == 1:
        default_names = _assigned_names(defaults[0].source)
        injected_names = _assigned_names(injected[0].source)
        tags = defaults[0].metadata.get("tags", [])
        if default_names is not None and injected_names is not None and default_names <= injected_names:
            if "remove-cell" not in tags:
                defaults[0].metadata["tags"] = [*tags, "remove-cell"]
        elif "hide-cell" not in tags:
            # Its own names must stay readable, but folded, so the page does not open
            # with two parameter cells.
            defaults[0].metadata["tags"] = [*tags, "hide-cell"]

    nbformat.write(notebook, target)
    shutil.copystat(executed, target)


def _run_failed(executed: Path) -> bool:
    notebook = nbformat.read(executed, as_version=4)
    return bool(notebook.metadata.get("papermill", {}).get("exception"))


def _assigned_names(source: str) -> set[str] | None:
    """Return the names a cell assigns at top level, or None if it is not valid Python."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    names = set()
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        names.update(target.id for target in targets if isinstance(target, ast.Name))
    return names


def _kernel_manager_config():
    """Return the traitlets config that encrypts the kernel's TCP channels where possible.

    Without it, ipykernel 7 warns on every start that its channels are unencrypted.
    ``"auto"`` needs a pyzmq built with CurveZMQ, so without one the default stays.
    """
    import zmq
    from traitlets.config import Config

    if not zmq.has("curve"):
        return Config()
    return Config({"KernelManager": {"transport_encryption": "auto"}})


def _write_kernelspec(layout: BookLayout) -> None:
    """Write a ``python3`` kernelspec that runs this interpreter into the build folder.

    Placed first on ``JUPYTER_PATH``, it takes precedence over a user-wide ``python3``
    kernel that might run another Python without ``ising_core``.
    """
    folder = layout.kernel_dir / "kernels" / KERNEL_NAME
    folder.mkdir(parents=True, exist_ok=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (ising_core)",
        "language": "python",
        # The same metadata as ipykernel's own spec: with "curve" listed, jupyter_client
        # provisions CurveZMQ keys and the kernel does not warn about plain-text TCP.
        "metadata": {"debugger": True, "supported_encryption": ["curve"]},
    }
    (folder / "kernel.json").write_text(json.dumps(spec, indent=1) + "\n", encoding="utf-8")


def _jupyter_path_with_kernel(layout: BookLayout) -> str:
    _write_kernelspec(layout)
    existing = os.environ.get("JUPYTER_PATH")
    return os.pathsep.join([str(layout.kernel_dir), existing] if existing else [str(layout.kernel_dir)])


@contextlib.contextmanager
def _kernel_environment(layout: BookLayout):
    """Set the kernel's environment for the duration of a run, then restore it."""
    updates = {"JUPYTER_PATH": _jupyter_path_with_kernel(layout)}
    updates.update({key: value for key, value in KERNEL_ENVIRONMENT.items() if key not in os.environ})
    previous = {key: os.environ.get(key) for key in updates}
    os.environ.update(updates)
    try:
        yield
    finally:
        for key, value in previous.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
