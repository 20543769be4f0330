"""Chess-v0 and Endgames-v0: rewards, starting positions, the reproducible Stockfish, errors."""

from __future__ import annotations

import importlib.util
import pickle
import sys

import gymnasium as gym
import numpy as np
import pytest

import rlbench_suite  # noqa: F401  (registers the envs)
from rlbench_suite.agents import RandomAgent, make_agent
from rlbench_suite.envs.language.chess_env import (
    ENDGAME_MATERIAL,
    FEN_PREFIX,
    UciEngine,
    fen_from_observation,
    find_stockfish,
    uci_move_vocabulary,
)

HAS_CHESS = importlib.util.find_spec("chess") is not None


def _stockfish_or_none() -> str | None:
    try:
        return find_stockfish()
    except FileNotFoundError:
        return None


STOCKFISH = _stockfish_or_none()
needs_chess = pytest.mark.skipif(
    not HAS_CHESS, reason='python-chess is not installed (pip install "rlbench-suite[chess]")'
)
needs_stockfish = pytest.mark.skipif(
    not HAS_CHESS or STOCKFISH is None,
    reason="python-chess or the Stockfish binary is missing (apt install stockfish)",
)

MATE_IN_ONE = "k7/3Q4/1K6/8/8/8/8/8 w - - 0 1"  # Qd8#, Qa7#...; Qc7 stalemates
ONLY_MOVE_THEN_MATED = "1r6/8/8/8/8/8/2k5/K7 w - - 0 1"  # Ka2 is forced, then Ra8#
HANGING_QUEEN = "k7/8/8/8/8/8/8/1Q5K w - - 0 1"  # Qb7+ Kxb7 leaves two bare kings


def first_legal_move(board, rng):
    """A user opponent: Black's first legal move in python-chess's order."""
    return next(iter(board.legal_moves))


def _play(env: gym.Env, moves: list[str]) -> list[tuple]:
    return [env.step(move) for move in moves]


@needs_stockfish
def test_mate_in_one_wins_plus_one_and_ends_the_game() -> None:
    """Checkmating Black pays +1, terminates, and marks the game won."""
    env = gym.make("rlbench/Endgames-v0")
    env.reset(seed=0, options={"fen": MATE_IN_ONE})
    observation, reward, terminated, truncated, info = env.step("Qd8#")
    assert (reward, terminated, truncated) == (1.0, True, False)
    assert (info["won"], info["lost"], info["drawn"], info["success"]) == (1, 0, 0, True)
    assert "Checkmate: you win." in observation
    assert info["admissible_actions"] == []
    env.close()


@needs_stockfish
def test_uci_moves_are_accepted_like_san() -> None:
    """The same mate written in UCI (d7d8) wins just as Qd8# does."""
    env = gym.make("rlbench/Chess-v0")
    env.reset(seed=0, options={"fen": MATE_IN_ONE})
    _, reward, terminated, _, info = env.step(" d7d8 ")
    assert (reward, terminated, info["won"], info["invalid_action"]) == (1.0, True, 1, False)
    env.close()


@needs_stockfish
def test_illegal_moves_cost_one_and_the_game_goes_on_to_a_loss() -> None:
    """Illegal or unreadable moves get -1 and leave the position; being mated gets -1 and ends."""
    env = gym.make("rlbench/Endgames-v0")
    observation, info = env.reset(seed=0, options={"fen": ONLY_MOVE_THEN_MATED})
    assert info["admissible_actions"] == ["Ka2"]
    for attempt, text in enumerate(["Kb1", "hello", "--", "a1a3"], start=1):
        observation, reward, terminated, truncated, info = env.step(text)
        assert (reward, terminated, truncated) == (-1.0, False, False), text
        assert info["invalid_action"] and info["illegal_moves"] == attempt
        assert fen_from_observation(observation) == ONLY_MOVE_THEN_MATED
    observation, reward, terminated, _, info = env.step("Ka2")
    assert (reward, terminated) == (-1.0, True)
    assert (info["won"], info["lost"], info["drawn"]) == (0, 1, 0)
    assert "Black plays Ra8#. Checkmate: you lose." in observation
    env.close()


@needs_stockfish
def test_stalemating_black_is_a_draw_worth_zero() -> None:
    """Stalemate ends the game drawn with reward 0."""
    env = gym.make("rlbench/Endgames-v0")
    env.reset(seed=0, options={"fen": MATE_IN_ONE})
    observation, reward, terminated, _, info = env.step("Qc7")
    assert (reward, terminated, info["drawn"], info["won"]) == (0.0, True, 1, 0)
    assert "Draw by stalemate." in observation
    env.close()


@needs_stockfish
def test_black_taking_the_last_piece_draws_by_insufficient_material() -> None:
    """Hanging the queen to the king leaves two bare kings: a draw the opponent brings about."""
    env = gym.make("rlbench/Endgames-v0")
    env.reset(seed=0, options={"fen": HANGING_QUEEN})
    observation, reward, terminated, _, info = env.step("Qb7+")
    assert (reward, terminated, info["drawn"]) == (0.0, True, 1)
    assert "Black plays Kxb7. Draw by insufficient material." in observation
    env.close()


