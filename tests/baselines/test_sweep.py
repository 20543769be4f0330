"""Sweeps over an env x algo x seed grid: every cell runs once, a rerun resumes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import rlbench_suite
from rlbench_suite.baselines.sb3 import ConfigError
from rlbench_suite.baselines.sweep import (
    load_sweep,
    run_sweep,
    write_sweep_report,
    write_sweep_submissions,
)

TINY_SWEEP = """\
out: runs
timesteps: 64
grid:
  - algo: ppo
    envs: [rlbench/RMAB-TwoState-v0]
    seeds: [0, 1]
"""


def write_sweep(tmp_path: Path, text: str = TINY_SWEEP) -> Path:
    path = tmp_path / "sweep.yaml"
    path.write_text(text)
    return path


def test_sweep_runs_every_cell_and_a_rerun_only_fills_gaps(tmp_path: Path) -> None:
    """Two seeds train on a 2-process pool; after losing one result only that seed reruns."""
    sweep = load_sweep(write_sweep(tmp_path))
    assert sweep.out_dir == tmp_path / "runs" and sweep.timesteps == 64
    first = run_sweep(sweep, workers=2)
    assert [(row["seed"], row["skipped"]) for row in first] == [(0, False), (1, False)]
    summary = json.loads((tmp_path / "runs" / "sweep_summary.json").read_text())
    assert summary == first
    lost = Path(first[1]["run_dir"]) / "result.json"
    lost.unlink()  # as if the sweep was killed before seed 1 finished
    second = run_sweep(sweep, workers=1)
    assert [(row["seed"], row["skipped"]) for row in second] == [(0, True), (1, False)]
    assert lost.exists()

    named = write_sweep_submissions(tmp_path / "runs", second, name_prefix="tiny")
    assert json.loads(named[0].read_text())["name"] == "tiny.ppo.RMAB-TwoState-v0"

    written = write_sweep_report(sweep, second)
    names = {path.name for path in written}
    assert {
        "aggregates.json",
        "intervals_bandits.png",
        "curves_ppo_rlbench_RMAB-TwoState-v0.png",
    } <= names
    references = rlbench_suite.env_card("rlbench/RMAB-TwoState-v0").references
    expected_mean = np.mean([references.normalise(row["mean_return"]) for row in second])
    aggregates = json.loads((tmp_path / "runs" / "aggregates.json").read_text())
    assert aggregates["bandits"]["ppo"]["mean"]["point"] == pytest.approx(expected_mean)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("grid: []\n", "non-empty 'grid'"),
        ("grid:\n  - algo: ppo\n    envs: [rlbench/RMAB-TwoState-v0]\n", "needs 'algo', 'envs'"),
        ("timesteps: -5\n" + TINY_SWEEP.split("\n", 2)[2], "'timesteps' must be a positive"),
        (TINY_SWEEP.replace("seeds: [0, 1]", "seeds: [0, 0]"), "more than once"),
        (TINY_SWEEP.replace("RMAB-TwoState", "RMAB-Nowhere"), "RMAB-Nowhere"),
        ("grid: [unclosed\n", "cannot read the sweep file"),
        (TINY_SWEEP.replace("timesteps:", "timestep:"), "unknown key 'timestep'; did you mean"),
        (TINY_SWEEP.replace("seeds:", "seed:"), r"grid\[0\]: unknown key 'seed'; did you mean"),
        (TINY_SWEEP.replace("timesteps: 64", "timesteps: 1e5"), "such as 100000, got '1e5'"),
        (TINY_SWEEP.replace("timesteps: 64", "timesteps: true"), "positive integer"),
        (TINY_SWEEP.replace("[0, 1]", "[]"), "'seeds' must be a non-empty list"),
        (TINY_SWEEP.replace("[rlbench/RMAB-TwoState-v0]", "[]"), "'envs' must be a non-empty"),
        ("name: my sweep\n" + TINY_SWEEP, "'name': expected a leaderboard name"),
    ],
)
def test_malformed_sweep_files_are_refused_before_any_training(
    tmp_path: Path, text: str, message: str
) -> None:
    """Each malformed sweep file raises ConfigError naming the file and the problem."""
    path = write_sweep(tmp_path, text)
    with pytest.raises(ConfigError, match=message) as caught:
        load_sweep(path)
    assert str(path) in str(caught.value)


def test_a_folder_given_as_the_sweep_file_is_named(tmp_path: Path) -> None:
    """A folder where the sweep file should be is refused with what was expected."""
    with pytest.raises(ConfigError, match="expected a sweep file, got a folder"):
        load_sweep(tmp_path)


def test_ray_and_local_sweeps_give_identical_results(tmp_path: Path) -> None:
    """The same grid through a local Ray instance and the local pool gives the same returns."""
    pytest.importorskip("ray", reason="the ray executor needs the `ray` extra")
    local_dir, ray_dir = tmp_path / "local", tmp_path / "ray"
    local_dir.mkdir()
    ray_dir.mkdir()
    local = run_sweep(load_sweep(write_sweep(local_dir)), executor="local", workers=2)
    through_ray = run_sweep(load_sweep(write_sweep(ray_dir)), executor="ray")
    assert [row["mean_return"] for row in through_ray] == [row["mean_return"] for row in local]
    assert all(not row["skipped"] for row in through_ray)
    assert (ray_dir / "runs" / "sweep_summary.json").exists()


def test_unknown_executor_is_refused(tmp_path: Path) -> None:
    """Only 'local' and 'ray' executors exist."""
    with pytest.raises(ValueError, match="executor must be 'local' or 'ray'"):
        run_sweep(load_sweep(write_sweep(tmp_path)), executor="slurm")
