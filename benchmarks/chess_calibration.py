"""Chess: how strong is the env's built-in opponent, measured against Stockfish's own UCI_Elo 1350.

A match between :class:`rlbench_suite.envs.language.chess_env.StockfishOpponent` (the opponent
``rlbench/Chess-v0`` plays, at the skill level and node limit given) and Stockfish 15.1 with
``UCI_LimitStrength=true``, ``UCI_Elo=1350`` (its lowest setting), ``Threads=1``, a fixed time a
move. Every opening of :data:`OPENINGS` (the initial position and 24 named openings) is played
with both colours, once per seed of our opponent's generator; Stockfish's own strength limit draws
from a clock-seeded generator, so the match as a whole is a sample, not a replay. A game ends as
the env ends one (mate, stalemate, insufficient material, threefold repetition, the 50-move rule)
or, drawn, after :data:`MAX_PLIES` plies.

The table gives our opponent's score (wins + draws / 2 over games) with its 95 % interval
(Wilson's score interval, which stays inside 0-1 at a score near 0 and treats a draw as half a
win; draws lower the true variance, so it errs wide), the Elo difference it implies,
``-400 log10(1 / score - 1)``, and the opponent's Elo on Stockfish's UCI_Elo scale,
``1350 + difference``.

    python benchmarks/chess_calibration.py                       # 200 games, the default opponent
    python benchmarks/chess_calibration.py --seeds 1 --openings 4   # 10 games, a smoke run
    python benchmarks/chess_calibration.py --noise-cap 34.9      # Stockfish's own noise cap

``--endgames-lmrl N`` measures instead the expert on ``rlbench/Endgames-v0`` under
``rules="lmrl"`` (LMRL-Gym's filtered positions), seeds 0 to N-1 as ``rlbench evaluate`` runs
them, with the material mix the filter left and the time a reset takes:

    python benchmarks/chess_calibration.py --endgames-lmrl 50
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from dataclasses import dataclass

import chess
import chess.engine
import gymnasium as gym
import numpy as np

from rlbench_suite.agents import make_agent
from rlbench_suite.envs.language.chess_env import (
    NOISE_CAP_CENTIPAWNS,
    STOCKFISH_NOISE_CAP_CENTIPAWNS,
    StockfishOpponent,
    find_stockfish,
    game_over_reason,
)
from rlbench_suite.scoring import evaluate

ANCHOR_ELO = 1350  # Stockfish 15.1's lowest UCI_Elo
MAX_PLIES = 400  # two sides' share of the env's 400-turn limit, then the game is called a draw
Z_95 = 1.959964  # two-sided 95 % normal quantile

#: Named openings in SAN, three moves a side, from the main lines every opening book starts with.
OPENINGS: dict[str, str] = {
    "initial position": "",
    "Ruy Lopez": "e4 e5 Nf3 Nc6 Bb5 a6",
    "Italian": "e4 e5 Nf3 Nc6 Bc4 Bc5",
    "Scotch": "e4 e5 Nf3 Nc6 d4 exd4",
    "Petrov": "e4 e5 Nf3 Nf6 Nxe5 d6",
    "King's Gambit": "e4 e5 f4 exf4 Nf3 g5",
    "Open Sicilian": "e4 c5 Nf3 d6 d4 cxd4",
    "Closed Sicilian": "e4 c5 Nc3 Nc6 g3 g6",
    "French": "e4 e6 d4 d5 Nc3 Nf6",
    "Caro-Kann, Advance": "e4 c6 d4 d5 e5 Bf5",
    "Scandinavian": "e4 d5 exd5 Qxd5 Nc3 Qa5",
    "Alekhine": "e4 Nf6 e5 Nd5 d4 d6",
    "Pirc": "e4 d6 d4 Nf6 Nc3 g6",
    "Queen's Gambit Declined": "d4 d5 c4 e6 Nc3 Nf6",
    "Queen's Gambit Accepted": "d4 d5 c4 dxc4 Nf3 Nf6",
    "Slav": "d4 d5 c4 c6 Nf3 Nf6",
    "King's Indian": "d4 Nf6 c4 g6 Nc3 Bg7",
    "Nimzo-Indian": "d4 Nf6 c4 e6 Nc3 Bb4",
    "Grünfeld": "d4 Nf6 c4 g6 Nc3 d5",
    "Benoni": "d4 Nf6 c4 c5 d5 e6",
    "Dutch": "d4 f5 g3 Nf6 Bg2 g6",
    "London": "d4 Nf6 Bf4 d5 e3 c5",
    "English": "c4 e5 Nc3 Nf6 Nf3 Nc6",
    "Symmetrical English": "c4 c5 Nc3 Nc6 g3 g6",
    "Réti": "Nf3 d5 g3 Nf6 Bg2 c6",
}


@dataclass(frozen=True)
class GameRecord:
    """One finished game, scored for our opponent (1 win, 0.5 draw, 0 loss)."""

    opening: str
    ours_white: bool
    seed: int
    score: float
    ending: str
    plies: int


def opening_board(moves: str) -> chess.Board:
    """The board after the opening's SAN moves."""
    board = chess.Board()
    for san in moves.split():
        board.push_san(san)
    return board


