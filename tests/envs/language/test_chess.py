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
    NEAR_1350_OPPONENT,
    NOISE_CAP_CENTIPAWNS,
    STOCKFISH_NOISE_CAP_CENTIPAWNS,
    Candidate,
    UciEngine,
    fen_from_observation,
    find_stockfish,
    pick_weakened_move,
    stockfish_sees_quick_mate,
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


# -- how the text of a move is read (a user opponent: no engine needed) --------------------------

START = "rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq - 0 1"
TWO_KNIGHTS_REACH_D2 = "rnbqkbnr/pppppppp/8/8/8/5N2/PPP1PPPP/RNBQKB1R w KQkq - 0 1"
PINNED_KNIGHT = "4k3/8/8/8/1b6/8/3N4/4K3 w - - 0 1"  # the bishop on b4 pins the knight on d2
CHECKED_KING = "4k3/8/8/8/8/8/4r3/R3K2R w KQ - 0 1"  # the rook on e2 gives check
PAWN_ON_SEVENTH = "4k3/P7/8/8/8/8/8/4K3 w - - 0 1"
BOTH_CASTLINGS = "4k3/8/8/8/8/8/8/R3K2R w KQ - 0 1"
PAWN_TAKES_PAWN = "rnbqkbnr/ppp1pppp/8/3p4/4P3/8/PPPP1PPP/RNBQKBNR w KQkq - 0 1"


def chess_step(fen: str, text: str) -> tuple[str, float, dict, str, list[str]]:
    """One step from ``fen``, user opponent: (reply line, reward, info, FEN after, moves made)."""
    env = gym.make("rlbench/Chess-v0", opponent=first_legal_move)
    env.reset(seed=0, options={"fen": fen})
    observation, reward, _, _, info = env.step(text)
    reply = observation.rsplit("\n> ", 1)[-1].split("\n")[1]
    moves = [move.uci() for move in env.unwrapped.board.move_stack]
    return reply, reward, info, fen_from_observation(observation), moves


@needs_chess
@pytest.mark.parametrize(
    ("fen", "text", "uci"),
    [
        (START, "1. e4", "e2e4"),
        (START, "1.e4", "e2e4"),
        (START, "Pawn to d4", "d2d4"),
        (START, "Nf3!", "g1f3"),
        (START, "Nf3!?", "g1f3"),
        (START, "e2e4+", "e2e4"),
        (START, "e2-e4", "e2e4"),
        (START, "nf3", "g1f3"),
        (START, "NF3", "g1f3"),
        (START, "E4", "e2e4"),
        (START, "Pe4", "e2e4"),
        (START, "knight to f3", "g1f3"),
        (START, "King's knight to f3", "g1f3"),
        (START, "Knight from g1 to f3", "g1f3"),
        (START, "e2 to e4", "e2e4"),
        (START, "N f 3", "g1f3"),  # LMRL-Gym's spaced characters
        (START, "I play e4.", "e2e4"),
        (START, "My move: **Nf3**", "g1f3"),
        (START, '"e4"', "e2e4"),
        (START, "knight to f3 (Nf3)", "g1f3"),
        (START, "bb3", "b2b3"),  # a lower-case b: the b-pawn, as no bishop can go there
        (PAWN_TAKES_PAWN, "exd5", "e4d5"),
        (PAWN_TAKES_PAWN, "pawn takes pawn on d5", "e4d5"),
        (PAWN_ON_SEVENTH, "a8=Q+", "a7a8q"),
        (PAWN_ON_SEVENTH, "pawn to a8 promoting to a queen", "a7a8q"),
        (PAWN_ON_SEVENTH, "a7a8q", "a7a8q"),
        (BOTH_CASTLINGS, "O-O", "e1g1"),
        (BOTH_CASTLINGS, "0-0-0", "e1c1"),
        (BOTH_CASTLINGS, "castle kingside", "e1g1"),
        (BOTH_CASTLINGS, "Short castle.", "e1g1"),
        (BOTH_CASTLINGS, "castles queenside", "e1c1"),
    ],
)
def test_llm_notations_of_one_move_play_that_move(fen: str, text: str, uci: str) -> None:
    """Move numbers, annotations, case, UCI, spacing, wrappers and plain English play the move."""
    reply, reward, info, _, moves = chess_step(fen, text)
    assert not info["invalid_action"] and info["illegal_moves"] == 0, reply
    assert reward == 0.0 and reply.startswith("Black plays ")
    assert moves[0] == uci and len(moves) == 2  # the move, then Black's answer


