"""Synthetic catalog of ideal spin configurations on a full L x L lattice.

The catalog is the only training data of the dense classifier and of the
autoencoder. It contains no Monte Carlo samples: the ordered classes are the
T = 0 ground-state patterns of a ferromagnet, a Neel antiferromagnet and a
striped phase, and the paramagnetic class is the T = infinity limit, in which
every spin is an independent fair coin. All sites are occupied, so the values
are -1 and +1 only.

Class names
-----------
F
    Ferromagnetic: all +1 and all -1 (2 patterns).
N
    Neel checkerboard, with both signs on the even sublattice (2 patterns).
S
    Stripes of width w along rows ("horizontal") and along columns
    ("vertical"), in every phase 0, ..., 2w - 1 of the period 2w. A shift by
    w flips the sign, so both signs are included. Width 1 alone gives
    4 patterns, and in general a width w adds 4w patterns.
P
    Paramagnetic: independent random +-1 spins, drawn from
    ``numpy.random.default_rng(seed)``.

Balancing the classes
---------------------
The ordered classes have only a handful of distinct patterns, while the
paramagnetic class usually has hundreds of samples. By default
(``repeats=1``) ``build_catalog`` stores each distinct pattern once, and
``ising_core.models.train_dense_classifier`` balances the classes itself by
repeating the configurations of the smaller classes. To store the
repetition in the catalog instead, ``repeats=k`` stores every ordered
pattern k times, and ``repeats=None`` chooses, for each ordered class, the
number of copies that brings it to at least the paramagnetic sample count.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from numbers import Integral

import numpy as np

logger = logging.getLogger(__name__)

CLASS_DESCRIPTIONS = {
    "F": "ferromagnetic",
    "N": "Neel",
    "S": "stripes",
    "P": "paramagnetic",
}
"""Long name of each catalog class, keyed by its one-letter code."""

ORDERED_CLASSES = ("F", "N", "S")
"""Classes made of T = 0 patterns, as opposed to the random class P."""

DEFAULT_PARAMAGNETIC_SAMPLES = 1000
"""Default number of random configurations in class P.

In a trial on 40 x 40 lattices with the default training settings, a
classifier with 100 hidden units trained on 1000 random configurations put
99.8% of 500 fresh random configurations in class P. Trained on 200, it put
only 84% there, which suggests that it had memorized its few samples.
"""


@dataclass(frozen=True)
class Catalog:
    """Labelled synthetic configurations.

    Attributes
    ----------
    configurations : numpy.ndarray
        int8 array of shape (n, L, L) with values -1 and +1 (read-only).
    labels : numpy.ndarray
        int64 array of shape (n,). Label k means ``class_names[k]``.
    class_names : tuple of str
        One-letter class codes in label order, for example ``("F", "P")``.
    """

    configurations: np.ndarray
    labels: np.ndarray
    class_names: tuple[str, ...]

    def __post_init__(self) -> None:
        if self.configurations.ndim != 3:
            raise ValueError(
                f"configurations must have shape (n, L, L), got shape "
                f"{self.configurations.shape}"
            )
        if self.labels.shape != self.configurations.shape[:1]:
            raise ValueError(
                f"labels must have shape ({self.configurations.shape[0]},) to match "
                f"the configurations, got shape {self.labels.shape}"
            )
        if self.labels.size and (
            self.labels.min() < 0 or self.labels.max() >= len(self.class_names)
        ):
            raise ValueError(
                f"labels must lie in 0..{len(self.class_names) - 1} for the "
                f"{len(self.class_names)} class names {self.class_names}"
            )

    @property
    def size(self) -> int:
        """Linear lattice size L."""
        return int(self.configurations.shape[-1])

    @property
    def num_classes(self) -> int:
        """Number of classes, which is the classifier's output width."""
        return len(self.class_names)

    def __len__(self) -> int:
        return int(self.labels.shape[0])

    def class_counts(self) -> dict[str, int]:
        """Count the configurations of each class, in label order."""
        counts = np.bincount(self.labels, minlength=self.num_classes)
        return {name: int(count) for name, count in zip(self.class_names, counts)}

    def configurations_of(self, class_name: str) -> np.ndarray:
        """Select the configurations of one class, shape (n_class, L, L)."""
        if class_name not in self.class_names:
            raise ValueError(
                f"class {class_name!r} is not in this catalog; its classes are "
                f"{self.class_names}"
            )
        return self.configurations[self.labels == self.class_names.index(class_name)]


