"""Benchmark of the Monte Carlo engine: ``python -m ising_core.bench``.

Prints, from one process:

* nanoseconds per attempted spin flip of the sampler's checkerboard Metropolis sweep and
  of a plain reference (a straightforward numba Metropolis with modulo neighbours and
  ``np.random.random``, defined below) on the same lattice, and their ratio;
* nanoseconds per flipped spin of the sampler's Wolff update and of a plain reference
  Wolff update, at the critical temperature;
* the cost of one sweep of each update schedule;
* integrated autocorrelation times of the energy and of ``|m|`` at the critical point of
  the pure model and of ``rho = 0.7``, for Metropolis alone and for the default
  schedule, with the thermalization and spacing they require;
* with ``--training``, the wall time of training the dense classifier on the paper's
  catalog with ``models.train_dense_classifier`` and with a plain Keras reference
  (``compile`` with its defaults), for a narrow and a wide network;
* with ``--grid PROFILE``, the time to fill the data store of a run profile's Monte
  Carlo grid, measured on every ``--grid-stride``-th temperature and scaled to the
  whole grid.

Every kernel runs single-threaded, and its time is the thread's CPU time, the minimum
over several rounds that alternate between the kernels, so that other processes on a
shared machine disturb the ratios little.
"""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
import time

import numba
import numpy as np

from . import autocorrelation, exact, sampler
from .grid import run_grid

# Transition temperature of rho = 0.7 on the L = 40 lattice.  In a scan of T/J = 1.0 to
# 1.4 in steps of 0.05 (4 realizations x 20000 sweeps of the default schedule each), the
# magnetic susceptibility peaks at 1.15 to 1.2 and the autocorrelation times at 1.05 to
# 1.1, where they are at most 10% above their value at 1.15.
DILUTED_DENSITY = 0.7
DILUTED_CRITICAL_TEMPERATURE = 1.15


# ---------------------------------------------------------------------------------------
# Plain references, written the way a first numba implementation would be.
# ---------------------------------------------------------------------------------------


@numba.njit(cache=True)
def _seed_numba(seed):
    np.random.seed(seed)


@numba.njit(cache=True)
def plain_metropolis(spins, beta, sweeps):
    """Single-spin Metropolis on an ``(L, L)`` torus in typewriter order."""
    size = spins.shape[0]
    for _ in range(sweeps):
        for row in range(size):
            for col in range(size):
                s = spins[row, col]
                field = (
                    spins[(row + 1) % size, col] + spins[(row - 1) % size, col]
                    + spins[row, (col + 1) % size] + spins[row, (col - 1) % size]
                )
                delta = 2.0 * s * field
                if delta <= 0.0 or np.random.random() < np.exp(-beta * delta):
                    spins[row, col] = -s


@numba.njit(cache=True)
def plain_wolff(spins, beta, steps):
    """Wolff updates on an ``(L, L)`` torus; return the number of flipped spins."""
    size = spins.shape[0]
    p_add = 1.0 - np.exp(-2.0 * beta)
    stack = np.empty((size * size, 2), dtype=np.int64)
    flipped = 0
    for _ in range(steps):
        row = np.random.randint(size)
        col = np.random.randint(size)
        s = spins[row, col]
        spins[row, col] = -s
        stack[0, 0] = row
        stack[0, 1] = col
        top = 1
        flipped += 1
        while top > 0:
            top -= 1
            r = stack[top, 0]
            c = stack[top, 1]
            for k in range(4):
                if k == 0:
                    nr, nc = (r + 1) % size, c
                elif k == 1:
                    nr, nc = (r - 1) % size, c
                elif k == 2:
                    nr, nc = r, (c + 1) % size
                else:
                    nr, nc = r, (c - 1) % size
                if spins[nr, nc] == s and np.random.random() < p_add:
                    spins[nr, nc] = -s
                    stack[top, 0] = nr
                    stack[top, 1] = nc
                    top += 1
                    flipped += 1
    return flipped


# ---------------------------------------------------------------------------------------
# Drivers of the sampler's kernels.
# ---------------------------------------------------------------------------------------


@numba.njit(cache=True)
def _metropolis_sweeps(lat, states, thresholds, sweeps):
    for _ in range(sweeps):
        sampler._metropolis_sweep(lat, states, thresholds[0], thresholds[1], thresholds[2], thresholds[3])