@needs_chess
@pytest.mark.parametrize(
    ("fen", "text", "reply"),
    [
        (
            START,
            "hello",
            "Unreadable move: 'hello' is not a move; play one legal move in SAN (e4, Nf3, O-O) "
            "or UCI (e2e4).",
        ),
        (START, "--", "Unreadable move: '--' is not a move; "),
        (START, "e4 or d4", "Unreadable move: 'e4 or d4' names more than one move (e4, d4); "),
        (START, "1. e4 e5", "Unreadable move: '1. e4 e5' names more than one move (e4, e5); "),
        (START, "e2 e4", "Unreadable move: 'e2 e4' names more than one move (e2, e4); "),
        (START, "not e4", "Unreadable move: 'not e4' is unclear ('not'); say only the move; "),
        (START, "knight or bishop to f3", "names more than one piece (knight, bishop)"),
        (START, "Knight, please", "Unreadable move: 'Knight, please' says no square; "),
        (TWO_KNIGHTS_REACH_D2, "Nd2", "Ambiguous move: 'Nd2' could be Nfd2 or Nbd2; say which."),
        (TWO_KNIGHTS_REACH_D2, "knight to d2", "Ambiguous move: 'knight to d2' could be Nfd2 or"),
        (BOTH_CASTLINGS, "castle", "Ambiguous move: castle kingside (O-O) or queenside (O-O-O)?"),
        (START, "Qh5", "Illegal move Qh5: no queen of yours can move to h5."),
        (START, "Nd2", "Illegal move Nd2: no piece can move there: your own pawn is on d2."),
        (START, "e3e4", "Illegal move e3e4: you have no piece on e3."),
        (START, "e7e5", "Illegal move e7e5: the pawn on e7 is Black's."),
        (START, "a1a3", "Illegal move a1a3: your rook on a1 cannot move to a3."),
        (START, "O-O", "Illegal move O-O: you cannot castle kingside: pieces stand between"),
        (
            PINNED_KNIGHT,
            "Nf3",
            "Illegal move Nf3: your king would be in check (your knight on d2 is pinned).",
        ),
        (
            CHECKED_KING,
            "Ra2",
            "Illegal move Ra2: your king would be in check (you are in check, and this does "
            "not stop it).",
        ),
        (CHECKED_KING, "O-O", "Illegal move O-O: you cannot castle out of check."),
        (MATE_IN_ONE, "Kb7", "Illegal move Kb7: your king would be in check."),
        (PAWN_ON_SEVENTH, "a8", "Illegal move a8: a pawn reaching the last rank must promote"),
        (PAWN_TAKES_PAWN, "pawn takes knight on d5", "there is no black knight on d5."),
        (PAWN_ON_SEVENTH, "Bb5", "Illegal move Bb5: you have no bishop."),
    ],
)
def test_refused_moves_say_why_and_cost_minus_one(fen: str, text: str, reply: str) -> None:
    """Unreadable, ambiguous and illegal text each get their own reason; -1, position kept."""
    shown, reward, info, fen_after, moves = chess_step(fen, text)
    assert shown.startswith(reply) or reply in shown, shown
    assert (reward, info["invalid_action"], info["illegal_moves"], info["turns"]) == (
        -1.0,
        True,
        1,
        1,
    )
    assert fen_after == fen and moves == []