def play_game(
    ours: StockfishOpponent,
    reference: chess.engine.SimpleEngine,
    opening: str,
    ours_white: bool,
    seed: int,
    movetime: float,
) -> GameRecord:
    """One game from ``opening``; our opponent draws its handicap from ``default_rng(seed)``."""
    board = opening_board(OPENINGS[opening])
    rng = np.random.default_rng(seed)
    game_key = object()  # a new object per game: python-chess sends ucinewgame
    ending = game_over_reason(board)
    while ending is None and board.ply() < MAX_PLIES:
        if (board.turn == chess.WHITE) == ours_white:
            move = ours(board.copy(), rng)
        else:
            move = reference.play(board, chess.engine.Limit(time=movetime), game=game_key).move
        board.push(move)
        ending = game_over_reason(board)
    if ending == "checkmate":
        # The side to move is mated: our opponent won when it is not the side to move.
        ours_to_move = (board.turn == chess.WHITE) == ours_white
        score = 0.0 if ours_to_move else 1.0
    else:
        score = 0.5
    return GameRecord(opening, ours_white, seed, score, ending or "ply limit", board.ply())


def elo_difference(score: float) -> float:
    """The Elo difference a score implies (infinite at a score of 0 or 1)."""
    if score <= 0.0:
        return -math.inf
    if score >= 1.0:
        return math.inf
    return -400.0 * math.log10(1.0 / score - 1.0)


def wilson_interval(score: float, games: int) -> tuple[float, float]:
    """Wilson's 95 % score interval for a mean score over ``games`` games."""
    spread = Z_95**2 / games
    centre = (score + spread / 2) / (1 + spread)
    half_width = Z_95 * math.sqrt(score * (1 - score) / games + spread / (4 * games)) / (1 + spread)
    return max(centre - half_width, 0.0), min(centre + half_width, 1.0)


def summarise(records: list[GameRecord]) -> dict[str, float]:
    """Score, its 95 % interval, and the Elo difference of each."""
    scores = np.array([record.score for record in records])  # (num_games,)
    mean = float(scores.mean())
    low, high = wilson_interval(mean, len(scores))
    return {
        "games": len(scores),
        "wins": int((scores == 1.0).sum()),
        "draws": int((scores == 0.5).sum()),
        "losses": int((scores == 0.0).sum()),
        "score": mean,
        "score_low": low,
        "score_high": high,
        "elo": elo_difference(mean),
        "elo_low": elo_difference(low),
        "elo_high": elo_difference(high),
    }


class MaterialRecorder:
    """The expert, noting the material each game opens with (the first observation names it)."""

    def __init__(self, expert: object) -> None:
        self.expert = expert
        self.materials: list[str] = []
        self._first_move = True

    def reset(self, seed: int | None = None) -> None:
        self.expert.reset(seed)
        self._first_move = True

    def act(self, observation: str) -> str:
        if self._first_move:
            self.materials.append(observation.split("(", 1)[1].split(")", 1)[0])
            self._first_move = False
        return self.expert.act(observation)


