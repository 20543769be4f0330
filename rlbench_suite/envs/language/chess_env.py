"""Chess-v0 and Endgames-v0: play White in text (FEN in, SAN out) against a seeded Stockfish.

## Description

LMRL-Gym's two chess tasks. The agent plays White against Stockfish 15.1; every position reaches
it as a FEN string and it answers with one move. ``rlbench/Chess-v0`` starts from the initial
position; ``rlbench/Endgames-v0`` starts from a random legal position in which White has a king
and one of the material sets K+Q, K+Q+R, K+R or K+R+R against a lone black king, so the task is
to deliver mate (Black can only draw, by stalemate, by capturing enough material, or by the
50-move rule). Rules, legality and notation come from python-chess.

Where we differ from LMRL-Gym, and why:

- **A reproducible opponent.** LMRL-Gym's opponent is Stockfish at ``UCI_Elo`` 1200 with 100 ms
  a move. Stockfish's own strength limit draws its random choices from a clock-seeded generator
  and a timed search depends on the machine's load, so those games cannot be replayed. (Stockfish
  15.1's ``UCI_Elo`` goes no lower than 1350; its ``uci`` output says ``min 1350``, and it drops
  a lower value, so LMRL-Gym's engine played at 1350 or, with the limit off, at full strength.)
  Our opponent is Stockfish with ``Threads=1``, ``Hash=1`` MB, its tables cleared before every
  search (``ucinewgame``) and a depth/node-limited search, which makes each search a pure
  function of the game; its weakening is ours, driven by the env's seeded generator. At
  ``opponent_skill_level`` ``s < 20`` it searches the best 4 lines to depth ``1 + int(s)`` and then
  judges them with a handicap modelled on Stockfish's Skill Level rule: with
  ``weakness = 120 - 2 s``, a line scoring ``d`` centipawns below the best is believed to be only
  ``d (1 - weakness / 128)`` below it, plus a uniform bonus of up to
  ``min(spread, cap) * weakness / 128`` centipawns (``spread``: best minus worst line; ``cap``:
  ``opponent_noise_cap``, 100 by default), and the line that looks best is played. Level 0 (the
  default) is about the skill level Stockfish 15.1's weakest Elo setting (1350) maps to, and
  Stockfish's rule is the same, with its cap at ``PawnValueMg`` = 126 internal units, which is
  34.9 of the centipawns it reports (:data:`STOCKFISH_NOISE_CAP_CENTIPAWNS`). At
  ``s = 20`` the opponent plays Stockfish's best move at ``opponent_nodes`` nodes.
- **Its measured strength.** Against Stockfish 15.1 itself at ``UCI_Elo`` 1350 (its lowest;
  ``Threads=1``, 50 ms a move; 200 games, 25 openings with both colours, 4 seeds;
  ``benchmarks/chess_calibration.py``, ``baselines/results/chess_calibration.md``) the default
  opponent scores 0.130 (95 % interval 0.090-0.184): 330 Elo below, about **1020** (950-1090) on
  Stockfish's scale. With Stockfish's own cap, ``opponent_noise_cap=34.9``, it scores 0.355
  (0.292-0.423): 104 below, about **1250** (1200-1300), near LMRL-Gym's nominal 1200. What
  remains of the gap is most likely Stockfish's hash table, which a timed game keeps from move
  to move, so its depth-1 choice reads deeper scores; ours is cleared before every search, the
  price of replayable games. One level up with that cap (:data:`NEAR_1350_OPPONENT`:
  ``opponent_skill_level=1, opponent_noise_cap=34.9``, a depth-2 search) scores 0.520
  (0.385-0.652) in 50 games: about **1360** (1270-1460), level with 1350. The default stays the
  weakest: Chess-v0's reference scores, board entries and MDP family were measured with it, and
  LMRL-Gym's own target, 1200, is below what Stockfish can be set to; pass
  ``**NEAR_1350_OPPONENT`` for an opponent as strong as Stockfish's weakest.
- **Automatic draws.** The game also ends, drawn, on a threefold repetition or when 50 moves pass
  without a capture or a pawn move (python-chess's ``is_repetition(3)`` and
  ``is_fifty_moves()``), as if either side claimed it, which keeps episodes short.
- **Endgame positions** are drawn from the seed instead of read from LMRL-Gym's dataset, and by
  default any legal position may start a game (``rules="lmrl"``, below, filters them as
  LMRL-Gym's evaluation does).
- The agent also gets the legal moves in SAN in ``info["admissible_actions"]`` (both tasks), and
  may answer in UCI as well as SAN.

### Endgames under LMRL-Gym's rules: ``rules="lmrl"``

LMRL-Gym evaluates Endgames on 645 fixed positions "not trivially solvable", one being "one that
Stockfish declares to be simple or a victory in less than 15 moves" (``chess_environment.md``
in ``llm_rl_scripts/chess`` of abdulhaim/LMRL-Gym); its positions come from
``large_piece_random_endgame`` (``env/env.py``): the kings and pieces on random distinct
squares until the position is legal and not check, for kQK, kRK, kQRK and kRRK.
``gym.make("rlbench/Endgames-v0", rules="lmrl")`` plays that setting:

- a drawn position (material uniform over ``material``, then :func:`random_endgame`) is dropped,
  its material with it, when Stockfish 15.1 searching to depth 15 reports a mate in fewer than 15
  moves (:func:`stockfish_sees_quick_mate`; a depth-10 look first settles most positions
  cheaply). Mates Stockfish sees at once are common with a queen or two rooks, so the positions
  kept are mostly K+R;
- the game ends as LMRL-Gym's ``board.is_game_over()`` ends it: checkmate, stalemate,
  insufficient material, fivefold repetition, the 75-move rule (no claimed draws).

Differences that remain under ``rules="lmrl"``:

- **The set.** LMRL-Gym's 645 positions are a file of its dataset
  (``endgames/test_positions.jsonl``), not of its repository, and their per-material counts are
  not published; ours are drawn from the seed (seeds 0-644 play the part of its set), with the
  material mix the filter leaves.
- **The filter's budget.** LMRL-Gym does not say how Stockfish was asked; depth 15 is the default
  depth of the ``stockfish`` Python package it drives the engine with, and is our reading.
  "Declares to be simple" has no counterpart here.
- **The opponent.** LMRL-Gym asks that package for ``UCI_Elo`` 1200 and 100 ms a move;
  Stockfish 15.1 drops 1200 as below its minimum (1350), so the engine played at 1350 (package
  versions that switch ``UCI_LimitStrength`` on with ``UCI_Elo``) or at full strength (older
  ones). Ours is the env's seeded opponent (``opponent_skill_level``, ``opponent_noise_cap``).
  A lone king's defence changes little beyond walking into or out of stalemate.
- **Cost.** Each dropped position costs Stockfish searches: an expert episode, reset included,
  takes about 1.6 s on one core, against a fraction of a second by default.
- **Text and refusals** are ours under both rules (the transcript, not LMRL-Gym's spaced FEN; a
  null move is refused at -1 where LMRL-Gym ends the game at -1).

The opponent is replaceable: pass ``opponent=f`` with
``f(board: chess.Board, rng: numpy.random.Generator) -> chess.Move``. ``board`` is a copy of the
game (history included, Black to move) and ``rng`` the env's seeded generator; ``f`` must return
a legal move, and must pickle for the env to pickle. With a user opponent no Stockfish binary is
needed. The built-in one is :class:`StockfishOpponent`.

## Action Space

``Text(max_length=400, charset=string.printable)``: one move, read by :func:`read_move`. Lenient
where the reading is certain: SAN (``e4``, ``Nf3``, ``exd5``, ``O-O``, ``e8=Q``) in any case
(``nf3``, ``NF3``; a lower-case ``b`` is the b-file, as SAN has it, and a bishop only where no
b-pawn move fits, ``bb5``), with or without a ``P``; UCI (``g1f3``, ``e1g1``, ``e7e8q``, ``e2-e4``);
LMRL-Gym's own spaced characters (``N f 3``); move numbers (``1. e4``, ``1.e4``); annotations
(``+``, ``#``, ``!``, ``?``, ``!?``, ``e.p.``); quotes, markup and words around the move (``I
play e4``, ``My move: **Nf3**``); and plain English where it names one move (``Pawn to d4``,
``knight from g1 to f3``, ``e2 to e4``, ``bishop takes knight on f6``, ``pawn to a8 promoting
to a queen``, ``castle kingside``, ``short castle``, a bare ``castle`` when one side only can).
A capture may name no square: ``knight takes bishop``, ``take the knight`` (any piece of ours),
``queen takes`` (anything), ``pawn takes pawn``, ``the c-pawn takes``, ``en passant``; it is
played when exactly one legal move fits. Strict where it matters: text that names two different
moves (``e4 or d4``, ``1. e4 e5``, ``e2 e4``), negates one (``not e4``), is a SAN that fits two
pieces (``Nd2`` with knights on b1 and f3), a capture in words that fits several (``pawn takes
pawn`` with exd5 and cxd5 both legal), a piece with neither square nor capture (``knight,
please``) or a bare ``castle`` when both sides can is never read as one of its moves: the reply
lists the candidates and the turn is refused like any other (see Rewards). A null
move (``--``, ``0000``) is no move. ``action_vocabulary()`` is the 1,880 UCI strings a white
move can have: every from-square/to-square pair a queen or a knight could join (1,792) and the
88 promotions from the 7th rank to the 8th.

## Observation Space

``Text(max_length=20000, charset=string.printable)``: the transcript, oldest turns dropped first
(marked ``...``) once it would be longer.

| part | text |
|------|------|
| opening | the task, the material (Endgames), then ``Position (FEN): <fen>`` |
| each agent turn | ``> <the agent's move>`` |
| a legal move | ``Black plays <SAN>.`` then ``Position (FEN): <fen>`` (White to move) |
| text that is no move | ``Unreadable move: 'hello' is not a move; play one legal move in SAN (e4, Nf3, O-O) or UCI (e2e4).`` (or ``... names more than one move (e4, d4)``, ``... is unclear ('not')``) then the unchanged ``Position (FEN): <fen>`` |
| a move that fits two | ``Ambiguous move: 'Nd2' could be Nfd2 or Nbd2; say which.`` (``'pawn takes pawn' could be exd5 or cxd5``, ``'take the pawn' could be Kxd2 or Qxd2``) then the FEN; a piece with no square: ``Unreadable move: 'Knight, please' says no square; say where the knight goes (Nh3, Nf3, Nc3, Na3); ...`` |
| an illegal move | ``Illegal move <text>: <why>.`` then the FEN; why is, as python-chess tells, ``your king would be in check`` (``(your knight on d2 is pinned)``, ``(you are in check, and this does not stop it)``), ``no queen of yours can move to h5``, ``no piece can move there: your own pawn is on d2``, ``you have no piece on e3``, ``the pawn on e7 is Black's``, ``your rook on a1 cannot move to a3``, ``a pawn reaching the last rank must promote: say a8=Q (or =R, =B, =N)``, ``you cannot castle out of check``, ``you can no longer castle kingside (...)``, ``there is no black knight on d5``, ``no knight of yours can take a bishop``, ``there is nothing to take on f3``, ``you have no queen`` |
| the end | ``Checkmate: you win.``, ``... you lose.`` or ``Draw by <reason>.`` |

The last ``Position (FEN):`` line is always the current position;
:func:`fen_from_observation` reads it.

## Rewards

+1 when the agent checkmates Black, -1 when Black checkmates the agent, 0 for a draw or any other
legal move, -1 for an illegal, ambiguous or unreadable move (the game goes on, ``info["invalid_action"]``
is True, ``info["illegal_moves"]`` counts it). As in LMRL-Gym, where any text ``push_san``
refuses pays -1 and counts towards the 400-move limit, such a turn costs a turn and the -1
whatever the reason, an ambiguous capture in words included (its reply lists the candidates, so
the next turn can name one): the penalty is the task's measure of illegal play, so a free retry
would change it. The return of a game is therefore its result minus the number of refused moves.

## Starting State

Chess: the initial position. Endgames: a material set drawn uniformly from ``material``, then
the pieces put on distinct random squares until the position is legal (kings apart, Black not
in check), White is to move and the game is not over (:func:`random_endgame`). Under
``rules="lmrl"`` a position Stockfish calls a mate in under 15 moves is dropped and a new
material set and position are drawn (see below). ``reset(options={"fen": ...})`` starts either
task from a given position instead (White to move, legal, not over; no filter).

## Episode End

Termination on checkmate, stalemate, insufficient material, threefold repetition or the 50-move
rule (Endgames under ``rules="lmrl"``: fivefold repetition or the 75-move rule instead, as
LMRL-Gym's ``board.is_game_over()``). Truncation after 400 agent turns (illegal ones count), LMRL-Gym's limit. ``info`` has
``won``, ``lost``, ``drawn`` (1 or 0; all 0 after a truncation), ``illegal_moves`` and ``fen``,
besides the family's ``success``, ``turns``, ``invalid_actions`` and ``admissible_actions``.

## Arguments

```python
gym.make("rlbench/Chess-v0", opponent=None, stockfish_path=None, opponent_skill_level=0.0,
         opponent_nodes=20_000, opponent_noise_cap=100.0, render_mode=None)
gym.make("rlbench/Endgames-v0", material=("KQ", "KQR", "KR", "KRR"), rules="rlbench", ...)
```

- ``opponent``: a user callable (above) replacing Stockfish.
- ``stockfish_path``: the engine binary; otherwise ``$RLBENCH_STOCKFISH``, ``stockfish`` on
  ``PATH``, then ``/usr/games/stockfish`` (Debian's place). Missing python-chess or a missing
  binary raise an error that says how to install them (``pip install "rlbench-suite[chess]"``;
  ``apt install stockfish`` or ``brew install stockfish``).
- ``opponent_skill_level``: 0 (weakest, default) to 20 (full strength), see above.
- ``opponent_nodes``: the node limit of each opponent search.
- ``opponent_noise_cap``: the cap, in centipawns, on the scale of the weakened opponent's random
  bonus (above); 100 by default, :data:`STOCKFISH_NOISE_CAP_CENTIPAWNS` (34.9) for Stockfish
  15.1's own.
- ``material``: the Endgames material sets to draw from (``"KQ"``, ``"KQR"``, ``"KR"``, ``"KRR"``).
- ``rules``: Endgames only, ``"rlbench"`` (default) or ``"lmrl"`` (below).

The MDP family (``env_card(id).mdp_family``) varies the opponent: Chess instances have skill
level 1-4 (held out: 6-10); Endgames instances draw a non-empty subset of K+Q, K+Q+R and K+R+R
with skill 0-4, and hold out K+R (the longest mate to find) with skill 0-20.

Results are reproducible for a given Stockfish build; the reference scores use Debian's 15.1.

## Reference Scores

Mean return over 100 episodes, ``rlbench evaluate --env ID --agent A --episodes 100 --seed 0``,
default opponent (Stockfish 15.1, Debian build):

| env | random (uniform legal move) | expert (``stockfish_expert``, 50,000 nodes a move) |
|-----|-----------------------------|-----------------------------------------------------|
| Chess-v0 | -1.00 (100 losses, about 20 moves a game) | +1.00 (100 wins, about 24 moves) |
| Endgames-v0 | 0.00 (100 draws, about 25 moves) | +1.00 (100 wins, about 6 moves) |

Endgames-v0 under ``rules="lmrl"`` (``--env-kwargs '{"rules": "lmrl"}'``): the expert +1.00 over
100 episodes (100 wins, median 9 moves), random 0.00 over 20 (20 draws). The filter left
78 K+R, 19 K+Q, 2 K+R+R and 1 K+Q+R starts in those 100; an episode took 1.6 s with its reset
(``python benchmarks/chess_calibration.py --endgames-lmrl 100``). We found no raw Endgames
return of LMRL-Gym's to set beside it: its paper's table is normalised with its datasets, and
the chess scripts of its repository store no results.

The expert (:mod:`rlbench_suite.agents.language.chess_agents`) reads the FEN from the
observation and searches with its own Stockfish process. The random agent never plays an illegal
move (it draws from ``info["admissible_actions"]``); a language model that does pays -1 for
each. A Chess game of the expert takes about 2.5 s on one core, a random one about 0.07 s.

## Version History

- v0: first version. Later within v0, with no change to any default game: square-less captures
  in words (``knight takes bishop``) are read; ``opponent_noise_cap`` and
  :data:`NEAR_1350_OPPONENT`; Endgames ``rules="lmrl"``.

## Credits

Task design: M. Abdulhai et al., "LMRL Gym: Benchmarks for Multi-Turn Reinforcement Learning with
Language Models", 2023. Engine: Stockfish (the Stockfish developers, GPL-3.0), run as a separate
program over UCI. Rules and notation: python-chess (N. Fiekas, GPL-3.0).

Example (a user opponent, so no engine is needed; White mates in one):
    >>> import gymnasium as gym, rlbench_suite
    >>> def first_legal_move(board, rng):
    ...     return next(iter(board.legal_moves))
    >>> env = gym.make("rlbench/Endgames-v0", opponent=first_legal_move)
    >>> observation, info = env.reset(seed=0, options={"fen": "k7/3Q4/1K6/8/8/8/8/8 w - - 0 1"})
    >>> print(observation.splitlines()[-1])
    Position (FEN): k7/3Q4/1K6/8/8/8/8/8 w - - 0 1
    >>> observation, reward, terminated, truncated, info = env.step("Kb7")
    >>> observation.splitlines()[-2], reward
    ('Illegal move Kb7: your king would be in check.', -1.0)
    >>> observation, reward, terminated, truncated, info = env.step("1. Queen to d8, checkmate!")
    >>> reward, terminated, info["won"]
    (1.0, True, 1)

"""  # noqa: E501 -- the observation table quotes whole replies