@needs_stockfish
def test_endgame_starting_positions_are_legal_with_the_promised_material() -> None:
    """Seeded starts are legal, White to move, unfinished, K+{Q,QR,R,RR} against a bare king."""
    import chess

    env = gym.make("rlbench/Endgames-v0")
    seen = set()
    for seed in range(40):
        observation, _ = env.reset(seed=seed)
        board = chess.Board(fen_from_observation(observation))
        assert board.is_valid() and board.turn == chess.WHITE and not board.is_game_over()
        assert board.occupied_co[chess.BLACK] == board.kings & board.occupied_co[chess.BLACK]
        white = "K" + "".join(
            chess.piece_symbol(piece_type).upper() * len(board.pieces(piece_type, chess.WHITE))
            for piece_type in (chess.QUEEN, chess.ROOK, chess.BISHOP, chess.KNIGHT, chess.PAWN)
        )
        assert white in ENDGAME_MATERIAL, white
        assert f"({'+'.join(white)})" in observation  # the opening names the material
        seen.add(white)
    assert seen == set(ENDGAME_MATERIAL)
    env.close()
    rooks_only = gym.make("rlbench/Endgames-v0", material=("KR",))
    for seed in range(10):
        pieces = fen_from_observation(rooks_only.reset(seed=seed)[0]).split()[0]
        assert sorted(char for char in pieces if char.isalpha()) == ["K", "R", "k"]
    rooks_only.close()


@needs_stockfish
def test_games_replay_exactly_under_a_seed_and_the_seed_drives_the_opponent() -> None:
    """Same seed and moves give the same game; other seeds make the opponent choose otherwise."""

    def random_game(seed: int) -> str:
        env = gym.make("rlbench/Chess-v0")
        agent = RandomAgent(env)
        agent.reset(99)
        observation, _ = env.reset(seed=seed)
        for _ in range(60):
            observation, _, terminated, truncated, _ = env.step(agent.act(observation))
            if terminated or truncated:
                break
        env.close()
        return observation

    assert random_game(5) == random_game(5)
    replies = set()
    env = gym.make("rlbench/Chess-v0")
    for seed in range(12):
        env.reset(seed=seed)
        replies.add(env.step("e4")[0].splitlines()[-2])
    env.close()
    assert len(replies) >= 2, replies


@needs_stockfish
def test_an_engine_gives_the_same_answers_after_many_searches_as_a_fresh_one() -> None:
    """Searches are pure: a used engine and a new one agree (why a pickled clone stays in step)."""
    import chess

    board = chess.Board()
    positions = []
    for san in ["e4", "e5", "Nf3", "Nc6", "Bb5", "a6", "Ba4", "Nf6", "O-O", "Be7"]:
        board.push_san(san)
        positions.append(board.copy())
    used, fresh = UciEngine(STOCKFISH), UciEngine(STOCKFISH)
    first_pass = [used.search(position, nodes=3000, multipv=4) for position in positions]
    second_pass = [used.search(position, nodes=3000, multipv=4) for position in positions[::-1]]
    from_fresh = [fresh.search(position, nodes=3000, multipv=4) for position in positions[::-1]]
    assert second_pass == from_fresh and first_pass == second_pass[::-1]
    used.close()
    fresh.close()


@needs_stockfish
def test_a_game_pickled_mid_way_continues_identically_with_its_own_engine() -> None:
    """A pickled env restarts its engine and plays the rest of the game move for move."""
    env = gym.make("rlbench/Chess-v0")
    env.reset(seed=3)
    _play(env, ["d4", "c4", "Nc3"])
    clone = pickle.loads(pickle.dumps(env))
    agent = RandomAgent(env)
    agent.reset(4)
    for _ in range(40):
        action = agent.act(None)
        original, copied = env.step(action), clone.step(action)
        assert original[:4] == copied[:4]
        if original[2] or original[3]:
            break
    env.close()
    clone.reset(seed=8)
    assert "Black plays" in clone.step("e4")[0]  # the clone's engine outlives the original's
    clone.close()


@needs_chess
def test_a_missing_stockfish_binary_says_how_to_install_it(monkeypatch) -> None:
    """A stockfish_path or $RLBENCH_STOCKFISH that is not there raises with install advice."""
    with pytest.raises(FileNotFoundError, match="apt install stockfish") as error:
        gym.make("rlbench/Chess-v0", stockfish_path="/nonexistent/stockfish")
    assert "/nonexistent/stockfish" in str(error.value)
    assert "brew install stockfish" in str(error.value)
    monkeypatch.setenv("RLBENCH_STOCKFISH", "/nowhere/sf")
    with pytest.raises(FileNotFoundError, match=r"\$RLBENCH_STOCKFISH is '/nowhere/sf'"):
        gym.make("rlbench/Endgames-v0")