def ferromagnetic_patterns(size: int) -> np.ndarray:
    """Build the two ferromagnetic ground states, all +1 then all -1.

    Returns
    -------
    numpy.ndarray
        int8 array of shape (2, size, size).
    """
    _validate_size(size, minimum=2, even=False)
    up = np.ones((size, size), dtype=np.int8)
    return np.stack([up, -up])


def neel_patterns(size: int) -> np.ndarray:
    """Build the two Neel checkerboards, with +1 then -1 at site (0, 0).

    The checkerboard is periodic on the torus only for even ``size``.

    Returns
    -------
    numpy.ndarray
        int8 array of shape (2, size, size).
    """
    _validate_size(size, minimum=4, even=True)
    rows, cols = np.indices((size, size))
    checkerboard = np.where((rows + cols) % 2 == 0, 1, -1).astype(np.int8)
    return np.stack([checkerboard, -checkerboard])


def stripe_patterns(size: int, stripe_widths: tuple[int, ...] = (1,)) -> np.ndarray:
    """Build striped ground states along rows and along columns.

    For each width w the pattern has period 2w, so it is periodic on the
    torus only when 2w divides ``size``. Every phase 0, ..., 2w - 1 of that
    period is included for both orientations, which gives 4w patterns per
    width. The phases w, ..., 2w - 1 are the sign-flipped copies of the
    phases 0, ..., w - 1.

    Parameters
    ----------
    size : int
        Linear lattice size L, even and at least 4.
    stripe_widths : tuple of int
        Stripe widths w in lattice spacings. Each must satisfy
        ``size % (2 * w) == 0``.

    Returns
    -------
    numpy.ndarray
        int8 array of shape (4 * sum(stripe_widths), size, size): for each
        width, the horizontal stripes (constant along a row) for every phase,
        then the vertical stripes.
    """
    _validate_size(size, minimum=4, even=True)
    widths = _validate_stripe_widths(stripe_widths, size)

    patterns = []
    coordinate = np.arange(size)
    for width in widths:
        for orientation in ("horizontal", "vertical"):
            for phase in range(2 * width):
                profile = np.where(((coordinate + phase) // width) % 2 == 0, 1, -1)
                if orientation == "horizontal":
                    pattern = np.repeat(profile[:, None], size, axis=1)
                else:
                    pattern = np.repeat(profile[None, :], size, axis=0)
                patterns.append(pattern.astype(np.int8))
    return np.stack(patterns)


def paramagnetic_configurations(
    size: int, samples: int, rng: np.random.Generator
) -> np.ndarray:
    """Draw independent random +-1 configurations, the T = infinity state.

    Parameters
    ----------
    size : int
        Linear lattice size L, at least 2.
    samples : int
        Number of configurations, at least 0.
    rng : numpy.random.Generator
        Source of the random spins.

    Returns
    -------
    numpy.ndarray
        int8 array of shape (samples, size, size).
    """
    _validate_size(size, minimum=2, even=False)
    _validate_count(samples, "paramagnetic_samples")
    bits = rng.integers(0, 2, size=(samples, size, size), dtype=np.int8)
    return (2 * bits - 1).astype(np.int8)


def build_catalog(
    size: int = 40,
    classes: tuple[str, ...] = ("F", "N", "S", "P"),
    paramagnetic_samples: int = DEFAULT_PARAMAGNETIC_SAMPLES,
    seed: int = 0,
    repeats: int | None = 1,
    stripe_widths: tuple[int, ...] = (1,),
) -> Catalog:
    """Build the labelled synthetic catalog.

    Parameters
    ----------
    size : int
        Linear lattice size L. It must be even and at least 4 when class N
        or S is requested, and at least 2 otherwise.
    classes : tuple of str
        Class codes from ``{"F", "N", "S", "P"}``, without repeats. Their
        order sets the labels: label k means ``classes[k]``. The F/P
        classifier of the dilution study uses ``classes=("F", "P")``, and
        the autoencoder trains on ``classes=("F", "N", "S")``.
    paramagnetic_samples : int
        Number of random configurations in class P. It must be positive when
        P is requested, and it is ignored otherwise.
    seed : int
        Seed of ``numpy.random.default_rng`` for class P. The ordered classes
        are deterministic.
    repeats : int or None
        Number of copies of each ordered pattern (at least 1). ``None``
        balances the classes instead: each ordered class gets
        ``ceil(paramagnetic_samples / n_patterns)`` copies of each of its
        patterns, so that it has at least as many samples as class P. Without
        class P, ``None`` means one copy.
    stripe_widths : tuple of int
        Stripe widths of class S. Each width w must satisfy
        ``size % (2 * w) == 0``.

    Returns
    -------
    Catalog
        Configurations grouped by class in the order of ``classes``.

    Raises
    ------
    ValueError
        For an unknown or repeated class code, an invalid size, a negative
        or zero sample count, an invalid repeat count or stripe width.
    """
    classes = _validate_classes(classes)
    needs_even = any(name in ("N", "S") for name in classes)
    _validate_size(size, minimum=4 if needs_even else 2, even=needs_even)
    _validate_count(paramagnetic_samples, "paramagnetic_samples")
    if "P" in classes and paramagnetic_samples == 0:
        raise ValueError(
            "paramagnetic_samples=0 leaves class 'P' empty; pass a positive "
            "count or remove 'P' from classes"
        )
    if repeats is not None:
        _validate_count(repeats, "repeats", minimum=1)
    rng = np.random.default_rng(seed)

    blocks = []
    for name in classes:
        if name == "P":
            blocks.append(paramagnetic_configurations(size, paramagnetic_samples, rng))
            continue

        patterns = _ordered_patterns(name, size, stripe_widths)
        copies = repeats
        if copies is None:
            copies = 1
            if "P" in classes:
                copies = max(1, math.ceil(paramagnetic_samples / len(patterns)))
        blocks.append(np.tile(patterns, (copies, 1, 1)))

    configurations = np.concatenate(blocks).astype(np.int8, copy=False)
    labels = np.concatenate(
        [np.full(len(block), k, dtype=np.int64) for k, block in enumerate(blocks)]
    )
    configurations.flags.writeable = False
    labels.flags.writeable = False

    catalog = Catalog(configurations, labels, classes)
    logger.info(
        "built catalog of %d configurations on a %dx%d lattice: %s",
        len(catalog),
        size,
        size,
        catalog.class_counts(),
    )
    return catalog


def _ordered_patterns(
    name: str, size: int, stripe_widths: tuple[int, ...]
) -> np.ndarray:
    if name == "F":
        return ferromagnetic_patterns(size)
    if name == "N":
        return neel_patterns(size)
    return stripe_patterns(size, stripe_widths)


def _validate_classes(classes: tuple[str, ...]) -> tuple[str, ...]:
    if isinstance(classes, str):
        raise ValueError(
            f"classes must be a sequence of class codes such as ('F', 'P'), got "
            f"the string {classes!r}"
        )
    classes = tuple(classes)
    if not classes:
        raise ValueError(
            f"classes is empty; pass at least one of {tuple(CLASS_DESCRIPTIONS)}"
        )

    unknown = [name for name in classes if name not in CLASS_DESCRIPTIONS]
    if unknown:
        raise ValueError(
            f"unknown class name(s) {unknown} in classes={classes}; valid names "
            f"are {tuple(CLASS_DESCRIPTIONS)} "
            f"({', '.join(f'{k}={v}' for k, v in CLASS_DESCRIPTIONS.items())})"
        )

    if len(set(classes)) != len(classes):
        raise ValueError(
            f"classes={classes} repeats a class; list each class once"
        )
    return classes


def _validate_size(size: int, minimum: int, even: bool) -> None:
    if isinstance(size, bool) or not isinstance(size, Integral):
        raise ValueError(f"size must be an integer, got {size!r}")
    if size < minimum:
        raise ValueError(
            f"size={size} is too small; the lattice needs size >= {minimum}"
            + (" for the Neel and stripe classes" if even else "")
        )
    if even and size % 2 != 0:
        raise ValueError(
            f"size={size} is odd, but the Neel and stripe classes need an even "
            f"size to be periodic on the torus; pass an even size such as "
            f"{size + 1} or drop 'N' and 'S' from classes"
        )


def _validate_count(value: int, name: str, minimum: int = 0) -> None:
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name}={value} is invalid; pass an integer >= {minimum}")


def _validate_stripe_widths(
    stripe_widths: tuple[int, ...], size: int
) -> tuple[int, ...]:
    widths = tuple(stripe_widths)
    if not widths:
        raise ValueError("stripe_widths is empty; pass at least one width, e.g. (1,)")
    if len(set(widths)) != len(widths):
        raise ValueError(f"stripe_widths={widths} repeats a width; list each width once")

    for width in widths:
        _validate_count(width, "stripe width", minimum=1)
        if size % (2 * width) != 0:
            valid = [w for w in range(1, size // 2 + 1) if size % (2 * w) == 0]
            raise ValueError(
                f"stripe width {width} does not fit a {size}x{size} torus: the "
                f"period 2*{width} = {2 * width} must divide size={size}; "
                f"valid widths are {valid}"
            )
    return widths