@needs_chess
def test_a_refused_move_costs_a_turn_as_in_lmrl_gym() -> None:
    """Unreadable and illegal moves count towards max_turns, as LMRL-Gym counts every move."""
    env = gym.make("rlbench/Chess-v0", opponent=first_legal_move, max_turns=2)
    env.reset(seed=0)
    env.step("hello")
    _, reward, terminated, truncated, info = env.step("Qh5")
    assert (reward, terminated, truncated, info["illegal_moves"]) == (-1.0, False, True, 2)


@needs_chess
def test_a_lower_case_b_is_the_b_pawn_first_and_a_bishop_only_where_no_pawn_fits() -> None:
    """'bxc3' is the b-pawn's capture even with a bishop able to take; 'bb5' is Bb5."""
    pawn_or_bishop = "4k3/8/8/8/8/2p5/1P6/4KB2 w - - 0 1"  # no bishop reaches c3: b2xc3 only
    assert chess_step(pawn_or_bishop, "bxc3")[4][0] == "b2c3"
    both_can_take = "4k3/8/8/8/8/2p5/1P2B3/4K3 w - - 0 1"  # b2xc3 and Be2... no: Bd2? see below
    assert chess_step(both_can_take, "bxc3")[4][0] == "b2c3"
    after_e4 = "rnbqkbnr/pppp1ppp/8/4p3/4P3/8/PPPP1PPP/RNBQKBNR w KQkq - 0 2"
    assert chess_step(after_e4, "bb5")[4][0] == "f1b5"


# -- plain-English captures without a square ----------------------------------------------------

BISHOP_CAN_TAKE_KNIGHT = "r1bqkb1r/pppp1ppp/2n2n2/1B2p3/4P3/5N2/PPPP1PPP/RNBQK2R w KQkq - 4 4"
TWO_PAWNS_CAN_TAKE = "rnbqkbnr/ppp1pppp/8/3p4/2P1P3/8/PP1P1PPP/RNBQKBNR w KQkq - 0 1"
EN_PASSANT = "rnbqkbnr/ppp1p1pp/8/3pPp2/8/8/PPPP1PPP/RNBQKBNR w KQkq f6 0 3"
QUEEN_OR_KING_TAKES = "4k3/8/8/8/8/8/3p4/3QK3 w - - 0 1"  # Qxd2 and Kxd2
PINNED_KNIGHT_CAN_TAKE = "4k3/8/8/8/1b6/5p2/3N4/4K3 w - - 0 1"  # Nxf3 would expose the king
KNIGHT_CAN_TAKE_BISHOP = "4k3/8/8/3b4/8/4N3/8/4K3 w - - 0 1"


@needs_chess
@pytest.mark.parametrize(
    ("fen", "text", "uci"),
    [
        (KNIGHT_CAN_TAKE_BISHOP, "knight takes bishop", "e3d5"),
        (BISHOP_CAN_TAKE_KNIGHT, "bishop takes knight", "b5c6"),
        (BISHOP_CAN_TAKE_KNIGHT, "Bishop captures the knight.", "b5c6"),
        (BISHOP_CAN_TAKE_KNIGHT, "Knight takes pawn!", "f3e5"),
        (BISHOP_CAN_TAKE_KNIGHT, "knight x pawn", "f3e5"),
        (BISHOP_CAN_TAKE_KNIGHT, "take the knight", "b5c6"),  # only the bishop can
        (PAWN_TAKES_PAWN, "pawn takes pawn", "e4d5"),
        (PAWN_TAKES_PAWN, "Pawn captures.", "e4d5"),
        (TWO_PAWNS_CAN_TAKE, "c-pawn takes pawn", "c4d5"),
        (TWO_PAWNS_CAN_TAKE, "the e pawn takes", "e4d5"),
        (EN_PASSANT, "pawn takes pawn en passant", "e5f6"),
        (EN_PASSANT, "en passant", "e5f6"),
        (QUEEN_OR_KING_TAKES, "queen takes", "d1d2"),
        (QUEEN_OR_KING_TAKES, "king takes pawn", "e1d2"),
        (START, "I play the knight: Nf3", "g1f3"),  # the piece word only describes the SAN
    ],
)
def test_a_capture_in_words_plays_the_one_legal_move_it_names(
    fen: str, text: str, uci: str
) -> None:
    """'knight takes bishop', 'queen takes', 'pawn takes pawn' play the only move that fits."""
    reply, reward, info, _, moves = chess_step(fen, text)
    assert not info["invalid_action"] and reward == 0.0, reply
    assert moves[0] == uci


