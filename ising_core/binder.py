"""Transition temperatures of the diluted model from crossings of Binder cumulants.

The Binder cumulant ``U = 1 - <m^4> / (3 <m^2>^2)`` (K. Binder, Z. Phys. B 43, 119
(1981)) tends to 2/3 in the ordered phase and to 0 in the disordered one, and at the
critical point it takes a value that does not depend on the lattice size.  The curves
``U_L(T)`` of two sizes therefore cross near ``T_c``: below it the larger lattice is
more ordered (larger ``U``), above it less.  The crossing of every pair of sizes is an
estimate of ``T_c`` whose finite-size drift is small compared with that of a single
lattice's pseudo-critical point.

Every curve is a disorder average: ``thermal_averages`` computes ``U`` within each
realization (occupation mask) and averages over realizations, with the standard error
of that mean.  One set of masks serves every temperature of a lattice size, so the
disorder shifts a whole curve up or down at once and the errors of neighbouring points
are correlated.  The crossing errors therefore come from a bootstrap over realizations:
each resample draws the realizations of every size with replacement, and the same draw
serves all temperatures.

The temperature window of the scan is centred on where the cumulant of a reference
lattice (the book's main Monte Carlo grid) falls through a level close to the critical
value, so no prior guess of ``T_c(rho)`` is needed.
"""

from __future__ import annotations

import itertools
import logging
import numbers
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .analysis import NoCrossingError, crossing_temperature
from .grid import run_grid
from .store import GridParameters
from .thermodynamics import binder_cumulant, thermal_averages

logger = logging.getLogger(__name__)

LOCATING_LEVEL = 0.6
"""Cumulant level that locates the transition on the reference lattice.

Slightly below the critical value of the pure model on the square torus (about 0.61),
and below the low-temperature plateau of every density that orders on ``L = 40``.
"""


@dataclass(frozen=True)
class BinderCurve:
    """Disorder-averaged Binder cumulant of one lattice size and density.

    Attributes
    ----------
    size : int
        Linear lattice size ``L``.
    density : float
        Spin density ``rho``.
    temperatures : numpy.ndarray
        Increasing temperatures T/J.
    binder, binder_error : numpy.ndarray
        Cumulant averaged over realizations and its standard error (from blocks of
        each chain for the pure model, see :mod:`ising_core.thermodynamics`).
    realization_binder : numpy.ndarray or None
        ``(n_temperatures, realizations)``: the cumulant of each realization (of each
        chain for the pure model), which the bootstrap of :func:`binder_crossing`
        resamples.  None when only the averages are known.
    """

    size: int
    density: float
    temperatures: np.ndarray
    binder: np.ndarray
    binder_error: np.ndarray
    realization_binder: np.ndarray | None = None

    @classmethod
    def from_samples(cls, samples):
        """Binder curve of a MonteCarloSamples set, from :func:`thermal_averages`."""
        averages = thermal_averages(samples)
        return cls(
            size=int(samples.size),
            density=float(samples.density),
            temperatures=np.asarray(averages.temperatures, dtype=np.float64),
            binder=np.asarray(averages.binder, dtype=np.float64),
            binder_error=np.asarray(averages.binder_error, dtype=np.float64),
            realization_binder=realization_cumulants(samples),
        )

    def as_dict(self):
        """Plain-JSON form for the results files."""
        return {"size": self.size, "density": self.density, "temperatures": self.temperatures,
                "binder": self.binder, "binder_error": self.binder_error}


