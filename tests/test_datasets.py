"""`rlbench dataset`: offline Minari datasets from a seeded mix of behaviour agents."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import pytest

import rlbench_suite
from rlbench_suite import cli
from rlbench_suite.agents import make_agent
from rlbench_suite.datasets import EpisodeSummary, parse_behaviour, write_dataset

minari = pytest.importorskip("minari")
pytest.importorskip("h5py")

MAZE = "rlbench/Maze-v0"
pytestmark = pytest.mark.skipif(
    MAZE not in rlbench_suite.list_envs(family="language"), reason=f"{MAZE} is not registered"
)


def _episodes(dataset: Any) -> list[Any]:
    return list(dataset.iterate_episodes())


def _leftovers(folder: Path) -> list[str]:
    """Everything under ``folder`` (hidden staging folders included), as relative paths."""
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*"))


def test_dataset_loads_back_with_minari_and_replays_to_the_same_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """minari.load_dataset finds every episode; the stored strings replay exactly in the env."""
    summaries: list[EpisodeSummary] = []
    write_dataset(
        MAZE,
        tmp_path,
        dataset_id="rlbench/maze/mixed-v0",
        episodes=8,
        seed=3,
        on_episode=summaries.append,
    )
    monkeypatch.setenv("MINARI_DATASETS_PATH", str(tmp_path))
    dataset = minari.load_dataset("rlbench/maze/mixed-v0")
    env = gym.make(MAZE)
    assert dataset.total_episodes == 8 and len(summaries) == 8
    assert dataset.observation_space == env.observation_space
    assert dataset.action_space == env.action_space
    assert "rlbench/maze/mixed-v0" in minari.list_local_datasets()
    for episode, summary in zip(_episodes(dataset), summaries, strict=True):
        assert all(isinstance(text, str) for text in [*episode.observations, *episode.actions])
        assert len(episode.observations) == len(episode.actions) + 1 == summary.length + 1
        assert float(np.sum(episode.rewards)) == pytest.approx(summary.episode_return)
        observation, _ = env.reset(seed=3 + int(episode.id))
        assert observation == episode.observations[0]
        for step, action in enumerate(episode.actions):
            observation, reward, *_ = env.step(action)
            assert observation == episode.observations[step + 1]
            assert reward == episode.rewards[step]
        assert episode.infos["turns"][-1] == len(episode.actions)


def test_per_episode_mixture_records_who_played_each_episode(tmp_path: Path) -> None:
    """Each episode names its one agent; the expert's episodes are the short, solved ones."""
    dataset = write_dataset(
        MAZE, tmp_path, behaviour={"expert": 1, "random": 1}, episodes=12, seed=0
    )
    metadata = dataset.storage.metadata
    per_episode = list(dataset.storage.get_episode_metadata(range(12)))
    assert dataset.spec.dataset_id == "rlbench/maze/expert50-random50-v0"
    assert metadata["behaviour"] == {"expert": 0.5, "random": 0.5}
    assert metadata["behaviour_mixture"] == "episode"
    assert metadata["agent_names"] == {"expert": "maze_bfs", "random": "random"}
    assert [entry["behaviour_agent"] for entry in per_episode] == metadata["episode_behaviour"]
    assert set(metadata["episode_behaviour"]) == {"expert", "random"}
    for entry, episode in zip(per_episode, _episodes(dataset), strict=True):
        assert float(entry["return"]) == pytest.approx(float(episode.rewards.sum()))
        acting = episode.infos["behaviour_agent"]
        assert acting[0] == -1  # the reset observation
        assert set(acting[1:]) == {metadata["behaviour_agents"].index(entry["behaviour_agent"])}
        if entry["behaviour_agent"] == "expert":
            assert episode.infos["success"][-1] and len(episode.actions) <= 12