from __future__ import annotations

import os
import re
import shutil
import subprocess
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np

from rlbench_suite.envs.language.base import LanguageEnv, Turn, register_language_env
from rlbench_suite.envs.validation import env_name

if TYPE_CHECKING:
    import chess

MAX_TURNS = 400  # LMRL-Gym's move limit
FEN_PREFIX = "Position (FEN): "
CHESS_INSTALL_HINT = (
    "Chess and Endgames need python-chess: "
    'pip install "rlbench-suite[chess]" (or pip install chess).'
)
STOCKFISH_INSTALL_HINT = (
    "Chess and Endgames play against the Stockfish engine: install it with "
    "`apt install stockfish` (Debian/Ubuntu; the binary lands in /usr/games/stockfish) or "
    "`brew install stockfish` (macOS), then pass stockfish_path=... or set RLBENCH_STOCKFISH if "
    "it is not on PATH. Passing opponent=<callable> needs no engine."
)
STOCKFISH_ENV_VAR = "RLBENCH_STOCKFISH"
DEBIAN_STOCKFISH = "/usr/games/stockfish"

#: White's pieces besides the king, for each Endgames material set.
ENDGAME_MATERIAL: dict[str, str] = {"KQ": "Q", "KQR": "QR", "KR": "R", "KRR": "RR"}
ENDGAME_RULES = ("rlbench", "lmrl")
# LMRL-Gym evaluates Endgames on positions "not trivially solvable": Stockfish does not call them
# a win in fewer than 15 moves. Its search budget is not stated; depth 15 is the default depth
# of the `stockfish` Python package it drives the engine with.
LMRL_MATE_CUTOFF = 15  # moves
LMRL_FILTER_DEPTH = 15  # plies
LMRL_QUICK_DEPTH = 10  # plies: a first, cheaper look (see stockfish_sees_quick_mate)
LMRL_FILTER_NODES = 10**9  # no node limit in practice: the depth ends the search
LMRL_FILTER_HASH_MB = 16  # the `stockfish` package's default hash size