@dataclass(frozen=True)
class BinderCrossing:
    """Transition temperature of one density from the crossings of its Binder curves.

    Attributes
    ----------
    density : float
        Spin density ``rho``.
    value : float or None
        Mean of the crossings in ``combined``, weighted by their inverse squared
        bootstrap errors; None when no pair of curves crosses inside the window.
    error : float or None
        Standard deviation of that weighted mean over the bootstrap resamples, which
        accounts for the pairs sharing curves; NaN with fewer than two usable resamples.
    pairs : dict
        ``{(L_small, L_large): (crossing, bootstrap error) or None}`` for every pair of
        sizes.
    combined : tuple
        The pairs that enter ``value``: those with the largest size that cross, or every
        crossing pair when none with the largest size does.  Pairs of two small lattices
        carry the largest corrections to scaling, so they are left out when possible.
    resamples_used, failed_resamples : int
        Resamples in which every pair that crosses in the data crossed again, and those
        in which at least one did not.
    """

    density: float
    value: float | None
    error: float | None
    pairs: dict = field(default_factory=dict)
    combined: tuple = ()
    resamples_used: int = 0
    failed_resamples: int = 0

    @property
    def found(self):
        """True when at least one pair of curves crosses."""
        return self.value is not None

    def as_dict(self):
        """Plain-JSON form for the results files (pair keys become ``"16-24"``)."""
        return {
            "density": self.density,
            "value": self.value,
            "error": self.error,
            "found": self.found,
            "pairs": {
                f"{small}-{large}": None if crossing is None else {"value": crossing[0], "error": crossing[1]}
                for (small, large), crossing in self.pairs.items()
            },
            "combined": [f"{small}-{large}" for small, large in self.combined],
            "resamples_used": self.resamples_used,
            "failed_resamples": self.failed_resamples,
        }


def realization_cumulants(samples):
    """Binder cumulant of every realization at every temperature, ``(n_temperatures, realizations)``."""
    realization = np.asarray(samples.realization)
    count = int(realization.max()) + 1
    cumulants = np.empty((samples.magnetization.shape[0], count))
    for t in range(cumulants.shape[0]):
        for r in range(count):
            cumulants[t, r] = binder_cumulant(samples.magnetization[t, realization[t] == r])
    return cumulants


def locate_window(temperatures, binder, *, level=LOCATING_LEVEL, half_width=0.15, points=9):
    """Temperatures around the point where a reference cumulant falls through ``level``.

    Parameters
    ----------
    temperatures, binder : array_like
        A reference curve ``U(T)`` on an increasing grid (for example the ``L = 40``
        lattice of the main Monte Carlo grid).
    level : float
        Cumulant level that marks the transition.
    half_width : float
        Half-width of the window relative to its centre ``T_0``: the window is
        ``T_0 (1 - half_width) ... T_0 (1 + half_width)``.
    points : int
        Number of evenly spaced temperatures, at least 3.

    Returns
    -------
    numpy.ndarray or None
        The window rounded to 1e-4, or None when the reference curve never rises above
        ``level`` (no ordered range on that lattice) or is still above it at the top of
        the grid.
    """
    if not 0.0 < half_width < 1.0:
        raise ValueError(f"half_width must lie in (0, 1) so that the window stays at T > 0, got {half_width!r}")
    if isinstance(points, bool) or not isinstance(points, numbers.Integral) or points < 3:
        raise ValueError(f"points must be an integer >= 3, got {points!r}")
    try:
        centre = crossing_temperature(np.asarray(temperatures, dtype=np.float64), np.asarray(binder, dtype=np.float64),
                                      level=level, quantity="Binder cumulant")
    except NoCrossingError as error:
        logger.info("no transition window: %s", error)
        return None
    return np.round(np.linspace(centre * (1.0 - half_width), centre * (1.0 + half_width), points), 4)


def sample_binder_curves(data_dir, sizes, density, temperatures, *, samples, realizations, seed,
                         thermalization, spacing, client=None, progress=False):
    """Sample (or reuse) one density on several lattice sizes and return their Binder curves.

    Each size is a Monte Carlo grid of its own in the data store below ``data_dir``
    (keyed by its parameters, so a second call samples nothing).

    Parameters
    ----------
    data_dir : path-like
        Folder of the Monte Carlo data stores.
    sizes : sequence of int
        Even lattice sizes.
    density : float
        Spin density.
    temperatures : array_like
        Temperatures T/J of the scan.
    samples, realizations, seed, thermalization, spacing
        As for :func:`ising_core.sampler.sample`.
    client : optional
        Dask client or scheduler address for :func:`ising_core.grid.run_grid`.
    progress : bool
        Show tqdm bars.

    Returns
    -------
    dict
        ``{L: BinderCurve}`` in increasing ``L``.
    """
    curves = {}
    for size in sorted(int(size) for size in sizes):
        parameters = GridParameters(
            size=size, temperatures=tuple(np.asarray(temperatures, dtype=np.float64)), densities=(density,),
            samples=samples, realizations=realizations, seed=seed, thermalization=thermalization, spacing=spacing,
        )
        store = run_grid(parameters, Path(data_dir), client=client, progress=progress)
        curves[size] = BinderCurve.from_samples(store.load(density))
    return curves


