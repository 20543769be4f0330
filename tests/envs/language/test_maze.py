"""Maze-v0 / MazePO-v0: the map, the rewards, the text, and the BFS expert from every start."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import gymnasium as gym
import pytest

import rlbench_suite
import rlbench_suite.envs.language  # registers the language ids
from rlbench_suite import testing
from rlbench_suite.agents import make_agent
from rlbench_suite.agents.language.maze import belief_planner
from rlbench_suite.envs.language.maze import (
    DOUBLE_T_MAZE,
    LMRL_HISTORY_PIECES,
    MAX_MOVES,
    MOVES,
    MazeEnv,
    MazeMap,
    describe_walls,
    parse_walls,
)

START_CELLS = DOUBLE_T_MAZE.start_cells()


def run_expert(env_id: str, start: tuple[int, int]) -> tuple[float, int, dict]:
    """The expert's return, episode length and last info from ``start``."""
    env = gym.make(env_id)
    agent = make_agent("expert", env)
    observation, info = env.reset(seed=0, options={"start": start})
    agent.reset(seed=0)
    total, length, done = 0.0, 0, False
    while not done:
        observation, reward, terminated, truncated, info = env.step(agent.act(observation))
        total, length, done = total + reward, length + 1, terminated or truncated
    return total, length, info


def test_double_t_map_matches_lmrl_gym() -> None:
    """The map is 10x13 with the goal at (8, 6), 25 start cells, at most 12 moves from the goal."""
    assert DOUBLE_T_MAZE.shape == (10, 13)
    assert DOUBLE_T_MAZE.goal == (8, 6)
    assert len(START_CELLS) == 25 and DOUBLE_T_MAZE.goal not in START_CELLS
    assert max(DOUBLE_T_MAZE.distances[cell] for cell in START_CELLS) == 12
    assert DOUBLE_T_MAZE.distances[(5, 3)] == 6


@pytest.mark.parametrize("start", START_CELLS)
def test_bfs_expert_takes_the_shortest_path_from_every_start(start: tuple[int, int]) -> None:
    """On Maze-v0 the expert reaches the goal in exactly d moves and scores -(d - 1)."""
    distance = DOUBLE_T_MAZE.distances[start]
    total, length, info = run_expert("rlbench/Maze-v0", start)
    assert info["success"] and info["distance_to_goal"] == 0
    assert length == distance
    assert total == -(distance - 1)  # -1 a move, 0 for the move onto the goal


def test_po_expert_localises_itself_and_solves_every_start() -> None:
    """On MazePO-v0 the expert wins from all 25 starts, at the planner's expected cost."""
    lengths = []
    for start in START_CELLS:
        total, length, info = run_expert("rlbench/MazePO-v0", start)
        assert info["success"], f"failed from {start}"
        assert length >= DOUBLE_T_MAZE.distances[start]
        assert total == -(length - 1)
        lengths.append(length)
    planner = belief_planner(DOUBLE_T_MAZE)
    expected = sum(planner.values[belief] for belief in planner.openings.values()) / 25
    assert sum(lengths) / 25 == pytest.approx(expected)
    shortest = sum(DOUBLE_T_MAZE.distances[cell] for cell in START_CELLS) / 25
    assert shortest < expected < shortest + 1  # not knowing the start costs under a move


def test_fully_observed_text_follows_lmrl_gym() -> None:
    """The FO observation states goal, position and walls in LMRL-Gym's wording."""
    env = gym.make("rlbench/Maze-v0")
    observation, info = env.reset(seed=1, options={"start": (5, 3)})
    assert observation == (
        "The goal is at position 8, 6. Your current position is at position 5, 3. "
        "There are walls to your left, below you."
    )
    assert info["admissible_actions"] == list(MOVES)


def test_partially_observed_text_gives_walls_and_move_history_only() -> None:
    """The PO observation never states a position or the goal; the transcript keeps the moves."""
    env = gym.make("rlbench/MazePO-v0")
    observation, _ = env.reset(seed=1, options={"start": (5, 3)})
    assert observation == "There are walls to your left, below you."
    observation, *_ = env.step("move right")
    assert observation.splitlines() == [
        "There are walls to your left, below you.",
        "> move right",
        "There are walls above you, below you.",
    ]
    assert "position" not in observation


def test_invalid_text_costs_four_sets_the_flag_and_does_not_move() -> None:
    """Text that is not a move gets -4 and invalid_action, and the agent stays put."""
    env = gym.make("rlbench/Maze-v0")
    env.reset(seed=0, options={"start": (5, 3)})
    observation, reward, terminated, truncated, info = env.step("jump")
    assert reward == -4.0 and info["invalid_action"] and info["invalid_actions"] == 1
    assert not terminated and not truncated
    assert (
        "Invalid action 'jump'" in observation and "position 5, 3" in observation.splitlines()[-1]
    )