FULL_STRENGTH = 20.0  # the top of Stockfish's Skill Level scale: no weakening
WEAKENED_LINES = 4  # candidate lines the weakened opponent chooses among
HANDICAP_DENOMINATOR = 128.0  # weakness / 128 is the share of a score gap the opponent ignores
NOISE_CAP_CENTIPAWNS = 100.0  # the random bonus scales with the candidates' spread, up to a pawn
# Stockfish 15.1 caps the same spread at PawnValueMg = 126 of its internal units, and reports
# scores over UCI as centipawns = internal * 100 / NormalizeToPawnValue (361), so in the
# centipawns our opponent reads its cap is 100 * 126 / 361, about 35 (src/types.h, src/uci.h).
STOCKFISH_PAWN_VALUE_MG = 126
STOCKFISH_NORMALIZE_TO_PAWN_VALUE = 361
STOCKFISH_NOISE_CAP_CENTIPAWNS = 100.0 * STOCKFISH_PAWN_VALUE_MG / STOCKFISH_NORMALIZE_TO_PAWN_VALUE
#: The opponent setting measured nearest Stockfish 15.1's UCI_Elo 1350 (see the module docstring):
#: ``gym.make("rlbench/Chess-v0", **NEAR_1350_OPPONENT)``.
NEAR_1350_OPPONENT: dict[str, float] = {
    "opponent_skill_level": 1.0,
    "opponent_noise_cap": STOCKFISH_NOISE_CAP_CENTIPAWNS,
}
MATE_CENTIPAWNS = 100_000  # a forced mate, as a score beyond any material count

Opponent = Callable[["chess.Board", np.random.Generator], "chess.Move"]


def import_chess() -> ModuleType:
    """python-chess, or an ImportError that says how to install it."""
    try:
        import chess
    except ImportError as error:
        raise ImportError(CHESS_INSTALL_HINT) from error
    return chess


def find_stockfish(stockfish_path: str | os.PathLike[str] | None = None) -> str:
    """The Stockfish binary: ``stockfish_path``, ``$RLBENCH_STOCKFISH``, ``PATH``, Debian's place.

    Raises:
        FileNotFoundError: naming where it looked and how to install the engine.

    """
    if stockfish_path is not None:
        return _checked_binary(Path(stockfish_path), "stockfish_path")
    from_environment = os.environ.get(STOCKFISH_ENV_VAR)
    if from_environment:
        return _checked_binary(Path(from_environment), f"${STOCKFISH_ENV_VAR}")
    on_path = shutil.which("stockfish")
    if on_path is not None:
        return on_path
    if os.access(DEBIAN_STOCKFISH, os.X_OK):
        return DEBIAN_STOCKFISH
    raise FileNotFoundError(
        f"no Stockfish binary found (looked at ${STOCKFISH_ENV_VAR}, `stockfish` on PATH and "
        f"{DEBIAN_STOCKFISH}). {STOCKFISH_INSTALL_HINT}"
    )


def _checked_binary(path: Path, source: str) -> str:
    if not path.is_file() or not os.access(path, os.X_OK):
        raise FileNotFoundError(
            f"{source} is {str(path)!r}, which is not an executable file. {STOCKFISH_INSTALL_HINT}"
        )
    return str(path)


def fen_from_observation(observation: str) -> str:
    """The current position: the FEN on the observation's last ``Position (FEN):`` line."""
    at = observation.rfind(FEN_PREFIX)
    if at < 0:
        raise ValueError(f"the observation has no {FEN_PREFIX.strip()!r} line: {observation!r}")
    return observation[at + len(FEN_PREFIX) :].split("\n", 1)[0].strip()


@cache
def uci_move_vocabulary() -> tuple[str, ...]:
    """Every UCI string a white move can have: queen and knight geometry plus promotions."""
    files, ranks = "abcdefgh", "12345678"
    steps = [(df, dr) for df in (-1, 0, 1) for dr in (-1, 0, 1) if (df, dr) != (0, 0)]
    knight_jumps = [(1, 2), (2, 1), (2, -1), (1, -2), (-1, -2), (-2, -1), (-2, 1), (-1, 2)]
    moves: list[str] = []
    for file in range(8):
        for rank in range(8):
            origin = files[file] + ranks[rank]
            targets = [
                (file + df * distance, rank + dr * distance)
                for df, dr in steps
                for distance in range(1, 8)
            ] + [(file + df, rank + dr) for df, dr in knight_jumps]
            moves.extend(
                origin + files[to_file] + ranks[to_rank]
                for to_file, to_rank in targets
                if 0 <= to_file < 8 and 0 <= to_rank < 8
            )
    for file in range(8):
        for to_file in (file - 1, file, file + 1):
            if 0 <= to_file < 8:
                moves.extend(f"{files[file]}7{files[to_file]}8{piece}" for piece in "qrbn")
    return tuple(moves)


# -- the engine ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """One line of a search: its first move (UCI) and its score in centipawns for the mover."""

    move: str
    score: int


@dataclass(frozen=True)
class SearchResult:
    """What one ``go`` returned: the engine's move (UCI) and its lines, best line first."""

    best_move: str
    lines: tuple[Candidate, ...]


def _stop_process(process: subprocess.Popen[str]) -> None:
    """End an engine process and close its pipes (also run when its owner is collected)."""
    if process.poll() is None:
        try:
            assert process.stdin is not None
            process.stdin.write("quit\n")
            process.stdin.flush()
            process.wait(timeout=2)
        except (OSError, subprocess.TimeoutExpired):
            process.kill()
            process.wait()
    for stream in (process.stdin, process.stdout):
        if stream is not None:
            stream.close()