def pair_crossing(temperatures, smaller, larger, errors=None):
    """Temperature where the cumulant of the larger lattice falls below that of the smaller one.

    The difference ``D = larger - smaller`` is positive in the ordered phase and negative
    in the disordered one.  Its last downward crossing of zero is bracketed on the grid
    (:func:`ising_core.analysis.crossing_temperature`) and then refined with a quadratic
    fitted to the four grid points around it.  ``D`` bends down above ``T_c``, because
    the larger lattice disorders faster, so a straight line between two grid points
    would put the root too low.  The linear root is kept when the quadratic has no root
    between the two bracketing grid points.

    Parameters
    ----------
    temperatures : array_like
        Increasing temperatures T/J.
    smaller, larger : array_like
        Cumulants of the smaller and the larger lattice on that grid.
    errors : array_like, optional
        Standard errors of ``D`` used as fit weights; unweighted when None or not all
        positive and finite.

    Raises
    ------
    NoCrossingError
        When ``D`` never becomes positive, or is still positive at the highest
        temperature.
    """
    temperatures = np.asarray(temperatures, dtype=np.float64)
    difference = np.asarray(larger, dtype=np.float64) - np.asarray(smaller, dtype=np.float64)
    linear = crossing_temperature(temperatures, difference, level=0.0, quantity="U(larger L) - U(smaller L)")

    # The bracket [j, j + 1] of the crossing, widened by one point on each side.
    j = int(np.flatnonzero(difference > 0.0)[-1])
    first = max(0, j - 1)
    last = min(temperatures.size, j + 3)
    if last - first < 4:
        return linear
    weights = None
    if errors is not None:
        sigma = np.asarray(errors, dtype=np.float64)[first:last]
        if np.all(np.isfinite(sigma) & (sigma > 0)):
            weights = 1.0 / sigma
    centre = temperatures[j]
    coefficients = np.polyfit(temperatures[first:last] - centre, difference[first:last], 2, w=weights)
    roots = np.roots(coefficients)
    low, high = temperatures[j] - centre, temperatures[j + 1] - centre
    inside = [root.real for root in roots if abs(root.imag) < 1e-12 and low <= root.real <= high]
    if len(inside) != 1:
        return linear
    return float(centre + inside[0])