def endgames_lmrl(episodes: int) -> None:
    """The expert's mean return on Endgames-v0 under rules="lmrl", seeds 0..episodes-1."""
    builder = gym.make("rlbench/Endgames-v0")  # the expert reads only the engine's path from it
    recorder = MaterialRecorder(make_agent("expert", builder))
    started = time.perf_counter()
    result = evaluate(
        recorder, "rlbench/Endgames-v0", n_episodes=episodes, env_kwargs={"rules": "lmrl"}
    )
    elapsed = time.perf_counter() - started
    builder.close()
    wins = sum(record.metrics["won"] for record in result.records)
    draws = sum(record.metrics["drawn"] for record in result.records)
    lengths = [record.length for record in result.records]
    mix = {name: recorder.materials.count(name) for name in sorted(set(recorder.materials))}
    print(
        f"Endgames-v0, rules='lmrl', expert, seeds 0-{episodes - 1}: mean return "
        f"{result.mean_return:+.3f} +- {result.ci95:.3f} (95 %); {wins:.0f} wins, "
        f"{draws:.0f} draws; "
        f"median game {int(np.median(lengths))} moves; material {mix}; "
        f"{elapsed / episodes:.1f} s an episode, reset included."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=4, help="games per opening and colour")
    parser.add_argument(
        "--openings", type=int, default=len(OPENINGS), help="first N openings of the book"
    )
    parser.add_argument("--skill-level", type=float, default=0.0, help="our opponent's level")
    parser.add_argument("--nodes", type=int, default=20_000, help="our opponent's node limit")
    parser.add_argument(
        "--noise-cap",
        type=float,
        default=NOISE_CAP_CENTIPAWNS,
        help="our opponent's noise cap in centipawns (Stockfish's own: "
        f"{STOCKFISH_NOISE_CAP_CENTIPAWNS:.1f})",
    )
    parser.add_argument(
        "--movetime-ms", type=int, default=50, help="Stockfish 1350's time a move (ms)"
    )
    parser.add_argument(
        "--endgames-lmrl",
        type=int,
        default=0,
        metavar="N",
        help="measure the expert on Endgames-v0 rules='lmrl' (N seeds) instead of the match",
    )
    arguments = parser.parse_args()
    if arguments.endgames_lmrl:
        endgames_lmrl(arguments.endgames_lmrl)
        return

    path = find_stockfish()
    ours = StockfishOpponent(path, arguments.skill_level, arguments.nodes, arguments.noise_cap)
    reference = chess.engine.SimpleEngine.popen_uci(path)
    reference.configure(
        {"Threads": 1, "Hash": 16, "UCI_LimitStrength": True, "UCI_Elo": ANCHOR_ELO}
    )
    records: list[GameRecord] = []
    started = time.perf_counter()
    try:
        for seed in range(arguments.seeds):
            for opening in list(OPENINGS)[: arguments.openings]:
                for ours_white in (True, False):
                    record = play_game(
                        ours, reference, opening, ours_white, seed, arguments.movetime_ms / 1000
                    )
                    records.append(record)
                    print(
                        f"{len(records):4d} {opening:24s} ours={'W' if ours_white else 'B'} "
                        f"seed={seed} score={record.score} {record.ending} ({record.plies} plies) "
                        f"{time.perf_counter() - started:.0f}s",
                        file=sys.stderr,
                        flush=True,
                    )
    finally:
        ours.close()
        reference.quit()

    elapsed = time.perf_counter() - started
    print(
        f"Opponent: StockfishOpponent(skill_level={arguments.skill_level:g}, "
        f"nodes={arguments.nodes}, noise_cap={arguments.noise_cap:g}) against Stockfish 15.1 "
        f"UCI_Elo {ANCHOR_ELO}, "
        f"{arguments.movetime_ms} ms a move; {elapsed:.0f} s.\n"
    )
    print(
        "| games | our opponent: W / D / L | as White | as Black | score (95 % CI) "
        f"| Elo vs {ANCHOR_ELO} (95 % CI) | opponent's Elo |"
    )
    print("|---|---|---|---|---|---|---|")
    total = summarise(records)
    white = summarise([record for record in records if record.ours_white])
    black = summarise([record for record in records if not record.ours_white])
    print(
        f"| {total['games']} | {total['wins']} / {total['draws']} / {total['losses']} "
        f"| {white['score']:.3f} | {black['score']:.3f} "
        f"| {total['score']:.3f} ({total['score_low']:.3f} to {total['score_high']:.3f}) "
        f"| {total['elo']:+.0f} ({total['elo_low']:+.0f} to {total['elo_high']:+.0f}) "
        f"| {ANCHOR_ELO + total['elo']:.0f} "
        f"({ANCHOR_ELO + total['elo_low']:.0f} to {ANCHOR_ELO + total['elo_high']:.0f}) |"
    )
    endings: dict[str, int] = {}
    for record in records:
        endings[record.ending] = endings.get(record.ending, 0) + 1
    lengths = [record.plies for record in records]
    print(
        f"\nEndings: {', '.join(f'{name} {count}' for name, count in sorted(endings.items()))}; "
        f"median game {int(np.median(lengths))} plies."
    )


if __name__ == "__main__":
    main()
