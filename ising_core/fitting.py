"""The fit of the transition temperature against spin density.

The diluted model orders below a temperature T_c(rho) that falls as vacancies are added
and vanishes below the site-percolation threshold. Following Garcia Pavioni, Arlego and
Lamas (Comput. Mater. Sci. 235, 2024) and Medina, Arlego and Lamas (2025), the ratio to
the pure model's transition is fitted by

    T_c(rho) / T_c(1) = -K / ln(rho - rho_c) + A,

with K, A and the critical density rho_c free. The logarithm needs rho > rho_c at every
fitted density, so rho_c is bounded above by the smallest fitted density minus a small
margin. A fit that ends on that bound sets ``TcFit.rho_c_at_bound``. For a fixed rho_c
the model is linear in K and A, which gives the fit a starting point that does not
depend on a guess.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from scipy import optimize, stats

logger = logging.getLogger(__name__)

RHO_C_MARGIN = 1e-4
"""Gap kept between rho_c and the smallest fitted density, so that ln(rho - rho_c) stays finite."""


class UnderdeterminedFitError(ValueError):
    """Raised when there are too few points to fit the parameters and judge the fit (dof < 1)."""


@dataclass(frozen=True)
class TcFit:
    """Result of a weighted least-squares fit of T_c(rho)/T_c(1).

    Attributes
    ----------
    K, A, rho_c : float
        Fitted parameters (rho_c is the fixed value when ``rho_c_fixed``).
    K_error, A_error : float
        Standard errors from the covariance matrix with ``absolute_sigma=True``, so they
        are scaled by the given errors, not by the scatter of the points.
    rho_c_error : float or None
        Standard error of rho_c; None when rho_c was fixed.
    rho_c_fixed : bool
        True when rho_c was held at a given value.
    rho_c_upper_bound : float
        Largest rho_c allowed: the smallest fitted density minus ``RHO_C_MARGIN``.
    rho_c_at_bound : bool
        True when the fitted rho_c lies within one standard error (or 1e-6) of that
        bound. The error of rho_c then means little, because the chi2 minimum may lie at
        or above the smallest density.
    chi2 : float
        Sum of squared residuals in units of the errors.
    dof : int
        Points minus free parameters (at least 1).
    reduced_chi2 : float
        ``chi2 / dof``.
    p_value : float
        Probability of a chi2 at least this large if the model and errors are right.
    densities : tuple of float
        Densities that entered the fit.
    """

    K: float
    K_error: float
    A: float
    A_error: float
    rho_c: float
    rho_c_error: float | None
    rho_c_fixed: bool
    rho_c_upper_bound: float
    rho_c_at_bound: bool
    chi2: float
    dof: int
    reduced_chi2: float
    p_value: float
    densities: tuple

    def __call__(self, densities):
        """Evaluate the fitted T_c(rho)/T_c(1) at ``densities`` (all above rho_c)."""
        return tc_ratio_model(np.asarray(densities, dtype=np.float64), self.K, self.A, self.rho_c)

    def as_dict(self):
        """Plain-JSON form for the results files."""
        return {
            "K": self.K,
            "K_error": self.K_error,
            "A": self.A,
            "A_error": self.A_error,
            "rho_c": self.rho_c,
            "rho_c_error": self.rho_c_error,
            "rho_c_fixed": self.rho_c_fixed,
            "rho_c_upper_bound": self.rho_c_upper_bound,
            "rho_c_at_bound": self.rho_c_at_bound,
            "chi2": self.chi2,
            "dof": self.dof,
            "reduced_chi2": self.reduced_chi2,
            "p_value": self.p_value,
            "densities": list(self.densities),
        }


def tc_ratio_model(density, K, A, rho_c):
    """Evaluate ``-K / ln(density - rho_c) + A``, the model of T_c(rho)/T_c(1).

    ``density`` must exceed ``rho_c``; NaN is returned where it does not.
    """
    density = np.asarray(density, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return -K / np.log(density - rho_c) + A


def normalized_transitions(densities, values, errors, reference_density=1.0):
    """Divide transition temperatures by the pure model's and propagate the errors.

    Parameters
    ----------
    densities, values, errors : sequence of float
        Density, transition temperature and its standard error of each ordered density.
        ``reference_density`` must be one of them.
    reference_density : float
        Density whose transition normalizes the others (the pure lattice, rho = 1).

    Returns
    -------
    ratios, ratio_errors : numpy.ndarray
        ``T_c(rho)/T_c(1)`` and its error. For rho != 1 the relative errors of numerator
        and denominator add in quadrature. At rho = 1 the ratio is 1 by definition, and it
        keeps the relative error of T_c(1) so that the point does not get infinite weight.
    """
    densities = np.asarray(densities, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    errors = np.asarray(errors, dtype=np.float64)
    if not densities.shape == values.shape == errors.shape or densities.ndim != 1:
        raise ValueError(
            f"densities, values and errors must be 1-D with equal lengths, got shapes {densities.shape}, "
            f"{values.shape} and {errors.shape}"
        )
    matches = np.flatnonzero(np.isclose(densities, reference_density))
    if matches.size != 1:
        raise ValueError(
            f"the reference density {reference_density:g} must appear exactly once among the ordered densities "
            f"{densities.tolist()}; without its transition there is nothing to normalize by"
        )
    if not np.all(np.isfinite(values) & (values > 0)) or not np.all(np.isfinite(errors) & (errors >= 0)):
        raise ValueError(f"values must be positive and errors non-negative and finite, got {values} and {errors}")

    reference = matches[0]
    relative_reference = errors[reference] / values[reference]
    ratios = values / values[reference]
    # NOTE: the shared denominator correlates all ratios, and the fit ignores that correlation.
    ratio_errors = ratios * np.sqrt((errors / values) ** 2 + relative_reference**2)
    ratio_errors[reference] = relative_reference
    return ratios, ratio_errors


def fit_tc_ratio(densities, ratios, errors, *, rho_c=None, margin=RHO_C_MARGIN):
    """Fit ``T_c(rho)/T_c(1) = -K / ln(rho - rho_c) + A`` weighted by the errors.

    The fit is ``scipy.optimize.curve_fit`` with ``sigma=errors, absolute_sigma=True``.
    rho_c is constrained to ``0 < rho_c < min(densities) - margin`` because the logarithm
    needs rho > rho_c at every fitted density. The start values come from a scan of
    rho_c over that interval, with the best K and A of each rho_c from weighted linear
    least squares.

    Parameters
    ----------
    densities, ratios, errors : sequence of float
        Ordered densities, their normalized transition temperatures and standard errors
        (for example from :func:`normalized_transitions`). Errors must be positive.
    rho_c : float, optional
        Hold the critical density at this value (for example the exact percolation
        threshold) and fit only K and A. It must lie below every density.
    margin : float
        Smallest allowed gap between rho_c and the smallest density.

    Returns
    -------
    TcFit

    Raises
    ------
    UnderdeterminedFitError
        With fewer points than free parameters plus one (4 with rho_c free, 3 with it
        fixed), because the fit would pass through every point and chi2 could not test it.
    ValueError
        For inputs of different lengths, non-positive or non-finite errors, repeated
        densities, or a fixed rho_c that is not below every density.
    """
    densities, ratios, errors = _validate_points(densities, ratios, errors)
    free = 2 if rho_c is not None else 3
    dof = densities.size - free
    if dof < 1:
        fixed = "with rho_c fixed " if rho_c is not None else ""
        raise UnderdeterminedFitError(
            f"fitting {free} parameters {fixed}needs at least {free + 1} ordered densities, got {densities.size} "
            f"(rho = {', '.join(f'{rho:g}' for rho in densities)}); add densities with a transition"
            + ("" if rho_c is not None else " or fix rho_c")
        )

    upper = float(densities.min() - margin)
    if rho_c is not None:
        if not 0 < rho_c < densities.min():
            raise ValueError(
                f"rho_c={rho_c!r} must lie in (0, {densities.min():g}), below every fitted density, "
                f"so that ln(rho - rho_c) is defined"
            )
        return _fit_fixed(densities, ratios, errors, float(rho_c), upper, dof)
    if upper <= 0:
        raise ValueError(f"the smallest density {densities.min():g} leaves no room for 0 < rho_c < rho - {margin:g}")
    return _fit_free(densities, ratios, errors, upper, dof)


def _fit_free(densities, ratios, errors, upper, dof):
    start_rho_c = _scan_rho_c(densities, ratios, errors, upper)
    start_k, start_a = (float(x) for x in _linear_fit(densities, ratios, errors, start_rho_c)[:2])

    parameters, covariance = optimize.curve_fit(
        tc_ratio_model, densities, ratios, p0=(start_k, start_a, start_rho_c), sigma=errors,
        absolute_sigma=True, bounds=((-np.inf, -np.inf, 0.0), (np.inf, np.inf, upper)),
    )
    K, A, rho_c = (float(x) for x in parameters)
    standard_errors = np.sqrt(np.diag(covariance))
    # Closer to the bound than one standard error: the minimum may lie beyond it.
    at_bound = bool(upper - rho_c <= max(1e-6, standard_errors[2]))
    if at_bound:
        logger.warning("rho_c ended on its upper bound %.6g: the chi2 minimum lies at or above the smallest density",
                       upper)
    return _result(densities, ratios, errors, K, A, rho_c, standard_errors[0], standard_errors[1],
                   float(standard_errors[2]), False, upper, at_bound, dof)


def _fit_fixed(densities, ratios, errors, rho_c, upper, dof):
    def model(density, K, A):
        return tc_ratio_model(density, K, A, rho_c)

    start = [float(x) for x in _linear_fit(densities, ratios, errors, rho_c)[:2]]
    parameters, covariance = optimize.curve_fit(model, densities, ratios, p0=start, sigma=errors,
                                                absolute_sigma=True)
    standard_errors = np.sqrt(np.diag(covariance))
    return _result(densities, ratios, errors, float(parameters[0]), float(parameters[1]), rho_c,
                   standard_errors[0], standard_errors[1], None, True, upper, False, dof)


def _result(densities, ratios, errors, K, A, rho_c, K_error, A_error, rho_c_error, fixed, upper, at_bound, dof):
    residuals = (ratios - tc_ratio_model(densities, K, A, rho_c)) / errors
    chi2 = float(np.sum(residuals**2))
    return TcFit(
        K=K, K_error=float(K_error), A=A, A_error=float(A_error), rho_c=rho_c, rho_c_error=rho_c_error,
        rho_c_fixed=fixed, rho_c_upper_bound=upper, rho_c_at_bound=at_bound, chi2=chi2, dof=int(dof),
        reduced_chi2=chi2 / dof, p_value=float(stats.chi2.sf(chi2, dof)), densities=tuple(densities.tolist()),
    )


def _linear_fit(densities, ratios, errors, rho_c):
    """Weighted least-squares K, A for each fixed rho_c, and the chi2 they leave.

    ``rho_c`` may be a scalar or an array of candidates. The model is linear in K and A,
    so the normal equations are solved in closed form for all candidates at once.
    """
    rho_c = np.asarray(rho_c, dtype=np.float64)
    regressor = -1.0 / np.log(densities - rho_c[..., np.newaxis])
    weights = 1.0 / errors**2
    sum_w = weights.sum()
    sum_x = (weights * regressor).sum(axis=-1)
    sum_y = (weights * ratios).sum()
    sum_xx = (weights * regressor**2).sum(axis=-1)
    sum_xy = (weights * regressor * ratios).sum(axis=-1)

    K = (sum_w * sum_xy - sum_x * sum_y) / (sum_w * sum_xx - sum_x**2)
    A = (sum_y - K * sum_x) / sum_w
    chi2 = (weights * (ratios - K[..., np.newaxis] * regressor - A[..., np.newaxis]) ** 2).sum(axis=-1)
    return K, A, chi2


def _scan_rho_c(densities, ratios, errors, upper, points=400):
    candidates = np.linspace(upper / points, upper, points)
    chi2 = _linear_fit(densities, ratios, errors, candidates)[2]
    return float(candidates[int(np.argmin(chi2))])


def _validate_points(densities, ratios, errors):
    densities = np.asarray(densities, dtype=np.float64)
    ratios = np.asarray(ratios, dtype=np.float64)
    errors = np.asarray(errors, dtype=np.float64)
    if densities.ndim != 1 or not densities.shape == ratios.shape == errors.shape:
        raise ValueError(
            f"densities, ratios and errors must be 1-D with equal lengths, got shapes {densities.shape}, "
            f"{ratios.shape} and {errors.shape}"
        )
    if not np.all(np.isfinite(densities) & np.isfinite(ratios)):
        raise ValueError("densities and ratios must be finite; leave out densities without a transition")
    if not np.all(np.isfinite(errors) & (errors > 0)):
        raise ValueError(f"errors must be positive and finite for a weighted fit, got {errors.tolist()}")
    if np.any((densities <= 0) | (densities > 1)):
        raise ValueError(f"densities must lie in (0, 1], got {densities.tolist()}")
    if np.unique(densities).size != densities.size:
        raise ValueError(f"densities must not repeat, got {densities.tolist()}")
    return densities, ratios, errors
