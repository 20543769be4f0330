"""Sweeps: an env x algo x seed grid of SB3 runs, on a local process pool or on a Ray cluster.

A sweep file is YAML::

    out: runs/hover-sweep          # where runs are written (relative to the sweep file)
    timesteps: 100000              # optional: overrides every config's budget
    name: hover-sweep              # optional: submissions are named hover-sweep.<algo>.<env>
    grid:
      - algo: ppo
        envs: [rlbench/QuadHover-v0, rlbench/RMAB-TwoState-v0]
        seeds: [0, 1, 2]
      - algo: ppo                  # a multi-objective env: a run per weight vector and seed
        envs: [rlbench/MORMAB-v0]
        seeds: [0]
        weight_grid: 4             # or weights: [[0.2, 0.8], [0.8, 0.2]]
      - algo: ppo                  # the suite's own PPO (configs/native_ppo.yaml)
        runner: native             # sb3 (the default) or native
        envs: [rlbench/CartPole-v1]
        seeds: [0, 1, 2]

A ``runner: native`` entry trains with :mod:`rlbench_suite.baselines.native_ppo` (PPO only,
single-objective envs); its runs are summarised, aggregated and submitted as the algorithm
``native_ppo``, beside SB3's ``ppo``.

A multi-objective env's runs each learn a linearly scalarised reward (``w . r``); the sweep
writes one submission per (algo, env) holding every weight's runs (its front), and
``fronts.json`` with each front's hypervolume and expected utility (95 % bootstrap CIs).

Every key is checked before anything trains: an unknown or misspelt key (``timestep:``) is an
error naming the key and the closest known one, never silently ignored.

Every run goes through :func:`rlbench_suite.baselines.sb3.train` (or the native runner's
``train``, which keeps the same rules), which writes its result
atomically and skips a run whose result exists, so a killed sweep loses nothing that finished:
run the same command again and only the missing runs train.
"""

from __future__ import annotations

import csv
import dataclasses
import difflib
import json
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from rlbench_suite.baselines.benchmark import prefixed_submission_name
from rlbench_suite.baselines.sb3 import (
    ConfigError,
    RunConfig,
    check_weight_settings,
    load_config,
    train,
    weights_folder,
    write_training_submission,
)
from rlbench_suite.files import write_atomically
from rlbench_suite.registry import env_card
from rlbench_suite.scoring.aggregate import IntervalEstimate, aggregate_scores
from rlbench_suite.scoring.plots import plot_interval_estimates, plot_learning_curves


@dataclass(frozen=True)
class SweepRun:
    """One cell of the grid."""

    algo: str
    env_id: str
    seed: int
    #: Multi-objective envs: the weights of the scalarised reward this run learns.
    reward_weights: tuple[float, ...] | None = None
    #: "sb3" (Stable-Baselines3) or "native" (the suite's own PPO).
    runner: str = "sb3"

    @property
    def algo_label(self) -> str:
        """The algorithm as summaries, aggregates and submissions name it."""
        return NATIVE_ALGO if self.runner == "native" else self.algo

    @property
    def label(self) -> str:
        """``algo env seed [weights]`` for progress and summaries."""
        weights = self.reward_weights
        suffix = "" if weights is None else f" weights {','.join(f'{w:g}' for w in weights)}"
        return f"{self.algo_label} {self.env_id} seed {self.seed}{suffix}"


@dataclass(frozen=True)
class Sweep:
    """A parsed sweep file: the runs, where they go, an optional budget and submission prefix.

    ``name``, when set, prefixes the name of every submission the sweep writes
    (``<name>.<algo>.<env>``).
    """

    runs: tuple[SweepRun, ...]
    out_dir: Path
    timesteps: int | None
    name: str | None = None


#: The keys a sweep file may hold at its top level, and in each grid entry.
SWEEP_KEYS = ("out", "timesteps", "name", "grid")
GRID_KEYS = ("algo", "envs", "seeds")
#: Multi-objective envs: the weight vectors of the grid entry's runs (else the config's).
WEIGHT_KEYS = ("weights", "weight_grid")
#: A grid entry's optional ``runner``: who trains its runs.
RUNNERS = ("sb3", "native")
#: The algorithm label of native-runner runs (their folder under ``out``, their submissions).
NATIVE_ALGO = "native_ppo"