@needs_chess
@pytest.mark.parametrize(
    ("fen", "text", "reply"),
    [
        (
            TWO_PAWNS_CAN_TAKE,
            "pawn takes pawn",
            "Ambiguous move: 'pawn takes pawn' could be exd5 or cxd5; say which.",
        ),
        (
            QUEEN_OR_KING_TAKES,
            "take the pawn",
            "Ambiguous move: 'take the pawn' could be Kxd2 or Qxd2; say which.",
        ),
        (
            START,
            "knight takes bishop",
            "Illegal move knight takes bishop: no knight of yours can take a bishop.",
        ),
        (START, "queen takes", "Illegal move queen takes: no queen of yours can take anything."),
        (PAWN_ON_SEVENTH, "queen takes", "Illegal move queen takes: you have no queen."),
        (START, "knight takes f3", "Illegal move knight takes f3: there is nothing to take on f3."),
        (START, "en passant", "Illegal move en passant: no pawn of yours can take en passant."),
        (
            PINNED_KNIGHT_CAN_TAKE,
            "knight takes pawn",
            "Illegal move knight takes pawn: your king would be in check (your knight on d2 is "
            "pinned).",
        ),
        (
            START,
            "Knight, please",
            "Unreadable move: 'Knight, please' says no square; say where the knight goes (Nh3, "
            "Nf3, Nc3, Na3);",
        ),
    ],
)
def test_a_capture_in_words_that_fits_several_or_none_says_which(
    fen: str, text: str, reply: str
) -> None:
    """Several fitting captures are listed, none gets the reason; either costs -1 and a turn."""
    shown, reward, info, fen_after, moves = chess_step(fen, text)
    assert shown.startswith(reply), shown
    assert (reward, info["invalid_action"], info["turns"], moves) == (-1.0, True, 1, [])
    assert fen_after == fen


# -- the opponent's noise cap ---------------------------------------------------------------------

SPREAD_LINES = [Candidate("a", 300), Candidate("b", 0), Candidate("c", -50), Candidate("d", -900)]


def test_the_noise_cap_sets_how_often_the_weakened_opponent_leaves_its_best_line() -> None:
    """Cap 0 always plays the best line; Stockfish's own cap (35) strays less often than 100."""

    def strays(noise_cap: float) -> int:
        picks = [
            pick_weakened_move(SPREAD_LINES, 0.0, np.random.default_rng(seed), noise_cap)
            for seed in range(400)
        ]
        return sum(pick != "a" for pick in picks)

    assert round(STOCKFISH_NOISE_CAP_CENTIPAWNS, 1) == 34.9
    assert strays(0.0) == 0
    assert 0 < strays(STOCKFISH_NOISE_CAP_CENTIPAWNS) < strays(NOISE_CAP_CENTIPAWNS)
    same_seed = {
        pick_weakened_move(SPREAD_LINES, 0.0, np.random.default_rng(7), 34.9) for _ in range(5)
    }
    assert len(same_seed) == 1


@needs_stockfish
def test_the_near_1350_opponent_replays_exactly_under_a_seed() -> None:
    """NEAR_1350_OPPONENT stays a pure function of the seed; bad noise caps are refused."""

    def replies(seed: int) -> list[str]:
        env = gym.make("rlbench/Chess-v0", **NEAR_1350_OPPONENT)
        env.reset(seed=seed)
        moves = [env.step(move)[0].splitlines()[-2] for move in ("e4", "Nf3", "Bc4")]
        env.close()
        return moves

    assert replies(11) == replies(11)
    assert NEAR_1350_OPPONENT["opponent_noise_cap"] == STOCKFISH_NOISE_CAP_CENTIPAWNS
    for bad in (-1.0, float("inf"), "35"):
        with pytest.raises(ValueError, match="opponent_noise_cap must be a finite number"):
            gym.make("rlbench/Chess-v0", opponent_noise_cap=bad)