class UciEngine:
    """A UCI engine process, started on first use, searched reproducibly.

    ``options`` are further ``setoption`` name/value pairs sent at start-up.

    Every search starts with ``ucinewgame`` (clearing the hash table and the history tables), runs
    on one thread, and stops at a node or depth limit rather than a time limit, so its result
    depends only on the position and the limits. The process is not pickled: a copy starts its
    own on first use.
    """

    def __init__(self, path: str, hash_mb: int = 1, options: dict[str, str] | None = None) -> None:
        self.path = path
        self.hash_mb = hash_mb
        self.options = dict(options or {})
        self.name = ""
        self._process: subprocess.Popen[str] | None = None
        self._multipv = 1

    def __getstate__(self) -> dict[str, Any]:
        return {"path": self.path, "hash_mb": self.hash_mb, "options": self.options}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["path"], state["hash_mb"], state["options"])  # type: ignore[misc]

    def _send(self, *commands: str) -> None:
        assert self._process is not None and self._process.stdin is not None
        self._process.stdin.write("".join(command + "\n" for command in commands))
        self._process.stdin.flush()

    def _read_line(self) -> str:
        assert self._process is not None and self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line:
            raise RuntimeError(f"the chess engine {self.path!r} exited unexpectedly")
        return line.strip()

    def _start(self) -> None:
        try:
            self._process = subprocess.Popen(
                [self.path],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
                bufsize=1,
            )
        except OSError as error:
            raise FileNotFoundError(
                f"could not start the chess engine {self.path!r}: {error}. {STOCKFISH_INSTALL_HINT}"
            ) from error
        weakref.finalize(self, _stop_process, self._process)
        self._send("uci")
        while not (line := self._read_line()).startswith("uciok"):
            if line.startswith("id name "):
                self.name = line.removeprefix("id name ")
        # One thread and a fixed hash size: a multi-threaded search is not reproducible.
        self._send(
            "setoption name Threads value 1",
            f"setoption name Hash value {self.hash_mb}",
            "setoption name MultiPV value 1",
            *(f"setoption name {name} value {value}" for name, value in self.options.items()),
            "isready",
        )
        while self._read_line() != "readyok":
            pass
        self._multipv = 1

    def search(
        self,
        board: chess.Board,
        nodes: int,
        depth: int | None = None,
        multipv: int = 1,
    ) -> SearchResult:
        """Search ``board`` (its whole game, so the engine sees repetitions) from a clean state."""
        if self._process is None:
            self._start()
        commands = ["ucinewgame"]
        if multipv != self._multipv:
            commands.append(f"setoption name MultiPV value {multipv}")
            self._multipv = multipv
        moves = " ".join(move.uci() for move in board.move_stack)
        commands.append(f"position fen {board.root().fen()}" + (f" moves {moves}" if moves else ""))
        commands.append(f"go nodes {nodes}" + (f" depth {depth}" if depth is not None else ""))
        self._send(*commands)
        lines: dict[int, Candidate] = {}
        while not (line := self._read_line()).startswith("bestmove"):
            candidate = _parse_info_line(line)
            if candidate is not None:
                rank, found = candidate
                lines[rank] = found  # later (deeper) reports of a line replace earlier ones
        best_move = line.split()[1]
        return SearchResult(best_move, tuple(lines[rank] for rank in sorted(lines)))

    def close(self) -> None:
        """Stop the process, if one is running."""
        if self._process is not None:
            _stop_process(self._process)
            self._process = None


def _parse_info_line(line: str) -> tuple[int, Candidate] | None:
    """``(multipv rank, line)`` from an ``info ... score ... pv ...`` report, else None."""
    words = line.split()
    if not words or words[0] != "info" or "pv" not in words or "score" not in words:
        return None
    at = words.index("score")
    kind, value = words[at + 1], int(words[at + 2])
    if kind == "mate":
        # Mate in n moves (negative: being mated); nearer mates score further from zero.
        score = MATE_CENTIPAWNS - value if value > 0 else -MATE_CENTIPAWNS - value
    else:
        score = value
    rank = int(words[words.index("multipv") + 1]) if "multipv" in words else 1
    return rank, Candidate(words[words.index("pv") + 1], score)


def pick_weakened_move(
    lines: Sequence[Candidate],
    skill_level: float,
    rng: np.random.Generator,
    noise_cap: float = NOISE_CAP_CENTIPAWNS,
) -> str:
    """The move a handicapped player picks among ``lines`` (see the module docstring).

    ``noise_cap`` (centipawns) bounds the scale of the random bonus; :data:`NOISE_CAP_CENTIPAWNS`
    is the env's default, :data:`STOCKFISH_NOISE_CAP_CENTIPAWNS` Stockfish 15.1's own cap.

    Draws one integer per line from ``rng``, so the choice is a pure function of the lines and
    the generator's state.
    """
    scores = np.array([line.score for line in lines], dtype=float)  # (num_lines,)
    best = scores.max()
    weakness = 120.0 - 2.0 * skill_level
    noise_scale = min(best - scores.min(), noise_cap)
    noise = rng.integers(int(weakness), size=len(lines))  # (num_lines,)
    believed = scores + (weakness * (best - scores) + noise_scale * noise) / HANDICAP_DENOMINATOR
    return lines[int(np.argmax(believed))].move


class StockfishOpponent:
    """The built-in opponent: Stockfish, reproducible, weakened by a seeded handicap.

    Call it as ``opponent(board, rng) -> chess.Move``, the signature a user opponent has.

    Args:
        stockfish_path: the engine binary (see :func:`find_stockfish`).
        skill_level: 0 (weakest) to 20 (Stockfish's best move), on Stockfish's Skill Level scale.
        nodes: the node limit of each search.
        noise_cap: the cap, in centipawns, on the scale of the random bonus (see
            :func:`pick_weakened_move`); :data:`STOCKFISH_NOISE_CAP_CENTIPAWNS` is Stockfish's.

    """

    def __init__(
        self,
        stockfish_path: str,
        skill_level: float = 0.0,
        nodes: int = 20_000,
        noise_cap: float = NOISE_CAP_CENTIPAWNS,
    ) -> None:
        if not 0.0 <= float(skill_level) <= FULL_STRENGTH:
            raise ValueError(
                f"opponent_skill_level must be between 0 and {FULL_STRENGTH:g}, got {skill_level!r}"
            )
        if isinstance(nodes, bool) or not isinstance(nodes, int | np.integer) or nodes < 1:
            raise ValueError(f"opponent_nodes must be a positive integer, got {nodes!r}")
        if not (isinstance(noise_cap, int | float) and 0.0 <= float(noise_cap) < float("inf")):
            raise ValueError(
                f"opponent_noise_cap must be a finite number of centipawns >= 0, got {noise_cap!r}"
            )
        self.skill_level = float(skill_level)
        self.nodes = int(nodes)
        self.noise_cap = float(noise_cap)
        self.engine = UciEngine(stockfish_path)

    def __call__(self, board: chess.Board, rng: np.random.Generator) -> chess.Move:
        """The move of the side to move in ``board`` (Black in the envs)."""
        import chess

        if self.skill_level >= FULL_STRENGTH:
            return chess.Move.from_uci(self.engine.search(board, self.nodes).best_move)
        result = self.engine.search(
            board, self.nodes, depth=1 + int(self.skill_level), multipv=WEAKENED_LINES
        )
        move = pick_weakened_move(result.lines, self.skill_level, rng, self.noise_cap)
        return chess.Move.from_uci(move)

    def close(self) -> None:
        """Stop the engine process."""
        self.engine.close()


# -- reading a move -----------------------------------------------------------------------------

PIECE_NAMES: dict[str, str] = {
    "p": "pawn",
    "n": "knight",
    "b": "bishop",
    "r": "rook",
    "q": "queen",
    "k": "king",
}
PIECE_LETTERS: dict[str, str] = {name: letter for letter, name in PIECE_NAMES.items()}
MOVE_HINT = "play one legal move in SAN (e4, Nf3, O-O) or UCI (e2e4)"
#: Words that make a sentence naming a move something other than that move.
MOVE_NEGATIONS = frozenset(("not", "dont", "never", "instead", "avoid", "rather", "except"))
_MOVE_NUMBER = re.compile(r"(?<![\w.])\d+\s*\.+")  # "1.", "1 .", "12..."
_SAN = re.compile(
    r"(?P<piece>[NBRQKPnrqkp])?(?P<file>[a-hA-H])?(?P<rank>[1-8])?[-xX:]?"
    r"(?P<to>[a-hA-H][1-8])(?:=?\(?(?P<promotion>[NBRQnbrq])\)?)?"
)
_UCI = re.compile(r"(?P<from>[a-h][1-8])[-x]?(?P<to>[a-h][1-8])=?(?P<promotion>[nbrq])?")
_CASTLING_TOKENS = {"o-o": "K", "0-0": "K", "o-o-o": "Q", "0-0-0": "Q"}
_SQUARE = re.compile(r"\b[a-h][1-8]\b")
_PIECE_WORD = re.compile(r"\b(pawn|knight|bishop|rook|queen|king)s?\b")
_CAPTURE_VERBS = r"(?:takes?|taking|took|captures?|capturing|captured|x)"
_CASTLE_WORD = re.compile(r"\bcastl(?:e|es|ed|ing)\b")
_FROM_TO = re.compile(r"\b([a-h][1-8])\s*(?:to|->|takes|captures)\s*([a-h][1-8])\b")


class MoveError(ValueError):
    """Text that does not name one legal move; ``kind`` is unreadable, ambiguous or illegal."""

    def __init__(self, kind: str, message: str, nothing_fits: bool = False) -> None:
        super().__init__(message)
        self.kind = kind
        #: No piece could make the move even ignoring check (another reading may be meant).
        self.nothing_fits = nothing_fits


@dataclass(frozen=True)
class MoveSpec:
    """What a piece of text says about a move, before the position is asked.

    ``piece`` is a letter of :data:`PIECE_NAMES` (None: any piece, as UCI says), ``castle`` is
    ``"K"``, ``"Q"`` or ``"either"`` for a castling move; ``captured`` is the piece a sentence
    says is taken ("bishop takes knight on f6"), ``capture`` whether it says a capture at all
    ("queen takes"). ``to_square`` is None for a sentence that names no square ("knight takes
    bishop"): the move is then whichever legal move of ``piece`` fits the capture.
    ``en_passant``: the sentence says "en passant", so only an en passant capture fits.
    """

    text: str
    piece: str | None = None
    from_file: int | None = None
    from_rank: int | None = None
    from_square: int | None = None
    to_square: int | None = None
    promotion: str | None = None
    castle: str | None = None
    captured: str | None = None
    capture: bool = False
    en_passant: bool = False


