"""A numba forward pass of the convolutional autoencoder, for reconstruction errors.

The autoencoder chapters evaluate millions of Monte Carlo configurations. The
network is small (channels 1 -> 8 -> 8 -> 8 -> 1 on a 40 x 40 lattice, about
4 MFLOP per configuration), and with so few channels the general convolution
kernels of TensorFlow and XLA reach only a fraction of the CPU's speed. This
module computes the same forward pass with loops that numba vectorizes along
the lattice rows. Each output row accumulates the nine taps of one input
channel in a single pass, so the accumulator is loaded and stored once per
nine fused multiply-adds. Configurations run in parallel over the CPU cores.

``forward_spec`` reads the weights of a Keras autoencoder into plain arrays,
and ``reconstruction_errors`` returns one mean squared error per
configuration. ``ising_core.models.reconstruction_error`` uses this path
whenever ``forward_spec`` accepts the model, and Keras otherwise. The tests
compare both paths on random weights for both encodings. On two CPU cores the
numba pass is about 3.5 times as fast as the XLA-compiled Keras one
(``python -m ising_core.bench --skip-kernels --autoencoder``; BENCHMARKS.md).

Supported layers: ``Conv2D`` and ``Conv2DTranspose`` with a 3 x 3 kernel,
stride 1, dilation 1, "same" padding, a bias, and a ReLU, tanh, sigmoid or
linear activation. A transposed convolution of stride 1 is an ordinary
convolution with the kernel rotated by 180 degrees and its channel axes
swapped, which is how it is computed here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

ACTIVATIONS = {"linear": 0, "relu": 1, "tanh": 2, "sigmoid": 3}
"""Activation names of the supported layers and their codes in the kernel."""

KERNEL_SIZE = 3
"""The one kernel side the numba pass supports; other models use Keras."""


@dataclass(frozen=True)
class ForwardSpec:
    """The weights of an autoencoder in the layout of the numba pass.

    Attributes
    ----------
    kernels : tuple of numpy.ndarray
        One float32 array (out_channels, in_channels, 3, 3) per layer, in order.
    biases : tuple of numpy.ndarray
        One float32 array (out_channels,) per layer.
    activations : numpy.ndarray
        int64 codes of ``ACTIVATIONS``, one per layer.
    size : int
        Linear lattice size L of the input.
    """

    kernels: tuple
    biases: tuple
    activations: np.ndarray
    size: int

    @property
    def max_channels(self) -> int:
        return max(max(kernel.shape[0], kernel.shape[1]) for kernel in self.kernels)


def forward_spec(model) -> ForwardSpec | None:
    """Read a Keras autoencoder into a ``ForwardSpec``, or return None if a layer is not supported.

    The model must take one channel of shape (L, L, 1) and return one channel of
    the same shape through supported layers only (see the module docstring),
    as ``ising_core.models.build_autoencoder`` builds it with ``kernel_size=3``.
    """
    import keras

    input_shape = tuple(model.input_shape)
    if len(input_shape) != 4 or input_shape[1] != input_shape[2] or input_shape[3] != 1:
        return None
    kernels, biases, activations = [], [], []
    channels = 1
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        if not isinstance(layer, (keras.layers.Conv2D, keras.layers.Conv2DTranspose)):
            return None
        activation = getattr(layer.activation, "__name__", None)
        if (
            tuple(layer.kernel_size) != (KERNEL_SIZE, KERNEL_SIZE)
            or tuple(layer.strides) != (1, 1)
            or tuple(layer.dilation_rate) != (1, 1)
            or layer.padding != "same"
            or not layer.use_bias
            or getattr(layer, "groups", 1) != 1
            or activation not in ACTIVATIONS
        ):
            return None
        kernel, bias = (np.asarray(weights, dtype=np.float32) for weights in layer.get_weights())
        if isinstance(layer, keras.layers.Conv2DTranspose):
            # Keras stores (kh, kw, out, in); stride 1 makes it a rotated convolution.
            kernel = kernel[::-1, ::-1].transpose(0, 1, 3, 2)
        if kernel.shape[2] != channels:
            return None
        channels = kernel.shape[3]
        kernels.append(np.ascontiguousarray(kernel.transpose(3, 2, 0, 1)))
        biases.append(np.ascontiguousarray(bias))
        activations.append(ACTIVATIONS[activation])
    if not kernels or channels != 1:
        return None
    return ForwardSpec(
        kernels=tuple(kernels),
        biases=tuple(biases),
        activations=np.asarray(activations, dtype=np.int64),
        size=int(input_shape[1]),
    )


def reconstruction_errors(spec: ForwardSpec, configurations: np.ndarray, encoding: str) -> np.ndarray:
    """Return the mean squared reconstruction error of every configuration, in pixel units.

    Parameters
    ----------
    spec : ForwardSpec
        The network, from ``forward_spec``.
    configurations : numpy.ndarray
        Spins of shape (n, L, L) with values -1, 0 (empty site) and +1, of any
        numeric dtype (int8 as stored is read without a float copy).
    encoding : str
        "pixels" feeds (s + 1) / 2; "spins" feeds s and divides the squared
        difference by 4, so that both encodings give errors on one scale (see
        ``ising_core.models.reconstruction_error``).

    Returns
    -------
    numpy.ndarray
        float64 array of shape (n,).
    """
    configurations = np.ascontiguousarray(configurations)
    if configurations.ndim != 3 or configurations.shape[1:] != (spec.size, spec.size):
        raise ValueError(
            f"configurations must have shape (n, {spec.size}, {spec.size}), "
            f"got shape {configurations.shape}"
        )
    if encoding == "pixels":
        scale, offset, error_scale = 0.5, 0.5, 1.0
    elif encoding == "spins":
        scale, offset, error_scale = 1.0, 0.0, 0.25
    else:
        raise ValueError(f"encoding={encoding!r} is invalid; pass 'pixels' or 'spins'")

    errors = np.empty(configurations.shape[0], dtype=np.float64)
    if configurations.shape[0] == 0:
        return errors
    _errors_kernel(
        configurations,
        numba.typed.List(spec.kernels),
        numba.typed.List(spec.biases),
        spec.activations,
        np.float32(scale),
        np.float32(offset),
        error_scale,
        spec.max_channels,
        errors,
    )
    return errors


# A rational approximation of tanh: an odd polynomial of degree 13 over an even one of
# degree 6, with the input clamped to [-7.9053, 7.9053], beyond which tanh rounds to 1 in
# float32. Its error is below 4e-7 (tests/test_autoencoder_forward.py). With numba's
# np.tanh, one libm call per value, the tanh network ran about seven times slower.
_TANH_CLAMP = np.float32(7.90531110763549805)
_TANH_NUMERATOR = tuple(np.float32(c) for c in (
    4.89352455891786e-03, 6.37261928875436e-04, 1.48572235717979e-05, 5.12229709037114e-08,
    -8.60467152213735e-11, 2.00018790482477e-13, -2.76076847742355e-16,
))
_TANH_DENOMINATOR = tuple(np.float32(c) for c in (
    4.89352518554385e-03, 2.26843463243900e-03, 1.18534705686654e-04, 1.19825839466702e-06,
))


@numba.njit(fastmath=True, cache=True, inline="always")
def _tanh(x):
    x = min(max(x, -_TANH_CLAMP), _TANH_CLAMP)
    a1, a3, a5, a7, a9, a11, a13 = _TANH_NUMERATOR
    b0, b2, b4, b6 = _TANH_DENOMINATOR
    x2 = x * x
    numerator = x * (a1 + x2 * (a3 + x2 * (a5 + x2 * (a7 + x2 * (a9 + x2 * (a11 + x2 * a13))))))
    return numerator / (b0 + x2 * (b2 + x2 * (b4 + x2 * b6)))


@numba.njit(fastmath=True, cache=True, inline="always")
def _convolve(source, kernel, bias, activation, target, row):
    """Convolve the interior of ``source`` with a 3 x 3 kernel into the interior of ``target``.

    ``source`` and ``target`` are (channels, L + 2, L + 2) with a zero border, and
    that border is the zero padding of "same". ``row`` is a work array of length L.
    """
    out_channels, in_channels = kernel.shape[0], kernel.shape[1]
    size = row.shape[0]
    for o in range(out_channels):
        for i in range(size):
            b = bias[o]
            for j in range(size):
                row[j] = b
            for c in range(in_channels):
                w00, w01, w02 = kernel[o, c, 0, 0], kernel[o, c, 0, 1], kernel[o, c, 0, 2]
                w10, w11, w12 = kernel[o, c, 1, 0], kernel[o, c, 1, 1], kernel[o, c, 1, 2]
                w20, w21, w22 = kernel[o, c, 2, 0], kernel[o, c, 2, 1], kernel[o, c, 2, 2]
                r0, r1, r2 = source[c, i], source[c, i + 1], source[c, i + 2]
                # All nine taps in one statement: one load and store of row[j] per nine FMAs.
                for j in range(size):
                    row[j] += (
                        w00 * r0[j] + w01 * r0[j + 1] + w02 * r0[j + 2]
                        + w10 * r1[j] + w11 * r1[j + 1] + w12 * r1[j + 2]
                        + w20 * r2[j] + w21 * r2[j + 1] + w22 * r2[j + 2]
                    )
            out = target[o, i + 1]
            if activation == 1:
                for j in range(size):
                    out[j + 1] = max(row[j], np.float32(0.0))
            elif activation == 2:
                for j in range(size):
                    out[j + 1] = _tanh(row[j])
            elif activation == 3:
                for j in range(size):
                    out[j + 1] = np.float32(1.0) / (np.float32(1.0) + np.exp(-row[j]))
            else:
                for j in range(size):
                    out[j + 1] = row[j]


@numba.njit(parallel=True, fastmath=True, cache=True)
def _errors_kernel(spins, kernels, biases, activations, scale, offset, error_scale, max_channels, errors):
    n, size = spins.shape[0], spins.shape[1]
    layers = len(kernels)
    for s in numba.prange(n):
        # The input stays in buffers[0]; the layers alternate between buffers 1 and 2.
        buffers = np.zeros((3, max_channels, size + 2, size + 2), dtype=np.float32)
        row = np.empty(size, dtype=np.float32)
        first = buffers[0]
        for i in range(size):
            for j in range(size):
                first[0, i + 1, j + 1] = spins[s, i, j] * scale + offset
        for layer in range(layers):
            source = 0 if layer == 0 else 1 + (layer + 1) % 2
            _convolve(
                buffers[source], kernels[layer], biases[layer], activations[layer],
                buffers[1 + layer % 2], row,
            )
        output = buffers[1 + (layers - 1) % 2]
        total = 0.0
        for i in range(size):
            for j in range(size):
                difference = np.float64(first[0, i + 1, j + 1]) - np.float64(output[0, i + 1, j + 1])
                total += difference * difference
        errors[s] = error_scale * total / (size * size)
