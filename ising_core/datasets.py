"""The Monte Carlo data set of a run profile: its grid parameters and its store on disk."""

from __future__ import annotations

from pathlib import Path

from .grid import run_grid
from .profiles import load_profile, temperature_grid
from .store import GridParameters


def monte_carlo_parameters(profile, *, densities=None, size=None):
    """GridParameters of a profile's Monte Carlo grid.

    Parameters
    ----------
    profile : dict or str
        A loaded profile or a profile name.
    densities, size : optional
        Override the profile's densities or lattice size (for example to sample only the
        pure model, or another L for finite-size scaling).
    """
    if not isinstance(profile, dict):
        profile = load_profile(profile)
    return GridParameters(
        size=profile["size"] if size is None else size,
        temperatures=tuple(temperature_grid(profile)),
        densities=tuple(profile["densities"] if densities is None else densities),
        samples=profile["samples"],
        realizations=profile["realizations"],
        seed=profile["seed"],
        thermalization=profile["thermalization"],
        spacing=profile["spacing"],
    )


def monte_carlo_store(profile, data_dir, *, client=None, progress=True, densities=None, size=None):
    """Sample (or reuse) a profile's Monte Carlo grid under ``data_dir`` and return its store.

    A second call with the same parameters finds the complete store and samples nothing;
    an interrupted call resumes where it stopped.
    """
    parameters = monte_carlo_parameters(profile, densities=densities, size=size)
    return run_grid(parameters, Path(data_dir), client=client, progress=progress)
