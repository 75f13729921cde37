"""The Monte Carlo data set on disk, as a Zarr group addressed by its parameters.

Layout of ``<root>/mc-<key>.zarr`` (``key`` is a hash of the parameters)::

    attrs: parameters, code version, format version
    rho_0.600000/
        configurations  int8    (n_T, samples, L, L)   one chunk per temperature
        energy          float64 (n_T, samples)         one chunk per temperature
        magnetization   float64 (n_T, samples)
        realization     int32   (n_T, samples)
        masks           bool    (realizations, L, L)
        complete        bool    (n_T,)                 one chunk per temperature

Zarr's local store writes every chunk file through a temporary file and a rename, so a
chunk is either absent or whole.  A temperature's ``complete`` flag is written after its
data, so an interrupted run leaves at worst an unflagged chunk that the next run samples
again, with the same seeds, into identical data.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import zarr

from . import __version__, lattice
from .sampler import DEFAULT_SPACING, DEFAULT_THERMALIZATION, SCHEDULES, MonteCarloSamples, realization_masks

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1


class StoreError(RuntimeError):
    """A data store that is damaged or does not match the requested parameters."""


@dataclass(frozen=True)
class GridParameters:
    """Everything that determines the Monte Carlo data set, bit for bit."""

    size: int
    temperatures: tuple
    densities: tuple
    samples: int
    realizations: int
    seed: int
    thermalization: int = DEFAULT_THERMALIZATION
    spacing: int = DEFAULT_SPACING
    schedule: str = "sw+metropolis"
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self):
        object.__setattr__(self, "size", lattice.validate_size(self.size))
        temperatures = lattice.validate_temperatures(self.temperatures)
        object.__setattr__(self, "temperatures", tuple(round(float(t), 6) for t in temperatures))
        densities = tuple(round(lattice.validate_density(rho), 6) for rho in np.atleast_1d(self.densities))
        if not densities:
            raise ValueError("invalid densities []: give at least one density in (0, 1]")
        object.__setattr__(self, "densities", densities)
        for name in ("samples", "realizations"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"invalid {name} {value!r}: expected an integer >= 1")
        if self.schedule not in SCHEDULES:
            raise ValueError(f"unknown update schedule {self.schedule!r}: choose one of {sorted(SCHEDULES)}")

    def as_dict(self):
        """The parameters as plain JSON types (``extra`` excluded: it does not change the data)."""
        data = asdict(self)
        data.pop("extra")
        data["temperatures"] = list(self.temperatures)
        data["densities"] = list(self.densities)
        return data

    def key(self):
        """Short hash of the parameters, used in the store's folder name."""
        text = json.dumps(self.as_dict(), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:12]


def density_group_name(density):
    """Group name of one density, for example ``rho_0.600000``."""
    return f"rho_{density:.6f}"


def store_path(root, parameters):
    """Folder of the data set with these parameters below ``root``."""
    return Path(root) / f"mc-L{parameters.size}-{parameters.key()}.zarr"