def _unknown_keys(where: str, given: dict[Any, Any], known: tuple[str, ...]) -> None:
    for key in given:
        if key not in known:
            close = difflib.get_close_matches(str(key), known, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise ConfigError(f"{where}: unknown key {key!r}; {hint}(keys: {', '.join(known)})")


def _is_count(value: object) -> bool:
    # YAML reads `true` as a bool, which Python counts as an int; a count is never a bool.
    return isinstance(value, int) and not isinstance(value, bool)


def load_sweep(path: Path | str) -> Sweep:
    """Parse and check a sweep file; every (algo, env) must have a training config.

    Raises :class:`ConfigError` (a ValueError) naming the file and the problem: an unreadable
    file or a folder, unknown keys, a bad budget, name, env list or seeds, an (algo, env)
    without a config, or a cell listed twice.
    """
    source = Path(path)
    try:
        raw = yaml.safe_load(source.read_text())
    except IsADirectoryError:
        raise ConfigError(f"{source}: expected a sweep file, got a folder") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise ConfigError(f"{source}: cannot read the sweep file ({error})") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: a sweep needs a non-empty 'grid' list")
    _unknown_keys(str(source), raw, SWEEP_KEYS)
    if not isinstance(raw.get("grid"), list) or not raw["grid"]:
        raise ConfigError(f"{source}: a sweep needs a non-empty 'grid' list")
    timesteps = raw.get("timesteps")
    if timesteps is not None and (not _is_count(timesteps) or timesteps < 1):
        # PyYAML reads 1e5 as a string (YAML 1.1 wants 1.0e+5); say how to write it.
        raise ConfigError(
            f"{source}: 'timesteps' must be a positive integer such as 100000, got {timesteps!r}"
        )
    name = raw.get("name")
    if name is not None:
        try:
            prefixed_submission_name(str(name), "algo", "rlbench/Env-v0")
        except ValueError as error:
            raise ConfigError(f"{source}: 'name': {error}") from None
        name = str(name)
    out = raw.get("out", "runs")
    if not isinstance(out, str) or not out:
        raise ConfigError(f"{source}: 'out' must be a folder path, got {out!r}")
    runs = []
    for index, entry in enumerate(raw["grid"]):
        where = f"{source}: grid[{index}]"
        if not isinstance(entry, dict):
            raise ConfigError(f"{where} needs 'algo', 'envs' and 'seeds', got {entry!r}")
        _unknown_keys(where, entry, (*GRID_KEYS, *WEIGHT_KEYS, "runner"))
        if set(GRID_KEYS) - entry.keys():
            raise ConfigError(f"{where} needs 'algo', 'envs' and 'seeds'")
        runner = entry.get("runner", "sb3")
        if runner not in RUNNERS:
            raise ConfigError(
                f"{where}: 'runner' must be one of {', '.join(RUNNERS)}, got {runner!r}"
            )
        if runner == "native" and entry["algo"] != "ppo":
            raise ConfigError(f"{where}: runner native trains ppo only, got algo {entry['algo']!r}")
        if runner == "native" and any(key in entry for key in WEIGHT_KEYS):
            raise ConfigError(f"{where}: runner native trains single-objective envs (no weights)")
        envs, seeds = entry["envs"], entry["seeds"]
        if not isinstance(envs, list) or not envs or not all(isinstance(e, str) for e in envs):
            raise ConfigError(f"{where}: 'envs' must be a non-empty list of env ids, got {envs!r}")
        if (
            not isinstance(seeds, list)
            or not seeds
            or not all(_is_count(seed) and seed >= 0 for seed in seeds)
        ):
            raise ConfigError(
                f"{where}: 'seeds' must be a non-empty list of non-negative integers, got {seeds!r}"
            )
        for env_id in envs:
            try:  # fail now, not an hour into the sweep
                if runner == "native":
                    _native_config(env_id)
                    weight_settings: tuple[tuple[float, ...], ...] = ()
                else:
                    config = load_config(entry["algo"], env_id)
                    weight_settings = _weight_settings(where, entry, config)
            except (ConfigError, KeyError) as error:
                message = error.args[0] if isinstance(error, KeyError) else str(error)
                raise ConfigError(f"{where}: {message}") from None
            runs.extend(
                SweepRun(entry["algo"], env_id, seed, weights, runner)
                for weights in (weight_settings or (None,))
                for seed in seeds
            )
    if len(set(runs)) != len(runs):
        raise ConfigError(
            f"{source}: the grid lists some (algo, env, seed, weights) more than once"
        )
    out_dir = Path(out)
    if not out_dir.is_absolute():
        out_dir = source.parent / out_dir
    if out_dir.exists() and not out_dir.is_dir():
        raise ConfigError(f"{source}: 'out' must be a folder, but {out_dir} is a file")
    return Sweep(tuple(runs), out_dir, timesteps, name)


def _weight_settings(
    where: str, entry: dict[str, Any], config: RunConfig
) -> tuple[tuple[float, ...], ...]:
    """The grid entry's weight vectors for ``config``'s env (its own, else the config's)."""
    if not any(key in entry for key in WEIGHT_KEYS):
        settings = config.weight_settings
    else:
        settings = check_weight_settings(
            where, config.env_id, entry.get("weights"), entry.get("weight_grid")
        )
    card = env_card(config.env_id)
    if card.reward_dim > 1 and not settings:
        raise ConfigError(
            f"{config.env_id} has {card.reward_dim} objectives ({', '.join(card.objectives)}): "
            "give the grid entry 'weights' (a list of weight vectors) or 'weight_grid', or its "
            "config reward_weights"
        )
    return settings


def _native_config(env_id: str) -> Any:
    from rlbench_suite.baselines.native_ppo import load_native_config

    config = load_native_config(env_id)
    card = env_card(config.env_id)
    if card.reward_dim > 1 or card.multi_agent:
        raise ConfigError(f"{env_id}: runner native trains single-agent, single-objective envs")
    return config


def run_one(run: SweepRun, out_dir: str, timesteps: int | None) -> dict[str, Any]:
    """Train one cell (in a worker process or a Ray task) and summarise it."""
    if run.runner == "native":
        from rlbench_suite.baselines.native_ppo import train as train_native

        outcome = train_native(_native_config(run.env_id), run.seed, Path(out_dir), timesteps)
    else:
        config = load_config(run.algo, run.env_id)
        if run.reward_weights is not None:
            config = dataclasses.replace(
                config, reward_weights=run.reward_weights, weight_settings=()
            )
        outcome = train(config, run.seed, Path(out_dir), timesteps)
    return {
        "algo": run.algo_label,
        "env_id": run.env_id,
        "seed": run.seed,
        **({} if run.reward_weights is None else {"reward_weights": list(run.reward_weights)}),
        "run_dir": str(outcome.run_dir),
        "mean_return": outcome.mean_return,
        "skipped": outcome.skipped,
    }


def run_sweep(
    sweep: Sweep,
    executor: str = "local",
    workers: int = 1,
    address: str | None = None,
    on_done: Callable[[dict[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    """Run every cell; returns the summaries and writes ``sweep_summary.json`` atomically.

    ``executor="local"`` uses a process pool of ``workers``; ``"ray"`` sends each cell to a Ray
    cluster at ``address`` (``None`` starts a local Ray). A failed cell is reported with its
    error and does not stop the others.
    """
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    if executor == "local":
        summaries = _run_local(sweep, workers, on_done)
    elif executor == "ray":
        summaries = _run_ray(sweep, address, on_done)
    else:
        raise ValueError(f"executor must be 'local' or 'ray', got {executor!r}")
    sweep.out_dir.mkdir(parents=True, exist_ok=True)
    ordered = sorted(
        summaries,
        key=lambda row: (row["algo"], row["env_id"], row.get("reward_weights") or [], row["seed"]),
    )
    write_atomically(
        sweep.out_dir / "sweep_summary.json", (json.dumps(ordered, indent=2) + "\n").encode()
    )
    write_sweep_submissions(sweep.out_dir, ordered, sweep.name)
    return ordered


def write_sweep_submissions(
    out_dir: Path, summaries: list[dict[str, Any]], name_prefix: str | None = None
) -> list[Path]:
    """A leaderboard submission per (algo, env) cell whose seeds all finished.

    Each is named ``<algo>.<env>``, after ``name_prefix`` and a dot if one is given.
    """
    cells: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for summary in summaries:
        cells.setdefault((summary["algo"], summary["env_id"]), []).append(summary)
    written = []
    for (algo, env_id), runs in cells.items():
        if any("error" in run for run in runs):
            continue
        seeds = sorted({run["seed"] for run in runs})
        weights = sorted({tuple(run["reward_weights"]) for run in runs if "reward_weights" in run})
        name = None if name_prefix is None else prefixed_submission_name(name_prefix, algo, env_id)
        if algo == NATIVE_ALGO:
            from rlbench_suite.baselines.native_ppo import write_native_submission

            written.append(write_native_submission(out_dir, env_id, seeds, name=name))
            continue
        written.append(
            write_training_submission(
                out_dir, algo, env_id, seeds, name=name, weight_settings=weights
            )
        )
    return written


def _failure(run: SweepRun, error: BaseException) -> dict[str, Any]:
    return {
        "algo": run.algo_label,
        "env_id": run.env_id,
        "seed": run.seed,
        **({} if run.reward_weights is None else {"reward_weights": list(run.reward_weights)}),
        "error": f"{type(error).__name__}: {error}",
    }


def _run_local(
    sweep: Sweep, workers: int, on_done: Callable[[dict[str, Any]], None] | None
) -> list[dict[str, Any]]:
    summaries = []
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = {
            pool.submit(run_one, run, str(sweep.out_dir), sweep.timesteps): run
            for run in sweep.runs
        }
        for future in as_completed(futures):
            try:
                summary = future.result()
            except Exception as error:  # a failed cell must not take the sweep down
                summary = _failure(futures[future], error)
            summaries.append(summary)
            if on_done is not None:
                on_done(summary)
    return summaries


def _run_ray(
    sweep: Sweep, address: str | None, on_done: Callable[[dict[str, Any]], None] | None
) -> list[dict[str, Any]]:
    try:
        import ray
    except ImportError:
        raise ValueError("the ray executor needs Ray: pip install 'rlbench-suite[ray]'") from None
    # A Ray this call starts (no address, none running) is shut down at the end; a cluster the
    # user connected to, or a Ray the caller already runs, is left as it was.
    started_here = not ray.is_initialized()
    ray.init(address=address, ignore_reinit_error=True)
    try:
        remote_run = ray.remote(run_one)
        pending = {
            remote_run.remote(run, str(sweep.out_dir), sweep.timesteps): run for run in sweep.runs
        }
        summaries = []
        while pending:
            [ready], _ = ray.wait(list(pending), num_returns=1)
            run = pending.pop(ready)
            try:
                summary = ray.get(ready)
            except Exception as error:  # a failed cell must not take the sweep down
                summary = _failure(run, error)
            summaries.append(summary)
            if on_done is not None:
                on_done(summary)
    finally:
        if started_here:
            ray.shutdown()
    return summaries


# -- Reading a finished sweep --------------------------------------------------------------


def aggregate_sweep(
    summaries: list[dict[str, Any]], reps: int = 2000, seed: int = 0
) -> dict[str, dict[str, dict[str, IntervalEstimate]]]:
    """IQM, mean, median and optimality gap of normalised scores, per family and algorithm.

    Each finished run's final mean return is normalised with its env's EnvCard references
    (0 = zero anchor, 100 = expert). For a family, an algorithm's runs form a (seeds x envs) matrix
    over the seeds every env of the family has; runs that failed, and envs without reference
    scores, are left out.
    """
    scores: dict[str, dict[str, dict[str, dict[int, float]]]] = {}
    for row in summaries:
        if "error" in row:
            continue
        card = env_card(row["env_id"])
        if card.references is None or not card.references.usable:
            continue  # no scale to normalise on; its raw returns stay in sweep_summary.json
        normalised = float(card.references.normalise(row["mean_return"]))
        family = scores.setdefault(card.family, {}).setdefault(row["algo"], {})
        family.setdefault(card.id, {})[row["seed"]] = normalised
    result: dict[str, dict[str, dict[str, IntervalEstimate]]] = {}
    for family, by_algo in sorted(scores.items()):
        matrices = {}
        for algo, by_env in by_algo.items():
            seeds = sorted(set.intersection(*(set(per_seed) for per_seed in by_env.values())))
            env_ids = sorted(by_env)
            matrices[algo] = [[by_env[env_id][s] for env_id in env_ids] for s in seeds]
        result[family] = aggregate_scores(matrices, reps=reps, seed=seed)
    return result


def write_sweep_report(sweep: Sweep, summaries: list[dict[str, Any]]) -> list[Path]:
    """``aggregates.json``, an interval-estimate PNG per family and a learning-curve PNG per env."""
    written = []
    aggregates = aggregate_sweep(summaries)
    payload = {
        family: {
            algo: {metric: estimate.to_json() for metric, estimate in metrics.items()}
            for algo, metrics in by_algo.items()
        }
        for family, by_algo in aggregates.items()
    }
    target = sweep.out_dir / "aggregates.json"
    write_atomically(target, (json.dumps(payload, indent=2) + "\n").encode())
    written.append(target)
    for family, by_algo in aggregates.items():
        written.append(plot_interval_estimates(by_algo, sweep.out_dir / f"intervals_{family}.png"))
    fronts = sweep_fronts(summaries)
    if fronts:
        target = sweep.out_dir / "fronts.json"
        write_atomically(target, (json.dumps(fronts, indent=2) + "\n").encode())
        written.append(target)
        written += _plot_sweep_fronts(sweep.out_dir, fronts)
    by_env: dict[tuple[str, str, tuple[float, ...]], list[dict[str, Any]]] = {}
    for row in summaries:
        if "error" not in row:
            weights = tuple(row.get("reward_weights") or ())
            by_env.setdefault((row["algo"], row["env_id"], weights), []).append(row)
    for (algo, env_id, weights), rows in sorted(by_env.items()):
        curves = [_read_curve(Path(row["run_dir"]) / "curve.csv") for row in rows]
        length = min(len(steps) for steps, _ in curves)
        steps = curves[0][0][:length]
        returns = np.array([values[:length] for _, values in curves])
        references = env_card(env_id).references
        lines = (
            {}
            if references is None
            else {
                "random": references.random,
                **(
                    {}
                    if references.zero_agent == "random"
                    else {f"zero ({references.zero_agent})": references.zero_anchor}
                ),
                f"expert ({references.expert_agent})": references.expert,
            }
        )
        tag = "" if not weights else "_" + weights_folder(weights)
        name = f"curves_{algo}_{env_id.replace('/', '_')}{tag}.png"
        scalarised = "" if not weights else f", scalarised return w = {list(weights)}"
        written.append(
            plot_learning_curves(
                {algo: (steps, returns)},
                sweep.out_dir / name,
                title=f"{algo} on {env_id}{scalarised}",
                reference_lines={} if weights else lines,
            )
        )
    return written


def sweep_fronts(summaries: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per multi-objective (algo, env): the front of its finished runs, scored.

    Each run is a point (its final evaluation's mean return vector); the front's hypervolume
    (from the card's reference point) and expected utility come with stratified-bootstrap 95 %
    intervals over each run's episodes (:func:`rlbench_suite.leaderboard.fronts.front_scores`).
    """
    from rlbench_suite.leaderboard.fronts import front_scores

    cells: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in summaries:
        if "error" not in row and "reward_weights" in row:
            cells.setdefault((row["algo"], row["env_id"]), []).append(row)
    fronts = {}
    for (algo, env_id), rows in sorted(cells.items()):
        card = env_card(env_id)
        if card.reference_point is None:
            continue
        episodes = []
        for row in rows:
            result = json.loads((Path(row["run_dir"]) / "result.json").read_text())
            episodes.append(
                np.array([episode["return"] for episode in result["evaluation"]["episodes"]])
            )
        fronts[f"{algo} {env_id}"] = {
            "algo": algo,
            "env_id": env_id,
            "objectives": list(card.objectives),
            "reward_weights": [row["reward_weights"] for row in rows],
            "seeds": [row["seed"] for row in rows],
            **front_scores(episodes, card.reference_point),
        }
    return fronts


def _plot_sweep_fronts(out_dir: Path, fronts: dict[str, dict[str, Any]]) -> list[Path]:
    from rlbench_suite.scoring.plots import plot_pareto_fronts

    written = []
    for front in fronts.values():
        points = np.asarray(front["points"], dtype=float)
        name = f"front_{front['algo']}_{front['env_id'].replace('/', '_')}.png"
        written.append(
            plot_pareto_fronts(
                {f"{front['algo']} (one point per weight and seed)": points[:, :2]},
                out_dir / name,
                objectives=(front["objectives"][0], front["objectives"][1]),
            )
        )
    return written


def _read_curve(path: Path) -> tuple[list[float], list[float]]:
    with path.open() as handle:
        rows = list(csv.DictReader(handle))
    return [float(r["timesteps"]) for r in rows], [float(r["mean_return"]) for r in rows]