def read_move(board: chess.Board, text: str) -> chess.Move:
    """The one legal move ``text`` names in ``board``, or :class:`MoveError` saying why not.

    Lenient where the reading is certain: SAN in any case (``nf3``, ``NF3``, ``E4``; a lower-case
    ``b`` is the b-file, as in SAN, and a bishop only where no b-pawn move fits: ``bb5``), UCI
    (``e2e4``, ``e2-e4``, ``e7e8q``), LMRL-Gym's spaced characters (``N f 3``), move numbers
    (``1. e4``, ``12... Nf6``), annotations (``+``, ``#``, ``!``, ``?``, ``!?``, ``e.p.``),
    quotes and markup, words around the move (``I play e4``, ``My move: Nf3``), and
    plain-English moves (``Pawn to d4``, ``knight from g1 to f3``, ``e2 to e4``, ``bishop takes
    knight on f6``, ``castle kingside``, ``short castle``, a bare ``castle`` when only one side
    can). Strict where a reading would be a guess: two different moves (``e4 or d4``, ``1. e4
    e5``), a negation (``not e4``), a SAN that fits two pieces (``Nd2`` with knights on b1 and
    f3) or a bare ``castle`` when both sides can are refused, never read as one of their moves.

    The error's ``kind`` is ``"unreadable"`` (no move, several moves, a negation),
    ``"ambiguous"`` (one move description, several legal moves) or ``"illegal"`` (a move this
    position does not allow; the message says why, as python-chess can tell: ``your king would
    be in check``, ``no knight of yours can move to f6``, ``you have no piece on e3``, ``a pawn
    reaching the last rank must promote``, ``you cannot castle out of check``, ...).

    Example:
        >>> import chess
        >>> board = chess.Board()
        >>> [read_move(board, text).uci() for text in ("1. e4", "Pawn to d4", "Nf3!", "e2e4+")]
        ['e2e4', 'd2d4', 'g1f3', 'e2e4']
        >>> read_move(board, "Qh5")
        Traceback (most recent call last):
        ...
        rlbench_suite.envs.language.chess_env.MoveError: no queen of yours can move to h5

    """
    import chess

    shown = text.strip()
    if not shown:
        raise MoveError("unreadable", "empty move")
    work = re.sub(r"[*`\"\u201c\u201d]", " ", shown).lstrip("> ")
    work = _MOVE_NUMBER.sub(" ", work)
    tokens = work.split()
    if len(tokens) > 1 and all(len(token) == 1 for token in tokens):
        work = "".join(tokens)  # LMRL-Gym's format spaces every character: "N f 3"
    lower = re.sub(r"(?<=[a-z])[?'\u2019](?=[a-z])", "", work.lower())
    words = re.findall(r"[a-z]+", lower)
    negation = next((word for word in words if word in MOVE_NEGATIONS), None)
    if negation is not None:
        raise MoveError("unreadable", f"{shown!r} is unclear ({negation!r}); say only the move")

    groups: list[list[MoveSpec]] = []
    english = _english_reading(lower, shown)
    # A piece named with no square and no capture ("the knight: Nf3") only describes the move
    # another part of the text names; alone ("knight, please") it is kept to explain the refusal.
    vague = (
        english is not None
        and english.castle is None
        and english.to_square is None
        and not english.capture
    )
    if english is not None and not vague:
        groups.append([english])
    elif english is None:
        from_to = _FROM_TO.findall(lower)
        for origin, target in from_to:
            groups.append(
                [
                    MoveSpec(
                        shown,
                        from_square=chess.parse_square(origin),
                        to_square=chess.parse_square(target),
                    )
                ]
            )
        if from_to:
            work = _FROM_TO.sub(" ", lower)
    for token in re.split(r"[\s,;()\[\]]+", work):
        readings = _token_readings(token)
        if not readings:
            continue
        if english is not None and _SQUARE.fullmatch(token.lower().strip(".:!?+#")):
            continue  # "knight to f3": the square belongs to the sentence
        groups.append(readings)
    if not groups and vague:
        groups.append([english])
    if not groups:
        raise MoveError("unreadable", f"{shown!r} is not a move")
    if len(groups) == 1:
        return _resolve_readings(board, groups[0])
    moves = []
    for readings in groups:
        try:
            moves.append(_resolve_readings(board, readings))
        except MoveError:
            moves.append(None)
    if None in moves or len(set(moves)) > 1:
        named = ", ".join(dict.fromkeys(readings[0].text.strip(",.;:") for readings in groups))
        raise MoveError("unreadable", f"{shown!r} names more than one move ({named})")
    return moves[0]


def _token_readings(raw: str) -> list[MoveSpec]:
    """The move descriptions one token can be: none, one, or two (a lower-case ``b``)."""
    import chess

    token = raw.strip("'.:;,!?\u2018\u2019")
    token = re.sub(r"(?:e\.?p\.?)$", "", token) if re.search(r"[1-8]e\.?p\.?$", token) else token
    token = re.sub(r"[!?+#]+$", "", token).rstrip(".")
    if not token:
        return []
    castle = _CASTLING_TOKENS.get(token.lower())
    if castle is not None:
        return [MoveSpec(raw, castle=castle)]
    uci = _UCI.fullmatch(token.lower())
    if uci is not None:
        return [
            MoveSpec(
                raw,
                from_square=chess.parse_square(uci["from"]),
                to_square=chess.parse_square(uci["to"]),
                promotion=uci["promotion"],
            )
        ]
    readings = []
    san = _SAN.fullmatch(token)
    if san is not None:
        readings.append(_san_spec(raw, san))
    if token.startswith("b") and len(token) > 2:
        bishop = _SAN.fullmatch("B" + token[1:])
        if bishop is not None and bishop["piece"] == "B":
            readings.append(_san_spec(raw, bishop))
    return readings


def _san_spec(raw: str, match: re.Match[str]) -> MoveSpec:
    import chess

    piece = (match["piece"] or "p").lower()
    return MoveSpec(
        raw,
        piece=piece,
        from_file="abcdefgh".index(match["file"].lower()) if match["file"] else None,
        from_rank=int(match["rank"]) - 1 if match["rank"] else None,
        to_square=chess.parse_square(match["to"].lower()),
        promotion=match["promotion"].lower() if match["promotion"] else None,
    )


def _english_reading(lower: str, shown: str) -> MoveSpec | None:
    """The move a plain-English sentence describes, or None when it names no piece or castling."""
    import chess

    if _CASTLE_WORD.search(lower):
        kingside = re.search(r"\bking\s*side\b|\bkings?\s+side\b|\bshort\b", lower)
        queenside = re.search(r"\bqueen\s*side\b|\bqueens?\s+side\b|\blong\b", lower)
        if kingside and queenside:
            raise MoveError("unreadable", f"{shown!r} names both castling sides")
        return MoveSpec(shown, castle="K" if kingside else "Q" if queenside else "either")
    # "king's knight", "queen's pawn": the adjective is not a second piece.
    lower = re.sub(r"\b(?:king|queen)s?\s+(?=(?:pawn|knight|bishop|rook)\b)", "", lower)
    en_passant = re.search(r"\ben\s*passant\b", lower) is not None
    mentions = [(match.group(1), match.start()) for match in _PIECE_WORD.finditer(lower)]
    if not mentions:
        if en_passant:
            return MoveSpec(" ".join(shown.split()), piece="p", capture=True, en_passant=True)
        return None
    # "the c-pawn", "e pawn": the file the pawn stands on ("a pawn" is an article, so the a-file
    # needs the hyphen).
    pawn_file = re.search(r"\b([a-h])-pawn\b|\b([b-h])\s+pawn\b", lower)
    if pawn_file is not None and pawn_file.end() - len("pawn") != mentions[0][1]:
        pawn_file = None
    promotion = re.search(
        r"(?:promot\w*|=|queening|becom\w*)\s*(?:to|into|as)?\s*(?:an?\s+)?"
        r"(queen|rook|bishop|knight)\b",
        lower,
    )
    captured = re.search(
        rf"{_CAPTURE_VERBS}\s+(?:the\s+|an?\s+|black\s+|blacks\s+|his\s+|their\s+)?"
        r"(pawn|knight|bishop|rook|queen|king)\b",
        lower,
    )
    capture = re.search(rf"\b{_CAPTURE_VERBS}\b", lower) is not None
    # "take the bishop": the only piece named is the one taken, so any piece of ours may take it.
    mover = None if captured and captured.start(1) == mentions[0][1] else mentions[0][0]
    explained = {mentions[0][1]}
    for extra in (promotion, captured):
        if extra is not None:
            explained.add(extra.start(1))
    others = [name for name, start in mentions if start not in explained]
    if others:
        raise MoveError("unreadable", f"{shown!r} names more than one piece ({mover}, {others[0]})")
    squares = _SQUARE.findall(lower)
    if not squares:
        # "knight takes bishop", "queen takes", "pawn takes pawn": the capture is the move, if
        # only one fits; "knight, please" says nothing the position can decide (see _resolve).
        return MoveSpec(
            " ".join(shown.split()),
            piece=PIECE_LETTERS[mover] if mover else None,
            from_file=_pawn_file_index(pawn_file),
            captured=PIECE_LETTERS[captured.group(1)] if captured else None,
            capture=capture or en_passant,
            en_passant=en_passant,
        )
    if mover is None:
        mover = "piece"
    if len(squares) > 2:
        raise MoveError("unreadable", f"{shown!r} names {len(squares)} squares")
    origin = None
    target = squares[-1]
    if len(squares) == 2:
        origin, target = squares
        if re.search(rf"\bto\s+{squares[0]}\b.*\bfrom\s+{squares[1]}\b", lower):
            origin, target = squares[1], squares[0]
    return MoveSpec(
        f"{mover} to {target}",
        piece=PIECE_LETTERS.get(mover),
        from_file=_pawn_file_index(pawn_file),
        from_square=chess.parse_square(origin) if origin else None,
        to_square=chess.parse_square(target),
        promotion=PIECE_LETTERS[promotion.group(1)] if promotion else None,
        captured=PIECE_LETTERS[captured.group(1)] if captured else None,
        capture=capture or en_passant,
        en_passant=en_passant,
    )


