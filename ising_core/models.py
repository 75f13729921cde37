"""Keras models: the dense phase classifier and the convolutional autoencoder.

Both networks train only on the synthetic catalog (``ising_core.catalog``) and
are then applied to Monte Carlo configurations. Training is seeded with
``keras.utils.set_random_seed``. The tests check that the same seed and
inputs give identical predictions within one process. Other machines or
TensorFlow builds may differ in the last bits.

Input encodings
---------------
Dense classifier
    The L x L spins are flattened to L*L float32 inputs: -1 and +1 stay as
    they are, and an empty site of a diluted configuration is 0.
Autoencoder
    The spins become one-channel pixels (L, L, 1) in [0, 1] by (s + 1) / 2:
    -1 -> 0, +1 -> 1, and an empty site -> 0.5, halfway between the two spin
    states. The sigmoid output and the binary cross-entropy loss both need
    targets in [0, 1]. This is ``encoding="pixels"``, the default.
    ``encoding="spins"`` keeps the spins as they are (-1, 0, +1) in one
    channel, with a tanh output and the mean squared error loss. With tanh
    hidden layers that network treats both spin signs alike up to its
    biases, which makes it the symmetric counterpart of the ReLU network.
"""

from __future__ import annotations

import logging
import os
import weakref
from numbers import Integral

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402  (after the variables that select and quiet TensorFlow)

from ising_core import autoencoder_forward  # noqa: E402
from ising_core.catalog import Catalog  # noqa: E402

logger = logging.getLogger(__name__)

DEFAULT_NUM_EPOCHS = 10
"""Default epochs of the dense classifier.

With the default catalog (40 x 40, 1000 paramagnetic samples) balanced to
4 x 1000 configurations, 10 epochs assign every training configuration to
its class with probability above 0.99 for hidden_units=100 and 1000, and
20 epochs changed neither result. Training took about 10 s and 25 s on two
shared x86 CPU cores (TensorFlow 2.21). Applied to Wolff samples of the pure
40 x 40 model (100 per temperature, step 0.05), both networks put the
p[F] = 0.5 crossing at T = 2.32, near the pseudo-critical temperature 2.30
of that lattice. Networks with fewer than about 8 hidden units did not fit
all four classes in 20 epochs either. A ReLU unit tuned to an ordered
pattern is silent for its sign-flipped copy, so the 8 ordered patterns of
the width-1 catalog need about one unit each.
"""

DEFAULT_BATCH_SIZE = 32
"""Default mini-batch size for training, the Keras default."""

DEFAULT_LR = 1e-3
"""Default Adam learning rate, the Keras default."""

DEFAULT_PREDICT_BATCH_SIZE = 4096
"""Configurations converted to float and evaluated at once by the predictors.

A batch of 4096 configurations of 40 x 40 spins takes 26 MB as float32.
"""

RECONSTRUCTION_BATCH_SIZE = 256
"""Configurations reconstructed at a time by the Keras path of ``reconstruction_error``.

With the XLA-compiled forward pass, batches of 256 were 15% faster than batches of
1024 or 4096 on two CPU cores, probably because the activations of one batch
(256 x 40 x 40 x 8 floats) fit in the cache.
"""

RECONSTRUCTION_BACKENDS = ("auto", "keras")
"""Backends of ``reconstruction_error``: the numba pass where supported, or Keras."""

AUTOENCODER_NUM_EPOCHS = 150
"""Epochs of the autoencoder in the reference study (Medina, Arlego, Lamas)."""

AUTOENCODER_ENCODINGS = ("pixels", "spins")
"""Input encodings of the autoencoder: pixels in [0, 1] or spins in [-1, 1]."""

_ENCODING_OUTPUT_ACTIVATIONS = {"pixels": "sigmoid", "spins": "tanh"}
_ENCODING_LOSSES = {"pixels": "binary_crossentropy", "spins": "mean_squared_error"}


