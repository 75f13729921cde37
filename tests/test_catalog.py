"""Tests of the synthetic catalog and its figure."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from ising_core.catalog import (  # noqa: E402
    Catalog,
    build_catalog,
    neel_patterns,
    stripe_patterns,
)
from ising_core.plotting import plot_catalog  # noqa: E402

SIZE = 8


@pytest.fixture(scope="module")
def catalog():
    return build_catalog(SIZE, paramagnetic_samples=50, seed=3)


def test_catalog_class_counts(catalog):
    assert catalog.class_counts() == {"F": 2, "N": 2, "S": 4, "P": 50}


def test_catalog_shapes_and_dtypes(catalog):
    assert catalog.configurations.shape == (58, SIZE, SIZE)
    assert catalog.configurations.dtype == np.int8
    assert catalog.labels.dtype == np.int64
    assert catalog.class_names == ("F", "N", "S", "P")


def test_catalog_values_are_full_spins(catalog):
    assert set(np.unique(catalog.configurations)) == {-1, 1}


def test_catalog_configurations_unique(catalog):
    flat = catalog.configurations.reshape(len(catalog), -1)
    assert len(np.unique(flat, axis=0)) == len(catalog)


def test_catalog_is_read_only(catalog):
    with pytest.raises(ValueError):
        catalog.configurations[0, 0, 0] = 0


@pytest.mark.parametrize("name", ["F", "N", "S"])
def test_ordered_class_has_both_signs(catalog, name):
    patterns = catalog.configurations_of(name)
    keys = {pattern.tobytes() for pattern in patterns}
    for pattern in patterns:
        assert (-pattern).tobytes() in keys


def test_ferromagnetic_is_uniform(catalog):
    magnetizations = catalog.configurations_of("F").mean(axis=(1, 2))
    assert sorted(magnetizations) == [-1.0, 1.0]


def test_neel_has_no_equal_neighbours():
    for pattern in neel_patterns(SIZE):
        assert np.all(pattern * np.roll(pattern, 1, axis=0) == -1)
        assert np.all(pattern * np.roll(pattern, 1, axis=1) == -1)


def test_stripes_cover_both_orientations():
    patterns = stripe_patterns(SIZE)
    constant_rows = [np.all(p == p[:, :1]) for p in patterns]
    constant_columns = [np.all(p == p[:1, :]) for p in patterns]
    assert sum(constant_rows) == 2
    assert sum(constant_columns) == 2


def test_wider_stripes_count_and_period():
    patterns = stripe_patterns(SIZE, stripe_widths=(1, 2))
    assert len(patterns) == 4 * (1 + 2)
    for pattern in patterns[4:]:
        flips_along_rows = np.all(pattern == -np.roll(pattern, 2, axis=0))
        flips_along_columns = np.all(pattern == -np.roll(pattern, 2, axis=1))
        assert flips_along_rows != flips_along_columns


def test_wider_stripes_are_distinct():
    patterns = stripe_patterns(SIZE, stripe_widths=(1, 2))
    assert len({p.tobytes() for p in patterns}) == len(patterns)


def test_labels_follow_classes_order():
    catalog = build_catalog(SIZE, classes=("P", "F"), paramagnetic_samples=5)
    assert catalog.class_names == ("P", "F")
    assert list(catalog.labels) == [0] * 5 + [1] * 2
    assert np.all(np.abs(catalog.configurations_of("F").mean(axis=(1, 2))) == 1)


def test_two_class_catalog_allows_odd_size():
    catalog = build_catalog(5, classes=("F", "P"), paramagnetic_samples=3)
    assert catalog.class_counts() == {"F": 2, "P": 3}


def test_same_seed_same_paramagnetic_samples():
    first = build_catalog(SIZE, classes=("P",), paramagnetic_samples=10, seed=7)
    second = build_catalog(SIZE, classes=("P",), paramagnetic_samples=10, seed=7)
    other = build_catalog(SIZE, classes=("P",), paramagnetic_samples=10, seed=8)
    assert np.array_equal(first.configurations, second.configurations)
    assert not np.array_equal(first.configurations, other.configurations)


def test_paramagnetic_spins_are_fair():
    samples = build_catalog(32, classes=("P",), paramagnetic_samples=100).configurations
    spins = samples.size
    # The mean of n fair +-1 spins has standard error 1/sqrt(n); allow 4 of them.
    assert abs(samples.mean()) < 4 / np.sqrt(spins)


def test_repeats_copy_ordered_patterns():
    catalog = build_catalog(SIZE, paramagnetic_samples=10, repeats=3)
    assert catalog.class_counts() == {"F": 6, "N": 6, "S": 12, "P": 10}


def test_repeats_none_balances_classes():
    catalog = build_catalog(SIZE, paramagnetic_samples=10, repeats=None)
    assert catalog.class_counts() == {"F": 10, "N": 10, "S": 12, "P": 10}


def test_repeats_none_without_paramagnetic():
    catalog = build_catalog(SIZE, classes=("F", "N", "S"), repeats=None)
    assert catalog.class_counts() == {"F": 2, "N": 2, "S": 4}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"classes": ("F", "X")}, "unknown class name"),
        ({"classes": ("F", "F")}, "repeats a class"),
        ({"classes": ()}, "classes is empty"),
        ({"classes": "FP"}, "sequence of class codes"),
        ({"size": 7}, "size=7 is odd"),
        ({"size": 2}, "size=2 is too small"),
        ({"size": 1, "classes": ("F", "P")}, "size=1 is too small"),
        ({"size": 8.0}, "size must be an integer"),
        ({"paramagnetic_samples": -1}, "paramagnetic_samples=-1 is invalid"),
        ({"paramagnetic_samples": 0}, "leaves class 'P' empty"),
        ({"repeats": 0}, "repeats=0 is invalid"),
        ({"stripe_widths": (3,)}, "stripe width 3 does not fit"),
        ({"stripe_widths": (0,)}, "stripe width=0 is invalid"),
    ],
)
def test_build_catalog_rejects(kwargs, message):
    arguments = {"size": SIZE, "paramagnetic_samples": 4}
    arguments.update(kwargs)
    with pytest.raises(ValueError, match=message):
        build_catalog(**arguments)


def test_catalog_rejects_mismatched_labels():
    configurations = np.ones((3, 4, 4), dtype=np.int8)
    with pytest.raises(ValueError, match="labels must have shape"):
        Catalog(configurations, np.zeros(2, dtype=np.int64), ("F",))


def test_plot_catalog_returns_figure(catalog):
    fig = plot_catalog(catalog, per_class=3)
    assert isinstance(fig, matplotlib.figure.Figure)
    assert len(fig.axes) == 4 * 3
    plt.close(fig)


def test_plot_catalog_uses_spin_colors(catalog):
    fig = plot_catalog(catalog, per_class=1)
    image = fig.axes[0].images[0]
    rgba = image.cmap(image.norm(np.array([-1, 0, 1])))
    assert np.allclose(rgba[0, :3], 0.0)
    assert np.allclose(rgba[1, :3], 0.6)
    assert np.allclose(rgba[2, :3], 1.0)
    plt.close(fig)