def test_per_step_mixture_draws_an_agent_every_step_and_records_it(tmp_path: Path) -> None:
    """With --mixture step both agents act within episodes; each expert step is the BFS move."""
    dataset = write_dataset(
        MAZE,
        tmp_path,
        behaviour={"expert": 0.7, "random": 0.3},
        mixture="step",
        episodes=6,
        seed=1,
    )
    assert dataset.spec.dataset_id == "rlbench/maze/expert70-random30-perstep-v0"
    assert dataset.storage.metadata["behaviour_mixture"] == "step"
    expert = make_agent("expert", gym.make(MAZE))
    acting_counts = np.zeros(2, dtype=int)
    for episode in _episodes(dataset):
        acting = episode.infos["behaviour_agent"][1:]
        acting_counts += np.bincount(acting, minlength=2)
        for step in np.flatnonzero(acting == 0):
            assert episode.actions[step] == expert.act(episode.observations[step])
    assert acting_counts.min() > 0
    assert 0.5 < acting_counts[0] / acting_counts.sum() < 0.9
    assert set(dataset.storage.metadata["episode_behaviour"]) == {"per-step"}


@pytest.mark.parametrize("mixture", ["episode", "step"])
def test_same_seed_same_dataset_other_seed_other_dataset(tmp_path: Path, mixture: str) -> None:
    """Equal arguments write equal episodes and agent draws; another seed writes different ones."""

    def contents(seed: int, folder: str) -> list[Any]:
        dataset = write_dataset(MAZE, tmp_path / folder, mixture=mixture, episodes=5, seed=seed)
        return [
            (
                list(episode.observations),
                list(episode.actions),
                episode.infos["behaviour_agent"].tolist(),
                episode.rewards.tolist(),
            )
            for episode in _episodes(dataset)
        ]

    first = contents(5, "first")
    assert first == contents(5, "second")
    assert first != contents(6, "third")


def test_bad_behaviours_get_errors_naming_the_format_and_what_came() -> None:
    """Malformed --behaviour specs say the expected name:weight format and quote the input."""
    assert parse_behaviour(" expert : 3 ,random:1") == {"expert": 0.75, "random": 0.25}
    for text, message in [
        ("expert", "name:weight pairs such as 'expert:0.7,random:0.3'; got 'expert'"),
        ("expert=0.7,random=0.3", "got 'expert=0.7,random=0.3', whose entry 'expert=0.7'"),
        ("", "name:weight pairs .*; got an empty string"),
        ("expert:lots", "weight of 'expert' must be a number, got 'lots'"),
        ("expert:1,expert:2", "names 'expert' twice"),
        ("expert:-1", "finite non-negative number, got -1.0"),
        ("expert:0,random:0", "must not all be zero"),
        ("expert:inf", "finite non-negative number, got inf"),
    ]:
        with pytest.raises(ValueError, match=message):
            parse_behaviour(text)


def test_bad_agents_envs_ids_and_mixtures_get_clear_errors(tmp_path: Path) -> None:
    """Unknown agents or envs, malformed ids and mixtures each say what was wrong."""
    with pytest.raises(ValueError, match="has no agent 'wizard'"):
        write_dataset(MAZE, tmp_path, behaviour={"wizard": 1.0}, episodes=1)
    with pytest.raises(KeyError, match="unknown env id 'rlbench/Mazee-v0'"):
        write_dataset("rlbench/Mazee-v0", tmp_path, episodes=1)
    with pytest.raises(ValueError, match=r"must be \(namespace/\)name-vN.*got 'no spaces allowed'"):
        write_dataset(MAZE, tmp_path, dataset_id="no spaces allowed", episodes=1)
    with pytest.raises(ValueError, match=r"must be \(namespace/\)name-vN.*got 'no-version'"):
        write_dataset(MAZE, tmp_path, dataset_id="no-version", episodes=1)
    with pytest.raises(ValueError, match=r"mixture must be one of \('episode', 'step'\)"):
        write_dataset(MAZE, tmp_path, mixture="turn", episodes=1)
    with pytest.raises(ValueError, match="episodes must be a positive integer, got 0"):
        write_dataset(MAZE, tmp_path, episodes=0)
    assert _leftovers(tmp_path) == []


def test_an_env_with_a_native_kernel_writes_a_dataset_whose_env_recovers(tmp_path: Path) -> None:
    """CartPole, whose spec holds a native vector entry point, writes and recovers its env."""
    dataset = write_dataset("rlbench/CartPole-v1", tmp_path, episodes=2, seed=0)
    recovered = dataset.recover_environment()
    assert recovered.spec.id == "rlbench/CartPole-v1"
    recovered.close()