def binder_crossing(curves, *, resamples=200, seed=0):
    """Crossing temperature of every pair of Binder curves, combined over the pairs with the largest size.

    Parameters
    ----------
    curves : mapping of int to BinderCurve
        Curves of one density on a common temperature grid, keyed by size (at least two).
    resamples : int
        Bootstrap resamples (at least 2).
    seed : int
        Seed of the bootstrap's ``numpy.random.default_rng``.

    Returns
    -------
    BinderCrossing
        ``value`` is None when no pair crosses inside the grid.  Bootstrap resamples in
        which a pair that crosses in the data loses its crossing are counted in
        ``failed_resamples`` and left out of the errors.

    Notes
    -----
    When every curve has ``realization_binder`` with at least two realizations, a
    resample draws the realizations of each size with replacement, one draw for all
    temperatures.  Otherwise every point is redrawn independently from a normal
    distribution with its standard error, which ignores the correlation between
    temperatures that shared masks cause.

    NOTE: for rho = 0.9 with sizes 12, 16, 24, 16 realizations and 800 configurations
    per point, the spread of the pair crossings over 20 independent data sets was 1.2
    to 1.3 times the mean bootstrap error, so these errors may be somewhat small.
    """
    sizes, temperatures, binder, errors, density = _stack_curves(curves)
    ordered = [curves[size] for size in sorted(curves)]
    by_realization = all(
        curve.realization_binder is not None and curve.realization_binder.shape[1] >= 2
        and np.all(np.isfinite(curve.realization_binder)) for curve in ordered
    )
    if isinstance(resamples, bool) or not isinstance(resamples, numbers.Integral) or resamples < 2:
        raise ValueError(f"resamples must be an integer >= 2, got {resamples!r}")

    pairs = list(itertools.combinations(range(sizes.size), 2))
    central = _pair_crossings(temperatures, binder, pairs, errors)
    crossing = [k for k, value in enumerate(central) if value is not None]
    if not crossing:
        logger.info("rho=%g: no pair of Binder curves crosses between T=%g and %g", density,
                    temperatures[0], temperatures[-1])
        return BinderCrossing(density, None, None, {(int(sizes[i]), int(sizes[j])): None for i, j in pairs})

    rng = np.random.default_rng(seed)
    replicas = []
    failed = 0
    if not by_realization and not np.all(np.isfinite(errors)):
        # A curve without error bars (a single realization or chain) cannot be redrawn.
        logger.warning("rho=%g: some Binder errors are undefined; the crossing gets no error", density)
        resamples = 0
    for _ in range(resamples):
        if by_realization:
            redrawn = np.stack([_resampled_mean(curve.realization_binder, rng) for curve in ordered])
        else:
            redrawn = binder + errors * rng.standard_normal(binder.shape)
        values = _pair_crossings(temperatures, redrawn, [pairs[k] for k in crossing], errors)
        if any(value is None for value in values):
            failed += 1
            continue
        replicas.append(values)
    if failed:
        logger.warning("rho=%g: %d of %d bootstrap resamples lost a crossing; the errors use the other %d",
                       density, failed, resamples, len(replicas))

    replicas = np.array(replicas, dtype=np.float64).reshape(-1, len(crossing))
    pair_errors = replicas.std(axis=0, ddof=1) if len(replicas) >= 2 else np.full(len(crossing), np.nan)
    values = np.array([central[k] for k in crossing])
    largest = sizes.size - 1
    use = np.array([pairs[k][1] == largest for k in crossing])
    if not use.any():
        use[:] = True
    weights = np.zeros(len(crossing))
    weights[use] = _weights(pair_errors[use])
    value = float(weights @ values)
    error = float((replicas @ weights).std(ddof=1)) if len(replicas) >= 2 else float("nan")

    pair_results = {(int(sizes[i]), int(sizes[j])): None for i, j in pairs}
    combined = []
    for position, k in enumerate(crossing):
        i, j = pairs[k]
        pair_results[(int(sizes[i]), int(sizes[j]))] = (float(values[position]), float(pair_errors[position]))
        if use[position]:
            combined.append((int(sizes[i]), int(sizes[j])))
    return BinderCrossing(density, value, error, pair_results, tuple(combined), len(replicas), failed)


def _resampled_mean(per_realization, rng):
    """Mean over realizations drawn with replacement, one draw for every temperature."""
    count = per_realization.shape[1]
    return per_realization[:, rng.integers(0, count, size=count)].mean(axis=1)


def _weights(errors):
    """Normalized inverse-variance weights; equal weights unless every error is positive and finite."""
    errors = np.asarray(errors, dtype=np.float64)
    if errors.size and np.all(np.isfinite(errors) & (errors > 0)):
        weights = errors**-2.0
    else:
        weights = np.ones(errors.size)
    return weights / weights.sum()


def _pair_crossings(temperatures, binder, pairs, errors=None):
    values = []
    for i, j in pairs:
        pair_errors = None if errors is None else np.hypot(errors[i], errors[j])
        try:
            values.append(pair_crossing(temperatures, binder[i], binder[j], pair_errors))
        except NoCrossingError:
            values.append(None)
    return values


def _stack_curves(curves):
    if len(curves) < 2:
        raise ValueError(f"a crossing needs curves of at least two sizes, got {len(curves)}")
    ordered = [curves[size] for size in sorted(curves)]
    temperatures = ordered[0].temperatures
    for curve in ordered[1:]:
        if curve.temperatures.shape != temperatures.shape or not np.allclose(curve.temperatures, temperatures):
            raise ValueError(
                f"Binder curves must share one temperature grid: L={ordered[0].size} and L={curve.size} differ"
            )
    densities = {round(curve.density, 6) for curve in ordered}
    if len(densities) != 1:
        raise ValueError(f"Binder curves must all have one density, got {sorted(densities)}")
    sizes = np.array([curve.size for curve in ordered])
    binder = np.stack([curve.binder for curve in ordered])
    errors = np.stack([curve.binder_error for curve in ordered])
    return sizes, temperatures, binder, errors, ordered[0].density
