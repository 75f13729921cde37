"""The supervised route: catalog-trained dense networks applied to Monte Carlo data.

One function trains a dense classifier for each of several seeds, classifies every
Monte Carlo configuration of a temperature scan, and estimates the temperature where
the ordered-class probability crosses 1/2 ("maximum confusion"), with a bootstrap error
over configurations and the spread over training seeds.

Built on it: the hidden-layer sweep and its stability criterion
(``hidden_size_sweep``, ``stability_onset``), the transfer of one catalog-trained network
to diluted lattices (``transfer_scan``), and two views of what the network learned
(``hidden_weight_images``, ``magnetization_correlation``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from scipy import stats
from tqdm.auto import tqdm

from .analysis import NoCrossingError, bootstrap_crossing
from .catalog import ferromagnetic_patterns, neel_patterns, stripe_patterns
from .models import build_dense_classifier, predict_probabilities, train_dense_classifier

import keras  # noqa: E402  (after ising_core.models, which selects and quiets the backend)

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

    @property
    def seeds_crossing(self):
        """Number of training seeds whose p = 1/2 crossing lies inside the grid."""
        return sum(c is not None for c in self.crossings)

    @property
    def all_seeds_cross(self):
        """True when every training seed finds the crossing."""
        return bool(self.crossings) and self.seeds_crossing == len(self.crossings)

    def as_dict(self):
        """Plain-JSON form for the results files."""
        return {
            "value": self.value,
            "error": self.error,
            "seed_spread": self.seed_spread,
            "crossings": [None if c is None else {"value": c[0], "error": c[1]} for c in self.crossings],
            "ordered": self.ordered,
            "seeds_crossing": self.seeds_crossing,
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

    @property
    def ordered_curve(self):
        """Ordered-class probability at each temperature, averaged over configurations and seeds."""
        return self.ordered_probability.mean(axis=(0, 2))

    @property
    def ordered_curve_error(self):
        """Standard error of ``ordered_curve``.

        It combines, like ``TransitionEstimate.error``, the mean squared standard error
        over configurations with the standard error of the mean over seeds.
        """
        samples = self.ordered_probability.shape[2]
        per_seed = self.ordered_probability.mean(axis=2)
        configuration_term = np.zeros(self.temperatures.shape)
        if samples > 1:
            configuration_term = np.mean(self.ordered_probability.var(axis=2, ddof=1) / samples, axis=0)
        seed_term = np.zeros(self.temperatures.shape)
        if per_seed.shape[0] > 1:
            seed_term = per_seed.var(axis=0, ddof=1) / per_seed.shape[0]
        return np.sqrt(configuration_term + seed_term)

    @property
    def max_ordered_probability(self):
        """Largest value of ``ordered_curve`` on the grid."""
        return float(self.ordered_curve.max())


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

    models = []
    for seed in tqdm(list(seeds), desc=f"n = {hidden_units}", disable=not progress, leave=False):
        models.append(train_dense_classifier(catalog, hidden_units, seed=seed, **training))
    return _scan_models(models, seeds, catalog.class_names, column, configurations, temperatures,
                        hidden_units, resamples, label=f"n={hidden_units}")


def _scan_models(models, seeds, class_names, column, configurations, temperatures, hidden_units, resamples,
                 label):
    """Classify one temperature scan with one trained model per seed and combine the crossings."""
    ordered_class = class_names[column]
    means, per_config, crossings = [], [], []
    for model, seed in zip(models, seeds):
        probabilities = predict_probabilities(model, configurations)
        means.append(probabilities.mean(axis=1))
        per_config.append(probabilities[..., column])
        try:
            estimate = bootstrap_crossing(temperatures, probabilities[..., column], resamples=resamples, seed=seed,
                                          quantity=f"p[{ordered_class}]")
            crossings.append((estimate.value, estimate.error))
        except NoCrossingError as error:
            logger.info("%s seed=%d: %s", label, seed, error)
            crossings.append(None)

    return ClassifierScan(
        hidden_units=int(hidden_units),
        seeds=tuple(int(s) for s in seeds),
        temperatures=np.asarray(temperatures, dtype=np.float64),
        class_names=tuple(class_names),
        probabilities=np.stack(means),
        ordered_probability=np.stack(per_config),
        transition=combine_crossings(crossings),
    )


def hidden_size_sweep(catalog, configurations, temperatures, hidden_units, seeds, *, progress=False, **scan_options):
    """Run :func:`classifier_scan` for each hidden-layer width.

    Parameters
    ----------
    catalog, configurations, temperatures, seeds
        As for :func:`classifier_scan`; every width is trained with the same seeds.
    hidden_units : sequence of int
        Hidden-layer widths, in any order.
    progress : bool
        Show a tqdm bar over the widths.
    **scan_options
        ``ordered_class``, ``num_epochs``, ``batch_size``, ``lr`` and ``resamples`` of
        :func:`classifier_scan`.

    Returns
    -------
    dict
        ``{hidden_units: ClassifierScan}`` in increasing width.
    """
    widths = sorted(int(n) for n in hidden_units)
    if len(set(widths)) != len(widths):
        raise ValueError(f"hidden_units must not repeat a width, got {list(hidden_units)}")

    scans = {}
    for n in tqdm(widths, desc="hidden-layer widths", disable=not progress):
        scans[n] = classifier_scan(catalog, configurations, temperatures, n, seeds, **scan_options)
        logger.info("n=%d: %s", n, scans[n].transition)
    return scans


def stability_onset(hidden_units, values, errors, *, z=2.0, min_sizes=2):
    """Find the smallest width from which every wider network agrees on the transition.

    A width n_k starts the stable range when every width n >= n_k has a crossing and
    every pair (i, j) of those widths agrees within ``z`` combined standard errors:
    ``|T_i - T_j| <= z * sqrt(err_i**2 + err_j**2)``. Adding a narrower width can only
    break that condition, so the stable range is found by walking down from the widest
    network until the first disagreement.

    The networks of all widths classify the same Monte Carlo configurations, so their
    errors are positively correlated, and the combined error above overstates the error
    of a difference. The test therefore leans towards calling two widths consistent.

    Parameters
    ----------
    hidden_units : sequence of int
        Hidden-layer widths, distinct, in any order.
    values : sequence of float or None
        Transition temperature of each width; None or NaN where the curve never crosses.
    errors : sequence of float or None
        Standard error of each value (ignored where the value is missing).
    z : float
        Agreement tolerance in combined standard errors, positive.
    min_sizes : int
        Smallest number of widths that counts as a stable range, at least 1.

    Returns
    -------
    int or None
        The onset width, or None when fewer than ``min_sizes`` of the widest networks
        agree (including when the widest network finds no crossing).
    """
    widths = np.asarray(hidden_units)
    if widths.ndim != 1 or widths.size == 0 or len(values) != widths.size or len(errors) != widths.size:
        raise ValueError(
            f"hidden_units, values and errors must be 1-D sequences of one equal, non-zero length, got "
            f"lengths {widths.size}, {len(values)} and {len(errors)}"
        )
    if len(set(widths.tolist())) != widths.size:
        raise ValueError(f"hidden_units must not repeat a width, got {widths.tolist()}")
    if not z > 0:
        raise ValueError(f"z={z!r} is invalid; pass a positive number of standard errors")
    if min_sizes < 1:
        raise ValueError(f"min_sizes={min_sizes!r} is invalid; pass an integer >= 1")

    value_array = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
    error_array = np.array([np.nan if e is None else e for e in errors], dtype=np.float64)
    crossing = np.isfinite(value_array)
    if np.any(crossing & ~(np.isfinite(error_array) & (error_array >= 0))):
        raise ValueError(
            f"every crossing needs a finite, non-negative error, got errors {error_array[crossing].tolist()}"
        )

    order = np.argsort(widths)[::-1]
    members = []
    for index in order:
        if not crossing[index]:
            break
        tolerance = z * np.sqrt(error_array[index] ** 2 + error_array[members] ** 2)
        if np.any(np.abs(value_array[index] - value_array[members]) > tolerance):
            break
        members.append(index)

    if len(members) < min_sizes:
        return None
    return int(widths[members[-1]])


def transfer_scan(catalog, samples_by_density, hidden_units, seeds, *, ordered_class="F", num_epochs=None,
                  batch_size=None, lr=None, resamples=200, progress=False):
    """Train one network per seed on ``catalog`` and classify the scans of several densities.

    Every density is classified by the same trained networks, so the networks see
    vacancies only at classification time; the catalog has none.

    Parameters
    ----------
    catalog : Catalog
        Training set, for example ``build_catalog(classes=("F", "P"))``.
    samples_by_density : mapping
        ``{rho: samples}`` with ``samples.configurations`` of shape
        ``(n_temperatures, samples, L, L)`` and increasing ``samples.temperatures``
        (such as :class:`ising_core.sampler.MonteCarloSamples`).
    hidden_units : int
        Hidden-layer width.
    seeds : sequence of int
        Training seeds; one network each.
    ordered_class, num_epochs, batch_size, lr, resamples
        As for :func:`classifier_scan`.
    progress : bool
        Show a tqdm bar over the training seeds.

    Returns
    -------
    dict
        ``{rho: ClassifierScan}`` in decreasing density.
    """
    if ordered_class not in catalog.class_names:
        raise ValueError(f"class {ordered_class!r} is not in the catalog's classes {catalog.class_names}")
    if not isinstance(samples_by_density, Mapping) or not samples_by_density:
        raise ValueError("samples_by_density must be a non-empty mapping {rho: MonteCarloSamples}")
    for rho, samples in samples_by_density.items():
        if np.shape(samples.configurations)[-2:] != (catalog.size, catalog.size):
            raise ValueError(
                f"the configurations of rho={rho:g} have lattice shape {np.shape(samples.configurations)[-2:]}, "
                f"but the catalog is {catalog.size}x{catalog.size}; build the catalog with the data's size"
            )
    column = catalog.class_names.index(ordered_class)
    training = {k: v for k, v in (("num_epochs", num_epochs), ("batch_size", batch_size), ("lr", lr)) if v is not None}

    models = []
    for seed in tqdm(list(seeds), desc=f"training n = {hidden_units}", disable=not progress):
        models.append(train_dense_classifier(catalog, hidden_units, seed=seed, **training))

    scans = {}
    for rho in sorted(samples_by_density, reverse=True):
        samples = samples_by_density[rho]
        scans[rho] = _scan_models(models, seeds, catalog.class_names, column, samples.configurations,
                                  samples.temperatures, hidden_units, resamples, label=f"rho={rho:g}")
    return scans


def hidden_weight_images(model):
    """Return the hidden layer's input weights as one L x L image per hidden unit.

    Parameters
    ----------
    model : keras.Model
        A dense classifier from :func:`ising_core.models.build_dense_classifier` (the
        first Dense layer is named "hidden").

    Returns
    -------
    numpy.ndarray
        float64 array of shape ``(hidden_units, L, L)``: image k is the weight that unit
        k gives to each lattice site, laid out like the configuration.
    """
    kernel = np.asarray(model.get_layer("hidden").get_weights()[0], dtype=np.float64)
    size = int(round(np.sqrt(kernel.shape[0])))
    if size * size != kernel.shape[0]:
        raise ValueError(f"the hidden layer has {kernel.shape[0]} inputs, which is not the square of a lattice size")
    return kernel.T.reshape(kernel.shape[1], size, size)


def learned_weight_images(model, seed):
    """Return what training added to the hidden layer's input weights, as L x L images.

    The initial weights are rebuilt the way :func:`ising_core.models.train_dense_classifier`
    draws them: ``keras.utils.set_random_seed(seed)`` and then
    :func:`ising_core.models.build_dense_classifier`. Subtracting them removes the random
    initialization, which otherwise hides the small learned pattern.

    The call resets the global Python, NumPy and TensorFlow random generators to ``seed``.

    Parameters
    ----------
    model : keras.Model
        A dense classifier trained by ``train_dense_classifier``.
    seed : int
        The training seed of ``model``.

    Returns
    -------
    numpy.ndarray
        float64 array ``(hidden_units, L, L)``: trained minus initial weights.
    """
    trained = hidden_weight_images(model)
    # NOTE: this matches the initial weights only while train_dense_classifier seeds and
    # then builds the model in this order; the test with lr = 1e-12 checks that it does.
    keras.utils.set_random_seed(seed)
    initial = build_dense_classifier(trained.shape[-1], trained.shape[0], int(model.output_shape[-1]))
    return trained - hidden_weight_images(initial)


def ordered_reference_patterns(size):
    """Return the up ferromagnet, a Neel checkerboard and row and column stripes of an L x L lattice.

    Returns
    -------
    dict
        ``{"F": .., "N": .., "S rows": .., "S columns": ..}``, int8 arrays ``(L, L)``.
    """
    stripes = stripe_patterns(size)
    return {
        "F": ferromagnetic_patterns(size)[0],
        "N": neel_patterns(size)[0],
        "S rows": stripes[0],
        "S columns": stripes[2],
    }


def pattern_overlaps(images, patterns):
    """Cosine similarity of each weight image with each reference pattern.

    Parameters
    ----------
    images : numpy.ndarray
        ``(hidden_units, L, L)``, for example from :func:`learned_weight_images`.
    patterns : mapping
        ``{name: (L, L) array}``, for example from :func:`ordered_reference_patterns`.

    Returns
    -------
    dict
        ``{name: (hidden_units,) float64}`` in [-1, 1]. A unit whose weights follow a
        pattern has an overlap near +1, or near -1 for the sign-flipped pattern. For
        random weights the overlap is of order 1/L.
    """
    images = np.asarray(images, dtype=np.float64)
    if images.ndim != 3:
        raise ValueError(f"images must have shape (hidden_units, L, L), got shape {images.shape}")
    flat = images.reshape(images.shape[0], -1)
    norms = np.linalg.norm(flat, axis=1)
    overlaps = {}
    for name, pattern in patterns.items():
        pattern = np.asarray(pattern, dtype=np.float64)
        if pattern.shape != images.shape[1:]:
            raise ValueError(f"pattern {name!r} has shape {pattern.shape}, expected {images.shape[1:]}")
        vector = pattern.ravel()
        with np.errstate(invalid="ignore", divide="ignore"):
            cosine = flat @ vector / (norms * np.linalg.norm(vector))
        overlaps[name] = np.where(norms > 0, cosine, 0.0)
    return overlaps


@dataclass(frozen=True)
class Correlation:
    """Pearson and Spearman correlation coefficients of two per-configuration quantities."""

    pearson: float
    spearman: float
    samples: int

    def as_dict(self):
        """Plain-JSON form for the results files."""
        return {"pearson": self.pearson, "spearman": self.spearman, "samples": self.samples}


def magnetization_correlation(probability, magnetization):
    """Correlate a network's ordered-class probability with |m| over configurations.

    Parameters
    ----------
    probability : numpy.ndarray
        Ordered-class probability of each configuration, any shape, for example one
        seed's ``ClassifierScan.ordered_probability[k]`` of shape ``(n_temperatures, samples)``.
    magnetization : numpy.ndarray
        Magnetization of the same configurations, same shape; its absolute value is used.

    Returns
    -------
    Correlation
        Pearson (linear) and Spearman (rank) coefficients over all configurations.
    """
    probability = np.asarray(probability, dtype=np.float64).ravel()
    abs_magnetization = np.abs(np.asarray(magnetization, dtype=np.float64)).ravel()
    if np.shape(probability) != np.shape(abs_magnetization):
        raise ValueError(
            f"probability and magnetization must have the same number of configurations, got "
            f"{probability.size} and {abs_magnetization.size}"
        )
    if probability.size < 3:
        raise ValueError(f"a correlation needs at least 3 configurations, got {probability.size}")
    for name, values in (("probability", probability), ("magnetization", abs_magnetization)):
        if not np.all(np.isfinite(values)):
            raise ValueError(f"{name} contains NaN or infinity")
        if np.ptp(values) == 0:
            raise ValueError(f"{name} is constant over all configurations, so its correlation is undefined")

    return Correlation(
        pearson=float(stats.pearsonr(probability, abs_magnetization).statistic),
        spearman=float(stats.spearmanr(probability, abs_magnetization).statistic),
        samples=int(probability.size),
    )


def sweep_stability_onset(scans, *, z=2.0, min_sizes=2):
    """Apply :func:`stability_onset` to a hidden-layer sweep.

    A width takes part only when every training seed finds the crossing, because a mean
    over the seeds that happen to cross hides the ones that do not.

    Parameters
    ----------
    scans : mapping
        ``{hidden_units: ClassifierScan}``, for example from :func:`hidden_size_sweep`.
    z, min_sizes
        As for :func:`stability_onset`.

    Returns
    -------
    int or None
        The onset width, or None when no stable range of ``min_sizes`` widths exists.
    """
    widths = list(scans)
    values = [scans[n].transition.value if scans[n].transition.all_seeds_cross else None for n in widths]
    errors = [scans[n].transition.error if scans[n].transition.all_seeds_cross else None for n in widths]
    return stability_onset(widths, values, errors, z=z, min_sizes=min_sizes)


def ordered_transitions(scans, *, require_all_seeds=True):
    """Collect the densities with a transition and their crossing temperatures.

    Parameters
    ----------
    scans : mapping
        ``{rho: ClassifierScan}``, for example from :func:`transfer_scan`.
    require_all_seeds : bool
        Keep a density only when every training seed finds the crossing (the default);
        otherwise one crossing seed is enough.

    Returns
    -------
    densities, values, errors : numpy.ndarray
        In decreasing density; empty arrays when no density qualifies.
    """
    kept = [
        rho for rho in sorted(scans, reverse=True)
        if (scans[rho].transition.all_seeds_cross if require_all_seeds else scans[rho].transition.ordered)
    ]
    return (
        np.array(kept, dtype=np.float64),
        np.array([scans[rho].transition.value for rho in kept], dtype=np.float64),
        np.array([scans[rho].transition.error for rho in kept], dtype=np.float64),
    )


def smallest_width_reaching(scans, level):
    """Find the smallest width from which every wider network's p curve exceeds ``level``.

    Parameters
    ----------
    scans : mapping
        ``{hidden_units: ClassifierScan}``.
    level : float
        Probability that the seed-averaged ordered-class curve must exceed at some
        temperature (0.5 for "classified as ordered", 0.95 for "near-perfect").

    Returns
    -------
    int or None
        The width, or None when even the widest network stays at or below ``level``.
    """
    onset = None
    for n in sorted(scans, reverse=True):
        if scans[n].max_ordered_probability <= level:
            break
        onset = n
    return onset


def unit_preferred_classes(model, class_names):
    """Name, for each hidden unit, the output class that its largest outgoing weight feeds.

    Parameters
    ----------
    model : keras.Model
        A dense classifier whose output layer is named "class_probabilities".
    class_names : sequence of str
        Class of each output, in output order (``Catalog.class_names``).

    Returns
    -------
    list of str
        One class name per hidden unit.
    """
    kernel = np.asarray(model.get_layer("class_probabilities").get_weights()[0])
    if kernel.shape[1] != len(class_names):
        raise ValueError(f"the model has {kernel.shape[1]} outputs but {len(class_names)} class names were given")
    return [class_names[k] for k in np.argmax(kernel, axis=1)]


def probability_by_sign(probability, magnetization):
    """Average a per-configuration probability separately over configurations with m > 0 and m < 0.

    A ReLU unit that detects the all-up lattice is silent for the all-down one, so a
    narrow network can recognize one sign of the ferromagnet and miss the other.

    Parameters
    ----------
    probability, magnetization : numpy.ndarray
        ``(n_temperatures, samples)``: for example one seed's
        ``ClassifierScan.ordered_probability[k]`` and ``MonteCarloSamples.magnetization``.

    Returns
    -------
    dict
        ``{"m > 0": (n_temperatures,), "m < 0": (n_temperatures,)}`` float64 means; NaN at
        a temperature without configurations of that sign. Configurations with m = 0
        enter neither.
    """
    probability = np.asarray(probability, dtype=np.float64)
    magnetization = np.asarray(magnetization, dtype=np.float64)
    if probability.ndim != 2 or probability.shape != magnetization.shape:
        raise ValueError(
            f"probability and magnetization must both have shape (n_temperatures, samples), got "
            f"{probability.shape} and {magnetization.shape}"
        )
    means = {}
    for name, selected in (("m > 0", magnetization > 0), ("m < 0", magnetization < 0)):
        counts = selected.sum(axis=1)
        totals = np.where(selected, probability, 0.0).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            means[name] = np.where(counts > 0, totals / counts, np.nan)
    return means
