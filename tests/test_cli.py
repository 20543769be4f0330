"""The `rlbench` command: its JSON outputs are a contract, its errors are readable."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import rlbench_suite
from rlbench_suite.cli import main


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> object:
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def test_list_json_has_the_contract_fields(capsys) -> None:
    """`rlbench list --json` lists every id with id, family, multi_agent and objectives."""
    listing = run_json(capsys, "list", "--json")
    assert [entry["id"] for entry in listing] == rlbench_suite.list_envs()
    for entry in listing:
        assert {"id", "family", "multi_agent", "objectives"} <= entry.keys()


def test_list_filters_by_family_and_refuses_unknown_ones(capsys) -> None:
    """--family narrows the list; an unknown family exits 2 and names the known ones."""
    assert all(
        e["family"] == "bandits" for e in run_json(capsys, "list", "--family", "bandits", "--json")
    )
    assert main(["list", "--family", "robots"]) == 2
    assert "unknown family 'robots'; families: bandits" in capsys.readouterr().err


def test_info_prints_the_card_and_the_docstring(capsys) -> None:
    """`rlbench info` shows the card's fields and the env's documentation sections."""
    assert main(["info", "rlbench/RMAB-ARMMAN-v0"]) == 0
    out = capsys.readouterr().out
    assert "expert_agent" in out and "whittle" in out
    assert "## Action Space" in out and "## Credits" in out


def test_info_shows_a_multi_objective_envs_reference_vectors(capsys) -> None:
    """A multi-objective card has no scalar references: info shows each agent's mean vector."""
    assert main(["info", "rlbench/MORMAB-v0", "--json"]) == 0
    references = json.loads(capsys.readouterr().out)["references"]
    assert references["objectives"] == ["reward", "worst_group_reward"]
    assert references["expert_agent"] in references["agents"]
    assert len(references["agents"]["random"]["mean"]) == 2
    assert main(["info", "rlbench/MORMAB-v0"]) == 0
    assert "(expert)" in capsys.readouterr().out


def test_evaluate_json_is_reproducible(capsys) -> None:
    """Same seed, same JSON; the episodes are seeded seed, seed+1, ..."""
    argv = [
        "evaluate",
        "--env",
        "rlbench/RMAB-TwoState-v0",
        "--agent",
        "whittle",
        "--episodes",
        "3",
        "--seed",
        "7",
        "--json",
    ]
    first, second = run_json(capsys, *argv), run_json(capsys, *argv)
    assert first == second
    assert [episode["seed"] for episode in first["episodes"]] == [7, 8, 9]
    assert first["env_id"] == "rlbench/RMAB-TwoState-v0" and first["agent"] == "whittle"
    returns = [episode["return"] for episode in first["episodes"]]
    assert first["mean_return"] == pytest.approx(sum(returns) / 3)
    assert all(episode["length"] == 100 for episode in first["episodes"])


def test_evaluate_passes_env_kwargs(capsys) -> None:
    """--env-kwargs reaches the env: a 4-step horizon gives 4-step episodes."""
    result = run_json(
        capsys,
        "evaluate",
        "--env",
        "rlbench/RMAB-Circulant-v0",
        "--agent",
        "random",
        "--episodes",
        "2",
        "--env-kwargs",
        '{"horizon": 4}',
        "--json",
    )
    assert [episode["length"] for episode in result["episodes"]] == [4, 4]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["evaluate", "--env", "rlbench/Nope-v0", "--agent", "random"],
            "unknown env id 'rlbench/Nope-v0'",
        ),
        (["evaluate", "--env", "rlbench/RMAB-TwoState-v0", "--agent", "ppo"], "has no agent 'ppo'"),
        (
            [
                "evaluate",
                "--env",
                "rlbench/RMAB-TwoState-v0",
                "--agent",
                "random",
                "--env-kwargs",
                "[1]",
            ],
            "argument --env-kwargs: expected a JSON object",
        ),
        (
            [
                "evaluate",
                "--env",
                "rlbench/RMAB-TwoState-v0",
                "--agent",
                "random",
                "--env-kwargs",
                '{"budget": 99}',
            ],
            r"budget must be in [1, num_arms=10]",
        ),
    ],
)
def test_bad_input_exits_2_with_the_reason(capsys, argv: list[str], message: str) -> None:
    """Unknown ids, agents and bad env arguments exit 2 and say what was wrong."""
    assert main(argv) == 2
    assert message in capsys.readouterr().err.replace("\n", " ")