@pytest.mark.parametrize(
    ("text", "move", "cell"),
    [
        ("Move Right.", "move right", (5, 4)),
        ("I move right", "move right", (5, 4)),
        ("I'll move to the right!", "move right", (5, 4)),
        ("go left please", "move left", (5, 3)),  # a wall: still a valid move
        ("Let's go north", "move up", (4, 3)),
        ("**move up**", "move up", (4, 3)),
        ("Action: move right", "move right", (5, 4)),
        ("I think I should move down.", "move down", (5, 3)),
        ("east", "move right", (5, 4)),
        ("UP", "move up", (4, 3)),
        ("move one step to the right", "move right", (5, 4)),
        ("1. move right", "move right", (5, 4)),
        ("MoveRight", "move right", (5, 4)),
        ("The best move is up.", "move up", (4, 3)),
        ("move right.\n\nThis gets me closer to the goal.", "move right", (5, 4)),
        ("I should move right to get closer to the goal.", "move right", (5, 4)),
        ("Move right (towards the goal)", "move right", (5, 4)),
    ],
)
def test_llm_phrasings_of_one_move_are_that_move(text: str, move: str, cell: tuple) -> None:
    """Case, punctuation, markup, wrappers and compass words are read as the one move named."""
    env = gym.make("rlbench/Maze-v0")
    env.reset(seed=0, options={"start": (5, 3)})
    _, reward, _, _, info = env.step(text)
    assert (reward, info["invalid_action"], info["turns"]) == (-1.0, False, 1), text
    assert env.unwrapped.position == cell


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("jump", "unknown direction; say move left, move right, move up or move down"),
        ("go forward", "unknown direction 'forward': the maze has no facing"),
        ("move up or left", "2 directions (up, left); say one move"),
        ("move top left", "diagonal moves (top, left) are not possible"),
        ("move right twice", "one move per turn ('twice' asks for more)"),
        ("right, right", "one move per turn (right, right)"),
        ("don't move left", "'dont' makes the move unclear"),
        ("jump left", "'jump' is not part of a move"),
        ("", "empty command"),
        ("move right because the wall is to my left", "2 directions (right, left)"),
        ("move right. No, move up.", "2 directions (right, up)"),
        ("move right, no wait", "'no' makes the move unclear"),
        ("move right. Actually, wait.", "'actually' is not part of a move"),
    ],
)
def test_unreadable_or_ambiguous_text_is_refused_with_its_reason(text: str, reason: str) -> None:
    """Ambiguous or unknown text is never read as one of its moves; the reply says why, -4."""
    env = gym.make("rlbench/MazePO-v0")
    env.reset(seed=0, options={"start": (5, 3)})
    observation, reward, _, _, info = env.step(text)
    reply = observation.rsplit("\n> ", 1)[-1].split("\n", 1)[1]
    assert reply.startswith(f"Invalid action {text.strip()!r}: {reason}"), reply
    assert reply.endswith("There are walls to your left, below you.")
    assert (reward, info["invalid_action"], info["turns"]) == (-4.0, True, 1)
    assert env.unwrapped.position == (5, 3)


def test_an_unreadable_command_costs_a_turn_as_in_lmrl_gym() -> None:
    """Invalid text counts towards the move limit: the last of max_moves adds the failure -1."""
    env = gym.make("rlbench/Maze-v0", max_moves=2)
    env.reset(seed=0, options={"start": (5, 3)})
    env.step("move up or left")
    observation, reward, terminated, truncated, info = env.step("hop")
    assert (reward, terminated, truncated) == (-5.0, False, True)
    assert observation.endswith("Failure") and info["invalid_actions"] == 2


def test_moves_tolerate_case_and_surrounding_whitespace() -> None:
    """'  Move RIGHT\\n' is the move right."""
    env = gym.make("rlbench/Maze-v0")
    env.reset(seed=0, options={"start": (5, 3)})
    observation, reward, _, _, info = env.step("  Move RIGHT\n")
    assert reward == -1.0 and not info["invalid_action"]
    assert "position 5, 4" in observation.splitlines()[-1]


def test_walls_block_moves() -> None:
    """A move into a wall costs -1 and leaves the agent where it was."""
    env = gym.make("rlbench/Maze-v0")
    env.reset(seed=0, options={"start": (1, 1)})
    for move in ("move up", "move left", "move down"):
        observation, reward, _, _, info = env.step(move)
        assert reward == -1.0 and not info["invalid_action"]
        assert "position 1, 1" in observation.splitlines()[-1]
    assert env.unwrapped.position == (1, 1)


