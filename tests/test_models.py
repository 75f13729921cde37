"""Tests of the Keras models, with real training on small lattices."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from ising_core.catalog import build_catalog  # noqa: E402
from ising_core.models import (  # noqa: E402
    build_autoencoder,
    build_dense_classifier,
    predict_probabilities,
    reconstruction_error,
    spins_to_pixels,
    train_autoencoder,
    train_dense_classifier,
)

SIZE = 16


@pytest.fixture(scope="module")
def catalog():
    return build_catalog(SIZE, paramagnetic_samples=400, seed=0)


@pytest.fixture(scope="module")
def trained_classifier(catalog):
    return train_dense_classifier(catalog, hidden_units=32, seed=0)


@pytest.mark.parametrize(("hidden_units", "num_classes"), [(1, 2), (8, 4), (100, 4)])
def test_dense_parameter_count(hidden_units, num_classes):
    model = build_dense_classifier(40, hidden_units, num_classes)
    expected = 1600 * hidden_units + hidden_units + hidden_units * num_classes + num_classes
    assert model.count_params() == expected


def test_dense_input_and_output_shapes():
    model = build_dense_classifier(40, 5, 4)
    assert model.input_shape == (None, 1600)
    assert model.output_shape == (None, 4)


def test_dense_layers_activations():
    model = build_dense_classifier(8, 5, 4)
    hidden = model.get_layer("hidden")
    output = model.get_layer("class_probabilities")
    assert hidden.activation is keras.activations.relu
    assert output.activation is keras.activations.softmax


def test_classifier_fits_catalog(trained_classifier, catalog):
    probabilities = predict_probabilities(trained_classifier, catalog.configurations)
    predicted = probabilities.argmax(axis=-1)
    assert np.array_equal(predicted, catalog.labels)


def test_classifier_ordered_patterns_confident(trained_classifier, catalog):
    ordered = catalog.labels != catalog.class_names.index("P")
    probabilities = predict_probabilities(trained_classifier, catalog.configurations[ordered])
    correct = probabilities[np.arange(len(probabilities)), catalog.labels[ordered]]
    assert correct.min() > 0.9


def test_classifier_generalizes_to_fresh_paramagnets(trained_classifier):
    fresh = build_catalog(SIZE, classes=("P",), paramagnetic_samples=200, seed=99)
    probabilities = predict_probabilities(trained_classifier, fresh.configurations)
    # Column 3 is class P in the default class order F, N, S, P.
    assert np.mean(probabilities.argmax(axis=-1) == 3) > 0.9


def test_predict_keeps_leading_shape(trained_classifier, catalog):
    batch = catalog.configurations[:6].reshape(2, 3, SIZE, SIZE)
    probabilities = predict_probabilities(trained_classifier, batch, batch_size=4)
    assert probabilities.shape == (2, 3, 4)
    assert probabilities.dtype == np.float64
    assert np.allclose(probabilities.sum(axis=-1), 1.0, atol=1e-5)


def test_predict_matches_unbatched(trained_classifier, catalog):
    whole = predict_probabilities(trained_classifier, catalog.configurations)
    pieces = predict_probabilities(trained_classifier, catalog.configurations, batch_size=7)
    assert np.allclose(whole, pieces, atol=1e-6)


def test_predict_accepts_empty_sites(trained_classifier, catalog):
    diluted = catalog.configurations[:4].copy()
    diluted[:, ::2, ::2] = 0
    probabilities = predict_probabilities(trained_classifier, diluted)
    assert np.all(np.isfinite(probabilities))


def test_predict_rejects_wrong_size(trained_classifier):
    with pytest.raises(ValueError, match="L\\*L = 256"):
        predict_probabilities(trained_classifier, np.ones((2, 8, 8), dtype=np.int8))


def test_same_seed_same_predictions():
    small = build_catalog(8, classes=("F", "P"), paramagnetic_samples=20)
    first = train_dense_classifier(small, hidden_units=4, seed=5, num_epochs=2)
    second = train_dense_classifier(small, hidden_units=4, seed=5, num_epochs=2)
    other = train_dense_classifier(small, hidden_units=4, seed=6, num_epochs=2)
    first_probabilities = predict_probabilities(first, small.configurations)
    assert np.array_equal(first_probabilities, predict_probabilities(second, small.configurations))
    assert not np.array_equal(first_probabilities, predict_probabilities(other, small.configurations))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"hidden_units": 0}, "hidden_units=0 is invalid"),
        ({"hidden_units": 2.5}, "hidden_units must be an integer"),
        ({"num_epochs": 0}, "num_epochs=0 is invalid"),
        ({"batch_size": 0}, "batch_size=0 is invalid"),
        ({"lr": 0.0}, "lr=0.0 is invalid"),
        ({"lr": float("nan")}, "lr=nan is invalid"),
    ],
)
def test_train_dense_rejects(kwargs, message):
    small = build_catalog(4, classes=("F", "P"), paramagnetic_samples=2)
    arguments = {"hidden_units": 2}
    arguments.update(kwargs)
    with pytest.raises(ValueError, match=message):
        train_dense_classifier(small, **arguments)


def test_build_dense_rejects_one_class():
    with pytest.raises(ValueError, match="num_classes=1 is invalid"):
        build_dense_classifier(8, 4, 1)


def test_spins_to_pixels_mapping():
    spins = np.array([[-1, 0], [1, -1]], dtype=np.int8)
    pixels = spins_to_pixels(spins)
    assert pixels.shape == (2, 2, 1)
    assert pixels.dtype == np.float32
    assert np.array_equal(pixels[..., 0], [[0.0, 0.5], [1.0, 0.0]])


def test_autoencoder_layers():
    model = build_autoencoder(size=8, filters=8, bottleneck_filters=4)
    conv_layers = [layer for layer in model.layers if hasattr(layer, "filters")]
    assert [layer.filters for layer in conv_layers] == [8, 4, 8, 1]
    assert [type(layer).__name__ for layer in conv_layers] == [
        "Conv2D",
        "Conv2D",
        "Conv2DTranspose",
        "Conv2D",
    ]
    assert model.output_shape == (None, 8, 8, 1)


def test_autoencoder_output_is_sigmoid():
    model = build_autoencoder(size=8)
    assert model.layers[-1].activation is keras.activations.sigmoid


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"filters": 0}, "filters=0 is invalid"),
        ({"bottleneck_filters": 0}, "bottleneck_filters=0 is invalid"),
        ({"kernel_size": 2}, "kernel_size=2 is even"),
        ({"activation": "nonsense"}, "not a Keras activation"),
    ],
)
def test_build_autoencoder_rejects(kwargs, message):
    with pytest.raises(ValueError, match=message):
        build_autoencoder(size=8, **kwargs)


def test_autoencoder_training_lowers_error():
    ordered = build_catalog(8, classes=("F", "N", "S")).configurations
    keras.utils.set_random_seed(0)
    untrained = build_autoencoder(size=8)
    trained = train_autoencoder(ordered, seed=0, num_epochs=10, batch_size=8, lr=1e-2)
    before = reconstruction_error(untrained, ordered)
    after = reconstruction_error(trained, ordered)
    assert after.shape == (len(ordered),)
    assert after.mean() < 0.5 * before.mean()


def test_reconstruction_error_keeps_leading_shape():
    model = build_autoencoder(size=8)
    configurations = np.ones((2, 3, 8, 8), dtype=np.int8)
    errors = reconstruction_error(model, configurations, batch_size=4)
    assert errors.shape == (2, 3)
    assert np.all((errors >= 0) & (errors <= 1))