def _pawn_file_index(match: re.Match[str] | None) -> int | None:
    """The file (0 for a) of an ``e-pawn`` / ``e pawn`` match, or None."""
    if match is None:
        return None
    return "abcdefgh".index(match.group(1) or match.group(2))


def _resolve_readings(board: chess.Board, readings: list[MoveSpec]) -> chess.Move:
    """The move of the first reading (SAN's own); the next only where no piece fits the first.

    So ``bxc4`` is the b-pawn's capture whenever a b-pawn could make it (check and pins
    included, which are then the reason it is illegal), and a bishop's only otherwise.
    """
    first_error: MoveError | None = None
    for spec in readings:
        try:
            return _resolve(board, spec)
        except MoveError as error:
            if not error.nothing_fits:
                raise
            first_error = first_error or error
    assert first_error is not None
    raise first_error


def _resolve(board: chess.Board, spec: MoveSpec) -> chess.Move:
    """The legal move ``spec`` describes in ``board``, or MoveError saying why there is none."""
    import chess

    if spec.castle is not None:
        return _resolve_castling(board, spec)
    to_square = spec.to_square
    if to_square is None:
        return _resolve_without_square(board, spec)
    target = chess.square_name(to_square)
    if spec.piece is None and spec.from_square is not None:
        # UCI: python-chess's own reader first, which also takes a king onto its rook (e1h1).
        uci = chess.square_name(spec.from_square) + target + (spec.promotion or "")
        try:
            move = board.parse_uci(uci)
        except ValueError:
            pass
        else:
            if move:
                return move
    piece_type = chess.PIECE_SYMBOLS.index(spec.piece) if spec.piece else None

    def fits(move: chess.Move, promotion_too: bool) -> bool:
        if move.to_square != to_square:
            return False
        if piece_type is not None and board.piece_type_at(move.from_square) != piece_type:
            return False
        if spec.from_square is not None and move.from_square != spec.from_square:
            return False
        if spec.from_file is not None and chess.square_file(move.from_square) != spec.from_file:
            return False
        if spec.from_rank is not None and chess.square_rank(move.from_square) != spec.from_rank:
            return False
        wanted = chess.PIECE_SYMBOLS.index(spec.promotion) if spec.promotion else None
        return not promotion_too or move.promotion == wanted

    pseudo = [move for move in board.pseudo_legal_moves if fits(move, promotion_too=True)]
    legal = [move for move in pseudo if board.is_legal(move)]
    if len(legal) > 1:
        options = " or ".join(board.san(move) for move in legal)
        raise MoveError("ambiguous", f"{spec.text!r} could be {options}; say which")
    if legal:
        move = legal[0]
        if spec.captured is not None:
            taken = _captured_type(board, move)
            if taken != chess.PIECE_SYMBOLS.index(spec.captured):
                raise MoveError(
                    "illegal", f"there is no black {PIECE_NAMES[spec.captured]} on {target}"
                )
        elif spec.capture and not board.is_capture(move):
            raise MoveError("illegal", f"there is nothing to take on {target}")
        if spec.en_passant and not board.is_en_passant(move):
            raise MoveError("illegal", f"{board.san(move)} is not an en passant capture")
        return move
    if pseudo:
        raise MoveError("illegal", _why_king_in_check(board, pseudo[0]))
    if any(fits(move, promotion_too=False) for move in board.pseudo_legal_moves):
        raise MoveError(
            "illegal",
            f"a pawn reaching the last rank must promote: say {target}=Q (or =R, =B, =N)",
        )
    reason = _why_nothing_moves_there(board, spec, piece_type, target)
    raise MoveError("illegal", reason, nothing_fits=True)


def _captured_type(board: chess.Board, move: chess.Move) -> int | None:
    """The type of the piece ``move`` takes (a pawn for en passant), or None."""
    import chess

    if board.is_en_passant(move):
        return chess.PAWN
    return board.piece_type_at(move.to_square)


def _why_king_in_check(board: chess.Board, move: chess.Move) -> str:
    """Why a pseudo-legal ``move`` is illegal: it leaves the king in check, and how."""
    import chess

    mover = board.piece_at(move.from_square)
    assert mover is not None
    reason = "your king would be in check"
    if board.is_check() and mover.piece_type != chess.KING:
        reason += " (you are in check, and this does not stop it)"
    elif mover.piece_type != chess.KING and board.is_pinned(chess.WHITE, move.from_square):
        name = PIECE_NAMES[mover.symbol().lower()]
        reason += f" (your {name} on {chess.square_name(move.from_square)} is pinned)"
    return reason


def _resolve_without_square(board: chess.Board, spec: MoveSpec) -> chess.Move:
    """The one legal capture a square-less sentence names ("knight takes bishop", "queen takes").

    Several fitting captures are ambiguous and listed; a piece with no capture and no square
    ("knight, please") is unreadable, with that piece's legal moves as the hint.
    """
    import chess

    piece_type = chess.PIECE_SYMBOLS.index(spec.piece) if spec.piece else None
    mover = PIECE_NAMES.get(spec.piece or "", "piece")
    if not spec.capture:
        own = [
            board.san(move)
            for move in board.legal_moves
            if piece_type is None or board.piece_type_at(move.from_square) == piece_type
        ]
        hint = f" ({', '.join(own)})" if own else f" (no {mover} of yours can move)"
        raise MoveError(
            "unreadable", f"{spec.text!r} says no square; say where the {mover} goes{hint}"
        )
    captured_type = chess.PIECE_SYMBOLS.index(spec.captured) if spec.captured else None

    def fits(move: chess.Move) -> bool:
        if piece_type is not None and board.piece_type_at(move.from_square) != piece_type:
            return False
        if spec.from_file is not None and chess.square_file(move.from_square) != spec.from_file:
            return False
        if not board.is_capture(move) or (spec.en_passant and not board.is_en_passant(move)):
            return False
        return captured_type is None or _captured_type(board, move) == captured_type

    pseudo = [move for move in board.pseudo_legal_moves if fits(move)]
    legal = [move for move in pseudo if board.is_legal(move)]
    if len(legal) > 1:
        options = " or ".join(board.san(move) for move in legal)
        raise MoveError("ambiguous", f"{spec.text!r} could be {options}; say which")
    if legal:
        return legal[0]
    if pseudo:
        raise MoveError("illegal", _why_king_in_check(board, pseudo[0]))
    taken = f"a {PIECE_NAMES[spec.captured]}" if spec.captured else "anything"
    if spec.en_passant:
        taken = "en passant"
    if piece_type is not None and not board.pieces(piece_type, chess.WHITE):
        reason = f"you have no {mover}"
    elif piece_type is None:
        reason = f"none of your pieces can take {taken}"
    else:
        reason = f"no {mover} of yours can take {taken}"
    raise MoveError("illegal", reason, nothing_fits=True)


def _why_nothing_moves_there(
    board: chess.Board, spec: MoveSpec, piece_type: int | None, target: str
) -> str:
    import chess

    occupant = board.piece_at(chess.parse_square(target))
    own = occupant is not None and occupant.color == chess.WHITE
    if spec.from_square is not None:
        origin = chess.square_name(spec.from_square)
        piece = board.piece_at(spec.from_square)
        if piece is None:
            return f"you have no piece on {origin}"
        if piece.color != chess.WHITE:
            return f"the {PIECE_NAMES[piece.symbol().lower()]} on {origin} is Black's"
        name = PIECE_NAMES[piece.symbol().lower()]
        if piece_type is not None and piece.piece_type != piece_type:
            return f"your piece on {origin} is a {name}, not a {PIECE_NAMES[spec.piece]}"
        if own:
            return f"your own {PIECE_NAMES[occupant.symbol().lower()]} is on {target}"
        return f"your {name} on {origin} cannot move to {target}"
    name = PIECE_NAMES.get(spec.piece or "", "piece")
    if own:
        blocker = PIECE_NAMES[occupant.symbol().lower()]
        return f"no piece can move there: your own {blocker} is on {target}"
    if piece_type is not None and not board.pieces(piece_type, chess.WHITE):
        return f"you have no {name}"
    return f"no {name} of yours can move to {target}"


