"""Command line: ``python -m ising_core {run,book,lab,profiles}``.

Examples::

    python -m ising_core run --profile quick       # execute notebooks/NN_*.ipynb
    python -m ising_core book --profile quick -W   # build the book, warnings as errors
    python -m ising_core lab                       # JupyterLab on notebooks/
    python -m ising_core profiles                  # list the packaged profiles
"""

from __future__ import annotations

import argparse
import logging
import sys

import yaml
from tqdm.contrib.logging import logging_redirect_tqdm

from ising_core import pipeline
from ising_core.profiles import DEFAULT_PROFILE, PROFILE_NAMES, load_profile, summarize_profile

logger = logging.getLogger("ising_core")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m ising_core",
        description="Run the notebook chain of the site-diluted Ising book and build the book.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    profile_help = (
        f"profile name ({', '.join(PROFILE_NAMES)}) or path of a YAML profile file "
        f"(default: {DEFAULT_PROFILE})"
    )

    run = commands.add_parser("run", help="execute notebooks/NN_*.ipynb in order with papermill")
    run.add_argument("--profile", default=DEFAULT_PROFILE, help=profile_help)
    run.add_argument("--build-dir", help="folder for executed notebooks and the book (default: <project>/_build)")
    run.add_argument("--data-dir", help="Monte Carlo data store (default: <project>/data)")
    run.add_argument("--results-dir", help="folder for the chapters' JSON results (default: <project>/results/<profile>)")
    run.add_argument(
        "-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
        help="inject NAME = VALUE into every notebook; VALUE is read as YAML, so 2, 0.5, null "
        "and text all work (e.g. -p DASK_SCHEDULER local)",
    )
    run.add_argument("--cell-timeout", type=float, help="seconds one cell may run before the run stops (default: no limit)")
    run.add_argument("--book", action="store_true", help="build the book after the notebooks ran")
    _add_book_options(run)

    book = commands.add_parser("book", help="build the HTML book from the executed notebooks of a profile")
    book.add_argument("--profile", default=DEFAULT_PROFILE, help=profile_help)
    book.add_argument("--build-dir", help="folder of executed notebooks and the book (default: <project>/_build)")
    _add_book_options(book)

    commands.add_parser(
        "lab",
        help="open JupyterLab on notebooks/; other arguments go to JupyterLab (e.g. --no-browser --port 8889)",
    )

    commands.add_parser("profiles", help="list the packaged profiles")
    return parser


def _add_book_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-W", "--warningiserror", action="store_true", help="treat Sphinx warnings as errors")
    parser.add_argument("--keep-going", action="store_true", help="with -W, report all warnings before failing")
    parser.add_argument("--all", dest="fresh", action="store_true", help="rebuild every page, not only changed ones")


def _parse_parameters(pairs: list[list[str]]) -> dict:
    """Turn ``-p NAME VALUE`` pairs into a dict, reading each value as YAML."""
    parameters = {}
    for name, value in pairs:
        if not name.isidentifier():
            raise ValueError(f"invalid parameter name {name!r}: expected a Python identifier")
        try:
            parameters[name] = yaml.safe_load(value)
        except yaml.YAMLError as error:
            raise ValueError(f"invalid value {value!r} for parameter {name}: {error}") from None
    return parameters


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    arguments, unknown = parser.parse_known_args(argv)
    if arguments.command == "lab":
        arguments.lab_args = unknown
    elif unknown:
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    # papermill logs every input and output path at INFO.  The pipeline already logs
    # which notebook runs, so keep only papermill's warnings and errors.
    logging.getLogger("papermill").setLevel(logging.WARNING)

    with logging_redirect_tqdm():
        return _run_command(arguments)


def _run_command(arguments: argparse.Namespace) -> int:
    try:
        if arguments.command == "profiles":
            for name in PROFILE_NAMES:
                print(summarize_profile(load_profile(name)))
            return 0
        if arguments.command == "lab":
            return pipeline.open_lab(extra_args=arguments.lab_args)
        if arguments.command == "run":
            runs = pipeline.run_notebooks(
                arguments.profile,
                build_dir=arguments.build_dir,
                data_dir=arguments.data_dir,
                results_dir=arguments.results_dir,
                parameters=_parse_parameters(arguments.parameter),
                cell_timeout=arguments.cell_timeout,
            )
            total = sum(run.seconds for run in runs)
            print(f"executed {len(runs)} notebooks in {total:.0f} s into {runs[-1].output.parent}")
            if not arguments.book:
                return 0
        index = pipeline.build_book(
            arguments.profile,
            build_dir=arguments.build_dir,
            warnings_as_errors=arguments.warningiserror,
            keep_going=arguments.keep_going,
            fresh=arguments.fresh,
        )
    except (ValueError, FileNotFoundError) as error:
        logger.error("%s", error)
        return 2
    except (pipeline.NotebookExecutionError, pipeline.BookBuildError) as error:
        logger.error("%s", error)
        return 1

    print(f"book: {index}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