def test_episodes_must_be_positive(capsys) -> None:
    """--episodes 0 is refused by the parser: exit 2 and one line, no usage dump."""
    argv = ["evaluate", "--env", "rlbench/RMAB-TwoState-v0", "--agent", "random"]
    assert main([*argv, "--episodes", "0"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: argument --episodes: expected a positive integer")
    assert err.count("\n") == 1 and "usage:" not in err


def test_help_and_version_exit_0(capsys) -> None:
    """`--help` and `--version` return 0 from main rather than raising SystemExit."""
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == rlbench_suite.__version__
    assert main(["evaluate", "--help"]) == 0
    assert "--env-kwargs" in capsys.readouterr().out


def test_benchmark_scores_random_near_0_and_expert_near_100(capsys, tmp_path) -> None:
    """benchmark --json runs random and expert on every env with normalised scores."""
    out_file = tmp_path / "bench.json"
    result = run_json(
        capsys,
        "benchmark",
        "--episodes",
        "2",
        "--family",
        "bandits",
        "--json",
        "--out",
        str(out_file),
        "--out-dir",
        str(tmp_path / "results"),
        "--no-sb3",
    )
    assert json.loads(out_file.read_text()) == result
    rows = {row["env_id"]: row["agents"] for row in result["results"]}
    assert set(rows) == set(rlbench_suite.list_envs(family="bandits"))
    arms = rows["rlbench/RMAB-ARMMAN-v0"]
    assert arms["expert"]["agent"] == "whittle"
    assert arms["expert"]["normalised_score"] > 50 > arms["random"]["normalised_score"]


def test_benchmark_writes_submissions_sb3_runs_and_family_plots(tmp_path, capsys) -> None:
    """The main job's outputs: a submission per agent, a short PPO run the board accepts, plots."""
    from rlbench_suite.leaderboard import Board, SubmissionError

    out = tmp_path / "results"
    argv = ["benchmark", "--quick", "--family", "calibration", "--out-dir", str(out)]
    assert main([*argv, "--sb3-timesteps", "512"]) == 0
    printed = capsys.readouterr().out
    assert "ppo (sb3)" in printed and "below the board's minimum" in printed
    names = sorted(path.name for path in (out / "submissions").iterdir())
    assert names == ["balance.CartPole-v1.json", "random.CartPole-v1.json"]
    board = Board.create(tmp_path / "board")
    with pytest.raises(SubmissionError, match="10 per seed are required"):
        board.submit(out / "submissions" / "random.CartPole-v1.json")
    entry = board.submit(out / "sb3" / "ppo" / "rlbench_CartPole-v1" / "submission.json")
    assert entry["algorithm"]["kind"] == "sb3" and entry["training_timesteps"] == 512
    assert (out / "intervals_calibration.png").read_bytes().startswith(b"\x89PNG")


def test_console_script_is_installed() -> None:
    """The `rlbench` console script next to this interpreter runs and reports the version."""
    executable = shutil.which("rlbench", path=str(Path(sys.executable).parent))
    assert executable is not None, "pip install should have put `rlbench` beside python"
    completed = subprocess.run(
        [executable, "--version"], capture_output=True, text=True, check=True
    )
    assert completed.stdout.strip() == rlbench_suite.__version__


def test_evaluate_family_reports_default_and_both_splits(capsys) -> None:
    """`evaluate --family K --json` gives the default instance and K instances per split."""
    result = run_json(
        capsys,
        "evaluate",
        "--env",
        "rlbench/RMAB-TwoState-v0",
        "--agent",
        "whittle",
        "--episodes",
        "2",
        "--family",
        "2",
        "--json",
    )
    assert set(result["summary"]) == {"default", "in_distribution", "held_out"}
    assert [len(result["instances"][split]) for split in ("in_distribution", "held_out")] == [2, 2]
    held_out_kwargs = result["instances"]["held_out"][0]["env_kwargs"]
    assert held_out_kwargs["transition_prior"] == [0.5, 0.5]


def test_bench_json_rows_carry_the_contract_fields(capsys) -> None:
    """`rlbench bench --json` rows name env, backend, N, threads and steps/s."""
    rows = run_json(
        capsys,
        "bench",
        "--env-ids",
        "rlbench/RMAB-TwoState-v0",
        "--num-envs",
        "4",
        "--threads",
        "1",
        "--repeats",
        "1",
        "--json",
    )
    backends = {row["backend"] for row in rows}
    assert "native" in backends and "gymnasium_sync" in backends
    for row in rows:
        assert {"env_id", "backend", "num_envs", "threads", "steps_per_sec"} <= row.keys()
        assert row["steps_per_sec"] > 0


def test_sweep_command_reports_and_exits_2_on_a_bad_file(capsys, tmp_path) -> None:
    """`rlbench sweep` on a malformed file exits 2 naming the file."""
    bad = tmp_path / "sweep.yaml"
    bad.write_text("grid: []\n")
    assert main(["sweep", str(bad)]) == 2
    assert "non-empty 'grid'" in capsys.readouterr().err.replace("\n", " ")


def test_without_stockfish_benchmark_skips_chess_and_evaluate_says_what_to_install(
    tmp_path, capsys, monkeypatch
) -> None:
    """Without the engine the language benchmark still runs; chess is skipped, and it says why."""
    monkeypatch.setenv("RLBENCH_STOCKFISH", str(tmp_path / "no-stockfish"))
    argv = ["benchmark", "--quick", "--no-sb3", "--family", "language", "--json"]
    assert main([*argv, "--agents", "random", "--out-dir", str(tmp_path / "out")]) == 0
    captured = capsys.readouterr()
    benchmarked = {row["env_id"] for row in json.loads(captured.out)["results"]}
    assert "rlbench/Maze-v0" in benchmarked
    assert not benchmarked & {"rlbench/Chess-v0", "rlbench/Endgames-v0"}
    assert "skipped rlbench/Chess-v0" in captured.err and "apt install stockfish" in captured.err
    assert main(["evaluate", "--env", "rlbench/Chess-v0", "--agent", "random"]) == 2
    assert "apt install stockfish" in capsys.readouterr().err


TINY_TWO_STATE = """\
rlbench/RMAB-TwoState-v0:
  n_timesteps: 64
  env_wrapper: [TopKBudget]
  eval_freq: 64
  eval_episodes: 1
  final_eval_episodes: 2
  torch_threads: 1
  n_steps: 64
  batch_size: 32
  n_epochs: 1
"""


def test_train_name_names_the_submission_and_its_digest_covers_it(tmp_path, capsys) -> None:
    """`train --name` sets the submission's board name; a rerun renames it with a fresh digest."""
    pytest.importorskip("stable_baselines3")
    from rlbench_suite.leaderboard.submission import compute_digest

    config = tmp_path / "tiny.yaml"
    config.write_text(TINY_TWO_STATE)
    argv = ["train", "--algo", "ppo", "--env", "rlbench/RMAB-TwoState-v0"]
    argv += ["--config", str(config), "--out", str(tmp_path / "runs")]
    submission_path = tmp_path / "runs" / "ppo" / "rlbench_RMAB-TwoState-v0" / "submission.json"
    names = []
    for name in ("my-ppo.v1", "my-ppo.v2"):
        assert main([*argv, "--name", name]) == 0
        submission = json.loads(submission_path.read_text())
        assert submission["digest"] == compute_digest(submission)
        names.append(submission["name"])
    assert names == ["my-ppo.v1", "my-ppo.v2"]
    assert "skipped (finished earlier)" in capsys.readouterr().out


def test_benchmark_name_prefixes_every_submission(tmp_path) -> None:
    """`benchmark --name nightly` names the submissions nightly.<agent>.<env>."""
    out = tmp_path / "results"
    argv = ["benchmark", "--quick", "--no-sb3", "--family", "calibration", "--agents", "random"]
    assert main([*argv, "--name", "nightly", "--out-dir", str(out)]) == 0
    submission = json.loads((out / "submissions" / "random.CartPole-v1.json").read_text())
    assert submission["name"] == "nightly.random.CartPole-v1"


def test_progress_in_a_pipe_is_plain_lines_every_tenth() -> None:
    """Without a terminal, progress is a plain line per tenth of the way, no live bar codes."""
    import io

    from rich.console import Console

    from rlbench_suite.cli.common import LineProgress

    output = io.StringIO()
    with LineProgress(Console(file=output, width=200)) as progress:
        task = progress.add_task("random on rlbench/CartPole-v1", total=20)
        for _ in range(20):
            progress.advance(task)
    lines = output.getvalue().splitlines()
    assert len(lines) == 10
    assert lines[0].startswith("random on rlbench/CartPole-v1: 2/20 (10%), ")
    assert lines[-1].startswith("random on rlbench/CartPole-v1: 20/20 (100%), ")
    assert "\x1b" not in output.getvalue()


def test_piped_command_prints_progress_lines_on_stderr(tmp_path) -> None:
    """`rlbench evaluate` in a pipe writes its progress as lines on stderr, its result on stdout."""
    argv = ["evaluate", "--env", "rlbench/RMAB-TwoState-v0", "--agent", "random"]
    completed = subprocess.run(
        [sys.executable, "-m", "rlbench_suite.cli", *argv, "--episodes", "10", "--json"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert len(json.loads(completed.stdout)["episodes"]) == 10
    progress_lines = [line for line in completed.stderr.splitlines() if "random on" in line]
    assert progress_lines[-1].startswith("random on rlbench/RMAB-TwoState-v0: 10/10 (100%)")
    assert len(progress_lines) == 10


def test_a_bug_is_not_dressed_as_a_mistake(monkeypatch) -> None:
    """An exception that is no user mistake propagates, so its traceback reaches the user."""
    from rlbench_suite.cli import catalogue

    def broken(_args: object) -> int:
        raise RuntimeError("a bug in the list command")

    monkeypatch.setattr(catalogue, "command_list", broken)
    with pytest.raises(RuntimeError, match="a bug in the list command"):
        main(["list"])


def test_benchmark_rows_of_a_multi_objective_env_write_vectors_as_lists() -> None:
    """The main job's JSON holds a multi-objective env's mean and interval as one per objective."""
    from rlbench_suite.baselines.reference import run_reference_benchmark

    (row,) = run_reference_benchmark(["rlbench/MORMAB-v0"], ("random", "expert"), episodes=2)
    stored = json.loads(json.dumps(row.to_json(), allow_nan=False))
    for result in stored["agents"].values():
        assert len(result["mean_return"]) == len(result["ci95"]) == 2
        assert result["normalised_score"] is None
