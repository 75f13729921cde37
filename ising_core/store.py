"""The Monte Carlo data set on disk, as a Zarr group addressed by its parameters.

Layout of ``<root>/mc-L<L>-<key>.zarr`` (``key`` is a hash of the parameters and of the
sampler version)::

    attrs: parameters (with the sampler version), code version, format version
    rho_0.600000/
        configurations  int8    (n_T, samples, L, L)   one chunk per temperature
        energy          float64 (n_T, samples)         one chunk per temperature
        magnetization   float64 (n_T, samples)
        realization     int32   (n_T, samples)
        masks           bool    (realizations, L, L)
        checksum        uint32  (n_T,)                 CRC-32 of a temperature's data
        complete        bool    (n_T,)                 one chunk per temperature

Zarr's local store (zarr 3) writes every chunk file to a temporary file and renames it,
so a chunk file is either absent or whole.  A temperature's checksum and then its
``complete`` flag are written after its data, so an interrupted run leaves at worst an
unflagged temperature that the next run samples again, with the same seeds, into
identical data.  Loading checks every temperature against its checksum, so a chunk
damaged later (truncated, edited or deleted) raises :class:`StoreError` rather than
returning wrong data.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import zlib
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import zarr

from . import __version__, lattice
from .sampler import (
    DEFAULT_SPACING,
    DEFAULT_THERMALIZATION,
    SAMPLER_VERSION,
    SCHEDULES,
    MonteCarloSamples,
    realization_masks,
)

logger = logging.getLogger(__name__)

FORMAT_VERSION = 2

_DATA_ARRAYS = ("configurations", "energy", "magnetization", "realization")


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
        """The parameters as plain JSON types, with the sampler version that turns them into data.

        ``extra`` is left out because it does not change the data.
        """
        data = asdict(self)
        data.pop("extra")
        data["temperatures"] = list(self.temperatures)
        data["densities"] = list(self.densities)
        data["sampler_version"] = SAMPLER_VERSION
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
        try:
            return np.asarray(self._arrays(density)["complete"][:], dtype=bool)
        except StoreError:
            raise
        except Exception as error:  # a damaged chunk raises codec- or IO-specific errors
            raise StoreError(_damaged(self.path, f"reading the complete flags of rho={density} failed ({error})")) from error

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
        """Store one temperature of ``samples`` (a MonteCarloSamples with one temperature).

        Raises ValueError when ``samples`` were drawn with other parameters than the store's.
        """
        arrays = self._arrays(density)
        t = int(temperature_index)
        self._check_samples(density, t, samples)
        data = {name: getattr(samples, name)[0] for name in _DATA_ARRAYS}
        for name in _DATA_ARRAYS:
            arrays[name][t] = data[name]
        arrays["checksum"][t] = _checksum(data)
        arrays["complete"][t] = True

    def _check_samples(self, density, t, samples):
        p = self.parameters
        expected = {
            "temperature": p.temperatures[t], "density": density, "size": p.size, "samples": p.samples,
            "seed": p.seed, "schedule": p.schedule, "thermalization": p.thermalization,
            "spacing": p.spacing, "realizations": p.realizations,
        }
        actual = {
            "temperature": round(float(samples.temperatures[0]), 6) if samples.temperatures.size == 1 else list(samples.temperatures),
            "density": round(samples.density, 6), "size": samples.size,
            "samples": samples.configurations.shape[1], "seed": samples.seed, "schedule": samples.schedule,
            "thermalization": samples.thermalization, "spacing": samples.spacing,
            "realizations": samples.masks.shape[0],
        }
        mismatched = [f"{name}={actual[name]!r} (store: {expected[name]!r})" for name in expected if actual[name] != expected[name]]
        if mismatched:
            raise ValueError(
                f"samples for grid point rho={density}, T={p.temperatures[t]} were drawn with other parameters "
                f"than the data store {self.path}: {', '.join(mismatched)}"
            )

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
            data = {name: arrays[name][:] for name in (*_DATA_ARRAYS, "masks", "checksum")}
        except Exception as error:  # a damaged chunk raises codec- or IO-specific errors
            raise StoreError(_damaged(self.path, f"reading rho={density} failed ({error})")) from error
        p = self.parameters
        if not np.array_equal(data["masks"], realization_masks(p.size, density, p.realizations, p.seed)):
            raise StoreError(_damaged(self.path, f"the occupation masks of rho={density} differ from the ones the seed gives"))
        for t, temperature in enumerate(p.temperatures):
            if _checksum({name: data[name][t] for name in _DATA_ARRAYS}) != data["checksum"][t]:
                raise StoreError(_damaged(self.path, f"the data of rho={density}, T={temperature} fail their checksum"))
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


def _checksum(data):
    """CRC-32 of one temperature's arrays, in the order of ``_DATA_ARRAYS``."""
    value = 0
    for name in _DATA_ARRAYS:
        value = zlib.crc32(np.ascontiguousarray(data[name]).tobytes(), value)
    return np.uint32(value)


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
        sub.create_array("checksum", shape=(n_t,), chunks=(1,), dtype="uint32", fill_value=0)
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
