"""The numba forward pass of the autoencoder against Keras, on real models and weights."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from ising_core import autoencoder_forward  # noqa: E402
from ising_core.catalog import build_catalog  # noqa: E402
from ising_core.models import build_autoencoder, reconstruction_error, train_autoencoder  # noqa: E402
from ising_core.unsupervised import VARIANTS  # noqa: E402

# Agreement of two float32 computations of the same network, in relative error.
RELATIVE_TOLERANCE = 2e-5


def _randomize(model, seed):
    """Give every weight, biases included, a random value, so that no tap or channel is idle."""
    rng = np.random.default_rng(seed)
    for weights in model.weights:
        weights.assign(rng.normal(0.0, 0.4, size=weights.shape).astype(np.float32))
    return model


def _spins(size, count, seed, diluted=True):
    rng = np.random.default_rng(seed)
    values = np.array([-1, 0, 1] if diluted else [-1, 1], dtype=np.int8)
    return rng.choice(values, size=(count, size, size))


@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("size", [5, 12])
def test_numba_pass_matches_keras_with_random_weights(variant, size):
    model = _randomize(build_autoencoder(size, **VARIANTS[variant]), seed=size)
    spins = _spins(size, 300, seed=1)
    ours = reconstruction_error(model, spins)
    reference = reconstruction_error(model, spins, backend="keras")
    assert autoencoder_forward.forward_spec(model) is not None
    np.testing.assert_allclose(ours, reference, rtol=RELATIVE_TOLERANCE, atol=1e-9)
    # The random weights must give errors that differ between configurations.
    assert np.std(reference) > 1e-3 * np.mean(reference)


def test_numba_pass_matches_keras_after_training():
    ordered = build_catalog(8, classes=("F", "N", "S")).configurations
    model = train_autoencoder(ordered, seed=0, num_epochs=20, batch_size=8, lr=1e-2)
    spins = np.concatenate([ordered, _spins(8, 50, seed=2, diluted=False)])
    np.testing.assert_allclose(
        reconstruction_error(model, spins),
        reconstruction_error(model, spins, backend="keras"),
        rtol=RELATIVE_TOLERANCE,
        atol=1e-9,
    )


def test_numba_pass_keeps_leading_shape():
    model = _randomize(build_autoencoder(6), seed=3)
    spins = _spins(6, 24, seed=4).reshape(2, 3, 4, 6, 6)
    assert reconstruction_error(model, spins).shape == (2, 3, 4)


def test_numba_pass_int8_equals_float():
    model = _randomize(build_autoencoder(6), seed=3)
    spins = _spins(6, 24, seed=4)
    np.testing.assert_array_equal(
        reconstruction_error(model, spins), reconstruction_error(model, spins.astype(np.float64))
    )


def test_tanh_approximation_error():
    values = np.linspace(-12.0, 12.0, 24_001).astype(np.float32)
    approximated = np.array([autoencoder_forward._tanh(value) for value in values], dtype=np.float64)
    assert np.abs(approximated - np.tanh(values.astype(np.float64))).max() < 4e-7


def test_unsupported_kernel_size_falls_back_to_keras():
    model = _randomize(build_autoencoder(7, kernel_size=5), seed=5)
    assert autoencoder_forward.forward_spec(model) is None
    spins = _spins(7, 10, seed=6)
    np.testing.assert_array_equal(
        reconstruction_error(model, spins), reconstruction_error(model, spins, backend="keras")
    )


def test_transposed_layer_is_read_as_a_rotated_convolution():
    model = _randomize(build_autoencoder(6), seed=7)
    spec = autoencoder_forward.forward_spec(model)
    keras_kernel = model.get_layer("decoder").get_weights()[0]  # (kh, kw, out, in)
    assert [kernel.shape for kernel in spec.kernels] == [(8, 1, 3, 3), (8, 8, 3, 3), (8, 8, 3, 3), (1, 8, 3, 3)]
    np.testing.assert_array_equal(spec.kernels[2][4, 5], keras_kernel[::-1, ::-1, 4, 5])


def test_empty_input_gives_empty_errors():
    model = build_autoencoder(6)
    assert reconstruction_error(model, np.zeros((0, 6, 6), dtype=np.int8)).shape == (0,)


def test_bad_arguments_name_the_value():
    model = build_autoencoder(6)
    spec = autoencoder_forward.forward_spec(model)
    with pytest.raises(ValueError, match="backend='torch'"):
        reconstruction_error(model, np.ones((1, 6, 6)), backend="torch")
    with pytest.raises(ValueError, match=r"\(n, 6, 6\)"):
        autoencoder_forward.reconstruction_errors(spec, np.ones((2, 5, 5)), "pixels")
    with pytest.raises(ValueError, match="run from -7 to 5"):
        reconstruction_error(model, np.array([[[5] * 6] * 6, [[-7] * 6] * 6]))
    with pytest.raises(ValueError, match="nan"):
        reconstruction_error(model, np.full((1, 6, 6), np.nan))
    with pytest.raises(ValueError, match="encoding='ising'"):
        autoencoder_forward.reconstruction_errors(spec, np.ones((2, 6, 6)), "ising")