@numba.njit(cache=True)
def _wolff_steps(lat, sites, neighbours, bond_threshold, states, work, steps):
    spins = lat.reshape(lat.size)
    flipped = 0
    for _ in range(steps):
        flipped += sampler._wolff_cluster(spins, sites, neighbours, bond_threshold, states, work[2])
    return flipped


@numba.njit(cache=True)
def _schedule_sweeps(lat, sites, neighbours, thresholds, bond_threshold, schedule, states, work, sweeps):
    for _ in range(sweeps):
        sampler._sweep(lat, sites, neighbours, thresholds, bond_threshold, schedule, states, work)


class _Chain:
    """One chain of the sampler on the pure lattice, equilibrated at ``temperature``."""

    def __init__(self, size, temperature, seed):
        index, self.neighbours = sampler._layout(size)
        self.sites = sampler._occupied_positions(np.ones((size, size), dtype=bool), index)
        beta = 1.0 / temperature
        self.thresholds = sampler._metropolis_thresholds(beta)
        self.bond_threshold = sampler._bond_threshold(beta)
        seed_words = np.random.SeedSequence(seed).generate_state(4, dtype=np.uint64)
        self.lat, self.states = sampler._new_chain(size, self.sites, seed_words)
        self.work = sampler._new_work(self.lat.size)
        self.schedule_sweeps(sampler.SCHEDULES["sw+metropolis"], 200)

    def metropolis(self, sweeps):
        _metropolis_sweeps(self.lat, self.states, self.thresholds, sweeps)

    def wolff(self, steps):
        return _wolff_steps(self.lat, self.sites, self.neighbours, self.bond_threshold, self.states, self.work, steps)

    def schedule_sweeps(self, schedule, sweeps):
        _schedule_sweeps(
            self.lat, self.sites, self.neighbours, self.thresholds, self.bond_threshold,
            schedule, self.states, self.work, sweeps,
        )


def _cpu_seconds(function, *args):
    start = time.thread_time()
    result = function(*args)
    return time.thread_time() - start, result


def time_metropolis(size, temperature, sweeps, rounds, seed=0):
    """Return ``(ours, plain)``: ns per attempted flip of the sampler's and the plain Metropolis."""
    chain = _Chain(size, temperature, seed)
    spins = np.random.default_rng(seed).choice(np.array([-1, 1], dtype=np.int8), size=(size, size))
    _seed_numba(seed)
    plain_metropolis(spins, 1.0 / temperature, 200)
    chain.metropolis(1)
    ours, plain = [], []
    for _ in range(rounds):
        ours.append(_cpu_seconds(chain.metropolis, sweeps)[0])
        plain.append(_cpu_seconds(plain_metropolis, spins, 1.0 / temperature, sweeps)[0])
    attempts = sweeps * size * size
    return min(ours) / attempts * 1e9, min(plain) / attempts * 1e9


def time_wolff(size, temperature, steps, rounds, seed=0):
    """Return ``(ours, plain, ours_size, plain_size)``: ns per flipped spin and mean cluster sizes."""
    chain = _Chain(size, temperature, seed)
    spins = np.ones((size, size), dtype=np.int8)
    _seed_numba(seed)
    plain_wolff(spins, 1.0 / temperature, 1000)
    chain.wolff(1)
    ours, plain = [], []
    ours_flipped = plain_flipped = 0
    for _ in range(rounds):
        seconds, flipped = _cpu_seconds(chain.wolff, steps)
        ours.append(seconds / flipped)
        ours_flipped += flipped
        seconds, flipped = _cpu_seconds(plain_wolff, spins, 1.0 / temperature, steps)
        plain.append(seconds / flipped)
        plain_flipped += flipped
    total_steps = steps * rounds
    return min(ours) * 1e9, min(plain) * 1e9, ours_flipped / total_steps, plain_flipped / total_steps


def time_schedules(size, temperature, sweeps, rounds, seed=0):
    """Return ``{schedule: ns per site and sweep}`` of every update schedule."""
    chain = _Chain(size, temperature, seed)
    costs = {}
    for name, code in sampler.SCHEDULES.items():
        chain.schedule_sweeps(code, 1)
        costs[name] = min(_cpu_seconds(chain.schedule_sweeps, code, sweeps)[0] for _ in range(rounds))
        costs[name] *= 1e9 / (sweeps * size * size)
    return costs