def test_an_existing_dataset_is_never_overwritten(tmp_path: Path) -> None:
    """Writing an id that exists fails before playing and leaves the first dataset as it was."""
    write_dataset(MAZE, tmp_path, dataset_id="taken-v0", episodes=2, seed=0)
    stored = (tmp_path / "taken-v0/data/main_data.hdf5").read_bytes()
    with pytest.raises(ValueError, match="'taken-v0' already exists at"):
        write_dataset(MAZE, tmp_path, dataset_id="taken-v0", episodes=3, seed=9)
    assert (tmp_path / "taken-v0/data/main_data.hdf5").read_bytes() == stored


def test_a_failure_mid_write_leaves_no_partial_dataset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crash while collecting or while Minari writes leaves no dataset and no staging folder."""

    def stop_after_two(summary: EpisodeSummary) -> None:
        if summary.index == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_dataset(MAZE, tmp_path, dataset_id="a-v0", episodes=5, on_episode=stop_after_two)
    assert not (tmp_path / "a-v0").exists()

    real_create = minari.create_dataset_from_buffers

    def create_then_fail(*args: Any, **kwargs: Any) -> Any:
        real_create(*args, **kwargs)  # the files exist in the staging folder now
        raise OSError("disk full")

    monkeypatch.setattr(minari, "create_dataset_from_buffers", create_then_fail)
    with pytest.raises(OSError, match="disk full"):
        write_dataset(MAZE, tmp_path, dataset_id="b-v0", episodes=2)
    assert _leftovers(tmp_path) == []


def test_a_killed_runs_staging_folder_is_removed_by_the_next_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A staging folder whose process is gone goes on the next write; a live run's stays."""
    import os
    import socket
    import subprocess
    import sys

    from rlbench_suite.datasets import STAGING_PREFIX

    finished = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    host = socket.gethostname()
    killed = tmp_path / f"{STAGING_PREFIX}{host}.{finished.stdout.strip()}.0a1b2c3d"
    (killed / "rlbench" / "maze").mkdir(parents=True)
    (killed / "rlbench" / "maze" / "half-written.hdf5").write_bytes(b"\x89HDF")
    live = tmp_path / f"{STAGING_PREFIX}{host}.{os.getppid()}.4e5f6a7b"
    live.mkdir()
    argv = ["dataset", "--env", MAZE, "--episodes", "2", "--dataset-id", "a-v0"]
    assert cli.main([*argv, "--out", str(tmp_path)]) == 0
    assert not killed.exists() and live.exists()
    assert f"note: removed {killed}, left by an interrupted run" in capsys.readouterr().err
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(["a-v0", live.name])


def test_cli_writes_the_dataset_and_reports_the_behaviour(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`rlbench dataset` writes under --out and prints per-agent episodes and steps."""
    status = cli.main(
        [
            "dataset",
            "--env",
            MAZE,
            "--behaviour",
            "expert:0.7,random:0.3",
            "--episodes",
            "4",
            "--seed",
            "1",
            "--out",
            str(tmp_path),
        ]
    )
    assert status == 0
    printed = capsys.readouterr().out
    assert "rlbench/maze/expert70-random30-v0: 4 episodes" in printed
    assert "expert" in printed and "random" in printed
    assert (tmp_path / "rlbench/maze/expert70-random30-v0/data/main_data.hdf5").is_file()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--behaviour", "expert=1"], "name:weight pairs such as 'expert:0.7,random:0.3'"),
        (["--behaviour", "ghost:1"], "has no agent 'ghost'"),
        (["--env-kwargs", "[1]"], "argument --env-kwargs: expected a JSON object"),
    ],
)
def test_cli_bad_input_exits_2_with_the_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    """A bad --behaviour, agent or --env-kwargs exits 2, says why, and writes nothing."""
    assert cli.main(["dataset", "--env", MAZE, *argv, "--out", str(tmp_path)]) == 2
    assert message in capsys.readouterr().err.replace("\n", " ")
    assert not tmp_path.exists() or _leftovers(tmp_path) == []


def test_cli_rejects_bad_counts_and_mixtures_before_running() -> None:
    """--episodes 0 and an unknown --mixture stop argparse with exit code 2."""
    parser = cli.build_parser()
    for argv in (["--episodes", "0"], ["--mixture", "turn"]):
        with pytest.raises(SystemExit) as stopped:
            parser.parse_args(["dataset", "--env", MAZE, *argv])
        assert stopped.value.code == 2
