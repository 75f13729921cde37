"""The unsupervised route: autoencoders trained on ideal configurations only.

A convolutional autoencoder (``ising_core.models.build_autoencoder``) learns to
reconstruct the ordered catalog patterns F, N and S, never a Monte Carlo
configuration. Applied to a temperature scan, its per-configuration mean squared
error (MSE) rises where the configurations stop looking like ordered patterns. This
module contains the steps of that workflow, in the order the chapters use them:

* training sets and seeded training, with trained weights cached on disk
  (``ordered_training_set``, ``relaxed_training_set``, ``train_autoencoders``,
  ``profile_autoencoders``), and the error of probe sets during training
  (``probe_training``);
* the MSE of every configuration of a scan (``error_scan``, ``ErrorScan``), of
  random configurations (``paramagnetic_errors``) and the reconstructions
  themselves (``reconstruct``, ``configurations_at``);
* the split of the MSE by the sign of the magnetization and mean levels with
  errors (``split_by_sign``, ``sector_levels``, ``mean_level``);
* the transition estimate from the maximum of the MSE's standard deviation over
  configurations (``maximum_sd_estimate``);
* the K-means test of that split at low temperature and the percolation estimate
  built on it (``two_means_labels``, ``splitting_accuracy``,
  ``low_temperature_accuracy``, ``threshold_density``, ``percolation_estimate``).

All errors are in pixel units (spins mapped to [0, 1]), so they lie in [0, 1] for
both encodings of ``ising_core.models``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from .analysis import NoCrossingError, bootstrap_maximum_sd
from .catalog import ORDERED_CLASSES, build_catalog, paramagnetic_configurations
from .models import (
    autoencoder_encoding,
    build_autoencoder,
    compile_autoencoder,
    encode_configurations,
    reconstruction_error,
    train_autoencoder,
)
from .supervised import TransitionEstimate, combine_crossings

import keras  # noqa: E402  (after ising_core.models, which selects and quiets the backend)

logger = logging.getLogger(__name__)

DETECTION_LEVEL = 0.95
"""Splitting accuracy at or above which the sign split counts as detected (at most 5% misclassified)."""

VARIANTS = {
    "relu": {"activation": "relu", "encoding": "pixels"},
    "symmetric": {"activation": "tanh", "encoding": "spins"},
}
"""Autoencoder variants: the ReLU network of the reference study and its symmetric ablation.

