"""How Maze, TextNav, Wordle and Chess read the utterances a language model writes.

Each utterance is put to a fresh env in a fixed state (one ``step``) and the table shows what it
was read as, the first line of the env's reply, the reward and whether the turn counted
(``info["turns"]`` went up; in all four envs a refused utterance costs a turn, as in LMRL-Gym).
Chess uses a user opponent (Black's first legal move), so no Stockfish binary is needed.

    python benchmarks/language_utterances.py            # the Markdown tables
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gymnasium as gym

import rlbench_suite  # noqa: F401  (registers the ids)
from rlbench_suite.envs.language.chess_env import read_move
from rlbench_suite.envs.language.maze import parse_command
from rlbench_suite.envs.language.wordle import parse_guess

START = "rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq - 0 1"
TWO_KNIGHTS_REACH_D2 = "rnbqkbnr/pppppppp/8/8/8/5N2/PPP1PPPP/RNBQKB1R w KQkq - 0 1"
PINNED_KNIGHT = "4k3/8/8/8/1b6/8/3N4/4K3 w - - 0 1"
CHECKED_KING = "4k3/8/8/8/8/8/4r3/R3K2R w KQ - 0 1"
PAWN_ON_SEVENTH = "4k3/P7/8/8/8/8/8/4K3 w - - 0 1"
BOTH_CASTLINGS = "4k3/8/8/8/8/8/8/R3K2R w KQ - 0 1"
BISHOP_CAN_TAKE_KNIGHT = "r1bqkb1r/pppp1ppp/2n2n2/1B2p3/4P3/5N2/PPPP1PPP/RNBQK2R w KQkq - 4 4"
TWO_PAWNS_CAN_TAKE = "rnbqkbnr/ppp1pppp/8/3p4/2P1P3/8/PP1P1PPP/RNBQKBNR w KQkq - 0 1"
EN_PASSANT = "rnbqkbnr/ppp1p1pp/8/3pPp2/8/8/PPPP1PPP/RNBQKBNR w KQkq f6 0 3"
QUEEN_OR_KING_TAKES = "4k3/8/8/8/8/8/3p4/3QK3 w - - 0 1"
PINNED_KNIGHT_CAN_TAKE = "4k3/8/8/8/1b6/5p2/3N4/4K3 w - - 0 1"
KNIGHT_CAN_TAKE_BISHOP = "4k3/8/8/3b4/8/4N3/8/4K3 w - - 0 1"

MAZE = [
    "move right",
    "Move Right.",
    "I move right",
    "I'll move to the right!",
    "Let's go north",
    "**move up**",
    "Action: move down",
    "I think I should move down.",
    "east",
    "move one step to the left",
    "jump",
    "go forward",
    "move up or left",
    "move top left",
    "move right twice",
    "don't move left",
    "move right because the wall is above me",
]
TEXT_NAV = [
    "go west",
    "I move west.",
    "Let's go west",
    "Go West!",
    "I'd like to go west, please.",
    "> go west",
    "Action: go west",
    "take the fruit",
    "Pick up the fruit, please.",
    "I'd like to check my inventory",
    "take the fruit and go west",
    "take fruit and bread",
    "go north east",
    "go to the kitchen",
    "dance",
]
WORDLE = [
    "slate",
    "S L A T E",
    "s-l-a-t-e",
    "My first guess is SLATE",
    "My first guess is CRANE",
    "crane.",
    "I'll try 'crane'",
    "guess: crane",
    "crane please",
    "**CRANE**",
    "How about ADIEU?",
    "crane or slate",
    "I think crane is a great start",
    "not crane",
    "cranes",
    "xyzzy",
    "12345",
]
CHESS: list[tuple[str, str]] = [
    (START, "e4"),
    (START, "1. e4"),
    (START, "Pawn to d4"),
    (START, "Nf3!"),
    (START, "e2e4+"),
    (START, "nf3"),
    (START, "N f 3"),
    (START, "knight to f3"),
    (START, "Knight from g1 to f3"),
    (START, "I play e4."),
    (BOTH_CASTLINGS, "castle kingside"),
    (PAWN_ON_SEVENTH, "pawn to a8 promoting to a queen"),
    (START, "hello"),
    (START, "e4 or d4"),
    (START, "1. e4 e5"),
    (START, "not e4"),
    (TWO_KNIGHTS_REACH_D2, "Nd2"),
    (BOTH_CASTLINGS, "castle"),
    (START, "Qh5"),
    (START, "Nd2"),
    (START, "e3e4"),
    (PINNED_KNIGHT, "Nf3"),
    (CHECKED_KING, "O-O"),
    (PAWN_ON_SEVENTH, "a8"),
    (KNIGHT_CAN_TAKE_BISHOP, "knight takes bishop"),
    (BISHOP_CAN_TAKE_KNIGHT, "bishop takes knight"),
    (BISHOP_CAN_TAKE_KNIGHT, "Knight takes pawn!"),
    (BISHOP_CAN_TAKE_KNIGHT, "take the knight"),
    (BISHOP_CAN_TAKE_KNIGHT, "O-O"),
    (BISHOP_CAN_TAKE_KNIGHT, "castle kingside"),
    (BOTH_CASTLINGS, "castle queenside"),
    (TWO_PAWNS_CAN_TAKE, "pawn takes pawn"),
    (TWO_PAWNS_CAN_TAKE, "c-pawn takes pawn"),
    (TWO_PAWNS_CAN_TAKE, "pawn takes"),
    (EN_PASSANT, "pawn takes pawn en passant"),
    (QUEEN_OR_KING_TAKES, "queen takes"),
    (QUEEN_OR_KING_TAKES, "take the pawn"),
    (START, "queen takes"),
    (START, "knight takes bishop"),
    (START, "Knight, please"),
    (PINNED_KNIGHT_CAN_TAKE, "knight takes pawn"),
]


def first_legal_move(board: Any, rng: Any) -> Any:
    """Black's first legal move in python-chess's order: a deterministic user opponent."""
    return next(iter(board.legal_moves))


def reply_line(observation: str) -> str:
    """The first line of the env's answer to the last utterance."""
    return observation.rsplit("\n> ", 1)[-1].split("\n")[1]