# -- Endgames under LMRL-Gym's rules ------------------------------------------------------------

HARD_ROOK_ENDING = "6K1/8/8/8/1k6/8/4R3/8 w - - 0 1"  # K+R, no mate Stockfish sees at depth 15


@needs_chess
def test_unknown_endgame_rules_are_refused() -> None:
    """rules must be 'rlbench' or 'lmrl', and the error says so."""
    with pytest.raises(ValueError, match=r"rules must be one of \['rlbench', 'lmrl'\]"):
        gym.make("rlbench/Endgames-v0", rules="lmrl-gym")


@needs_stockfish
def test_lmrl_filter_drops_positions_stockfish_calls_a_quick_mate() -> None:
    """A mate in one is 'trivially solvable' and dropped; a long K+R ending is kept."""
    import chess

    engine = UciEngine(STOCKFISH, hash_mb=16)
    assert stockfish_sees_quick_mate(engine, chess.Board(MATE_IN_ONE))
    assert not stockfish_sees_quick_mate(engine, chess.Board(HARD_ROOK_ENDING))
    engine.close()


@needs_stockfish
def test_lmrl_rules_end_games_only_on_fivefold_repetition() -> None:
    """rules='lmrl' plays on through a threefold repetition (LMRL-Gym's is_game_over())."""

    def bouncing_king(board, rng):
        import chess

        return chess.Move.from_uci("h8g8" if board.piece_at(chess.H8) else "g8h8")

    def play(rules: str) -> tuple[str, bool]:
        env = gym.make("rlbench/Endgames-v0", rules=rules, opponent=bouncing_king)
        env.reset(seed=0, options={"fen": "7k/8/8/8/8/8/8/R3K3 w - - 0 1"})
        observation, terminated = "", False
        for move in ["Ra2", "Ra1"] * 5:
            observation, _, terminated, _, _ = env.step(move)
            if terminated:
                break
        env.close()
        return observation, terminated

    observation, terminated = play("rlbench")
    assert terminated and "Draw by threefold repetition." in observation
    observation, terminated = play("lmrl")
    assert terminated and "Draw by fivefold repetition." in observation


@pytest.mark.slow
@needs_stockfish
def test_lmrl_endgames_starts_are_filtered_and_replay_under_a_seed() -> None:
    """rules='lmrl' starts are positions Stockfish sees no quick mate in, the same per seed."""
    import chess

    env = gym.make("rlbench/Endgames-v0", rules="lmrl")
    first = fen_from_observation(env.reset(seed=4)[0])
    again = gym.make("rlbench/Endgames-v0", rules="lmrl")
    assert fen_from_observation(again.reset(seed=4)[0]) == first
    engine = UciEngine(STOCKFISH, hash_mb=16)
    assert not stockfish_sees_quick_mate(engine, chess.Board(first))
    for closing in (engine, env, again):
        closing.close()


@pytest.mark.slow
@needs_stockfish
def test_the_calibration_benchmark_plays_its_match_and_prints_the_table() -> None:
    """The calibration script, one opening and one seed, plays 2 games and scores them."""
    import subprocess
    from pathlib import Path

    script = Path(__file__).parents[3] / "benchmarks" / "chess_calibration.py"
    completed = subprocess.run(
        [sys.executable, str(script), "--seeds", "1", "--openings", "1", "--movetime-ms", "10"],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    row = next(line for line in completed.stdout.splitlines() if line.startswith("| 2 |"))
    wins, draws, losses = (int(part) for part in row.split("|")[2].split("/"))
    assert wins + draws + losses == 2