def _resolve_castling(board: chess.Board, spec: MoveSpec) -> chess.Move:
    sides = ("K", "Q") if spec.castle == "either" else (spec.castle,)
    found = {}
    reasons = []
    for side in sides:
        move = next(
            (
                move
                for move in board.legal_moves
                if board.is_castling(move) and board.is_kingside_castling(move) == (side == "K")
            ),
            None,
        )
        if move is not None:
            found[side] = move
        else:
            reasons.append(_why_no_castling(board, side))
    if len(found) == 2:
        raise MoveError("ambiguous", "castle kingside (O-O) or queenside (O-O-O)? say which")
    if found:
        return next(iter(found.values()))
    raise MoveError("illegal", "; ".join(reasons))


def _why_no_castling(board: chess.Board, side: str) -> str:
    import chess

    name = "kingside" if side == "K" else "queenside"
    has_right = (
        board.has_kingside_castling_rights(chess.WHITE)
        if side == "K"
        else board.has_queenside_castling_rights(chess.WHITE)
    )
    if not has_right:
        return f"you can no longer castle {name} (your king or that rook has moved)"
    if board.is_check():
        return "you cannot castle out of check"
    between = (chess.F1, chess.G1) if side == "K" else (chess.B1, chess.C1, chess.D1)
    if any(board.piece_at(square) for square in between):
        return f"you cannot castle {name}: pieces stand between your king and rook"
    return f"you cannot castle {name}: your king would pass through or land on an attacked square"


# -- Endgames starting positions ------------------------------------------------------------------


def random_endgame(material: str, rng: np.random.Generator) -> chess.Board:
    """A legal position, White to move and not over, with ``material`` against a lone king.

    The pieces go on distinct squares drawn from ``rng`` until the position is legal (kings
    apart, Black not in check) and the game is not over; most draws are legal, so this ends
    after a few. LMRL-Gym's ``large_piece_random_endgame`` does the same.
    """
    import chess

    kinds = [chess.Piece(chess.KING, chess.WHITE), chess.Piece(chess.KING, chess.BLACK)]
    kinds += [chess.Piece.from_symbol(symbol) for symbol in ENDGAME_MATERIAL[material]]
    while True:
        squares = rng.choice(64, size=len(kinds), replace=False)
        board = chess.Board(None)
        for square, piece in zip(squares, kinds, strict=True):
            board.set_piece_at(int(square), piece)
        board.turn = chess.WHITE
        if board.is_valid() and game_over_reason(board) is None:
            return board


def reported_mate(engine: UciEngine, board: chess.Board, depth: int) -> int | None:
    """The mate in N moves (for the side to move) a ``depth`` search reports, or None."""
    score = engine.search(board, LMRL_FILTER_NODES, depth=depth).lines[0].score
    return MATE_CENTIPAWNS - score if score > MATE_CENTIPAWNS // 2 else None


def stockfish_sees_quick_mate(engine: UciEngine, board: chess.Board) -> bool:
    """Whether LMRL-Gym's filter drops ``board``: Stockfish reports a mate in under 15 moves.

    The search is to :data:`LMRL_FILTER_DEPTH`; a shallower search goes first because a mate it
    reports stands at any greater depth (a deeper search finds the same mate or a shorter one),
    which settles most positions for a fraction of the cost.
    """
    for depth in (LMRL_QUICK_DEPTH, LMRL_FILTER_DEPTH):
        mate = reported_mate(engine, board, depth)
        if mate is not None and mate < LMRL_MATE_CUTOFF:
            return True
    return False


# -- the envs -----------------------------------------------------------------------------------


def game_over_reason(board: chess.Board, claim_draws: bool = True) -> str | None:
    """Why the game is over in ``board`` (the side to move has just been moved against), or None.

    ``claim_draws``: a threefold repetition or 50 moves without a capture or pawn move end the
    game, as if claimed; otherwise only the automatic fivefold repetition and 75-move rule do
    (python-chess's ``is_game_over()``, which LMRL-Gym's env uses).
    """
    if board.is_checkmate():
        return "checkmate"
    if board.is_stalemate():
        return "stalemate"
    if board.is_insufficient_material():
        return "insufficient material"
    if claim_draws:
        if board.is_repetition(3):
            return "threefold repetition"
        if board.is_fifty_moves():
            return "the 50-move rule"
        return None
    if board.is_fivefold_repetition():
        return "fivefold repetition"
    if board.is_seventyfive_moves():
        return "the 75-move rule"
    return None


def _material(board: chess.Board, color: bool) -> str:
    """``K+Q+R``-style material of one side."""
    import chess

    pieces = ["K"]
    for piece_type in (chess.QUEEN, chess.ROOK, chess.BISHOP, chess.KNIGHT, chess.PAWN):
        count = len(board.pieces(piece_type, color))
        pieces.extend([chess.piece_symbol(piece_type).upper()] * count)
    return "+".join(pieces)


class ChessEnv(LanguageEnv):
    """LMRL-Gym's Chess: White against Stockfish from the initial position (see the module doc).

    Args:
        opponent: ``f(board, rng) -> chess.Move`` replacing Stockfish; None for Stockfish.
        stockfish_path: the engine binary; None searches the usual places.
        opponent_skill_level: 0 (weakest) to 20 (full strength).
        opponent_nodes: node limit of each opponent search.
        opponent_noise_cap: cap (centipawns) on the weakened opponent's random bonus; 100 by
            default, :data:`STOCKFISH_NOISE_CAP_CENTIPAWNS` (about 35) for Stockfish's own.
        max_turns: agent turns before truncation.
        render_mode: ``"ansi"`` or None.
        max_observation_length: the transcript's length limit.

    """

    task_name = "Chess"
    #: ``reset(options={"fen": ...})`` starts the game from that position.
    reset_options = ("fen",)

    def __init__(
        self,
        opponent: Opponent | None = None,
        stockfish_path: str | os.PathLike[str] | None = None,
        opponent_skill_level: float = 0.0,
        opponent_nodes: int = 20_000,
        opponent_noise_cap: float = NOISE_CAP_CENTIPAWNS,
        max_turns: int = MAX_TURNS,
        render_mode: str | None = None,
        max_observation_length: int = 20_000,
    ) -> None:
        super().__init__(
            max_turns=max_turns,
            render_mode=render_mode,
            max_observation_length=max_observation_length,
        )
        chess = import_chess()
        name = type(self).__name__
        self.stockfish_path = stockfish_path
        if opponent is None:
            try:
                self.opponent: Opponent = StockfishOpponent(
                    find_stockfish(stockfish_path),
                    opponent_skill_level,
                    opponent_nodes,
                    opponent_noise_cap,
                )
            except ValueError as error:
                raise ValueError(f"{name}: {error}") from None
        elif callable(opponent):
            self.opponent = opponent
        else:
            raise TypeError(
                f"{name}: opponent must be a callable "
                "f(board: chess.Board, rng: numpy.random.Generator) -> chess.Move, or None for "
                f"Stockfish; got {type(opponent).__name__}"
            )
        #: Threefold repetition and the 50-move rule end the game (see game_over_reason).
        self.claim_draws = True
        self._board: chess.Board = chess.Board()
        self._requested_fen: str | None = None
        self.result = ""  # "win", "loss", "draw", or "" while the game goes on
        self.illegal_moves = 0

    # -- episode hooks ------------------------------------------------------------------------

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[str, dict[str, Any]]:
        """Start a game; ``options={"fen": ...}`` starts it from that position (White to move)."""
        # Unknown keys are reported before the position is read.
        self._check_reset_options(options)
        self._requested_fen = (options or {}).get("fen")
        return super().reset(seed=seed, options=options)

    def _begin(self) -> str:
        self.result = ""
        self.illegal_moves = 0
        if self._requested_fen is not None:
            self._board = self._board_from_fen(self._requested_fen)
        else:
            self._board = self._starting_board()
        return f"{self._introduction()}\n{FEN_PREFIX}{self._board.fen()}"

    def _starting_board(self) -> chess.Board:
        import chess

        return chess.Board()

    def _introduction(self) -> str:
        return (
            "Chess: you play White against Stockfish (Black). Answer each position with one "
            "legal move in SAN (e4, Nf3, exd5, O-O, e8=Q) or UCI (g1f3). An illegal move costs "
            "-1 and you move again."
        )

    def _board_from_fen(self, fen: str) -> chess.Board:
        import chess

        name = env_name(self)
        try:
            board = chess.Board(fen)
        except ValueError as error:
            raise ValueError(
                f"{name}: options['fen'] is not a FEN string: {fen!r} ({error})"
            ) from error
        if not board.is_valid():
            raise ValueError(
                f"{name}: options['fen'] is not a legal position ({board.status()!r}): {fen}"
            )
        if board.turn != chess.WHITE:
            raise ValueError(f"{name}: options['fen'] must have White to move, got {fen!r}")
        ending = game_over_reason(board, self.claim_draws)
        if ending is not None:
            raise ValueError(f"{name}: options['fen'] is a finished game ({ending})")
        return board

    def _turn(self, action: str) -> Turn:
        import chess

        board = self._board
        try:
            move = read_move(board, action)
        except MoveError as error:
            self.illegal_moves += 1
            if error.kind == "illegal":
                shown = " ".join(action.split())
                reply = f"Illegal move {shown}: {error}."
            elif error.kind == "ambiguous":
                reply = f"Ambiguous move: {error}."
            else:
                reply = f"Unreadable move: {error}; {MOVE_HINT}."
            return Turn(reply=f"{reply}\n{FEN_PREFIX}{board.fen()}", reward=-1.0, invalid=True)
        board.push(move)
        ending = game_over_reason(board, self.claim_draws)
        if ending is not None:
            return self._finish(ending, agent_moved_last=True, prefix="")
        reply_move = self.opponent(board.copy(), self.np_random)
        if not isinstance(reply_move, chess.Move) or not board.is_legal(reply_move):
            raise ValueError(
                f"the opponent returned {reply_move!r}, which is not a legal move for Black in "
                f"{board.fen()}"
            )
        prefix = f"Black plays {board.san(reply_move)}."
        board.push(reply_move)
        ending = game_over_reason(board, self.claim_draws)
        if ending is not None:
            return self._finish(ending, agent_moved_last=False, prefix=prefix + " ")
        return Turn(reply=f"{prefix}\n{FEN_PREFIX}{board.fen()}", reward=0.0)

    def _parse_move(self, action: str) -> chess.Move | None:
        """The legal move ``action`` names (see :func:`read_move`), or None."""
        try:
            return read_move(self._board, action)
        except MoveError:
            return None

    def _finish(self, ending: str, agent_moved_last: bool, prefix: str) -> Turn:
        position = f"\n{FEN_PREFIX}{self._board.fen()}"
        if ending != "checkmate":
            self.result = "draw"
            return Turn(reply=f"{prefix}Draw by {ending}.{position}", reward=0.0, terminated=True)
        if agent_moved_last:
            self.result = "win"
            return Turn(
                reply=f"{prefix}Checkmate: you win.{position}",
                reward=1.0,
                terminated=True,
                success=True,
            )
        self.result = "loss"
        return Turn(reply=f"{prefix}Checkmate: you lose.{position}", reward=-1.0, terminated=True)

    # -- what the agent may say -----------------------------------------------------------------

    def admissible_actions(self) -> list[str]:
        """The legal moves in SAN (none once the game is over)."""
        if self.result:
            return []
        return [self._board.san(move) for move in self._board.legal_moves]

    def action_vocabulary(self) -> list[str]:
        """The 1,880 UCI strings a white move can have (see the module docstring)."""
        return list(uci_move_vocabulary())

    def _extra_info(self) -> dict[str, Any]:
        return {
            "won": int(self.result == "win"),
            "lost": int(self.result == "loss"),
            "drawn": int(self.result == "draw"),
            "illegal_moves": self.illegal_moves,
            "fen": self._board.fen(),
        }

    @property
    def board(self) -> chess.Board:
        """A copy of the current game (White to move while it goes on)."""
        return self._board.copy()

    def close(self) -> None:
        """Stop the engine process of the built-in opponent (a user opponent may have one too)."""
        closer = getattr(self.opponent, "close", None)
        if callable(closer):
            closer()
        super().close()