def one_step(
    make: Callable[[], gym.Env],
    reset_kwargs: dict[str, Any],
    text: str,
    read_as: Callable[[gym.Env, str], str],
) -> tuple[str, str, float, bool]:
    """(what ``text`` was read as, the reply's first line, reward, whether the turn counted)."""
    env = make()
    env.reset(**reset_kwargs)
    try:
        reading = read_as(env, text)  # asked before the step changes the state
    except Exception:  # each env's own error for text it refuses; the step shows the reply
        reading = ""
    observation, reward, _, _, info = env.step(text)
    accepted = "refused" if info["invalid_action"] else reading
    env.close()
    return accepted, reply_line(observation), float(reward), info["turns"] == 1


def maze_move(env: gym.Env, text: str) -> str:
    return parse_command(text)


def text_nav_command(env: gym.Env, text: str) -> str:
    world = env.unwrapped.house.world
    return world.parser.parse(text, world).text


def wordle_guess(env: gym.Env, text: str) -> str:
    return parse_guess(text)


def chess_move(env: gym.Env, text: str) -> str:
    board = env.unwrapped.board
    return board.san(read_move(board, text))


def cell(text: str) -> str:
    """``text`` safe inside a Markdown table cell."""
    return text.replace("|", "\\|")


def table(title: str, rows: list[tuple[str, tuple[str, str, float, bool]]]) -> None:
    print(f"\n## {title}\n")
    print("| utterance | read as | the env's reply (first line) | reward | turn counted |")
    print("|---|---|---|---|---|")
    for text, (accepted, reply, reward, counted) in rows:
        counted_text = "yes" if counted else "no"
        print(
            f"| `{cell(text)}` | {cell(accepted)} | {cell(reply)} | {reward:g} | {counted_text} |"
        )


def main() -> None:
    maze_rows = [
        (
            text,
            one_step(
                lambda: gym.make("rlbench/Maze-v0"),
                {"seed": 0, "options": {"start": (5, 3)}},
                text,
                maze_move,
            ),
        )
        for text in MAZE
    ]
    table("Maze-v0 / MazePO-v0 (start (5, 3); a refused text: -4)", maze_rows)
    text_nav_rows = [
        (
            text,
            one_step(lambda: gym.make("rlbench/TextNav-v0"), {"seed": 10}, text, text_nav_command),
        )
        for text in TEXT_NAV
    ]
    table("TextNav-v0 / TextNavPO-v0 (seed 10: the bedroom; a refused text: 0)", text_nav_rows)
    wordle_rows = [
        (
            text,
            one_step(
                lambda: gym.make("rlbench/Wordle-v0", answers=["slate"]),
                {"seed": 0},
                text,
                wordle_guess,
            ),
        )
        for text in WORDLE
    ]
    table("Wordle-v0 (hidden word: slate; a refused text: -1 and a guess used)", wordle_rows)
    chess_rows = []
    for fen, text in CHESS:
        outcome = one_step(
            lambda: gym.make("rlbench/Chess-v0", opponent=first_legal_move),
            {"seed": 0, "options": {"fen": fen}},
            text,
            chess_move,
        )
        chess_rows.append((text, outcome))
    table("Chess-v0 / Endgames-v0 (positions in the script; a refused text: -1)", chess_rows)


if __name__ == "__main__":
    main()