def test_reaching_the_goal_pays_zero_and_terminates() -> None:
    """The move onto the goal gives 0, terminates and reports success."""
    env = gym.make("rlbench/Maze-v0")
    env.reset(seed=0, options={"start": (7, 6)})
    observation, reward, terminated, truncated, info = env.step("move down")
    assert (reward, terminated, truncated, info["success"]) == (0.0, True, False, True)
    assert observation.endswith("Success")


def test_one_hundred_moves_truncate_at_the_minimum_return_of_minus_101() -> None:
    """Bumping a wall 100 times truncates the episode with LMRL-Gym's -101."""
    env = gym.make("rlbench/Maze-v0")
    env.reset(seed=0, options={"start": (1, 1)})
    total, steps, truncated = 0.0, 0, False
    while not truncated:
        _, reward, terminated, truncated, info = env.step("move left")
        total, steps = total + reward, steps + 1
        assert not terminated
    assert (steps, total, info["success"]) == (100, -101.0, False)


def test_bad_start_raises_and_names_the_valid_cells() -> None:
    """A start that is a wall or the goal raises ValueError listing the 25 start cells."""
    env = gym.make("rlbench/Maze-v0")
    for bad in ((0, 0), (8, 6), "middle"):
        with pytest.raises(ValueError, match=r"one of the 25 start cells \[\(1, 1\)"):
            env.reset(options={"start": bad})
    with pytest.raises(ValueError, match="unknown options"):
        env.reset(options={"goal": (8, 6)})


def test_seeded_starts_are_reproducible_and_cover_every_cell() -> None:
    """The same seed gives the same start; 300 seeds reach all 25 start cells."""
    env = gym.make("rlbench/Maze-v0")
    starts = []
    for seed in range(300):
        env.reset(seed=seed)
        starts.append(env.unwrapped.start)
    env.reset(seed=7)
    assert env.unwrapped.start == starts[7]
    assert set(starts) == set(START_CELLS)


def test_wall_sentences_round_trip() -> None:
    """describe_walls writes LMRL-Gym's three sentence forms and parse_walls reads them back."""
    assert describe_walls([]) == "There are no walls near you."
    assert describe_walls(["to your right"]) == "There is a wall to your right."
    both = describe_walls(["to your left", "below you"])
    assert both == "There are walls to your left, below you."
    assert parse_walls(both) == {"to your left", "below you"}


def test_custom_layouts_work_and_bad_ones_are_refused() -> None:
    """A small custom map plays; malformed maps raise ValueError saying what is wrong."""
    env = MazeEnv(layout=["#####", "#..G#", "#####"])
    assert env.start_cells == [(1, 1), (1, 2)]
    env.reset(seed=0, options={"start": (1, 2)})
    assert env.step("move right")[1:3] == (0.0, True)
    with pytest.raises(ValueError, match="exactly one goal"):
        MazeMap.from_layout(["####", "#..#", "####"])
    with pytest.raises(ValueError, match="may only hold"):
        MazeMap.from_layout(["####", "#.X#", "#G.#", "####"])
    with pytest.raises(ValueError, match="cannot reach the goal"):
        MazeMap.from_layout(["#####", "#.#G#", "#####"])
    with pytest.raises(ValueError, match="max_moves must be a positive integer"):
        MazeEnv(max_moves=0)


@pytest.mark.parametrize("env_id", ["rlbench/Maze-v0", "rlbench/MazePO-v0"])
def test_expert_solves_held_out_goals_of_the_mdp_family(env_id: str) -> None:
    """With the goal moved to a T bar (held out), the expert still wins from every start."""
    family = rlbench_suite.env_card(env_id).mdp_family
    for kwargs in family.sample(3, "held_out", seed=1):
        env = gym.make(env_id, **kwargs)
        maze = env.unwrapped.maze
        assert maze.goal[0] == 1 and len(maze.start_cells()) == 25
        agent = make_agent("expert", env)
        for start in maze.start_cells():
            observation, _ = env.reset(seed=0, options={"start": start})
            agent.reset()
            done, length = False, 0
            while not done:
                observation, _, terminated, truncated, info = env.step(agent.act(observation))
                done, length = terminated or truncated, length + 1
            assert info["success"] and length >= maze.distances[start]


# -- rules="lmrl": LMRL-Gym's observation text ----------------------------------------------