class MonteCarloStore:
    """A Zarr data set of Monte Carlo configurations on a (density, temperature) grid.

    Open it with :meth:`open`, which creates the store when it does not exist and
    checks an existing one against the parameters.
    """

    def __init__(self, path, parameters, group):
        self.path = Path(path)
        self.parameters = parameters
        self._group = group

    @classmethod
    def open(cls, root, parameters):
        """Open (or create) the store of ``parameters`` below the folder ``root``."""
        path = store_path(root, parameters)
        if path.exists():
            group = _open_existing(path, parameters)
        else:
            group = _create(path, parameters)
        return cls(path, parameters, group)

    def _arrays(self, density):
        try:
            return self._group[density_group_name(density)]
        except KeyError:
            raise StoreError(_damaged(self.path, f"the group of density {density} is missing")) from None

    def completed(self, density):
        """Boolean array over temperatures: True where the chunk is stored."""
        return np.asarray(self._arrays(density)["complete"][:], dtype=bool)

    def missing(self):
        """``(density, temperature index)`` pairs not yet stored."""
        return [
            (density, int(t))
            for density in self.parameters.densities
            for t in np.flatnonzero(~self.completed(density))
        ]

    def is_complete(self):
        """True when every (density, temperature) chunk is stored."""
        return not self.missing()

    def write(self, density, temperature_index, samples):
        """Store one temperature of ``samples`` (a MonteCarloSamples with one temperature)."""
        arrays = self._arrays(density)
        t = int(temperature_index)
        expected = self.parameters.temperatures[t]
        if samples.temperatures.size != 1 or abs(samples.temperatures[0] - expected) > 1e-9:
            raise ValueError(f"chunk temperature {samples.temperatures} does not match grid point T={expected}")
        arrays["configurations"][t] = samples.configurations[0]
        arrays["energy"][t] = samples.energy[0]
        arrays["magnetization"][t] = samples.magnetization[0]
        arrays["realization"][t] = samples.realization[0]
        arrays["complete"][t] = True

    def load(self, density):
        """Load every temperature of one density into memory as MonteCarloSamples.

        Raises StoreError when a temperature is not yet stored or a chunk cannot be read.
        """
        density = round(lattice.validate_density(density), 6)
        if density not in self.parameters.densities:
            raise KeyError(f"density {density} is not in this data set; it has {list(self.parameters.densities)}")
        arrays = self._arrays(density)
        if not self.completed(density).all():
            raise StoreError(
                f"data set {self.path} is incomplete at rho={density}: run the Monte Carlo grid again to finish it"
            )
        try:
            data = {name: arrays[name][:] for name in ("configurations", "energy", "magnetization", "realization", "masks")}
        except Exception as error:  # a damaged chunk raises codec- or IO-specific errors
            raise StoreError(_damaged(self.path, f"reading rho={density} failed ({error})")) from error
        p = self.parameters
        return MonteCarloSamples(
            configurations=data["configurations"],
            energy=data["energy"],
            magnetization=data["magnetization"],
            realization=data["realization"],
            masks=data["masks"],
            temperatures=np.array(p.temperatures),
            density=density,
            size=p.size,
            seed=p.seed,
            schedule=p.schedule,
            thermalization=p.thermalization,
            spacing=p.spacing,
        )


def _damaged(path, detail):
    return f"data store {path} is damaged: {detail}. Delete the folder {path} and run again to rebuild it."


def _create(path, parameters):
    p = parameters
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    if partial.exists():
        shutil.rmtree(partial)

    # Build the empty layout in a side folder, then rename: a crash here leaves no
    # half-made store under the final name.
    group = zarr.open_group(str(partial), mode="w")
    group.attrs.update({"parameters": p.as_dict(), "code_version": __version__, "format_version": FORMAT_VERSION})
    n_t, n_s, size = len(p.temperatures), p.samples, p.size
    for density in p.densities:
        sub = group.create_group(density_group_name(density))
        sub.create_array("configurations", shape=(n_t, n_s, size, size), chunks=(1, n_s, size, size), dtype="int8", fill_value=0)
        for name, dtype in (("energy", "float64"), ("magnetization", "float64"), ("realization", "int32")):
            sub.create_array(name, shape=(n_t, n_s), chunks=(1, n_s), dtype=dtype, fill_value=0)
        sub.create_array("complete", shape=(n_t,), chunks=(1,), dtype="bool", fill_value=False)
        masks = realization_masks(size, density, p.realizations, p.seed)
        sub.create_array("masks", shape=masks.shape, chunks=masks.shape, dtype="bool")[:] = masks
    partial.rename(path)
    logger.info("created data store %s", path)
    return zarr.open_group(str(path), mode="r+")


def _open_existing(path, parameters):
    try:
        group = zarr.open_group(str(path), mode="r+")
        stored = dict(group.attrs)
    except Exception as error:
        raise StoreError(_damaged(path, f"its metadata cannot be read ({error})")) from error

    if stored.get("format_version") != FORMAT_VERSION or "parameters" not in stored:
        raise StoreError(_damaged(path, "its metadata lacks the parameters or has another format version"))
    if stored["parameters"] != parameters.as_dict():
        raise StoreError(
            f"data store {path} was built with other parameters ({stored['parameters']}) than requested "
            f"({parameters.as_dict()}); it will not be mixed. Delete the folder to rebuild it."
        )
    if stored.get("code_version") != __version__:
        logger.warning("data store %s was written by ising_core %s (running %s)", path, stored.get("code_version"), __version__)
    return group
