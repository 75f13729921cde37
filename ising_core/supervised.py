"""The supervised route: catalog-trained dense networks applied to Monte Carlo data.

One function trains a dense classifier for each of several seeds, classifies every
Monte Carlo configuration of a temperature scan, and estimates the temperature where
the ordered-class probability crosses 1/2 ("maximum confusion"), with a bootstrap error
over configurations and the spread over training seeds.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
from tqdm.auto import tqdm

from .analysis import NoCrossingError, bootstrap_crossing
from .models import predict_probabilities, train_dense_classifier

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TransitionEstimate:
    """A transition temperature combined over training seeds.

    Attributes
    ----------
    value : float or None
        Mean crossing temperature over the seeds whose curve crosses; None when no
        seed's curve crosses (no ordered range in the grid).
    error : float or None
        ``sqrt(mean(bootstrap_error**2) + seed_spread**2 / n_crossing)``: the bootstrap
        error over configurations (the same data for every seed, so it does not average
        down) combined with the standard error of the seed mean.
    seed_spread : float or None
        Standard deviation of the crossing over seeds (None with fewer than two).
    crossings : list
        Per seed, ``(value, bootstrap error)`` or None where that seed does not cross.
    """

    value: float | None
    error: float | None
    seed_spread: float | None
    crossings: list = field(default_factory=list)

    @property
    def ordered(self):
        """True when at least one seed finds an ordered range."""
        return self.value is not None

    def as_dict(self):
        """Plain-JSON form for the results files."""
        return {
            "value": self.value,
            "error": self.error,
            "seed_spread": self.seed_spread,
            "crossings": [None if c is None else {"value": c[0], "error": c[1]} for c in self.crossings],
            "ordered": self.ordered,
        }


def combine_crossings(crossings):
    """Combine per-seed ``(value, bootstrap error)`` pairs (None = no crossing) into a TransitionEstimate."""
    found = [c for c in crossings if c is not None]
    if not found:
        return TransitionEstimate(None, None, None, list(crossings))
    values = np.array([c[0] for c in found])
    boot = np.array([c[1] for c in found], dtype=np.float64)
    boot = np.where(np.isfinite(boot), boot, 0.0)
    spread = float(values.std(ddof=1)) if values.size > 1 else None
    seed_term = (spread**2 / values.size) if spread is not None else 0.0
    error = float(np.sqrt(np.mean(boot**2) + seed_term))
    return TransitionEstimate(float(values.mean()), error, spread, list(crossings))


@dataclass(frozen=True)
class ClassifierScan:
    """Class probabilities of a temperature scan for several training seeds.

    Attributes
    ----------
    probabilities : numpy.ndarray
        ``(n_seeds, n_temperatures, num_classes)``: mean over configurations.
    ordered_probability : numpy.ndarray
        ``(n_seeds, n_temperatures, samples)``: the ordered class's probability for
        every configuration (what the bootstrap resamples).
    transition : TransitionEstimate
    """

    hidden_units: int
    seeds: tuple
    temperatures: np.ndarray
    class_names: tuple
    probabilities: np.ndarray
    ordered_probability: np.ndarray
    transition: TransitionEstimate


def classifier_scan(
    catalog,
    configurations,
    temperatures,
    hidden_units,
    seeds,
    *,
    ordered_class="F",
    num_epochs=None,
    batch_size=None,
    lr=None,
    resamples=200,
    progress=False,
):
    """Train one dense network per seed on ``catalog`` and classify a temperature scan.

    Parameters
    ----------
    catalog : Catalog
        Training set (for example the four-class F, N, S, P catalog).
    configurations : numpy.ndarray
        Monte Carlo configurations ``(n_temperatures, samples, L, L)``.
    temperatures : numpy.ndarray
        Increasing temperatures T/J of the scan.
    hidden_units : int
        Hidden-layer width.
    seeds : sequence of int
        Training seeds; one network each.
    ordered_class : str
        Class whose probability crossing 1/2 marks the transition.
    num_epochs, batch_size, lr : optional
        Training settings; None keeps the defaults of
        :func:`ising_core.models.train_dense_classifier`.
    resamples : int
        Bootstrap resamples of configurations per seed.

    Returns
    -------
    ClassifierScan
    """
    if ordered_class not in catalog.class_names:
        raise ValueError(f"class {ordered_class!r} is not in the catalog's classes {catalog.class_names}")
    column = catalog.class_names.index(ordered_class)
    training = {k: v for k, v in (("num_epochs", num_epochs), ("batch_size", batch_size), ("lr", lr)) if v is not None}

    means, per_config, crossings = [], [], []
    for seed in tqdm(list(seeds), desc=f"n = {hidden_units}", disable=not progress, leave=False):
        model = train_dense_classifier(catalog, hidden_units, seed=seed, **training)
        probabilities = predict_probabilities(model, configurations)
        means.append(probabilities.mean(axis=1))
        per_config.append(probabilities[..., column])
        try:
            estimate = bootstrap_crossing(temperatures, probabilities[..., column], resamples=resamples, seed=seed,
                                          quantity=f"p[{ordered_class}]")
            crossings.append((estimate.value, estimate.error))
        except NoCrossingError as error:
            logger.info("n=%d seed=%d: %s", hidden_units, seed, error)
            crossings.append(None)

    return ClassifierScan(
        hidden_units=int(hidden_units),
        seeds=tuple(int(s) for s in seeds),
        temperatures=np.asarray(temperatures, dtype=np.float64),
        class_names=tuple(catalog.class_names),
        probabilities=np.stack(means),
        ordered_probability=np.stack(per_config),
        transition=combine_crossings(crossings),
    )