def test_missing_python_chess_says_how_to_install_it(monkeypatch) -> None:
    """Without python-chess, building the env names the pip extra to install."""
    monkeypatch.setitem(sys.modules, "chess", None)
    with pytest.raises(ImportError, match=r'pip install "rlbench-suite\[chess\]"'):
        gym.make("rlbench/Chess-v0")


@needs_chess
def test_a_user_callable_replaces_stockfish() -> None:
    """A callable opponent gets a copy of the game and the env's generator; no engine needed."""
    calls = []

    def opponent(board, rng):
        calls.append((board.fen(), type(rng)))
        return first_legal_move(board, rng)

    env = gym.make("rlbench/Chess-v0", opponent=opponent, stockfish_path="/nonexistent")
    env.reset(seed=0)
    observation, reward, *_ = env.step("e4")
    assert calls == [
        ("rnbqkbnr/pppppppp/8/8/4P3/8/PPPP1PPP/RNBQKBNR b KQkq - 0 1", np.random.Generator)
    ]
    assert reward == 0.0 and "Black plays Nh6." in observation
    env.close()


@needs_chess
def test_an_opponent_that_returns_an_illegal_move_is_reported() -> None:
    """An opponent answering with an illegal move raises ValueError naming the move."""
    import chess

    env = gym.make("rlbench/Chess-v0", opponent=lambda board, rng: chess.Move.from_uci("e2e4"))
    env.reset(seed=0)
    with pytest.raises(ValueError, match=r"opponent returned Move\.from_uci"):
        env.step("d4")


@needs_chess
def test_turn_limit_truncates_and_illegal_moves_add_up() -> None:
    """After max_turns turns the game is truncated; its return counts every illegal move."""
    env = gym.make("rlbench/Chess-v0", opponent=first_legal_move, max_turns=3)
    assert gym.spec("rlbench/Chess-v0").max_episode_steps == 400
    env.reset(seed=0)
    steps = _play(env, ["Ke5", "e4", "xyz"])
    assert [step[1] for step in steps] == [-1.0, 0.0, -1.0]
    assert steps[-1][3] and not steps[-1][2]
    assert (steps[-1][4]["illegal_moves"], steps[-1][4]["won"], steps[-1][4]["drawn"]) == (2, 0, 0)


@needs_chess
def test_the_action_vocabulary_covers_every_white_move_in_uci() -> None:
    """The 1,880-string vocabulary holds every legal white move of sample positions."""
    import chess

    vocabulary = uci_move_vocabulary()
    assert len(vocabulary) == len(set(vocabulary)) == 1880
    for fen in [chess.STARTING_FEN, "4k3/1P6/8/8/8/8/8/R3K2R w KQ - 0 1", MATE_IN_ONE]:
        board = chess.Board(fen)
        assert {move.uci() for move in board.legal_moves} <= set(vocabulary)


@needs_stockfish
def test_bad_arguments_and_reset_options_are_refused_with_reasons() -> None:
    """Wrong material, skill, opponent or starting FEN raise errors saying what was expected."""
    with pytest.raises(ValueError, match="unknown material sets"):
        gym.make("rlbench/Endgames-v0", material=("KB",), opponent=first_legal_move)
    with pytest.raises(ValueError, match="between 0 and 20"):
        gym.make("rlbench/Chess-v0", opponent_skill_level=25)
    with pytest.raises(TypeError, match="opponent must be a callable"):
        gym.make("rlbench/Chess-v0", opponent="stockfish")
    env = gym.make("rlbench/Chess-v0", opponent=first_legal_move)
    with pytest.raises(ValueError, match="White to move"):
        env.reset(options={"fen": "k7/8/8/8/8/8/8/K7 b - - 0 1"})
    with pytest.raises(ValueError, match="not a FEN"):
        env.reset(options={"fen": "not a position"})
    with pytest.raises(ValueError, match="only 'fen'"):
        env.reset(options={"start": "e4"})


@needs_stockfish
def test_the_expert_reads_the_fen_and_mates() -> None:
    """The Stockfish expert finds a mate in one and converts a K+R endgame to a win."""
    env = gym.make("rlbench/Endgames-v0", material=("KR",))
    expert = make_agent("expert", env)
    observation, _ = env.reset(seed=0, options={"fen": MATE_IN_ONE})
    expert.reset(0)
    assert env.step(expert.act(observation))[4]["won"] == 1
    observation, _ = env.reset(seed=1)
    expert.reset(1)
    for _ in range(100):
        observation, reward, terminated, truncated, info = env.step(expert.act(observation))
        assert not info["invalid_action"]
        if terminated or truncated:
            break
    assert (reward, info["won"]) == (1.0, 1)
    assert FEN_PREFIX in observation
    expert.close()
    env.close()
