"""Tests of the autoencoder workflow: training, error scans, sign split, K-means, estimates."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from types import SimpleNamespace  # noqa: E402

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from sklearn.cluster import KMeans  # noqa: E402

from ising_core.analysis import NoCrossingError  # noqa: E402
from ising_core.models import build_autoencoder, reconstruction_error  # noqa: E402
from ising_core.unsupervised import (  # noqa: E402
    ErrorScan,
    error_scan,
    low_temperature_accuracy,
    maximum_sd_estimate,
    ordered_training_set,
    paramagnetic_errors,
    percolation_estimate,
    probe_training,
    reconstruct,
    relaxed_training_set,
    sector_levels,
    split_by_sign,
    splitting_accuracy,
    threshold_density,
    train_autoencoders,
    two_means_labels,
)

SIZE = 8
TRAINING = {"num_epochs": 8, "batch_size": 8, "lr": 1e-2}


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    cache = tmp_path_factory.mktemp("autoencoders")
    configurations = ordered_training_set(SIZE, repeats=2)
    models = train_autoencoders(configurations, [0], cache_dir=cache, **TRAINING)
    return SimpleNamespace(cache=cache, configurations=configurations, model=models[0])


def fake_samples(configurations, magnetization, density=1.0):
    temperatures = np.arange(1, configurations.shape[0] + 1, dtype=np.float64)
    return SimpleNamespace(
        configurations=configurations,
        magnetization=magnetization,
        temperatures=temperatures,
        density=density,
    )


def test_autoencoder_parameter_count():
    # Three 3x3 kernels per filter pair plus one bias per filter: 1 -> 8 -> 8 -> 8 -> 1.
    model = build_autoencoder(size=40)
    expected = (9 * 1 * 8 + 8) + (9 * 8 * 8 + 8) + (9 * 8 * 8 + 8) + (9 * 8 * 1 + 1)
    assert model.count_params() == expected == 1321


def test_autoencoder_layer_output_shapes():
    model = build_autoencoder(size=40)
    shapes = [layer.output.shape for layer in model.layers[1:]]
    assert shapes == [(None, 40, 40, 8), (None, 40, 40, 8), (None, 40, 40, 8), (None, 40, 40, 1)]


def test_symmetric_autoencoder_layers():
    model = build_autoencoder(size=40, activation="tanh", encoding="spins")
    assert model.layers[0].name == "spins"
    assert model.get_layer("encoder").activation is keras.activations.tanh
    assert model.get_layer("reconstruction").activation is keras.activations.tanh
    assert model.count_params() == 1321


def test_build_autoencoder_rejects_encoding():
    with pytest.raises(ValueError, match="encoding='bits' is invalid"):
        build_autoencoder(size=8, encoding="bits")


def test_ordered_training_set_repeats_patterns():
    once = ordered_training_set(SIZE)
    twice = ordered_training_set(SIZE, repeats=2)
    assert once.shape == (8, SIZE, SIZE)
    assert twice.shape == (16, SIZE, SIZE)
    assert {c.tobytes() for c in twice} == {c.tobytes() for c in once}


def test_relaxed_training_set_balances_random_part():
    configurations = relaxed_training_set(SIZE, paramagnetic_samples=20, seed=0)
    # ceil(20 / 8) = 3 copies of the 8 ordered patterns, then 20 random configurations.
    assert configurations.shape == (24 + 20, SIZE, SIZE)
    assert set(np.unique(configurations)) == {-1, 1}


@pytest.mark.parametrize("variant", ["relu", "symmetric"])
def test_training_lowers_catalog_error(variant):
    configurations = ordered_training_set(SIZE, repeats=2)
    keras.utils.set_random_seed(0)
    settings = {"relu": {}, "symmetric": {"activation": "tanh", "encoding": "spins"}}[variant]
    untrained = build_autoencoder(size=SIZE, **settings)
    trained_model = train_autoencoders(configurations, [0], variant=variant, **TRAINING)[0]
    before = reconstruction_error(untrained, configurations).mean()
    after = reconstruction_error(trained_model, configurations).mean()
    assert after < 0.5 * before


def test_cached_model_is_loaded_not_retrained(trained):
    files = list(trained.cache.glob("autoencoder-*.weights.h5"))
    loaded = train_autoencoders(
        trained.configurations, [0], cache_dir=trained.cache, **TRAINING
    )[0]
    assert len(files) == 1
    for saved, restored in zip(trained.model.get_weights(), loaded.get_weights()):
        assert np.array_equal(saved, restored)


def test_cache_key_depends_on_seed(trained, tmp_path):
    train_autoencoders(trained.configurations, [1], cache_dir=tmp_path, **TRAINING)
    seed_0 = {path.name for path in trained.cache.glob("autoencoder-*.weights.h5")}
    seed_1 = {path.name for path in tmp_path.glob("autoencoder-*.weights.h5")}
    assert len(seed_1) == 1
    assert seed_0.isdisjoint(seed_1)


def test_error_scan_shapes_and_cache(trained, tmp_path):
    rng = np.random.default_rng(0)
    configurations = rng.choice(np.array([-1, 0, 1], dtype=np.int8), size=(3, 5, SIZE, SIZE))
    magnetization = rng.uniform(-1, 1, size=(3, 5))
    samples = fake_samples(configurations, magnetization, density=0.7)

    first = error_scan([trained.model, trained.model], samples, cache_dir=tmp_path)
    second = error_scan([trained.model, trained.model], samples, cache_dir=tmp_path)
    assert first.errors.shape == (2, 3, 5)
    assert first.density == 0.7
    assert np.array_equal(first.errors, second.errors)
    assert np.allclose(first.errors[0], reconstruction_error(trained.model, configurations))
    assert len(list(tmp_path.glob("errors-*.npy"))) == 1


def test_reconstruct_in_pixel_units(trained):
    images = reconstruct(trained.model, trained.configurations[:3])
    pixels = (trained.configurations[:3] + 1) / 2
    assert images.shape == (3, SIZE, SIZE)
    assert np.all((images >= 0) & (images <= 1))
    assert np.allclose(((images - pixels) ** 2).mean(axis=(1, 2)),
                       reconstruction_error(trained.model, trained.configurations[:3]), atol=1e-6)


def test_paramagnetic_errors_shape(trained):
    errors = paramagnetic_errors([trained.model], SIZE, samples=6, seed=1)
    assert errors.shape == (1, 6)
    assert np.all((errors >= 0) & (errors <= 1))


def test_split_by_sign_means_and_counts():
    errors = np.array([[1.0, 3.0, 10.0, 20.0, 7.0]])
    magnetization = np.array([[0.5, 0.2, -0.1, -0.9, 0.0]])
    split = split_by_sign(errors, magnetization)
    assert split.up_mean[0] == 2.0
    assert split.down_mean[0] == 15.0
    assert split.up_count[0] == 2
    assert split.down_count[0] == 2
    assert split.up_sd[0] == pytest.approx(np.sqrt(2.0))


def test_split_by_sign_empty_sector_is_nan():
    split = split_by_sign(np.array([[1.0, 2.0]]), np.array([[0.3, 0.4]]))
    assert np.isnan(split.down_mean[0])
    assert np.isnan(split.down_sd[0])


def test_sector_levels_pool_low_and_high_temperatures():
    temperatures = np.array([0.5, 1.0, 3.0])
    errors = np.array([[[0.1, 0.3, 0.1, 0.3], [0.2, 0.4, 0.2, 0.4], [0.5, 0.5, 0.5, 0.5]]])
    magnetization = np.array([[1.0, -1.0, 1.0, -1.0], [1.0, -1.0, 1.0, -1.0], [0.1, -0.1, 0.1, -0.1]])
    scan = ErrorScan(1.0, temperatures, errors, magnetization)
    levels = sector_levels(scan, low_temperature=1.0, high_temperature=3.0)
    assert levels["up"].value == pytest.approx(0.15)
    assert levels["down"].value == pytest.approx(0.35)
    assert levels["disordered"].value == pytest.approx(0.5)
    assert levels["disordered"].error == pytest.approx(0.0)


def test_two_means_matches_sklearn():
    rng = np.random.default_rng(3)
    values = np.concatenate([rng.normal(0.0, 1.0, 300), rng.normal(2.5, 0.7, 200)])
    labels = two_means_labels(values)
    reference = KMeans(n_clusters=2, n_init=10, random_state=0).fit(values[:, np.newaxis])
    upper = np.argmax(reference.cluster_centers_[:, 0])
    assert np.array_equal(labels, reference.labels_ == upper)


def test_two_means_equal_values_one_cluster():
    assert not two_means_labels(np.full(10, 0.25)).any()


def test_splitting_accuracy_separated_errors():
    rng = np.random.default_rng(0)
    magnetization = np.where(rng.random(400) < 0.5, 0.8, -0.8)
    errors = np.where(magnetization > 0, 0.01, 0.2) + rng.normal(0, 0.002, 400)
    assert splitting_accuracy(errors, magnetization) == 1.0


def test_splitting_accuracy_inverted_labels_still_one():
    magnetization = np.array([0.9, 0.8, -0.9, -0.7])
    assert splitting_accuracy(np.array([0.3, 0.31, 0.01, 0.02]), magnetization) == 1.0


def test_splitting_accuracy_identical_distributions_near_half():
    n = 4000
    rng = np.random.default_rng(1)
    magnetization = np.where(rng.random(n) < 0.5, 0.8, -0.8)
    errors = rng.normal(0.1, 0.01, n)
    accuracy = splitting_accuracy(errors, magnetization)
    # Random labels agree with probability 1/2; max(a, 1 - a) exceeds 1/2 by the
    # binomial noise, which stays under 4 standard errors (0.5 / sqrt(n)).
    assert 0.5 <= accuracy < 0.5 + 4 * 0.5 / np.sqrt(n)


def test_splitting_accuracy_ignores_zero_magnetization():
    errors = np.array([0.0, 0.0, 1.0, 1.0, 5.0])
    magnetization = np.array([1.0, 1.0, -1.0, -1.0, 0.0])
    assert splitting_accuracy(errors, magnetization) == 1.0


def synthetic_scan(spread, seed=0, n_models=2, samples=200):
    """An ErrorScan whose SD over configurations follows ``spread`` at every model."""
    rng = np.random.default_rng(seed)
    temperatures = np.round(np.arange(0.1, 3.51, 0.1), 10)
    errors = 0.2 + spread[np.newaxis, :, np.newaxis] * rng.standard_normal((n_models, temperatures.size, samples))
    magnetization = np.where(rng.random((temperatures.size, samples)) < 0.5, 1.0, -1.0)
    return ErrorScan(1.0, temperatures, errors, magnetization)


def test_maximum_sd_estimate_recovers_peak():
    temperatures = np.round(np.arange(0.1, 3.51, 0.1), 10)
    spread = 0.01 + 0.05 * np.exp(-((temperatures - 2.3) ** 2) / (2 * 0.15**2))
    estimate = maximum_sd_estimate(synthetic_scan(spread), resamples=50, seed=4)
    # The sample SD of 200 values is uncertain by 5%, which moves the refined peak
    # of this curve by less than a grid step.
    assert abs(estimate.value - 2.3) < 0.1
    assert estimate.error < 0.1
    assert len(estimate.crossings) == 2


def test_low_temperature_accuracy_on_split_scan():
    temperatures = np.array([0.1, 0.3, 0.5, 1.0, 2.0])
    rng = np.random.default_rng(2)
    magnetization = np.where(rng.random((5, 100)) < 0.5, 1.0, -1.0)
    errors = np.where(magnetization > 0, 0.01, 0.1)[np.newaxis] + rng.normal(0, 0.001, (1, 5, 100))
    errors[0, 3:] = rng.normal(0.2, 0.01, (2, 100))
    scan = ErrorScan(1.0, temperatures, errors, magnetization)
    accuracy = low_temperature_accuracy(scan, low_temperature=0.5, resamples=20, seed=0)
    assert accuracy.value == 1.0
    assert accuracy.error == 0.0
    assert accuracy.temperatures.tolist() == [0.1, 0.3, 0.5]
    assert accuracy.replicates.shape == (20, 1)


def test_low_temperature_accuracy_needs_low_temperature():
    scan = synthetic_scan(np.full(35, 0.01), n_models=1)
    with pytest.raises(ValueError, match="no temperature of the scan is <= low_temperature=0.05"):
        low_temperature_accuracy(scan, low_temperature=0.05)


def test_threshold_density_interpolates():
    densities = [1.0, 0.8, 0.6, 0.55]
    accuracies = [1.0, 0.99, 0.9, 0.8]
    # Crossing of 0.95 between 0.6 (0.90) and 0.8 (0.99): 0.6 + 0.2 * 5 / 9.
    assert threshold_density(densities, accuracies) == pytest.approx(0.6 + 0.2 * 5 / 9)


def test_threshold_density_uses_highest_dip():
    densities = [0.5, 0.6, 0.7, 0.8]
    accuracies = [0.97, 0.9, 0.96, 1.0]
    assert threshold_density(densities, accuracies) == pytest.approx(0.6 + 0.1 * 5 / 6)


@pytest.mark.parametrize(
    ("accuracies", "message"),
    [([0.99, 0.98, 0.97], "threshold lies below the grid"), ([0.9, 0.8, 0.7], "no density shows the split")],
)
def test_threshold_density_without_crossing(accuracies, message):
    with pytest.raises(NoCrossingError, match=message):
        threshold_density([1.0, 0.8, 0.6], accuracies)


def test_percolation_estimate_brackets_threshold():
    temperatures = np.array([0.1, 0.2])
    rng = np.random.default_rng(5)
    accuracies = []
    densities = [1.0, 0.8, 0.6]
    for separation in (0.1, 0.1, 0.0):
        magnetization = np.where(rng.random((2, 200)) < 0.5, 1.0, -1.0)
        errors = (0.05 + separation * (magnetization < 0))[np.newaxis] + rng.normal(0, 0.01, (2, 2, 200))
        scan = ErrorScan(0.0, temperatures, errors, magnetization)
        accuracies.append(low_temperature_accuracy(scan, 0.2, resamples=20, seed=1))
    estimate = percolation_estimate(densities, accuracies)
    assert estimate.lowest_detected == 0.8
    assert estimate.highest_undetected == 0.6
    assert 0.6 < estimate.threshold.value < 0.8
    assert estimate.threshold.error >= 0.0
    assert estimate.ordered_densities(densities) == [1.0, 0.8]


def test_probe_training_records_and_caches(tmp_path):
    configurations = ordered_training_set(SIZE)
    probes = {"all up": configurations[:1], "all down": configurations[1:2]}
    probe = probe_training(configurations, probes, [0], cache_dir=tmp_path, **{**TRAINING, "num_epochs": 3})
    final = reconstruction_error(probe.models[0], configurations[:1]).mean()
    assert probe.errors["all up"].shape == (1, 4)
    assert probe.epochs.tolist() == [0, 1, 2, 3]
    assert probe.errors["all up"][0, -1] == pytest.approx(final)

    loaded = train_autoencoders(configurations, [0], cache_dir=tmp_path, **{**TRAINING, "num_epochs": 3})[0]
    for trained_weights, loaded_weights in zip(probe.models[0].get_weights(), loaded.get_weights()):
        assert np.array_equal(trained_weights, loaded_weights)