@pytest.mark.parametrize("env_id", ["rlbench/Maze-v0", "rlbench/MazePO-v0"])
@pytest.mark.parametrize(
    "check",
    [
        testing.check_gymnasium_api,
        testing.check_determinism,
        testing.check_pickle,
        testing.check_observations_in_space,
    ],
)
def test_lmrl_rules_pass_the_public_checks(env_id: str, check) -> None:
    """Under rules='lmrl': Gymnasium's check_env, same seed same game, pickles mid-episode."""
    check(lambda **kwargs: gym.make(env_id, rules="lmrl", **kwargs))


def test_lmrl_positions_spell_their_digits_apart() -> None:
    """Column 11 is written '1 1', as LMRL-Gym writes it; our rules write '11'."""
    lmrl = gym.make("rlbench/Maze-v0", rules="lmrl")
    observation, _ = lmrl.reset(seed=0, options={"start": (1, 11)})
    assert observation == (
        "The goal is at position 8, 6. Your current position is at position 1, 1 1. "
        "There are walls to your right, above you, below you.\n"
    )
    ours = gym.make("rlbench/Maze-v0")
    observation, _ = ours.reset(seed=0, options={"start": (1, 11)})
    assert "position 1, 11." in observation


def test_lmrl_observation_keeps_the_last_forty_pieces_of_history() -> None:
    """Descriptions and moves alternate, one a line; after 25 moves only the last 40 are kept."""
    env = gym.make("rlbench/MazePO-v0", rules="lmrl")
    env.reset(seed=0, options={"start": (1, 1)})
    for _ in range(25):
        observation, *_ = env.step("Move up.")  # into the wall: the agent stays put
    lines = observation.splitlines()
    assert len(lines) == LMRL_HISTORY_PIECES and observation.endswith("\n")
    assert lines[0::2] == ["Move up."] * 20
    assert lines[1::2] == ["There are walls to your left, above you, below you."] * 20
    assert len(env.unwrapped.transcript.splitlines()) == 51  # the transcript keeps every turn


def test_lmrl_invalid_text_wipes_the_history_as_in_lmrl_gym() -> None:
    """Text that is not a move leaves only the description; the reason is in the transcript."""
    env = gym.make("rlbench/Maze-v0", rules="lmrl")
    env.reset(seed=0, options={"start": (5, 3)})
    env.step("move right")
    observation, reward, _, _, info = env.step("jump")
    assert (reward, info["invalid_action"]) == (-4.0, True)
    assert observation == (
        "The goal is at position 8, 6. Your current position is at position 5, 4. "
        "There are walls above you, below you.\n"
    )
    assert "Invalid action 'jump': unknown direction" in env.unwrapped.transcript


def test_lmrl_episode_ends_show_success_or_failure() -> None:
    """Reaching the goal shows 'Success', running out of moves 'Failure'; returns as ours."""
    env = gym.make("rlbench/Maze-v0", rules="lmrl")
    env.reset(seed=0, options={"start": (7, 6)})
    observation, reward, terminated, _, _ = env.step("move down")
    assert (observation, reward, terminated) == ("Success\n", 0.0, True)
    env.reset(seed=0, options={"start": (1, 1)})
    total = 0.0
    for _ in range(MAX_MOVES):
        observation, reward, terminated, truncated, _ = env.step("move up")
        total += reward
    assert (observation, total, terminated, truncated) == ("Failure\n", -101.0, False, True)


def test_unknown_rules_are_refused() -> None:
    """rules takes 'rlbench' or 'lmrl'; anything else names both."""
    with pytest.raises(ValueError, match=r"rules must be one of \('rlbench', 'lmrl'\)"):
        MazeEnv(rules="LMRL-Gym")


def test_bfs_expert_reads_lmrl_positions_once_their_digits_are_joined() -> None:
    """Under rules='lmrl' the benchmark's adapter makes maze_bfs optimal from every start."""
    path = Path(__file__).resolve().parents[3] / "benchmarks" / "lmrl_mode.py"
    spec = importlib.util.spec_from_file_location("lmrl_mode", path)
    benchmark = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(benchmark)
    env = gym.make("rlbench/Maze-v0", rules="lmrl")
    agent = benchmark.DigitsJoined(make_agent("expert", env))
    for start in START_CELLS:
        observation, _ = env.reset(seed=0, options={"start": start})
        agent.reset(seed=0)
        total, done = 0.0, False
        while not done:
            observation, reward, terminated, truncated, _ = env.step(agent.act(observation))
            total, done = total + reward, terminated or truncated
        assert total == -(DOUBLE_T_MAZE.distances[start] - 1), start