def measure_autocorrelation(size, seed, scale=1.0):
    """Autocorrelation times at the critical points of rho = 1 and rho = 0.7, both schedules.

    ``scale`` multiplies the series lengths (1.0 gives errors of a few percent for the
    default schedule and about 10-20% for Metropolis in about a minute).
    """
    points = [(1.0, exact.ONSAGER_TC), (DILUTED_DENSITY, DILUTED_CRITICAL_TEMPERATURE)]
    lengths = {"metropolis": {1.0: 200_000, DILUTED_DENSITY: 1_000_000}, "sw+metropolis": {1.0: 40_000, DILUTED_DENSITY: 40_000}}
    rows = []
    for schedule in ("metropolis", "sw+metropolis"):
        for density, temperature in points:
            sweeps = max(1000, int(lengths[schedule][density] * scale))
            rows.append(autocorrelation.measure(size, density, temperature, schedule, sweeps, seed, chains=4))
    return rows


def _slower_error(measurement):
    """Error of the larger of the two autocorrelation times of a measurement."""
    energy, magnetization = measurement.energy, measurement.abs_magnetization
    return energy.error if energy.tau >= magnetization.tau else magnetization.error


def time_grid(parameters, stride, root):
    """Fill the store of every ``stride``-th temperature of ``parameters`` below ``root``.

    Returns ``(subset, wall_seconds, cpu_seconds)``: the sampled GridParameters and the
    wall-clock and process CPU time (all threads) of the run, numba compilation excluded.
    """
    subset = dataclasses.replace(parameters, temperatures=parameters.temperatures[::stride])
    warm_up = dataclasses.replace(subset, temperatures=subset.temperatures[:1], densities=subset.densities[:1], samples=1, realizations=1)
    run_grid(warm_up, root, progress=False)
    wall, cpu = time.perf_counter(), time.process_time()
    run_grid(subset, root, progress=True)
    return subset, time.perf_counter() - wall, time.process_time() - cpu


def _print_grid_timing(profile, stride, thermalization, spacing):
    from .datasets import monte_carlo_parameters

    parameters = monte_carlo_parameters(profile)
    changes = {name: value for name, value in (("thermalization", thermalization), ("spacing", spacing)) if value is not None}
    parameters = dataclasses.replace(parameters, **changes)
    with tempfile.TemporaryDirectory(prefix="ising-bench-") as root:
        subset, wall, cpu = time_grid(parameters, stride, root)
    points = len(subset.temperatures) * len(subset.densities)
    total = len(parameters.temperatures) * len(parameters.densities)
    scale = total / points
    p = parameters
    sweeps = p.thermalization + -(-p.samples // p.realizations) * p.spacing
    print(
        f"Grid of profile {profile!r}: L = {p.size}, {len(p.densities)} densities x {len(p.temperatures)} temperatures, "
        f"{p.samples} configurations over {p.realizations} realizations, thermalization {p.thermalization}, "
        f"spacing {p.spacing} (about {sweeps} sweeps per chain)"
    )
    print(
        f"  sampled {points} of {total} points in {wall:.1f} s wall, {cpu:.1f} s CPU on {numba.get_num_threads()} threads; "
        f"whole grid, scaled by {scale:.1f}: {wall * scale / 60:.1f} min wall, {cpu * scale / 60:.1f} min CPU"
    )


def plain_dense_training(catalog, hidden_units, seed, num_epochs, batch_size=32, lr=1e-3):
    """Train the dense classifier as a first Keras version would: ``compile`` with its defaults."""
    import keras

    from .models import _balanced_indices, _flatten_spins, build_dense_classifier

    keras.utils.set_random_seed(seed)
    indices = _balanced_indices(catalog)
    model = build_dense_classifier(catalog.size, hidden_units, catalog.num_classes)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=lr), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(_flatten_spins(catalog.configurations[indices]), np.asarray(catalog.labels[indices]),
              epochs=num_epochs, batch_size=batch_size, shuffle=True, verbose=0)
    return model