"relu" maps spins to pixels in [0, 1] and has ReLU hidden layers, a sigmoid output
and the binary cross-entropy loss. "symmetric" keeps spins at -1, 0, +1 and has tanh
hidden layers, a tanh output and the mean squared error loss.
"""

# Version of the reconstruction-error cache. Version 2 contains errors from the numba
# forward pass of ising_core.autoencoder_forward.
_CACHE_FORMAT = 2


# --------------------------------------------------------------------------- training


def ordered_training_set(size: int, repeats: int = 1) -> np.ndarray:
    """Return the ordered catalog patterns (F, N, S), each repeated ``repeats`` times.

    The width-1 catalog has 8 patterns. Repeating them changes how many
    optimizer steps one epoch takes, not which patterns the network learns.

    Returns
    -------
    numpy.ndarray
        int8 array of shape (8 * repeats, size, size).
    """
    return build_catalog(size, classes=ORDERED_CLASSES, repeats=repeats).configurations


def relaxed_training_set(
    size: int, paramagnetic_samples: int, seed: int, repeats: int = 1
) -> np.ndarray:
    """Return the ordered patterns together with random +-1 configurations.

    The ordered patterns are repeated ``max(repeats, ceil(paramagnetic_samples / 8))``
    times, so the ordered part has at least as many configurations as the random
    part and neither dominates the loss.

    Returns
    -------
    numpy.ndarray
        int8 array of shape (n, size, size): ordered patterns first.
    """
    patterns = len(ordered_training_set(size))
    copies = max(repeats, math.ceil(paramagnetic_samples / patterns))
    return build_catalog(
        size,
        classes=(*ORDERED_CLASSES, "P"),
        paramagnetic_samples=paramagnetic_samples,
        seed=seed,
        repeats=copies,
    ).configurations


def train_autoencoders(
    configurations: np.ndarray,
    seeds: Sequence[int],
    *,
    num_epochs: int,
    batch_size: int,
    lr: float,
    filters: int = 8,
    bottleneck_filters: int = 8,
    variant: str = "relu",
    cache_dir: str | os.PathLike | None = None,
    progress: bool = False,
) -> list:
    """Train one autoencoder per seed on ``configurations``, or load it from the cache.

    Parameters
    ----------
    configurations : numpy.ndarray
        Training spins of shape (n, L, L).
    seeds : sequence of int
        Training seeds, one network each.
    num_epochs, batch_size, lr, filters, bottleneck_filters :
        See ``ising_core.models.train_autoencoder``.
    variant : str
        A key of ``VARIANTS``.
    cache_dir : path-like, optional
        Folder of trained weights. A network is stored under a hash of its
        training data and settings (and the Keras version) and loaded on the next
        call with the same ones instead of being trained again. Files are written
        atomically. None trains every time.
    progress : bool
        Show a tqdm bar over the seeds.

    Returns
    -------
    list of keras.Model
        One model per seed, in the order of ``seeds``.
    """
    configurations = np.ascontiguousarray(configurations)
    settings = _training_settings(num_epochs, batch_size, lr, filters, bottleneck_filters, variant)

    models = []
    for seed in tqdm(list(seeds), desc=f"training {variant} autoencoders", disable=not progress):
        path = None
        if cache_dir is not None:
            path = _weights_path(Path(cache_dir), configurations, int(seed), settings)
            if path.is_file():
                models.append(_load_autoencoder(path, configurations.shape[-1], settings))
                logger.info("loaded autoencoder seed=%d from %s", seed, path)
                continue

        model = train_autoencoder(configurations, seed=int(seed), **settings)
        if path is not None:
            _save_weights_atomically(model, path)
        models.append(model)
    return models


def profile_autoencoders(
    profile: dict,
    training: str = "ordered",
    variant: str = "relu",
    cache_dir: str | os.PathLike | None = None,
    progress: bool = False,
) -> list:
    """Train (or load) the autoencoders of a run profile, one per seed of its ``autoencoder`` section.

    Parameters
    ----------
    profile : dict
        A profile from ``ising_core.profiles.load_profile``.
    training : str
        "ordered" (the catalog patterns F, N, S) or "relaxed" (those patterns with
        ``autoencoder.paramagnetic_samples`` random configurations drawn with the
        profile's seed).
    variant : str
        A key of ``VARIANTS``.
    cache_dir, progress : see ``train_autoencoders``.
    """
    return train_autoencoders(
        profile_training_set(profile, training),
        profile["autoencoder"]["seeds"],
        **profile_training_settings(profile),
        variant=variant,
        cache_dir=cache_dir,
        progress=progress,
    )


def profile_training_set(profile: dict, training: str = "ordered") -> np.ndarray:
    """Return the training configurations of a profile: "ordered" or "relaxed" (see ``profile_autoencoders``)."""
    settings = profile["autoencoder"]
    if training == "ordered":
        return ordered_training_set(profile["size"], settings["repeats"])
    if training == "relaxed":
        return relaxed_training_set(
            profile["size"], settings["paramagnetic_samples"], profile["seed"], settings["repeats"]
        )
    raise ValueError(f"training={training!r} is invalid; pass 'ordered' or 'relaxed'")


def profile_training_settings(profile: dict) -> dict:
    """Return the keyword arguments of ``train_autoencoders`` set by a profile's ``autoencoder`` section."""
    settings = profile["autoencoder"]
    keys = ("num_epochs", "batch_size", "lr", "filters", "bottleneck_filters")
    return {key: settings[key] for key in keys}


def _training_settings(num_epochs, batch_size, lr, filters, bottleneck_filters, variant) -> dict:
    """Build the keyword arguments of ``train_autoencoder``, which also key the weights cache."""
    if variant not in VARIANTS:
        raise ValueError(f"variant={variant!r} is invalid; pass one of {tuple(VARIANTS)}")
    return {
        "num_epochs": int(num_epochs),
        "batch_size": int(batch_size),
        "lr": float(lr),
        "filters": int(filters),
        "bottleneck_filters": int(bottleneck_filters),
        **VARIANTS[variant],
    }


@dataclass(frozen=True)
class TrainingProbe:
    """Reconstruction errors of fixed probe sets recorded during training.

    Attributes
    ----------
    epochs : numpy.ndarray
        0, 1, ..., num_epochs, where epoch 0 is the untrained network.
    errors : dict
        Probe name -> float64 array (n_seeds, num_epochs + 1): the mean MSE of
        that probe set after each epoch, one row per training seed.
    models : list of keras.Model
        The trained networks, one per seed.
    """

    epochs: np.ndarray
    errors: dict
    models: list


def probe_training(
    configurations: np.ndarray,
    probes: dict,
    seeds: Sequence[int],
    *,
    num_epochs: int,
    batch_size: int,
    lr: float,
    filters: int = 8,
    bottleneck_filters: int = 8,
    variant: str = "relu",
    cache_dir: str | os.PathLike | None = None,
    progress: bool = False,
) -> TrainingProbe:
    """Train as ``train_autoencoders`` does and record the error of probe sets after every epoch.

    The seeding, model and loss are those of ``ising_core.models.train_autoencoder``,
    so the final epoch reproduces the network that ``train_autoencoders`` trains
    for the same seed (up to TensorFlow's run-to-run floating-point differences).
    With ``cache_dir`` the trained weights are stored where ``train_autoencoders``
    looks for them, so a later call of it loads these networks. The history is
    not cached: every call trains.

    Parameters
    ----------
    configurations : numpy.ndarray
        Training spins of shape (n, L, L).
    probes : dict
        Name -> spins of shape (m, L, L) whose mean MSE is recorded, for example
        the all-up and all-down patterns and random configurations.
    seeds, num_epochs, batch_size, lr, filters, bottleneck_filters, variant, cache_dir, progress :
        See ``train_autoencoders``.
    """
    settings = _training_settings(num_epochs, batch_size, lr, filters, bottleneck_filters, variant)
    activation, encoding = settings["activation"], settings["encoding"]
    configurations = np.ascontiguousarray(configurations)
    inputs = encode_configurations(configurations, encoding)

    errors = {name: np.empty((len(seeds), num_epochs + 1)) for name in probes}
    models = []
    for row, seed in enumerate(tqdm(list(seeds), desc=f"training {variant} autoencoders", disable=not progress)):
        keras.utils.set_random_seed(int(seed))
        model = build_autoencoder(
            configurations.shape[-1],
            filters=filters,
            bottleneck_filters=bottleneck_filters,
            activation=activation,
            encoding=encoding,
        )
        compile_autoencoder(model, lr, encoding, steps_per_epoch=-(-len(inputs) // batch_size))

        _record_probes(errors, row, 0, model, probes)
        callback = keras.callbacks.LambdaCallback(
            on_epoch_end=lambda epoch, logs, row=row, model=model: _record_probes(
                errors, row, epoch + 1, model, probes
            )
        )
        model.fit(
            inputs,
            inputs,
            epochs=num_epochs,
            batch_size=batch_size,
            shuffle=True,
            verbose=0,
            callbacks=[callback],
        )
        if cache_dir is not None:
            _save_weights_atomically(model, _weights_path(Path(cache_dir), configurations, int(seed), settings))
        models.append(model)
    return TrainingProbe(epochs=np.arange(num_epochs + 1), errors=errors, models=models)


def _record_probes(errors: dict, row: int, epoch: int, model, probes: dict) -> None:
    for name, probe in probes.items():
        errors[name][row, epoch] = reconstruction_error(model, probe).mean()


def _weights_path(cache_dir: Path, configurations: np.ndarray, seed: int, settings: dict) -> Path:
    digest = hashlib.sha256()
    digest.update(configurations.tobytes())
    key = {
        "format": _CACHE_FORMAT,
        "keras": keras.__version__,
        "shape": list(configurations.shape),
        "dtype": str(configurations.dtype),
        "seed": seed,
        **settings,
    }
    digest.update(json.dumps(key, sort_keys=True).encode())
    return cache_dir / f"autoencoder-{digest.hexdigest()[:16]}.weights.h5"


def _load_autoencoder(path: Path, size: int, settings: dict):
    model = build_autoencoder(
        size,
        filters=settings["filters"],
        bottleneck_filters=settings["bottleneck_filters"],
        activation=settings["activation"],
        encoding=settings["encoding"],
    )
    model.load_weights(path)
    return model


def _save_weights_atomically(model, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Keras needs the ".weights.h5" suffix on the temporary file too.
    descriptor, temporary = tempfile.mkstemp(prefix=".", suffix=".weights.h5", dir=path.parent)
    os.close(descriptor)
    try:
        model.save_weights(temporary)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# --------------------------------------------------------------------------- errors


@dataclass(frozen=True)
class ErrorScan:
    """Reconstruction errors of every configuration of one density's temperature scan.

    Attributes
    ----------
    density : float
        Spin density rho of the scan.
    temperatures : numpy.ndarray
        Increasing temperatures T/J, shape (n_temperatures,).
    errors : numpy.ndarray
        MSE in pixel units, shape (n_models, n_temperatures, samples): one block per
        trained autoencoder (training seed).
    magnetization : numpy.ndarray
        Signed magnetization per occupied spin of each configuration, shape
        (n_temperatures, samples).
    """

    density: float
    temperatures: np.ndarray
    errors: np.ndarray
    magnetization: np.ndarray

    @property
    def mean(self) -> np.ndarray:
        """Mean MSE over configurations, shape (n_models, n_temperatures)."""
        return self.errors.mean(axis=-1)

    @property
    def sd(self) -> np.ndarray:
        """Standard deviation (ddof=1) of the MSE over configurations, shape (n_models, n_temperatures)."""
        return self.errors.std(axis=-1, ddof=1)


def error_scan(models: Sequence, samples, cache_dir: str | os.PathLike | None = None) -> ErrorScan:
    """Compute the reconstruction error of every configuration of a Monte Carlo scan.

    Parameters
    ----------
    models : sequence of keras.Model
        Trained autoencoders, for example one per seed from ``train_autoencoders``.
    samples : MonteCarloSamples
        The scan (``configurations`` of shape (n_temperatures, samples, L, L)).
    cache_dir : path-like, optional
        Folder where the errors of each model are stored under a hash of its weights
        and of the configurations, and loaded from on the next call. None computes
        them every time.

    Returns
    -------
    ErrorScan
    """
    if len(models) == 0:
        raise ValueError("models is empty; pass at least one trained autoencoder")
    configurations = np.ascontiguousarray(samples.configurations)

    errors = []
    for model in models:
        path = None
        if cache_dir is not None:
            path = _errors_path(Path(cache_dir), model, configurations)
            if path.is_file():
                errors.append(np.load(path))
                continue

        model_errors = reconstruction_error(model, configurations)
        if path is not None:
            _save_array_atomically(model_errors, path)
        errors.append(model_errors)

    return ErrorScan(
        density=float(samples.density),
        temperatures=np.asarray(samples.temperatures, dtype=np.float64),
        errors=np.stack(errors),
        magnetization=np.asarray(samples.magnetization, dtype=np.float64),
    )


def paramagnetic_errors(models: Sequence, size: int, samples: int, seed: int) -> np.ndarray:
    """Compute the reconstruction errors of fresh random +-1 configurations (the T = infinity limit).

    Returns
    -------
    numpy.ndarray
        float64 array of shape (n_models, samples).
    """
    configurations = paramagnetic_configurations(size, samples, np.random.default_rng(seed))
    return np.stack([reconstruction_error(model, configurations) for model in models])


def reconstruct(model, configurations: np.ndarray) -> np.ndarray:
    """Reconstruct configurations with an autoencoder, in pixel units.

    Returns
    -------
    numpy.ndarray
        float64 array of shape (..., L, L) with values in [0, 1]: 0 is a down
        spin, 1 an up spin and 0.5 an empty site (or a maximally unsure pixel).
    """
    configurations = np.asarray(configurations)
    encoding = autoencoder_encoding(model)
    inputs = encode_configurations(configurations.reshape(-1, *configurations.shape[-2:]), encoding)
    outputs = np.asarray(keras.ops.convert_to_numpy(model(inputs, training=False)), dtype=np.float64)
    if encoding == "spins":
        outputs = (outputs + 1.0) / 2.0
    return outputs[..., 0].reshape(configurations.shape)


def configurations_at(samples, temperatures: Sequence[float], index: int = 0):
    """Pick one stored configuration at the grid temperature nearest to each requested one.

    Returns
    -------
    configurations : numpy.ndarray
        Spins of shape (len(temperatures), L, L): configuration ``index`` of each
        picked temperature.
    picked : numpy.ndarray
        The grid temperatures picked, shape (len(temperatures),).
    """
    grid = np.asarray(samples.temperatures, dtype=np.float64)
    rows = [int(np.argmin(np.abs(grid - wanted))) for wanted in temperatures]
    return np.asarray(samples.configurations)[rows, index], grid[rows]


def _errors_path(cache_dir: Path, model, configurations: np.ndarray) -> Path:
    digest = hashlib.sha256()
    digest.update(f"format={_CACHE_FORMAT};shape={configurations.shape}".encode())
    for weights in model.get_weights():
        digest.update(np.ascontiguousarray(weights).tobytes())
    digest.update(configurations.tobytes())
    return cache_dir / f"errors-{digest.hexdigest()[:16]}.npy"


def _save_array_atomically(array: np.ndarray, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=".", suffix=".npy", dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as stream:
            np.save(stream, array)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# --------------------------------------------------------------------------- sign split


@dataclass(frozen=True)
class SignSplit:
    """MSE statistics of the configurations with m > 0 ("up") and m < 0 ("down").

    Every field has the leading shape of the errors without the samples axis, for
    example (n_models, n_temperatures). Means are NaN where a sector has no
    configuration, standard deviations (ddof=1) where it has fewer than two.
    Configurations with m = 0 belong to neither sector.
    """

    up_mean: np.ndarray
    up_sd: np.ndarray
    up_count: np.ndarray
    down_mean: np.ndarray
    down_sd: np.ndarray
    down_count: np.ndarray


def split_by_sign(errors: np.ndarray, magnetization: np.ndarray) -> SignSplit:
    """Split per-configuration errors by the sign of the magnetization.

    Parameters
    ----------
    errors : numpy.ndarray
        Shape (..., samples), for example ``ErrorScan.errors``.
    magnetization : numpy.ndarray
        Signed magnetization of the same configurations, broadcastable to
        ``errors`` (for example (n_temperatures, samples)).
    """
    errors = np.asarray(errors, dtype=np.float64)
    magnetization = np.broadcast_to(np.asarray(magnetization, dtype=np.float64), errors.shape)
    up_mean, up_sd, up_count = _masked_mean_sd(errors, magnetization > 0)
    down_mean, down_sd, down_count = _masked_mean_sd(errors, magnetization < 0)
    return SignSplit(up_mean, up_sd, up_count, down_mean, down_sd, down_count)


def _masked_mean_sd(values: np.ndarray, mask: np.ndarray):
    count = mask.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(mask, values, 0.0).sum(axis=-1) / count
        squares = np.where(mask, (values - mean[..., np.newaxis]) ** 2, 0.0).sum(axis=-1)
        sd = np.sqrt(squares / (count - 1))
    mean = np.where(count > 0, mean, np.nan)
    sd = np.where(count > 1, sd, np.nan)
    return mean, sd, count


@dataclass(frozen=True)
class Level:
    """A mean MSE with its standard error, combined over training seeds.

    ``error`` is ``sqrt(mean(se**2) + spread**2 / n_models)``: the standard error
    over configurations of each model combined with the standard error of the
    mean over models. ``per_model`` contains each model's mean.
    """

    value: float
    error: float
    per_model: tuple


def sector_levels(scan: ErrorScan, low_temperature: float, high_temperature: float) -> dict:
    """Compute the mean MSE of the up and down sectors at low T and of all configurations at high T.

    Parameters
    ----------
    scan : ErrorScan
    low_temperature : float
        The up (m > 0) and down (m < 0) levels pool the configurations with
        T <= low_temperature.
    high_temperature : float
        The "disordered" level pools all configurations with T >= high_temperature.

    Returns
    -------
    dict
        ``{"up": Level, "down": Level, "disordered": Level}``; a level without
        configurations is None.
    """
    low = scan.temperatures <= low_temperature
    high = scan.temperatures >= high_temperature
    magnetization = scan.magnetization
    masks = {
        "up": low[:, np.newaxis] & (magnetization > 0),
        "down": low[:, np.newaxis] & (magnetization < 0),
        "disordered": np.broadcast_to(high[:, np.newaxis], magnetization.shape),
    }
    return {name: mean_level(scan.errors, mask) for name, mask in masks.items()}


def mean_level(errors: np.ndarray, mask: np.ndarray | None = None) -> Level | None:
    """Average errors over configurations and models into a ``Level`` with its standard error.

    Parameters
    ----------
    errors : numpy.ndarray
        Shape (n_models, ...): one block of per-configuration errors per model,
        for example ``paramagnetic_errors`` or ``ErrorScan.errors``.
    mask : numpy.ndarray, optional
        bool array of the shape of one block; only its True entries are pooled.

    Returns
    -------
    Level or None
        None when the mask selects nothing.
    """
    errors = np.asarray(errors, dtype=np.float64)
    if mask is None:
        mask = np.ones(errors.shape[1:], dtype=bool)
    if not mask.any():
        return None
    means, standard_errors = [], []
    for model_errors in errors:
        values = model_errors[mask]
        means.append(float(values.mean()))
        standard_errors.append(float(values.std(ddof=1) / np.sqrt(values.size)) if values.size > 1 else 0.0)

    means = np.array(means)
    spread = means.std(ddof=1) if means.size > 1 else 0.0
    error = float(np.sqrt(np.mean(np.square(standard_errors)) + spread**2 / means.size))
    return Level(value=float(means.mean()), error=error, per_model=tuple(means.tolist()))


# --------------------------------------------------------------------------- maximum SD


def maximum_sd_estimate(
    scan: ErrorScan, resamples: int = 200, seed: int = 0, refine: bool = True
) -> TransitionEstimate:
    """Estimate the transition as the temperature of maximum SD of the MSE.

    Each model's peak gets a bootstrap error over configurations
    (``ising_core.analysis.bootstrap_maximum_sd``, resampling seed ``seed + k``
    for model k). The peaks are then combined over models like the crossings of
    the supervised route (``ising_core.supervised.combine_crossings``): the mean
    peak, with the bootstrap error combined with the standard error of the mean
    over models.

    Parameters
    ----------
    scan : ErrorScan
    resamples : int
        Bootstrap resamples per model.
    seed : int
        Base seed of the resampling.
    refine : bool
        Refine each peak by a parabola through the maximum and its neighbours.
    """
    peaks = []
    for k, model_errors in enumerate(scan.errors):
        estimate = bootstrap_maximum_sd(
            scan.temperatures, model_errors, resamples=resamples, seed=seed + k, refine=refine
        )
        peaks.append((estimate.value, estimate.error))
    return combine_crossings(peaks)


# --------------------------------------------------------------------------- K-means


def two_means_labels(values: np.ndarray) -> np.ndarray:
    """Cluster 1-D values into two groups by K-means. True marks the upper group.

    In one dimension the clusters of an optimal K-means partition are intervals, so
    trying every cut between consecutive distinct sorted values finds the global
    minimum of the within-cluster sum of squares exactly, in O(n log n). Lloyd's
    algorithm (as in ``sklearn.cluster.KMeans``) reaches it only from good starts,
    and is far slower inside a bootstrap loop. When all values are equal there is
    no cut, and every label is False.

    Parameters
    ----------
    values : numpy.ndarray
        Shape (n,).

    Returns
    -------
    numpy.ndarray
        bool array of shape (n,).
    """
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 1:
        raise ValueError(f"values must be 1-D, got shape {values.shape}")
    if not np.all(np.isfinite(values)):
        raise ValueError("values contain NaN or infinity; remove or fix them")

    ordered = np.sort(values)
    n = ordered.size
    cuts = np.flatnonzero(ordered[1:] > ordered[:-1]) + 1
    if cuts.size == 0:
        return np.zeros(n, dtype=bool)

    # Sum of squares of a group = sum(x^2) - (sum x)^2 / count, from prefix sums.
    # Centring first keeps the subtraction accurate for tightly clustered values.
    centred = ordered - ordered.mean()
    sums = np.concatenate(([0.0], np.cumsum(centred)))
    squares = np.concatenate(([0.0], np.cumsum(centred**2)))
    left = squares[cuts] - sums[cuts] ** 2 / cuts
    right_count = n - cuts
    right = (squares[n] - squares[cuts]) - (sums[n] - sums[cuts]) ** 2 / right_count
    best = cuts[np.argmin(left + right)]

    threshold = 0.5 * (ordered[best - 1] + ordered[best])
    return values > threshold


def splitting_accuracy(errors: np.ndarray, magnetization: np.ndarray) -> float:
    """Measure how well the K-means split of the errors matches the sign of the magnetization.

    The errors are cut into two clusters by ``two_means_labels``, and the clusters
    are compared with m > 0 versus m < 0. K-means does not know which cluster is
    which sector, so the accuracy is the larger agreement of the two label
    assignments, at least 0.5. Configurations with m = 0 are left out.

    Parameters
    ----------
    errors, magnetization : numpy.ndarray
        Shape (samples,) each.

    Returns
    -------
    float
        In [0.5, 1], and 1 when the clusters are exactly the two sectors.
    """
    errors = np.asarray(errors, dtype=np.float64)
    magnetization = np.asarray(magnetization, dtype=np.float64)
    if errors.ndim != 1 or errors.shape != magnetization.shape:
        raise ValueError(
            f"errors and magnetization must be 1-D of equal length, got shapes "
            f"{errors.shape} and {magnetization.shape}"
        )
    signed = magnetization != 0
    if signed.sum() < 2:
        raise ValueError("fewer than two configurations have m != 0; nothing to split")

    labels = two_means_labels(errors[signed])
    agreement = float(np.mean(labels == (magnetization[signed] > 0)))
    return max(agreement, 1.0 - agreement)


@dataclass(frozen=True)
class SplittingAccuracy:
    """K-means splitting accuracy of one density at low temperature.

    Attributes
    ----------
    value : float
        Accuracy averaged over the low temperatures and the models.
    error : float
        ``sqrt(mean(bootstrap_sd**2) + spread**2 / n_models)``: the bootstrap
        error over configurations of each model combined with the standard error
        of the mean over models.
    per_model : numpy.ndarray
        Accuracy of each model, averaged over the low temperatures, (n_models,).
    per_temperature : numpy.ndarray
        Accuracy of each model at each low temperature, (n_models, n_low).
    replicates : numpy.ndarray
        Bootstrap replicates of ``per_model``, (resamples, n_models). Replicate b
        resamples the same configurations for every model.
    temperatures : numpy.ndarray
        The low temperatures used, (n_low,).
    """

    value: float
    error: float
    per_model: np.ndarray
    per_temperature: np.ndarray
    replicates: np.ndarray
    temperatures: np.ndarray

    def as_dict(self) -> dict:
        """Plain-JSON form for the results files (without the replicates)."""
        return {
            "value": self.value,
            "error": self.error,
            "per_model": self.per_model.tolist(),
            "temperatures": self.temperatures.tolist(),
        }


def low_temperature_accuracy(
    scan: ErrorScan, low_temperature: float, resamples: int = 200, seed: int = 0
) -> SplittingAccuracy:
    """Measure the K-means splitting accuracy at every temperature T <= low_temperature, with bootstrap errors.

    At each low temperature the errors of one model are split by
    ``splitting_accuracy``, and the accuracies are averaged over those
    temperatures. The configurations at a temperature are resampled with
    replacement for the bootstrap, independently at each temperature.

    Raises
    ------
    ValueError
        If no temperature of the scan is at or below ``low_temperature``.
    """
    low = np.flatnonzero(scan.temperatures <= low_temperature)
    if low.size == 0:
        raise ValueError(
            f"no temperature of the scan is <= low_temperature={low_temperature:g} "
            f"(lowest {scan.temperatures[0]:g}); raise low_temperature"
        )
    if isinstance(resamples, bool) or not isinstance(resamples, int) or resamples < 2:
        raise ValueError(f"resamples={resamples!r} is invalid; pass an integer >= 2")

    errors = scan.errors[:, low]
    magnetization = scan.magnetization[low]
    per_temperature = _accuracies(errors, magnetization)

    rng = np.random.default_rng(seed)
    samples = magnetization.shape[1]
    rows = np.arange(low.size)[:, np.newaxis]
    replicates = np.empty((resamples, errors.shape[0]))
    for b in range(resamples):
        columns = rng.integers(0, samples, size=(low.size, samples))
        replicates[b] = _accuracies(errors[:, rows, columns], magnetization[rows, columns]).mean(axis=1)

    per_model = per_temperature.mean(axis=1)
    bootstrap_sd = replicates.std(axis=0, ddof=1)
    spread = per_model.std(ddof=1) if per_model.size > 1 else 0.0
    error = float(np.sqrt(np.mean(bootstrap_sd**2) + spread**2 / per_model.size))
    return SplittingAccuracy(
        value=float(per_model.mean()),
        error=error,
        per_model=per_model,
        per_temperature=per_temperature,
        replicates=replicates,
        temperatures=scan.temperatures[low],
    )


def _accuracies(errors: np.ndarray, magnetization: np.ndarray) -> np.ndarray:
    """Compute the splitting accuracy of errors (n_models, n_T, samples) at each temperature."""
    n_models, n_temperatures = errors.shape[:2]
    accuracies = np.empty((n_models, n_temperatures))
    for k in range(n_models):
        for t in range(n_temperatures):
            accuracies[k, t] = splitting_accuracy(errors[k, t], magnetization[t])
    return accuracies


# --------------------------------------------------------------------------- percolation


def threshold_density(
    densities: Sequence[float], accuracies: Sequence[float], level: float = DETECTION_LEVEL
) -> float:
    """Find the density where the splitting accuracy rises through ``level``.

    The densities are sorted first. Let rho_hi be the lowest density from which
    the accuracy stays at or above ``level`` at every higher density, and rho_lo
    the next lower one. The threshold is interpolated linearly between them.

    Raises
    ------
    NoCrossingError
        If the accuracy is at or above the level at every density (the threshold
        lies below the grid) or below it at the highest density.
    """
    densities = np.asarray(densities, dtype=np.float64)
    accuracies = np.asarray(accuracies, dtype=np.float64)
    if densities.ndim != 1 or densities.shape != accuracies.shape or densities.size < 2:
        raise ValueError(
            f"densities and accuracies must be 1-D of equal length >= 2, got shapes "
            f"{densities.shape} and {accuracies.shape}"
        )
    order = np.argsort(densities)
    densities, accuracies = densities[order], accuracies[order]
    if np.any(np.diff(densities) == 0):
        raise ValueError(f"densities must be distinct, got {densities.tolist()}")

    detected = accuracies >= level
    if not detected[-1]:
        raise NoCrossingError(
            f"the splitting accuracy {accuracies[-1]:.3f} at the highest density "
            f"{densities[-1]:g} is below {level:g}: no density shows the split"
        )
    undetected = np.flatnonzero(~detected)
    if undetected.size == 0:
        raise NoCrossingError(
            f"the splitting accuracy is >= {level:g} at every density down to "
            f"{densities[0]:g}: the threshold lies below the grid"
        )

    lo = undetected[-1]
    hi = lo + 1
    fraction = (level - accuracies[lo]) / (accuracies[hi] - accuracies[lo])
    return float(densities[lo] + fraction * (densities[hi] - densities[lo]))


@dataclass(frozen=True)
class PercolationEstimate:
    """Density below which the K-means split of the low-temperature MSE is lost.

    Attributes
    ----------
    threshold : TransitionEstimate
        Interpolated density where the accuracy crosses the detection level: per
        model the crossing of its accuracy curve with the standard deviation of
        the crossings of its bootstrap replicates, combined over models. Its
        ``value`` is None when no model's curve crosses inside the grid.
    lowest_detected : float or None
        Lowest density from which the model-averaged accuracy stays at or above
        the level at every higher density.
    highest_undetected : float or None
        The next lower density of the grid, whose accuracy is below the level.
    level : float
        The detection level (1 - tolerated misclassification).
    """

    threshold: TransitionEstimate
    lowest_detected: float | None
    highest_undetected: float | None
    level: float

    def ordered_densities(self, densities: Sequence[float]) -> list:
        """Select the densities above the estimated threshold, highest first.

        Without a threshold value, these are the densities from ``lowest_detected``
        up (every density when all show the split), or none when no density does.
        """
        if self.threshold.value is not None:
            selected = [rho for rho in densities if rho > self.threshold.value]
        elif self.lowest_detected is not None:
            selected = [rho for rho in densities if rho >= self.lowest_detected]
        else:
            selected = []
        return sorted((float(rho) for rho in selected), reverse=True)

    def as_dict(self) -> dict:
        """Plain-JSON form for the results files."""
        return {
            "threshold": self.threshold.as_dict(),
            "lowest_detected": self.lowest_detected,
            "highest_undetected": self.highest_undetected,
            "level": self.level,
        }


def percolation_estimate(
    densities: Sequence[float],
    accuracies: Sequence[SplittingAccuracy],
    level: float = DETECTION_LEVEL,
) -> PercolationEstimate:
    """Estimate the percolation threshold from the splitting accuracy at several densities.

    Parameters
    ----------
    densities : sequence of float
        The densities, distinct.
    accuracies : sequence of SplittingAccuracy
        One per density, from ``low_temperature_accuracy`` with the same models
        and the same number of resamples.
    level : float
        Detection level, 0.95 for 5% misclassification.
    """
    densities = np.asarray(densities, dtype=np.float64)
    if len(accuracies) != densities.size:
        raise ValueError(
            f"got {len(accuracies)} accuracies for {densities.size} densities; pass one per density"
        )
    per_model = np.stack([a.per_model for a in accuracies], axis=-1)  # (n_models, n_rho)
    replicates = np.stack([a.replicates for a in accuracies], axis=-1)  # (resamples, n_models, n_rho)

    crossings = []
    for k in range(per_model.shape[0]):
        if densities.size < 2:
            crossings.append(None)
            continue
        try:
            value = threshold_density(densities, per_model[k], level)
        except NoCrossingError as error:
            logger.info("model %d: %s", k, error)
            crossings.append(None)
            continue
        resampled = []
        for replicate in replicates[:, k]:
            try:
                resampled.append(threshold_density(densities, replicate, level))
            except NoCrossingError:
                pass
        error = float(np.std(resampled, ddof=1)) if len(resampled) >= 2 else float("nan")
        crossings.append((value, error))

    mean_accuracy = per_model.mean(axis=0)
    order = np.argsort(densities)
    lowest_detected = highest_undetected = None
    detected = mean_accuracy[order] >= level
    if detected[-1]:
        undetected = np.flatnonzero(~detected)
        start = undetected[-1] + 1 if undetected.size else 0
        lowest_detected = float(densities[order][start])
        if undetected.size:
            highest_undetected = float(densities[order][undetected[-1]])

    return PercolationEstimate(
        threshold=combine_crossings(crossings),
        lowest_detected=lowest_detected,
        highest_undetected=highest_undetected,
        level=float(level),
    )


@dataclass(frozen=True)
class DensityScan:
    """Error scans and estimates of every density, for one set of trained models.

    Attributes
    ----------
    scans : dict
        Density -> ErrorScan.
    transitions : dict
        Density -> TransitionEstimate from the maximum SD of the MSE.
    accuracies : dict
        Density -> SplittingAccuracy at T <= low_temperature.
    percolation : PercolationEstimate
    low_temperature : float
    """

    scans: dict
    transitions: dict
    accuracies: dict
    percolation: PercolationEstimate
    low_temperature: float

    def as_dict(self) -> dict:
        """Plain-JSON form for the results files, keyed by density as text."""
        return {
            "low_temperature": self.low_temperature,
            "maximum_sd_temperature": {f"{rho:g}": t.as_dict() for rho, t in self.transitions.items()},
            "splitting_accuracy": {f"{rho:g}": a.as_dict() for rho, a in self.accuracies.items()},
            "percolation": self.percolation.as_dict(),
        }


def density_scan(
    models: Sequence,
    samples_by_density: dict,
    low_temperature: float,
    resamples: int = 200,
    seed: int = 0,
    cache_dir: str | os.PathLike | None = None,
    progress: bool = False,
) -> DensityScan:
    """Run the whole dilution analysis of one set of models on every density.

    For each density: the error scan, the maximum-SD transition and the
    low-temperature splitting accuracy; then the percolation estimate from the
    accuracies of all densities.
    """
    scans, transitions, accuracies = {}, {}, {}
    for rho in tqdm(sorted(samples_by_density, reverse=True), desc="densities", disable=not progress):
        scan = error_scan(models, samples_by_density[rho], cache_dir=cache_dir)
        scans[rho] = scan
        transitions[rho] = maximum_sd_estimate(scan, resamples=resamples, seed=seed)
        accuracies[rho] = low_temperature_accuracy(scan, low_temperature, resamples=resamples, seed=seed)

    densities = list(accuracies)
    percolation = percolation_estimate(densities, [accuracies[rho] for rho in densities])
    return DensityScan(scans, transitions, accuracies, percolation, float(low_temperature))
