"""Every user mistake exits 2 with one `error:` line that says what was expected and what came."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from rlbench_suite.cli import main
from rlbench_suite.leaderboard.store import Board

CARTPOLE = "rlbench/CartPole-v1"
TWO_STATE = "rlbench/RMAB-TwoState-v0"
MAZE = "rlbench/Maze-v0"
MULTI_AGENT_EVALUATE = ["evaluate", "--env", "rlbench/MultiQuadHover-v0", "--agent", "random"]
EVALUATE = ["evaluate", "--env", TWO_STATE, "--agent", "random"]
TRAIN = ["train", "--algo", "ppo", "--env", CARTPOLE, "--timesteps", "64", "--out", "{tmp}/runs"]
needs_sb3 = pytest.mark.skipif(
    importlib.util.find_spec("stable_baselines3") is None, reason="needs the sb3 extra"
)
needs_minari = pytest.mark.skipif(
    importlib.util.find_spec("minari") is None, reason="needs the offline extra"
)
#: Mistakes also run through `python -m rlbench_suite.cli`, as a user's shell runs them.
IN_SUBPROCESS = {"unknown-command", "evaluate-negative-seed"}

MISTAKES = [
    # -- argparse's own usage errors, and arguments checked by their types --------------------
    pytest.param(["nosuch"], "invalid choice: 'nosuch'", id="unknown-command"),
    pytest.param(
        ["evaluate", "--env", TWO_STATE],
        "the following arguments are required: --agent",
        id="evaluate-missing-agent",
    ),
    pytest.param(
        [*EVALUATE, "--seed", "-5"],
        "argument --seed: expected a seed between 0 and 2**31 - 1, got -5",
        id="evaluate-negative-seed",
    ),
    pytest.param(
        [*EVALUATE, "--episodes", str(10**9)],
        "expected a positive integer of at most 100,000, got 1000000000",
        id="evaluate-absurd-episodes",
    ),
    pytest.param(
        [*EVALUATE, "--episodes", "0"],
        "expected a positive integer of at most 100,000, got 0",
        id="evaluate-zero-episodes",
    ),
    pytest.param(
        [*EVALUATE, "--env-kwargs", "[1]"],
        "expected a JSON object such as '{\"budget\": 5}', got '[1]' (a list)",
        id="evaluate-env-kwargs-not-an-object",
    ),
    pytest.param(
        [*EVALUATE, "--family", "0"],
        "argument --family: expected a positive integer of at most 1,000, got 0",
        id="evaluate-family-zero",
    ),
    pytest.param(
        ["train", "--algo", "ppo", "--env", CARTPOLE, "--timesteps", "0"],
        "expected a whole number of timesteps between 1 and 1e+10, such as 1e6, got '0'",
        id="train-zero-timesteps",
    ),
    pytest.param(
        ["train", "--algo", "ppo", "--env", CARTPOLE, "--timesteps", "abc"],
        "expected a whole number of timesteps between 1 and 1e+10, such as 1e6, got 'abc'",
        id="train-timesteps-not-a-number",
    ),
    pytest.param(
        ["train", "--algo", "ppo", "--env", CARTPOLE, "--config", "{tmp}/folder"],
        "folder: expected a config file, got a folder",
        id="train-config-is-a-folder",
    ),
    pytest.param(
        ["train", "--algo", "ppo", "--env", CARTPOLE, "--config", "{tmp}/nowhere.yaml"],
        "nowhere.yaml: no such config file",
        id="train-config-missing",
    ),
    pytest.param(
        ["train", "--algo", "ppo", "--env", CARTPOLE, "--out", "{tmp}/a_file.txt"],
        "a_file.txt: expected a folder to write into, got a file",
        id="train-out-is-a-file",
    ),
    pytest.param(
        ["train", "--algo", "ppo", "--env", CARTPOLE, "--name", "my run"],
        "expected a leaderboard name of letters, digits, '.', '_' and '-'",
        id="train-name-with-a-space",
    ),
    pytest.param(
        ["sweep", "{tmp}/folder"],
        "folder: expected a sweep file, got a folder",
        id="sweep-file-is-a-folder",
    ),
    pytest.param(
        ["sweep", "{tmp}/nowhere.yaml"], "nowhere.yaml: no such sweep file", id="sweep-missing"
    ),
    pytest.param(
        ["sweep", "{tmp}/timestep_typo.yaml", "--workers", "100000"],
        "expected a number of local processes from 1 to",
        id="sweep-too-many-workers",
    ),
    pytest.param(
        ["benchmark", "--no-sb3", "--out", "{tmp}/folder"],
        "folder: expected a file to write, got a folder",
        id="benchmark-out-is-a-folder",
    ),
    pytest.param(
        ["benchmark", "--no-sb3", "--out", "{tmp}/a_file.txt/results.json"],
        "a_file.txt is a file, not a folder",
        id="benchmark-out-below-a-file",
    ),
    pytest.param(
        ["train", "--algo", "ppo", "--env", CARTPOLE, "--seeds", "0", str(2**40)],
        "argument --seeds: expected a seed between 0 and 2**31 - 1, got 1099511627776",
        id="train-seed-too-large",
    ),
    pytest.param(
        ["bench", "--threads", "999"],
        "argument --threads: expected a thread count from 1 to this machine's",
        id="bench-too-many-threads",
    ),
    pytest.param(
        ["bench", "--num-envs", "0"],
        "expected a positive integer of at most 1,048,576, got 0",
        id="bench-zero-envs",
    ),
    pytest.param(
        ["dataset", "--env", MAZE, "--behaviour", "expert=1"],
        "name:weight pairs such as 'expert:0.7,random:0.3'; got 'expert=1'",
        id="dataset-behaviour-not-name-weight",
    ),
    pytest.param(
        ["dataset", "--env", MAZE, "--behaviour", "expert:lots"],
        "the behaviour weight of 'expert' must be a number, got 'lots'",
        id="dataset-behaviour-weight-not-a-number",
    ),
    pytest.param(
        ["dataset", "--env", MAZE, "--behaviour", "expert:0,random:0"],
        "the behaviour's weights must not all be zero",
        id="dataset-behaviour-all-zero",
    ),
    pytest.param(
        ["dataset", "--env", MAZE, "--mixture", "turn"],
        "argument --mixture: invalid choice: 'turn'",
        id="dataset-unknown-mixture",
    ),
    pytest.param(
        ["dataset", "--env", MAZE, "--out", "{tmp}/a_file.txt"],
        "a_file.txt: expected a folder to write into, got a file",
        id="dataset-out-is-a-file",
    ),
    # -- checks against the registry and the files, made before any work starts ----------------
    pytest.param(["info", "nope"], "unknown env id 'nope'", id="info-unknown-env"),
    pytest.param(
        ["list", "--family", "nope"],
        "unknown family 'nope'; families: bandits, calibration",
        id="list-unknown-family",
    ),
    pytest.param(
        ["evaluate", "--env", "nope", "--agent", "random"],
        "unknown env id 'nope'",
        id="evaluate-unknown-env",
    ),
    pytest.param(
        ["evaluate", "--env", TWO_STATE, "--agent", "nope"],
        "rlbench/RMAB-TwoState-v0 has no agent 'nope'; its agents are expert, random",
        id="evaluate-unknown-agent",
    ),
    pytest.param(
        [*EVALUATE, "--env-kwargs", '{"nope": 1}'],
        "--env-kwargs for rlbench/RMAB-TwoState-v0: unknown argument 'nope'; its arguments are",
        id="evaluate-env-kwargs-unknown-key",
    ),
    pytest.param(
        [*EVALUATE, "--env-kwargs", '{"num_arms": "ten"}'],
        '--env-kwargs for rlbench/RMAB-TwoState-v0: num_arms expects an integer, got "ten" '
        "(a JSON string)",
        id="evaluate-env-kwargs-wrong-type",
    ),
    pytest.param(
        [*EVALUATE, "--env-kwargs", '{"budget": 99}'],
        'rlbench/RMAB-TwoState-v0: the env refused {"budget": 99}: ',
        id="evaluate-env-kwargs-out-of-range",
    ),
    pytest.param(
        [*MULTI_AGENT_EVALUATE, "--env-kwargs", '{"nope": 1}'],
        "--env-kwargs for rlbench/MultiQuadHover-v0: the env refused",
        id="evaluate-multi-agent-env-kwargs-unknown-key",
    ),
    pytest.param(
        [*EVALUATE, "--family", "2", "--env-kwargs", '{"budget": 2}'],
        "--family samples the env's arguments; drop --env-kwargs",
        id="evaluate-family-with-env-kwargs",
    ),
    pytest.param(
        [*EVALUATE, "--family", "1000", "--episodes", "1000"],
        "plays 2,001,000 episodes; expected at most 100,000",
        id="evaluate-family-too-many-episodes",
    ),
    pytest.param(
        ["benchmark", "--family", "nope"], "unknown family 'nope'", id="benchmark-unknown-family"
    ),
    pytest.param(
        ["benchmark", "--family", "bandits", "--agents", "nope"],
        "--agents names 'nope', which no benchmarked env has; their agents are expert",
        id="benchmark-unknown-agent",
    ),
    pytest.param(
        ["benchmark", "--family", "bandits", "--agents", "random,,expert"],
        "--agents expects comma-separated agent names or 'all', got 'random,,expert'",
        id="benchmark-empty-agent-name",
    ),
    pytest.param(
        ["benchmark", "--family", "bandits", "--sb3", CARTPOLE],
        "--sb3 names rlbench/CartPole-v1, which is not among the benchmarked family bandits",
        id="benchmark-sb3-env-outside-the-family",
    ),
    pytest.param(
        ["benchmark", "--family", "calibration", "--name", "n" * 70],
        "is too long for rlbench/CartPole-v1",
        id="benchmark-name-prefix-too-long",
    ),
    pytest.param(
        ["references", "--env", "nope"], "unknown env id 'nope'", id="references-unknown-env"
    ),
    pytest.param(
        ["references", "--env", "rlbench/MultiQuadHover-v0"],
        "references are measured on single-agent envs; rlbench/MultiQuadHover-v0 is multi-agent",
        id="references-multi-agent-env",
    ),
    pytest.param(
        ["bench", "--env-ids", MAZE],
        "--env-ids expects ids with a native kernel (rlbench/CartPole-v1",
        id="bench-env-without-kernel",
    ),
    pytest.param(
        ["train", "--algo", "ppo", "--env", CARTPOLE, "--seeds", "0", "0"],
        "--seeds expects distinct seeds, one run each; got 0 0 (0 repeated)",
        id="train-duplicate-seeds",
    ),
    pytest.param(
        ["train", "--algo", "ppo", "--env", "nope"], "unknown env id 'nope'", id="train-unknown-env"
    ),
    pytest.param(
        ["train", "--algo", "nope", "--env", CARTPOLE],
        "unknown algo 'nope'; choose from a2c, dqn, ppo, sac, td3",
        marks=needs_sb3,
        id="train-unknown-algo",
    ),
    pytest.param(
        TRAIN,
        "seed_0/result.json: not a readable result (Expecting",
        marks=needs_sb3,
        id="train-resume-corrupt-result",
    ),
    pytest.param(
        ["sweep", "{tmp}/timestep_typo.yaml"],
        "unknown key 'timestep'; did you mean 'timesteps'?",
        marks=needs_sb3,
        id="sweep-misspelt-key",
    ),
    pytest.param(
        ["sweep", "{tmp}/grid_typo.yaml"],
        "grid[0]: unknown key 'seed'; did you mean 'seeds'?",
        marks=needs_sb3,
        id="sweep-misspelt-grid-key",
    ),
    pytest.param(
        ["dataset", "--env", MAZE, "--behaviour", "ghost:1"],
        "rlbench/Maze-v0 has no agent 'ghost'",
        marks=needs_minari,
        id="dataset-unknown-agent",
    ),
    pytest.param(
        ["dataset", "--env", MAZE, "--dataset-id", "no-version", "--out", "{tmp}/datasets"],
        "the dataset id must be (namespace/)name-vN, such as 'rlbench/maze/mix-v0'",
        marks=needs_minari,
        id="dataset-id-without-version",
    ),
    pytest.param(
        ["dataset", "--env", MAZE, "--env-kwargs", '{"max_moves": "many"}'],
        '--env-kwargs for rlbench/Maze-v0: max_moves expects an integer, got "many"',
        marks=needs_minari,
        id="dataset-env-kwargs-wrong-type",
    ),
    # -- the leaderboard ----------------------------------------------------------------------
    pytest.param(
        ["leaderboard", "submit", "{tmp}/corrupt.json", "--board", "{tmp}/folder"],
        "pass --new-board to create one there",
        id="leaderboard-submit-without-a-board",
    ),
    pytest.param(
        ["leaderboard", "submit", "{tmp}/corrupt.json", "--board", "{tmp}/board", "--new-board"],
        "already holds a board; submit without --new-board",
        id="leaderboard-new-board-over-a-board",
    ),
    pytest.param(
        ["leaderboard", "submit", "{tmp}/folder", "--board", "{tmp}/board"],
        "folder: expected a submission file, got a folder",
        id="leaderboard-submit-a-folder",
    ),
    pytest.param(
        ["leaderboard", "submit", "{tmp}/nowhere.json", "--board", "{tmp}/board"],
        "nowhere.json: no such submission file",
        id="leaderboard-submit-missing-file",
    ),
    pytest.param(
        ["leaderboard", "submit", "{tmp}/corrupt.json", "{tmp}/a_file.txt", "--name", "mine"],
        "--name names one submission; got 2 files",
        id="leaderboard-name-for-two-files",
    ),
    pytest.param(
        ["leaderboard", "submit", "{tmp}/corrupt.json", "--name", "../../etc/passwd"],
        "expected a leaderboard name of letters, digits",
        id="leaderboard-name-with-a-path",
    ),
    pytest.param(
        ["leaderboard", "evaluate", "--board", "{tmp}/board"],
        "name the entries to evaluate, or pass --pending or --all",
        id="leaderboard-evaluate-nothing",
    ),
    pytest.param(
        ["leaderboard", "evaluate", "nope", "--board", "{tmp}/board"],
        "no entry 'nope' on the board",
        id="leaderboard-evaluate-unknown-entry",
    ),
    pytest.param(
        ["leaderboard", "evaluate", "--pending", "--seed", "-3", "--board", "{tmp}/board"],
        "argument --seed: expected a seed between 0 and 2,146,483,647, got -3",
        id="leaderboard-evaluate-negative-seed",
    ),
    pytest.param(
        ["leaderboard", "show", "--family", "nope", "--board", "{tmp}/board"],
        "no entries in family 'nope'",
        id="leaderboard-show-unknown-family",
    ),
    pytest.param(
        ["leaderboard", "show", "--env", "rlbench/Nope-v0", "--board", "{tmp}/board"],
        "unknown env id 'rlbench/Nope-v0'",
        id="leaderboard-show-unknown-env",
    ),
    pytest.param(
        ["leaderboard", "show", "--board", "{tmp}/a_file.txt"],
        "a_file.txt: expected a folder to write into, got a file",
        id="leaderboard-board-is-a-file",
    ),
    pytest.param(
        ["leaderboard", "show", "--board", "{tmp}/broken_board"],
        "not a readable board marker",
        id="leaderboard-board-marker-corrupt",
    ),
    pytest.param(
        ["leaderboard", "render", "--board", "{tmp}/board"],
        "the following arguments are required: --out",
        id="leaderboard-render-without-out",
    ),
    pytest.param(
        ["leaderboard", "verify", "{tmp}/corrupt.json"],
        "corrupt.json: rejected (1 problem(s)): - (file): not valid JSON",
        id="leaderboard-verify-corrupt-file",
    ),
    pytest.param(
        ["leaderboard", "check", "--rerun", "-1", "--board", "{tmp}/board"],
        "argument --rerun: expected a number of entries to replay, 0 to 10,000, got -1",
        id="leaderboard-check-negative-rerun",
    ),
]


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A folder, a plain file, misspelt sweep files, a corrupt result and submission, boards."""
    (tmp_path / "folder").mkdir()
    (tmp_path / "a_file.txt").write_text("not a folder\n")
    grid = "grid:\n  - algo: ppo\n    envs: [rlbench/CartPole-v1]\n"
    (tmp_path / "timestep_typo.yaml").write_text(f"timestep: 64\n{grid}    seeds: [0]\n")
    (tmp_path / "grid_typo.yaml").write_text(f"{grid}    seed: [0]\n")
    corrupt = tmp_path / "runs" / "ppo" / "rlbench_CartPole-v1" / "seed_0" / "result.json"
    corrupt.parent.mkdir(parents=True)
    corrupt.write_text('{"env_id": "rlbench/CartPole-v1", "algo"')  # a run killed mid-write
    (tmp_path / "corrupt.json").write_text('{"format": "rlbench-submission/1", "na')
    Board.create(tmp_path / "board")
    (tmp_path / "broken_board").mkdir()
    (tmp_path / "broken_board" / "board.json").write_text("{not json")
    return tmp_path


@pytest.mark.parametrize(("argv", "fragment"), MISTAKES)
def test_a_mistake_exits_2_with_one_error_line(
    request: pytest.FixtureRequest,
    workspace: Path,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    fragment: str,
) -> None:
    """The mistake exits 2, stderr is one `error:` line naming it, and nothing is traced back."""
    argv = [part.replace("{tmp}", str(workspace)) for part in argv]
    if request.node.callspec.id in IN_SUBPROCESS:
        completed = subprocess.run(
            [sys.executable, "-m", "rlbench_suite.cli", *argv],
            capture_output=True,
            text=True,
            timeout=120,
        )
        status, out, err = completed.returncode, completed.stdout, completed.stderr
    else:
        status = main(argv)
        out, err = capsys.readouterr()
    assert status == 2
    assert out == ""
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    assert fragment in lines[0]