class EndgamesEnv(ChessEnv):
    """LMRL-Gym's Endgames: mate a lone black king with K+Q, K+Q+R, K+R or K+R+R.

    Args:
        material: the material sets to draw starting positions from.
        rules: ``"rlbench"`` (any legal position; claimed draws) or ``"lmrl"`` (LMRL-Gym's
            filter and automatic draws; see the module docstring).
        **kwargs: as :class:`ChessEnv`.

    """

    task_name = "Endgames"

    def __init__(
        self,
        material: Sequence[str] = tuple(ENDGAME_MATERIAL),
        rules: str = "rlbench",
        **kwargs: Any,
    ) -> None:
        name = type(self).__name__
        if isinstance(material, str) or not material:
            raise ValueError(
                f"{name}: material must be a non-empty sequence of {list(ENDGAME_MATERIAL)}, "
                f"got {material!r}"
            )
        unknown = [kind for kind in material if kind not in ENDGAME_MATERIAL]
        if unknown:
            raise ValueError(
                f"{name}: unknown material sets {unknown}; choose from {list(ENDGAME_MATERIAL)}"
            )
        if rules not in ENDGAME_RULES:
            raise ValueError(f"{name}: rules must be one of {list(ENDGAME_RULES)}, got {rules!r}")
        super().__init__(**kwargs)
        self.material = tuple(material)
        self.rules = rules
        self.claim_draws = rules == "rlbench"
        # LMRL-Gym's filter asks Stockfish about every candidate position, whoever the opponent.
        self._filter_engine = (
            UciEngine(find_stockfish(self.stockfish_path), hash_mb=LMRL_FILTER_HASH_MB)
            if rules == "lmrl"
            else None
        )

    def _starting_board(self) -> chess.Board:
        while True:
            # LMRL-Gym filters a pool drawn over all material sets, so a rejected position
            # redraws its material too: sets whose mates Stockfish sees at once are rarer.
            material = self.material[int(self.np_random.integers(len(self.material)))]
            board = random_endgame(material, self.np_random)
            if self._filter_engine is None or not stockfish_sees_quick_mate(
                self._filter_engine, board
            ):
                return board

    def close(self) -> None:
        """Stop the engines: the opponent's and, under ``rules="lmrl"``, the filter's."""
        if self._filter_engine is not None:
            self._filter_engine.close()
        super().close()

    def _introduction(self) -> str:
        import chess

        return (
            f"Endgame: you play White ({_material(self._board, chess.WHITE)}) against "
            f"Stockfish (Black, {_material(self._board, chess.BLACK)}). Checkmate the black king. "
            "Answer each position with one legal move in SAN (Qe7, Rh8#) or UCI (d1e2). "
            "An illegal move costs -1 and you move again."
        )


# -- MDP families ---------------------------------------------------------------------------------


def chess_family(rng: np.random.Generator, split: str) -> dict[str, Any]:
    """Chess instances: a stronger opponent, skill level 1-4 in distribution, 6-10 held out."""
    low, high = (1, 4) if split == "in_distribution" else (6, 10)
    return {"opponent_skill_level": float(rng.integers(low, high + 1))}


def endgames_family(rng: np.random.Generator, split: str) -> dict[str, Any]:
    """Endgames instances: some of K+Q, K+Q+R, K+R+R (skill 0-4); held out, K+R (skill 0-20).

    K+R is held out because its mate takes the longest to find.
    """
    if split == "held_out":
        return {"material": ("KR",), "opponent_skill_level": float(rng.integers(0, 21))}
    trained = ("KQ", "KQR", "KRR")
    chosen = tuple(name for name in trained if rng.random() < 0.5) or (
        trained[int(rng.integers(len(trained)))],
    )
    return {"material": chosen, "opponent_skill_level": float(rng.integers(0, 5))}


def register() -> None:
    """Register Chess-v0 and Endgames-v0 (building them needs the ``chess`` extra)."""
    from rlbench_suite.registry import MDPFamily

    for env_id, class_name, summary, family in (
        (
            "rlbench/Chess-v0",
            "ChessEnv",
            "LMRL-Gym Chess: play White in FEN/SAN against a seeded, weakened Stockfish 15.1",
            MDPFamily(chess_family, "opponent skill level 1-4; held out 6-10"),
        ),
        (
            "rlbench/Endgames-v0",
            "EndgamesEnv",
            "LMRL-Gym Endgames: mate a lone king with K+Q, K+Q+R, K+R or K+2R against Stockfish",
            MDPFamily(
                endgames_family,
                "material subsets of K+Q, K+Q+R, K+R+R, opponent skill 0-4; held out K+R",
            ),
        ),
    ):
        register_language_env(
            env_id,
            f"rlbench_suite.envs.language.chess_env:{class_name}",
            agents=("random", "stockfish_expert"),
            expert_agent="stockfish_expert",
            max_episode_steps=MAX_TURNS,
            summary=summary,
            mdp_family=family,
        )


def return_bounds(**env_kwargs: Any) -> tuple[float, float]:
    """Smallest and largest episode return of ``ChessEnv`` or ``EndgamesEnv(**env_kwargs)``.

    :meth:`ChessEnv._turn` pays -1 for an illegal move or a move after which Black mates, +1
    for the mating move, and 0 otherwise; only the mates end the game with a non-zero reward.
    Lowest: ``max_turns`` turns of -1, -400 by default; highest: a game won without an illegal
    move, 1. The opponent and, for Endgames, the material do not change either end.
    """
    import inspect

    # EndgamesEnv passes everything but its material and rules on to ChessEnv, whose signature
    # reads it.
    own = ("material", "rules")
    chess_kwargs = {name: value for name, value in env_kwargs.items() if name not in own}
    arguments = inspect.signature(ChessEnv).bind(**chess_kwargs)
    arguments.apply_defaults()
    return -float(arguments.arguments["max_turns"]), 1.0
