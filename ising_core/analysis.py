"""Transition temperatures from network outputs, with bootstrap errors.

Two estimators are used:

* the "maximum confusion" temperature of the dense classifier, where the
  mean ferromagnetic probability p[F](T) falls through 0.5
  (``crossing_temperature`` and ``bootstrap_crossing``);
* the temperature at which the autoencoder's reconstruction error varies
  most between configurations (``maximum_sd_temperature`` and
  ``bootstrap_maximum_sd``).

Both take per-configuration values on a temperature grid, an array of shape
(n_temperatures, samples). Their bootstrap errors resample the
configurations with replacement independently at each temperature, because
the Monte Carlo samples at different temperatures are independent runs.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from numbers import Integral

import numpy as np

logger = logging.getLogger(__name__)


class NoCrossingError(ValueError):
    """Raised when a curve does not fall through the level inside the grid."""


@dataclass(frozen=True)
class CrossingEstimate:
    """Crossing temperature with its bootstrap standard error.

    Attributes
    ----------
    value : float
        Crossing temperature of the mean over all configurations.
    error : float
        Standard deviation of the crossing over the bootstrap resamples that
        crossed; NaN when fewer than two did.
    resamples_used : int
        Resamples that crossed the level and enter ``error``.
    failed_resamples : int
        Resamples whose mean curve did not cross the level inside the grid.
    """

    value: float
    error: float
    resamples_used: int
    failed_resamples: int


@dataclass(frozen=True)
class PeakEstimate:
    """Temperature of maximum standard deviation with its bootstrap error.

    Attributes
    ----------
    value : float
        Peak temperature of the standard deviation over all configurations.
    error : float
        Standard deviation of the peak temperature over the bootstrap
        resamples.
    resamples_used : int
        Number of bootstrap resamples.
    """

    value: float
    error: float
    resamples_used: int


def mean_probabilities(probabilities: np.ndarray) -> np.ndarray:
    """Average class probabilities over the configurations at each temperature.

    Parameters
    ----------
    probabilities : numpy.ndarray
        Array of shape (n_temperatures, samples, num_classes).

    Returns
    -------
    numpy.ndarray
        float64 array of shape (n_temperatures, num_classes).
    """
    probabilities = np.asarray(probabilities, dtype=np.float64)
    if probabilities.ndim != 3:
        raise ValueError(
            f"probabilities must have shape (n_temperatures, samples, num_classes), "
            f"got shape {probabilities.shape}"
        )
    if probabilities.shape[1] == 0:
        raise ValueError("probabilities has no samples (axis 1 is empty); nothing to average")
    return probabilities.mean(axis=1)


def crossing_temperature(
    temperatures: np.ndarray,
    values: np.ndarray,
    level: float = 0.5,
    quantity: str = "p",
) -> float:
    """Find where a curve that decreases with temperature falls through a level.

    The crossing is the last one on the grid: let j be the highest grid
    index with ``values[j] > level``. The curve is then at or below the
    level at every higher temperature, and the crossing is interpolated
    linearly between ``temperatures[j]`` and ``temperatures[j + 1]``. Noise
    that dips below the level at lower temperatures and comes back above it
    is ignored. A curve that starts below the level and rises above it (for
    example p[F] of a diluted lattice at low T) still gives the temperature
    where it finally falls.

    Parameters
    ----------
    temperatures : numpy.ndarray
        Strictly increasing grid of shape (n_temperatures,), in units of J.
    values : numpy.ndarray
        Curve on the grid, shape (n_temperatures,), for example the mean
        p[F] of the classifier.
    level : float
        Level to cross, 0.5 for the maximum confusion criterion.
    quantity : str
        Name of the curve used in error messages.

    Returns
    -------
    float
        Crossing temperature.

    Raises
    ------
    NoCrossingError
        If the curve never exceeds the level (no ordered range), or if it is
        still above the level at the highest temperature of the grid.
    """
    temperatures, values = _validate_curve(temperatures, values)

    above = np.flatnonzero(values > level)
    if above.size == 0:
        raise NoCrossingError(
            f"{quantity} never exceeds {level:g} between T={temperatures[0]:g} and "
            f"T={temperatures[-1]:g}: no ordered range"
        )
    last_above = int(above[-1])
    if last_above == len(values) - 1:
        raise NoCrossingError(
            f"{quantity} is still above {level:g} at the highest temperature "
            f"T={temperatures[-1]:g}: the crossing lies beyond the grid; extend the "
            f"grid to higher T"
        )

    t_low, t_high = temperatures[last_above], temperatures[last_above + 1]
    v_low, v_high = values[last_above], values[last_above + 1]
    # v_low > level >= v_high, so the denominator is negative, never zero.
    return float(t_low + (level - v_low) * (t_high - t_low) / (v_high - v_low))


def bootstrap_crossing(
    temperatures: np.ndarray,
    per_config_values: np.ndarray,
    level: float = 0.5,
    resamples: int = 200,
    seed: int = 0,
    quantity: str = "p",
) -> CrossingEstimate:
    """Estimate the crossing temperature and its bootstrap standard error.

    Parameters
    ----------
    temperatures : numpy.ndarray
        Strictly increasing grid of shape (n_temperatures,).
    per_config_values : numpy.ndarray
        Values of each configuration, shape (n_temperatures, samples), for
        example p[F] of every Monte Carlo configuration.
    level : float
        Level to cross.
    resamples : int
        Bootstrap resamples, at least 2.
    seed : int
        Seed of ``numpy.random.default_rng`` for the resampling.
    quantity : str
        Name of the curve used in error messages.

    Returns
    -------
    CrossingEstimate
        The crossing of the mean curve and the standard deviation of the
        crossings of the resampled mean curves. Resamples that do not cross
        are counted in ``failed_resamples`` and left out of the error; a
        warning is logged when there are any.

    Raises
    ------
    NoCrossingError
        If the mean over all configurations does not cross the level.
    """
    per_config_values = _validate_per_config(temperatures, per_config_values)
    _validate_resamples(resamples)
    temperatures = np.asarray(temperatures, dtype=np.float64)

    value = crossing_temperature(
        temperatures, per_config_values.mean(axis=1), level=level, quantity=quantity
    )

    rng = np.random.default_rng(seed)
    crossings = []
    failed = 0
    for resampled in _resampled_means(per_config_values, resamples, rng):
        try:
            crossings.append(
                crossing_temperature(temperatures, resampled, level=level, quantity=quantity)
            )
        except NoCrossingError:
            failed += 1

    if failed:
        logger.warning(
            "%d of %d bootstrap resamples of %s did not cross %g; the error uses the other %d",
            failed,
            resamples,
            quantity,
            level,
            len(crossings),
        )
    error = float(np.std(crossings, ddof=1)) if len(crossings) >= 2 else float("nan")
    return CrossingEstimate(
        value=value, error=error, resamples_used=len(crossings), failed_resamples=failed
    )


def maximum_sd_temperature(
    temperatures: np.ndarray,
    per_config_values: np.ndarray,
    refine: bool = False,
) -> float:
    """Find the temperature at which the values spread most between configurations.

    The spread is the sample standard deviation (ddof=1) over the
    configurations at each temperature. Ties go to the lowest temperature.

    Parameters
    ----------
    temperatures : numpy.ndarray
        Strictly increasing grid of shape (n_temperatures,).
    per_config_values : numpy.ndarray
        Values of each configuration, shape (n_temperatures, samples) with
        at least 2 samples, for example the autoencoder's reconstruction
        error.
    refine : bool
        If False, return the grid temperature of the maximum, so the
        resolution is the grid spacing. If True, fit a parabola through the
        maximum and its two neighbours and return its vertex. A maximum at
        either end of the grid is never refined.

    Returns
    -------
    float
        Temperature of maximum standard deviation.
    """
    per_config_values = _validate_per_config(temperatures, per_config_values)
    if per_config_values.shape[1] < 2:
        raise ValueError(
            f"the standard deviation needs at least 2 samples per temperature, got "
            f"{per_config_values.shape[1]}"
        )
    temperatures = np.asarray(temperatures, dtype=np.float64)
    return _peak_temperature(temperatures, per_config_values.std(axis=1, ddof=1), refine)


def bootstrap_maximum_sd(
    temperatures: np.ndarray,
    per_config_values: np.ndarray,
    resamples: int = 200,
    seed: int = 0,
    refine: bool = False,
) -> PeakEstimate:
    """Estimate the temperature of maximum SD and its bootstrap standard error.

    Parameters
    ----------
    temperatures, per_config_values, refine : see ``maximum_sd_temperature``.
    resamples : int
        Bootstrap resamples, at least 2.
    seed : int
        Seed of ``numpy.random.default_rng`` for the resampling.

    Returns
    -------
    PeakEstimate
        The peak temperature of all configurations and the standard
        deviation of the peak temperatures of the resamples. Without
        ``refine`` the resampled peaks lie on the grid, so an error of 0
        means that every resample peaked at the same grid point.
    """
    value = maximum_sd_temperature(temperatures, per_config_values, refine=refine)
    per_config_values = np.asarray(per_config_values, dtype=np.float64)
    temperatures = np.asarray(temperatures, dtype=np.float64)
    _validate_resamples(resamples)

    rng = np.random.default_rng(seed)
    peaks = [
        _peak_temperature(temperatures, resampled_sd, refine)
        for resampled_sd in _resampled_sds(per_config_values, resamples, rng)
    ]
    return PeakEstimate(
        value=value, error=float(np.std(peaks, ddof=1)), resamples_used=resamples
    )


def _peak_temperature(temperatures: np.ndarray, curve: np.ndarray, refine: bool) -> float:
    peak = int(np.argmax(curve))
    if not refine or peak == 0 or peak == len(curve) - 1:
        return float(temperatures[peak])

    # Vertex of the parabola through three points on a possibly uneven grid.
    t0, t1, t2 = temperatures[peak - 1 : peak + 2]
    y0, y1, y2 = curve[peak - 1 : peak + 2]
    numerator = (t1 - t0) ** 2 * (y1 - y2) - (t1 - t2) ** 2 * (y1 - y0)
    denominator = (t1 - t0) * (y1 - y2) - (t1 - t2) * (y1 - y0)
    if denominator == 0:
        return float(t1)
    return float(t1 - 0.5 * numerator / denominator)


def _resampled_indices(shape: tuple[int, int], resamples: int, rng: np.random.Generator):
    n_temperatures, samples = shape
    rows = np.arange(n_temperatures)[:, np.newaxis]
    for _ in range(resamples):
        yield rows, rng.integers(0, samples, size=(n_temperatures, samples))


def _resampled_means(values: np.ndarray, resamples: int, rng: np.random.Generator):
    for rows, columns in _resampled_indices(values.shape, resamples, rng):
        yield values[rows, columns].mean(axis=1)


def _resampled_sds(values: np.ndarray, resamples: int, rng: np.random.Generator):
    for rows, columns in _resampled_indices(values.shape, resamples, rng):
        yield values[rows, columns].std(axis=1, ddof=1)


def _validate_curve(temperatures: np.ndarray, values: np.ndarray):
    temperatures = _validate_temperatures(temperatures)
    values = np.asarray(values, dtype=np.float64)
    if values.shape != temperatures.shape:
        raise ValueError(
            f"values must have one entry per temperature, shape {temperatures.shape}, "
            f"got shape {values.shape}"
        )
    if not np.all(np.isfinite(values)):
        raise ValueError(
            f"values contain NaN or infinity at T={temperatures[~np.isfinite(values)]}; "
            f"remove those temperatures or fix the values"
        )
    return temperatures, values


def _validate_per_config(temperatures: np.ndarray, per_config_values: np.ndarray) -> np.ndarray:
    temperatures = _validate_temperatures(temperatures)
    per_config_values = np.asarray(per_config_values, dtype=np.float64)
    if per_config_values.ndim != 2 or per_config_values.shape[0] != temperatures.shape[0]:
        raise ValueError(
            f"per_config_values must have shape (n_temperatures, samples) = "
            f"({temperatures.shape[0]}, samples), got shape {per_config_values.shape}"
        )
    if per_config_values.shape[1] == 0:
        raise ValueError("per_config_values has no samples (axis 1 is empty)")
    if not np.all(np.isfinite(per_config_values)):
        raise ValueError("per_config_values contain NaN or infinity; remove or fix them")
    return per_config_values


def _validate_temperatures(temperatures: np.ndarray) -> np.ndarray:
    temperatures = np.asarray(temperatures, dtype=np.float64)
    if temperatures.ndim != 1 or temperatures.size < 2:
        raise ValueError(
            f"temperatures must be a 1-D grid of at least 2 points, got shape "
            f"{temperatures.shape}"
        )
    if not np.all(np.isfinite(temperatures)):
        raise ValueError(f"temperatures contain NaN or infinity: {temperatures}")
    if np.any(np.diff(temperatures) <= 0):
        raise ValueError(
            "temperatures must be strictly increasing; sort the grid (and the values "
            "with it) and remove duplicates"
        )
    return temperatures


def _validate_resamples(resamples: int) -> None:
    if isinstance(resamples, bool) or not isinstance(resamples, Integral) or resamples < 2:
        raise ValueError(f"resamples={resamples!r} is invalid; pass an integer >= 2")