def build_dense_classifier(size: int, hidden_units: int, num_classes: int) -> keras.Model:
    """Build the one-hidden-layer dense classifier (uncompiled).

    The network is Input(L*L) -> Dense(hidden_units, ReLU) ->
    Dense(num_classes, softmax). It has
    ``L*L*hidden_units + hidden_units + hidden_units*num_classes + num_classes``
    trainable parameters.

    Parameters
    ----------
    size : int
        Linear lattice size L (at least 2). The input is the flattened L x L
        configuration.
    hidden_units : int
        Width of the hidden layer, at least 1.
    num_classes : int
        Width of the softmax output, at least 2.

    Returns
    -------
    keras.Model
    """
    _validate_int(size, "size", minimum=2)
    _validate_int(hidden_units, "hidden_units", minimum=1)
    _validate_int(num_classes, "num_classes", minimum=2)

    inputs = keras.Input(shape=(size * size,), name="spins")
    hidden = keras.layers.Dense(hidden_units, activation="relu", name="hidden")(inputs)
    outputs = keras.layers.Dense(num_classes, activation="softmax", name="class_probabilities")(
        hidden
    )
    return keras.Model(inputs, outputs, name=f"dense_{hidden_units}")


def train_dense_classifier(
    catalog: Catalog,
    hidden_units: int,
    seed: int = 0,
    num_epochs: int = DEFAULT_NUM_EPOCHS,
    batch_size: int = DEFAULT_BATCH_SIZE,
    lr: float = DEFAULT_LR,
    verbose: int = 0,
    balance_classes: bool = True,
) -> keras.Model:
    """Train a dense classifier on the catalog and return it.

    The loss is the sparse categorical cross-entropy, minimized by Adam on
    shuffled mini-batches. The catalog has far fewer ordered patterns than
    paramagnetic samples, so by default the configurations of each smaller
    class are repeated until every class has as many as the largest one.
    Repetition puts the rare ordered patterns in most mini-batches. In a
    trial on 40 x 40 lattices it fitted networks of 5 and 8 hidden units
    better than a class-weighted loss with the same expected gradient.

    Parameters
    ----------
    catalog : Catalog
        Training configurations and labels.
    hidden_units : int
        Width of the hidden layer, at least 1.
    seed : int
        Seed passed to ``keras.utils.set_random_seed`` (Python, NumPy and
        TensorFlow generators) before the weights are initialized.
    num_epochs : int
        Passes over the catalog, at least 1.
    batch_size : int
        Mini-batch size, at least 1.
    lr : float
        Adam learning rate, positive.
    verbose : int
        Keras ``fit`` verbosity; 0 (the default) prints nothing.
    balance_classes : bool
        Repeat the configurations of the smaller classes so that all classes
        have equal counts. It changes nothing for a catalog that is already
        balanced, such as ``build_catalog(repeats=None)``.

    Returns
    -------
    keras.Model
        The trained, compiled model.
    """
    _validate_int(num_epochs, "num_epochs", minimum=1)
    _validate_int(batch_size, "batch_size", minimum=1)
    _validate_lr(lr)
    if len(catalog) == 0:
        raise ValueError("the catalog is empty; build it with at least one class")

    keras.utils.set_random_seed(seed)
    indices = _balanced_indices(catalog) if balance_classes else np.arange(len(catalog))
    inputs = _flatten_spins(catalog.configurations[indices])
    labels = np.asarray(catalog.labels[indices])

    model = build_dense_classifier(catalog.size, hidden_units, catalog.num_classes)
    # One compiled XLA call per epoch instead of one Python round trip per mini-batch:
    # twice as fast for every width on 2 CPU cores (BENCHMARKS.md), same updates.
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=lr),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        steps_per_execution=max(1, -(-len(labels) // batch_size)),
        jit_compile=True,
    )
    history = model.fit(
        inputs,
        labels,
        epochs=num_epochs,
        batch_size=batch_size,
        shuffle=True,
        verbose=verbose,
    )

    logger.info(
        "trained dense classifier: hidden_units=%d, seed=%d, num_epochs=%d, "
        "%d training configurations, final loss %.3g, final accuracy %.3f",
        hidden_units,
        seed,
        num_epochs,
        len(labels),
        history.history["loss"][-1],
        history.history["accuracy"][-1],
    )
    return model


def predict_probabilities(
    model: keras.Model,
    configurations: np.ndarray,
    batch_size: int = DEFAULT_PREDICT_BATCH_SIZE,
) -> np.ndarray:
    """Evaluate the class probabilities of spin configurations.

    Parameters
    ----------
    model : keras.Model
        A dense classifier from ``build_dense_classifier`` or
        ``train_dense_classifier``.
    configurations : numpy.ndarray
        Spins of shape (..., L, L) with values -1, 0 (empty site) and +1,
        where L*L is the model's input width. Any leading batch shape is
        accepted, for example (n_temperatures, samples, L, L).
    batch_size : int
        Configurations converted to float32 and evaluated at a time.

    Returns
    -------
    numpy.ndarray
        float64 array of shape (..., num_classes); each row sums to 1.
    """
    _validate_int(batch_size, "batch_size", minimum=1)
    configurations = np.asarray(configurations)
    input_width = int(model.input_shape[-1])
    num_classes = int(model.output_shape[-1])
    _validate_configuration_shape(configurations, input_width)

    leading_shape = configurations.shape[:-2]
    flat = configurations.reshape(-1, input_width)
    probabilities = np.empty((flat.shape[0], num_classes), dtype=np.float64)
    for start in range(0, flat.shape[0], batch_size):
        batch = flat[start : start + batch_size].astype(np.float32)
        probabilities[start : start + batch_size] = _evaluate(model, batch)

    return probabilities.reshape(*leading_shape, num_classes)


def spins_to_pixels(configurations: np.ndarray) -> np.ndarray:
    """Map spins to autoencoder pixels: -1 -> 0, empty site (0) -> 0.5, +1 -> 1.

    Parameters
    ----------
    configurations : numpy.ndarray
        Spins of shape (..., L, L).

    Returns
    -------
    numpy.ndarray
        float32 array of shape (..., L, L, 1).
    """
    configurations = np.asarray(configurations)
    if configurations.ndim < 2:
        raise ValueError(
            f"configurations must have shape (..., L, L), got shape {configurations.shape}"
        )
    pixels = (configurations.astype(np.float32) + 1.0) / 2.0
    return pixels[..., np.newaxis]


def build_autoencoder(
    size: int = 40,
    filters: int = 8,
    bottleneck_filters: int = 8,
    activation: str = "relu",
    kernel_size: int = 3,
    encoding: str = "pixels",
) -> keras.Model:
    """Build the convolutional autoencoder (uncompiled).

    The layers are Conv2D(filters) -> Conv2D(bottleneck_filters) ->
    Conv2DTranspose(filters), each with a ``kernel_size`` x ``kernel_size``
    kernel, ``activation`` and "same" padding, and then a one-channel
    Conv2D with the same kernel and a sigmoid (a tanh for
    ``encoding="spins"``). No layer has a stride, so the bottleneck narrows
    the channels, not the lattice. "same" pads with zeros, which are the
    pixels of down spins in the pixel encoding and empty sites in the spin
    encoding. Either way the borders of the lattice are not treated as
    periodic.

    Parameters
    ----------
    size : int
        Linear lattice size L (at least 2). The input has shape (L, L, 1).
    filters : int
        Channels of the first convolution and of the transposed convolution.
    bottleneck_filters : int
        Channels of the middle convolution (n_CAE; 8 in the reference study).
    activation : str
        Keras activation of the three hidden layers. ReLU breaks the spin
        inversion symmetry on purpose, so up configurations are reconstructed
        better than down ones.
    kernel_size : int
        Side of every square kernel, odd and at least 1.
    encoding : str
        "pixels" (inputs and outputs in [0, 1], sigmoid output) or "spins"
        (inputs and outputs in [-1, 1], tanh output). The input layer is
        named after the encoding, which is how ``autoencoder_encoding`` and
        ``reconstruction_error`` recognize it.

    Returns
    -------
    keras.Model
        Maps encoded configurations (..., L, L, 1) to their reconstructions.
    """
    _validate_int(size, "size", minimum=2)
    _validate_int(filters, "filters", minimum=1)
    _validate_int(bottleneck_filters, "bottleneck_filters", minimum=1)
    _validate_int(kernel_size, "kernel_size", minimum=1)
    if kernel_size % 2 == 0:
        raise ValueError(
            f"kernel_size={kernel_size} is even; pass an odd size such as 3 so that "
            f"'same' padding stays centred"
        )
    _validate_encoding(encoding)
    try:
        keras.activations.get(activation)
    except ValueError as error:
        raise ValueError(
            f"activation={activation!r} is not a Keras activation; pass a name such "
            f"as 'relu' or 'tanh'"
        ) from error

    kernel = (kernel_size, kernel_size)
    inputs = keras.Input(shape=(size, size, 1), name=encoding)
    encoded = keras.layers.Conv2D(
        filters, kernel, activation=activation, padding="same", name="encoder"
    )(inputs)
    bottleneck = keras.layers.Conv2D(
        bottleneck_filters, kernel, activation=activation, padding="same", name="bottleneck"
    )(encoded)
    decoded = keras.layers.Conv2DTranspose(
        filters, kernel, activation=activation, padding="same", name="decoder"
    )(bottleneck)
    outputs = keras.layers.Conv2D(
        1,
        kernel,
        activation=_ENCODING_OUTPUT_ACTIVATIONS[encoding],
        padding="same",
        name="reconstruction",
    )(decoded)
    return keras.Model(inputs, outputs, name=f"autoencoder_{bottleneck_filters}")


def train_autoencoder(
    configurations: np.ndarray,
    seed: int = 0,
    num_epochs: int = AUTOENCODER_NUM_EPOCHS,
    batch_size: int = DEFAULT_BATCH_SIZE,
    lr: float = DEFAULT_LR,
    filters: int = 8,
    bottleneck_filters: int = 8,
    activation: str = "relu",
    verbose: int = 0,
    encoding: str = "pixels",
) -> keras.Model:
    """Train the autoencoder to reconstruct the given spin configurations.

    Parameters
    ----------
    configurations : numpy.ndarray
        Training spins of shape (n, L, L), for example the ordered catalog
        ``build_catalog(classes=("F", "N", "S")).configurations``.
    seed : int
        Seed passed to ``keras.utils.set_random_seed``.
    num_epochs : int
        Passes over the training set (150 in the reference study).
    batch_size : int
        Mini-batch size.
    lr : float
        Adam learning rate.
    filters, bottleneck_filters, activation : see ``build_autoencoder``.
    verbose : int
        Keras ``fit`` verbosity; 0 (the default) prints nothing.
    encoding : str
        "pixels" trains with the binary cross-entropy loss, "spins" with the
        mean squared error (see ``build_autoencoder``).

    Returns
    -------
    keras.Model
        The trained, compiled model.
    """
    _validate_int(num_epochs, "num_epochs", minimum=1)
    _validate_int(batch_size, "batch_size", minimum=1)
    _validate_lr(lr)
    _validate_encoding(encoding)
    configurations = np.asarray(configurations)
    if configurations.ndim != 3 or configurations.shape[1] != configurations.shape[2]:
        raise ValueError(
            f"configurations must have shape (n, L, L), got shape {configurations.shape}"
        )
    if configurations.shape[0] == 0:
        raise ValueError("configurations is empty; pass at least one training configuration")

    keras.utils.set_random_seed(seed)
    model = build_autoencoder(
        configurations.shape[-1],
        filters=filters,
        bottleneck_filters=bottleneck_filters,
        activation=activation,
        encoding=encoding,
    )
    inputs = encode_configurations(configurations, encoding)
    compile_autoencoder(model, lr, encoding, steps_per_epoch=-(-len(inputs) // batch_size))
    history = model.fit(
        inputs, inputs, epochs=num_epochs, batch_size=batch_size, shuffle=True, verbose=verbose
    )
    logger.info(
        "trained autoencoder: activation=%s, encoding=%s, bottleneck_filters=%d, seed=%d, "
        "num_epochs=%d, final loss %.3g",
        activation,
        encoding,
        bottleneck_filters,
        seed,
        num_epochs,
        history.history["loss"][-1],
    )
    return model


def compile_autoencoder(model: keras.Model, lr: float, encoding: str, steps_per_epoch: int) -> None:
    """Compile an autoencoder with Adam and the loss of its encoding, one XLA call per epoch.

    ``steps_per_execution=steps_per_epoch`` runs a whole epoch of mini-batch updates
    in one compiled call, as for the dense classifier. The updates are the same as
    with one call per mini-batch. On two CPU cores an epoch of the relaxed training
    set (400 configurations, batches of 16) takes 0.27 s instead of 0.6 s (BENCHMARKS.md).
    """
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=lr),
        loss=_ENCODING_LOSSES[encoding],
        steps_per_execution=max(1, int(steps_per_epoch)),
        jit_compile=True,
    )


def reconstruction_error(
    model: keras.Model,
    configurations: np.ndarray,
    batch_size: int = RECONSTRUCTION_BATCH_SIZE,
    backend: str = "auto",
) -> np.ndarray:
    """Compute the mean squared error of each configuration's reconstruction.

    The error is averaged over the L*L pixels of one configuration, in pixel
    units, so it lies in [0, 1]. For an autoencoder of the spin encoding the
    squared spin difference is divided by 4, which is the same error in
    pixel units, so that both encodings are on one scale.

    Parameters
    ----------
    model : keras.Model
        An autoencoder from ``build_autoencoder`` or ``train_autoencoder``.
    configurations : numpy.ndarray
        Spins of shape (..., L, L) with values -1, 0 (empty site) and +1.
    batch_size : int
        Configurations evaluated at a time by the Keras path.
    backend : str
        "auto" (the default) uses the numba forward pass of
        ``ising_core.autoencoder_forward`` when it supports the model (every
        ``build_autoencoder`` network with ``kernel_size=3``) and Keras
        otherwise; "keras" always uses Keras, with an XLA-compiled forward pass.
        The two agree to float32 rounding (relative differences near 1e-7).

    Returns
    -------
    numpy.ndarray
        float64 array of shape (...), one error per configuration.
    """
    _validate_int(batch_size, "batch_size", minimum=1)
    if backend not in RECONSTRUCTION_BACKENDS:
        raise ValueError(f"backend={backend!r} is invalid; pass one of {RECONSTRUCTION_BACKENDS}")
    configurations = np.asarray(configurations)
    size = int(model.input_shape[1])
    _validate_configuration_shape(configurations, size * size)
    if configurations.shape[-1] != size:
        raise ValueError(
            f"configurations have L={configurations.shape[-1]} but the autoencoder "
            f"expects L={size}"
        )

    _validate_spin_values(configurations)

    encoding = autoencoder_encoding(model)
    leading_shape = configurations.shape[:-2]
    flat = configurations.reshape(-1, size, size)
    spec = autoencoder_forward.forward_spec(model) if backend == "auto" else None
    if spec is not None:
        return autoencoder_forward.reconstruction_errors(spec, flat, encoding).reshape(leading_shape)

    errors = np.empty(flat.shape[0], dtype=np.float64)
    # Fewer configurations than one batch (the training probes of a few patterns) run
    # eagerly: padding them to a compiled batch would cost more than it saves.
    compiled_batch = batch_size if flat.shape[0] >= batch_size else None
    for start in range(0, flat.shape[0], batch_size):
        inputs = encode_configurations(flat[start : start + batch_size], encoding)
        reconstructed = _evaluate(model, inputs, compiled_batch)
        squared = (inputs.astype(np.float64) - reconstructed) ** 2
        if encoding == "spins":
            squared /= 4.0
        errors[start : start + batch_size] = squared.mean(axis=(1, 2, 3))

    return errors.reshape(leading_shape)


def encode_configurations(configurations: np.ndarray, encoding: str = "pixels") -> np.ndarray:
    """Encode spins as autoencoder inputs of shape (..., L, L, 1), float32.

    "pixels" is ``spins_to_pixels``; "spins" keeps -1, 0 (empty site) and +1.
    """
    _validate_encoding(encoding)
    if encoding == "pixels":
        return spins_to_pixels(configurations)

    configurations = np.asarray(configurations)
    if configurations.ndim < 2:
        raise ValueError(
            f"configurations must have shape (..., L, L), got shape {configurations.shape}"
        )
    return configurations.astype(np.float32)[..., np.newaxis]


def autoencoder_encoding(model: keras.Model) -> str:
    """Return the input encoding of an autoencoder from ``build_autoencoder``.

    Raises
    ------
    ValueError
        If the model's input layer is named after neither encoding.
    """
    name = model.layers[0].name
    if name not in AUTOENCODER_ENCODINGS:
        raise ValueError(
            f"model {model.name!r} has the input layer {name!r}, not one of "
            f"{AUTOENCODER_ENCODINGS}; build it with build_autoencoder"
        )
    return name


def _evaluate(model: keras.Model, inputs: np.ndarray, batch_size: int | None = None) -> np.ndarray:
    """Run the model on one batch of inputs and return float64 outputs.

    Without ``batch_size`` the model is called eagerly. With it, the forward pass
    is compiled by XLA once per model for batches of exactly ``batch_size`` rows.
    A shorter last batch is padded with zeros and the padding's outputs are
    dropped, so no batch shape needs a trace of its own. On two CPU cores the
    compiled autoencoder is about twice as fast (BENCHMARKS.md).
    """
    if batch_size is None or inputs.shape[0] > batch_size:
        return np.asarray(keras.ops.convert_to_numpy(model(inputs, training=False)), dtype=np.float64)
    rows = inputs.shape[0]
    if rows < batch_size:
        padding = np.zeros((batch_size - rows, *inputs.shape[1:]), dtype=inputs.dtype)
        inputs = np.concatenate([inputs, padding])
    forward = _compiled_forward(model, batch_size)
    return np.asarray(forward(inputs).numpy(), dtype=np.float64)[:rows]


_COMPILED_FORWARD = weakref.WeakKeyDictionary()


def _compiled_forward(model: keras.Model, batch_size: int):
    """Return the model's XLA-compiled inference function for batches of ``batch_size``, built once."""
    import tensorflow as tf

    by_size = _COMPILED_FORWARD.setdefault(model, {})
    if batch_size not in by_size:
        by_size[batch_size] = tf.function(lambda inputs: model(inputs, training=False), jit_compile=True)
    return by_size[batch_size]


def _flatten_spins(configurations: np.ndarray) -> np.ndarray:
    configurations = np.asarray(configurations)
    return configurations.reshape(configurations.shape[0], -1).astype(np.float32)


def _balanced_indices(catalog: Catalog) -> np.ndarray:
    """Index the catalog so that every class appears as often as the largest.

    Each class's indices are tiled and cut to the largest count, so the
    patterns of a class are repeated equally often (to within one).
    """
    labels = np.asarray(catalog.labels)
    counts = np.bincount(labels, minlength=catalog.num_classes)
    empty = [name for name, count in zip(catalog.class_names, counts) if count == 0]
    if empty:
        raise ValueError(
            f"classes {empty} have no configurations in the catalog; rebuild it "
            f"without them or with samples for them"
        )

    target = int(counts.max())
    blocks = []
    for k in range(catalog.num_classes):
        members = np.flatnonzero(labels == k)
        copies = -(-target // len(members))
        blocks.append(np.tile(members, copies)[:target])
    return np.concatenate(blocks)


def _validate_configuration_shape(configurations: np.ndarray, input_width: int) -> None:
    if (
        configurations.ndim < 2
        or configurations.shape[-1] != configurations.shape[-2]
        or configurations.shape[-1] * configurations.shape[-2] != input_width
    ):
        raise ValueError(
            f"configurations must have shape (..., L, L) with L*L = {input_width} to "
            f"match the model input, got shape {configurations.shape}"
        )


def _validate_spin_values(configurations: np.ndarray) -> None:
    """Raise ValueError unless every value lies in [-1, 1] (spins -1, +1 and empty sites 0)."""
    if configurations.size == 0:
        return
    low, high = configurations.min(), configurations.max()
    if not (np.isfinite(low) and np.isfinite(high)) or low < -1 or high > 1:
        raise ValueError(
            f"configurations must contain only spins -1, +1 and 0 for empty sites, but their "
            f"values run from {low} to {high}. Pass spin configurations, not pixels or another encoding"
        )


def _validate_int(value: int, name: str, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name}={value} is invalid; pass an integer >= {minimum}")


def _validate_encoding(encoding: str) -> None:
    if encoding not in AUTOENCODER_ENCODINGS:
        raise ValueError(
            f"encoding={encoding!r} is invalid; pass one of {AUTOENCODER_ENCODINGS}"
        )


def _validate_lr(lr: float) -> None:
    if not np.isfinite(lr) or lr <= 0:
        raise ValueError(f"lr={lr} is invalid; pass a positive learning rate such as 1e-3")