def time_dense_training(widths=(8, 1000), num_epochs=10, rounds=2, seed=0):
    """Wall seconds to train each width with the package and with the plain reference, minimum over rounds.

    The catalog is the paper profile's: 40 x 40, four classes, 1000 paramagnetic
    samples, balanced to 4000 configurations. The times include the XLA compilation,
    because the book pays it for every network.

    Returns
    -------
    dict
        ``{width: (package seconds, reference seconds)}``.
    """
    from .catalog import build_catalog
    from .models import train_dense_classifier

    catalog = build_catalog(size=40, classes=("F", "N", "S", "P"), paramagnetic_samples=1000, seed=2025)
    timings = {}
    for width in widths:
        ours, plain = [], []
        for _ in range(rounds):
            started = time.perf_counter()
            train_dense_classifier(catalog, width, seed=seed, num_epochs=num_epochs)
            ours.append(time.perf_counter() - started)
            started = time.perf_counter()
            plain_dense_training(catalog, width, seed, num_epochs)
            plain.append(time.perf_counter() - started)
        timings[width] = (min(ours), min(plain))
    return timings


def plain_autoencoder_training(configurations, seed, num_epochs, batch_size=16, lr=1e-3):
    """Train the ReLU autoencoder as a first Keras version would: ``compile`` with its defaults."""
    import keras

    from .models import build_autoencoder, spins_to_pixels

    keras.utils.set_random_seed(seed)
    model = build_autoencoder(configurations.shape[-1])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=lr), loss="binary_crossentropy")
    pixels = spins_to_pixels(configurations)
    model.fit(pixels, pixels, epochs=num_epochs, batch_size=batch_size, shuffle=True, verbose=0)
    return model


def time_autoencoder(configurations=8192, num_epochs=10, rounds=3, seed=0):
    """Time the autoencoder's reconstruction errors and relaxed training against Keras references.

    Forward pass: the numba pass of ``ising_core.autoencoder_forward`` against the
    XLA-compiled Keras path (``backend="keras"``), both on the same random spins of
    the paper profile's 40 x 40 lattice, for the ReLU and the symmetric variant. The
    first call of each, which compiles it, is not timed. Training: ``train_autoencoder``
    (one XLA call per epoch) against ``plain_autoencoder_training``, on the paper
    profile's relaxed training set (400 configurations, batches of 16), including
    compilation. Minimum wall time over ``rounds``.

    Returns
    -------
    dict
        ``{"forward": {variant: (numba configurations/s, keras configurations/s)},
        "training": (package seconds, reference seconds)}``.
    """
    from . import unsupervised
    from .models import build_autoencoder, reconstruction_error, train_autoencoder
    from .profiles import load_profile

    rng = np.random.default_rng(seed)
    spins = rng.choice(np.array([-1, 1], dtype=np.int8), size=(configurations, 40, 40))
    forward = {}
    for variant, settings in unsupervised.VARIANTS.items():
        model = build_autoencoder(40, **settings)
        rates = []
        for backend in ("auto", "keras"):
            reconstruction_error(model, spins[:512], backend=backend)
            seconds = []
            for _ in range(rounds):
                started = time.perf_counter()
                reconstruction_error(model, spins, backend=backend)
                seconds.append(time.perf_counter() - started)
            rates.append(configurations / min(seconds))
        forward[variant] = tuple(rates)

    relaxed = unsupervised.profile_training_set(load_profile("paper"), "relaxed")
    ours, plain = [], []
    for _ in range(max(1, rounds - 1)):
        started = time.perf_counter()
        train_autoencoder(relaxed, seed=seed, num_epochs=num_epochs, batch_size=16)
        ours.append(time.perf_counter() - started)
        started = time.perf_counter()
        plain_autoencoder_training(relaxed, seed, num_epochs)
        plain.append(time.perf_counter() - started)
    return {"forward": forward, "training": (min(ours), min(plain))}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m ising_core.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=40, help="linear lattice size L (default: 40)")
    parser.add_argument("--rounds", type=int, default=5, help="timing rounds per kernel; the minimum is reported (default: 5)")
    parser.add_argument(
        "--autocorrelation-scale", type=float, default=1.0,
        help="multiplies the length of the autocorrelation series; 0 skips them (default: 1)",
    )
    parser.add_argument("--seed", type=int, default=2025, help="root seed (default: 2025)")
    parser.add_argument("--grid", metavar="PROFILE", help="also time the Monte Carlo grid of this run profile (e.g. paper)")
    parser.add_argument(
        "--grid-stride", type=int, default=10,
        help="sample every N-th temperature of the grid and scale the time to all of them; 1 runs the whole grid (default: 10)",
    )
    parser.add_argument("--training", action="store_true",
                        help="also time the dense classifier's training against a plain Keras reference")
    parser.add_argument("--autoencoder", action="store_true",
                        help="also time the autoencoder's forward pass and training against Keras references")
    parser.add_argument("--skip-kernels", action="store_true", help="skip the Monte Carlo kernel timings")
    parser.add_argument("--thermalization", type=int, help="override the profile's thermalization sweeps for --grid")
    parser.add_argument("--spacing", type=int, help="override the profile's sweeps between stored configurations for --grid")
    args = parser.parse_args(argv)
    if not args.skip_kernels:
        _print_kernel_timings(args)
    if args.training:
        print()
        print("Dense classifier training, paper catalog (4000 balanced configurations), 10 epochs, wall time "
              "including compilation (min of 2 rounds):")
        for width, (ours, plain) in time_dense_training().items():
            print(f"  {width:5d} hidden units: package {ours:6.2f} s   plain Keras {plain:6.2f} s   "
                  f"speed-up {plain / ours:4.1f}x")
    if args.autoencoder:
        print()
        timings = time_autoencoder()
        print("Autoencoder reconstruction errors, 8192 random 40 x 40 configurations, wall time (min of 3 rounds):")
        for variant, (ours, keras_rate) in timings["forward"].items():
            print(f"  {variant:<9} numba {ours:8.0f} configurations/s   Keras (XLA) {keras_rate:8.0f} configurations/s   "
                  f"speed-up {ours / keras_rate:4.1f}x")
        ours, plain = timings["training"]
        print("Relaxed autoencoder training, paper training set (400 configurations), 10 epochs, wall time "
              "including compilation (min of 2 rounds):")
        print(f"  package {ours:6.2f} s   plain Keras {plain:6.2f} s   speed-up {plain / ours:4.1f}x")
    if args.grid:
        print()
        _print_grid_timing(args.grid, args.grid_stride, args.thermalization, args.spacing)


