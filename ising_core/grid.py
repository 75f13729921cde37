"""Fill a Monte Carlo data store over a (density, temperature) grid, in-process or on Dask.

A grid point's configurations depend only on its own chain seeds (see
:mod:`ising_core.sampler`), so any split of the grid into tasks, any number of workers
and any scheduler store identical data.  Only the calling process writes to the store.
"""

from __future__ import annotations

import logging
import math

import numba
import numpy as np
from tqdm.auto import tqdm

from .sampler import sample
from .store import GridParameters, MonteCarloStore

logger = logging.getLogger(__name__)


def _blocks(indices, block_size):
    return [indices[i : i + block_size] for i in range(0, len(indices), block_size)]


def _sample_block(parameters, density, temperature_indices, threads=None):
    """Sample the temperatures ``temperature_indices`` of one density (runs on any worker)."""
    if threads is not None:
        numba.set_num_threads(threads)
    p = parameters
    temperatures = [p.temperatures[t] for t in temperature_indices]
    return sample(
        p.size, density, temperatures, p.samples, p.seed,
        realizations=p.realizations, thermalization=p.thermalization,
        spacing=p.spacing, schedule=p.schedule,
    )


def _write_block(store, density, temperature_indices, result):
    for k, t in enumerate(temperature_indices):
        store.write(density, t, _select_temperature(result, k))


def _select_temperature(result, k):
    from dataclasses import replace

    return replace(
        result,
        configurations=result.configurations[k : k + 1],
        energy=result.energy[k : k + 1],
        magnetization=result.magnetization[k : k + 1],
        realization=result.realization[k : k + 1],
        temperatures=result.temperatures[k : k + 1],
    )


def default_block_size(realizations, threads=None):
    """Temperatures per task: enough chains (temperatures x realizations) to fill the threads twice."""
    threads = threads or numba.get_num_threads()
    return max(1, math.ceil(2 * threads / realizations))


def _connect(client):
    """Return a ``distributed.Client`` for a client, a scheduler address, or ``"local"``."""
    from distributed import Client, LocalCluster

    if isinstance(client, Client):
        return client, None
    if client == "local":
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
        return Client(cluster), cluster
    if isinstance(client, str):
        return Client(client), None
    raise ValueError(f"invalid client {client!r}: pass a distributed.Client, a scheduler address or 'local'")


def run_grid(parameters, root, *, client=None, block_size=None, progress=True):
    """Sample every missing grid point of ``parameters`` into the store below ``root``.

    Parameters
    ----------
    parameters : GridParameters
    root : path-like
        Folder that contains the data stores.
    client : None, "local", str or distributed.Client
        None samples in this process (numba threads).  Otherwise tasks go to a Dask
        cluster: ``"local"`` starts a two-worker ``LocalCluster``, a string is a scheduler
        address (for example one started by dask-jobqueue), or pass a ``Client``.
    block_size : int, optional
        Temperatures per task; default :func:`default_block_size`.
    progress : bool
        Show a tqdm bar over grid points.

    Returns
    -------
    MonteCarloStore
        The complete store.  Stopping the run and calling again resumes it.
    """
    if not isinstance(parameters, GridParameters):
        parameters = GridParameters(**parameters)
    store = MonteCarloStore.open(root, parameters)
    missing = store.missing()
    total = len(parameters.densities) * len(parameters.temperatures)
    if not missing:
        logger.info("data store %s is complete (%d grid points)", store.path, total)
        return store

    tasks = []
    for density in parameters.densities:
        indices = [t for rho, t in missing if rho == density]
        size = block_size or default_block_size(parameters.realizations, threads=1 if client is not None else None)
        tasks.extend((density, block) for block in _blocks(indices, size))

    bar = tqdm(total=total, initial=total - len(missing), desc=f"Monte Carlo L={parameters.size}",
               unit="point", disable=not progress)
    try:
        if client is None:
            for density, block in tasks:
                _write_block(store, density, block, _sample_block(parameters, density, block))
                bar.update(len(block))
        else:
            _run_on_dask(store, parameters, tasks, client, bar)
    finally:
        bar.close()
    return store


def _run_on_dask(store, parameters, tasks, client, bar):
    from distributed import as_completed

    client, cluster = _connect(client)
    try:
        futures = {}
        for density, block in tasks:
            future = client.submit(_sample_block, parameters, density, block, 1, pure=False)
            futures[future] = (density, block)
        for future in as_completed(futures):
            density, block = futures[future]
            _write_block(store, density, block, future.result())
            bar.update(len(block))
    finally:
        if cluster is not None:
            client.close()
            cluster.close()


def temperature_grid(start, stop, step):
    """Inclusive grid ``start, start + step, ..., stop`` in T/J, rounded to 1e-6."""
    count = int(round((stop - start) / step)) + 1
    return np.round(start + step * np.arange(count), 6)
