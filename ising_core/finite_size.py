"""Extrapolation of finite-lattice estimates to infinite size.

A pseudo-critical point measured on ``L x L`` lattices approaches its infinite-lattice
value as a power of ``1/L``:

    X(L) = X_inf + a * L**(-exponent).

The exponent comes from theory: ``1/nu = 1`` for a transition temperature of the 2D
Ising universality class, ``2 + 1/nu = 11/4`` for the percolation threshold estimated
from the exact critical wrapping probability (see :mod:`ising_core.percolation`).  With
the exponent fixed, the model is linear in ``X_inf`` and ``a``, and the weighted least
squares fit has a closed form.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from scipy import stats

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FiniteSizeFit:
    """Weighted least-squares fit of ``X(L) = limit + amplitude * L**(-exponent)``.

    Attributes
    ----------
    limit, limit_error : float
        Extrapolated infinite-size value and its standard error.
    amplitude, amplitude_error : float
        Coefficient ``a`` of the correction and its standard error.
    exponent : float
        Fixed exponent of the correction.
    chi2 : float
        Sum of squared residuals in units of the errors.
    dof : int
        Sizes minus 2.  With ``dof = 0`` the line passes through both points and chi2 is
        0, so it cannot test the model.
    p_value : float or None
        Probability of a chi2 at least this large if the model and the errors are right;
        None when ``dof = 0``.
    sizes : tuple of int
        Sizes that entered the fit.

    Notes
    -----
    The errors come from the covariance matrix computed with the given errors
    (``absolute_sigma``), not rescaled by the scatter of the points.
    """

    limit: float
    limit_error: float
    amplitude: float
    amplitude_error: float
    exponent: float
    chi2: float
    dof: int
    p_value: float | None
    sizes: tuple

    def __call__(self, sizes):
        """Evaluate the fitted ``X(L)`` at ``sizes`` (``numpy.inf`` gives the limit)."""
        sizes = np.asarray(sizes, dtype=np.float64)
        return self.limit + self.amplitude * sizes ** (-self.exponent)

    def as_dict(self):
        """Plain-JSON form for the results files."""
        return {
            "limit": self.limit,
            "limit_error": self.limit_error,
            "amplitude": self.amplitude,
            "amplitude_error": self.amplitude_error,
            "exponent": self.exponent,
            "chi2": self.chi2,
            "dof": self.dof,
            "p_value": self.p_value,
            "sizes": list(self.sizes),
        }


def extrapolate(sizes, values, errors, exponent):
    """Fit ``values = limit + amplitude * sizes**(-exponent)`` weighted by ``1/errors**2``.

    Parameters
    ----------
    sizes : sequence of int
        Linear lattice sizes ``L``, at least two distinct ones.
    values, errors : sequence of float
        Finite-size estimates and their positive standard errors.
    exponent : float
        Exponent of the leading correction (``1/nu``, or ``2 + 1/nu`` for the wrapping
        threshold of percolation).

    Returns
    -------
    FiniteSizeFit

    Raises
    ------
    ValueError
        For fewer than two distinct sizes, arrays of different lengths, non-finite
        values, non-positive errors or a non-positive exponent.
    """
    sizes = np.asarray(sizes, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    errors = np.asarray(errors, dtype=np.float64)
    if sizes.ndim != 1 or not sizes.shape == values.shape == errors.shape:
        raise ValueError(
            f"sizes, values and errors must be 1-D with equal lengths, got shapes {sizes.shape}, "
            f"{values.shape} and {errors.shape}"
        )
    if np.unique(sizes).size < 2:
        raise ValueError(f"an extrapolation needs at least two distinct sizes, got {sizes.tolist()}")
    if np.any(sizes <= 0) or not np.all(np.isfinite(values)):
        raise ValueError(f"sizes must be positive and values finite, got {sizes.tolist()} and {values.tolist()}")
    if not np.all(np.isfinite(errors) & (errors > 0)):
        raise ValueError(f"errors must be positive and finite for a weighted fit, got {errors.tolist()}")
    if not np.isfinite(exponent) or exponent <= 0:
        raise ValueError(f"exponent must be a positive number, got {exponent!r}")

    # Weighted linear least squares in x = L^-exponent: design matrix [1, x].
    x = sizes ** (-float(exponent))
    design = np.stack([np.ones_like(x), x], axis=1) / errors[:, np.newaxis]
    covariance = np.linalg.inv(design.T @ design)
    limit, amplitude = covariance @ design.T @ (values / errors)

    residuals = (values - limit - amplitude * x) / errors
    chi2 = float(np.sum(residuals**2))
    dof = sizes.size - 2
    p_value = float(stats.chi2.sf(chi2, dof)) if dof > 0 else None
    if dof == 0:
        logger.info("extrapolation from two sizes passes through both points; chi2 cannot judge it")
    return FiniteSizeFit(
        limit=float(limit),
        limit_error=float(np.sqrt(covariance[0, 0])),
        amplitude=float(amplitude),
        amplitude_error=float(np.sqrt(covariance[1, 1])),
        exponent=float(exponent),
        chi2=chi2,
        dof=int(dof),
        p_value=p_value,
        sizes=tuple(int(size) for size in sizes),
    )
