"""Lattice geometry, masks, clusters and observables."""

import numpy as np
import pytest

from ising_core import lattice


def test_neighbour_table_wraps():
    table = lattice.neighbour_table(4)
    assert table[3].tolist() == [0, 7, 2, 15]


def test_mask_exact_occupation():
    mask = lattice.occupation_mask(40, 0.6, np.random.default_rng(0))
    assert mask.sum() == 960


def test_energy_of_ordered_states():
    ferro = np.ones((6, 6), dtype=np.int8)
    neel = np.where(np.add.outer(np.arange(6), np.arange(6)) % 2, 1, -1).astype(np.int8)
    assert lattice.energy_per_spin(ferro) == -2.0
    assert lattice.energy_per_spin(neel) == 2.0
    assert lattice.staggered_magnetization(neel) == pytest.approx(-1.0)


def test_magnetization_ignores_empty_sites():
    config = np.zeros((4, 4), dtype=np.int8)
    config[0, :3] = [1, 1, -1]
    assert lattice.magnetization(config) == pytest.approx(1 / 3)


def test_cluster_labels_join_across_boundary():
    mask = np.zeros((5, 5), dtype=bool)
    mask[2, 0] = mask[2, 4] = True
    mask[0, 0] = True
    labels = lattice.cluster_labels(mask)
    assert labels[2, 0] == labels[2, 4]
    assert labels.max() == 2


def test_ground_state_aligns_each_cluster():
    rng = np.random.default_rng(1)
    mask = lattice.occupation_mask(20, 0.5, rng)
    state = lattice.ground_state(mask, rng)
    labels = lattice.cluster_labels(mask)
    for label in range(1, labels.max() + 1):
        assert len(np.unique(state[labels == label])) == 1
    assert np.array_equal(state != 0, mask)


def test_ground_state_pure_is_ferromagnetic():
    state = lattice.ground_state(np.ones((8, 8), dtype=bool), np.random.default_rng(2))
    assert abs(lattice.magnetization(state)) == 1.0


@pytest.mark.parametrize("size", [3, 0, 2.5, "40", True])
def test_invalid_size_rejected(size):
    with pytest.raises(ValueError, match="lattice size"):
        lattice.validate_size(size)


def test_odd_size_rejected_when_even_required():
    with pytest.raises(ValueError, match="even"):
        lattice.validate_size(41, even=True)


@pytest.mark.parametrize("density", [0, -0.1, 1.01, "dense", float("nan")])
def test_invalid_density_rejected(density):
    with pytest.raises(ValueError, match="density"):
        lattice.validate_density(density)