def _print_kernel_timings(args):
    size, temperature = args.size, exact.ONSAGER_TC
    print(f"Monte Carlo engine benchmark, L = {size}, one thread, CPU time (min of {args.rounds} rounds)")
    print()
    ours, plain = time_metropolis(size, temperature, 2000, args.rounds)
    print(f"Metropolis sweep at T = Tc:  sampler {ours:7.2f} ns/flip   plain {plain:7.2f} ns/flip   speed-up {plain / ours:5.1f}x")
    ours, plain, ours_size, plain_size = time_wolff(size, temperature, 1000, args.rounds)
    print(
        f"Wolff update at T = Tc:      sampler {ours:7.2f} ns/spin   plain {plain:7.2f} ns/spin   speed-up {plain / ours:5.1f}x"
        f"   (mean cluster {ours_size:.0f} and {plain_size:.0f} spins)"
    )
    print()
    print("Cost of one sweep at T = Tc, ns per site (one sweep = the schedule's cluster update + a Metropolis sweep):")
    for name, cost in time_schedules(size, temperature, 500, args.rounds).items():
        print(f"  {name:<17} {cost:7.2f}")

    if args.autocorrelation_scale > 0:
        print()
        print(f"Integrated autocorrelation times at the critical points, in sweeps (4 chains each, L = {size}):")
        rows = measure_autocorrelation(size, args.seed, args.autocorrelation_scale)
        print(autocorrelation.format_table(rows))
        slowest = max(row.tau + _slower_error(row) for row in rows if row.schedule == "sw+metropolis")
        print()
        print(
            f"Default schedule: largest tau (plus one error) {slowest:.2f} sweeps requires thermalization >= "
            f"{autocorrelation.minimum_thermalization(slowest)} and spacing >= {autocorrelation.minimum_spacing(slowest)}; "
            f"the defaults are {sampler.DEFAULT_THERMALIZATION} and {sampler.DEFAULT_SPACING}."
        )


if __name__ == "__main__":
    main()
