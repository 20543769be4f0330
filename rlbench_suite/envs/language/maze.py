"""Maze-v0 and MazePO-v0: walk a text agent through LMRL-Gym's "double T" maze to its goal.

## Description

LMRL-Gym's Maze task (Abdulhai et al., 2023): an agent on a 10x13 grid reads a sentence about
where it is and answers with a move until it reaches the goal at row 8, column 6. The grid is the
"double T" maze LMRL-Gym takes from mazelab (``#`` wall, ``.`` open, ``G`` goal; rows top to
bottom from 0, columns left to right from 0)::

    #############   row 0
    #.....#.....#   row 1   two T bars ...
    ###.#####.###   row 2
    ###.#####.###   row 3   ... whose stems, columns 3 and 9,
    ###.#####.###   row 4
    ###.......###   row 5   join a corridor ...
    ######.######   row 6
    ######.######   row 7   ... that leads down column 6
    ######G######   row 8   to the goal at (8, 6)
    #############   row 9

Its 26 open cells minus the goal are the 25 start cells; the farthest, (1, 1) and (1, 11), are 12
moves from the goal. ``Maze-v0`` is fully observed: every observation states the goal, the
agent's position and the walls around it. ``MazePO-v0`` (``partially_observed=True``) states
only the walls around the agent, so the agent has to work out where it is from the walls it has
seen and the moves it has made (the transcript holds its whole move history). The two T bars
look alike from inside, which is what makes the partially observed task hard.

### LMRL-Gym's rules: ``rules="lmrl"``

``gym.make("rlbench/Maze-v0", rules="lmrl")`` (or ``MazePO-v0``) shows the agent LMRL-Gym's text
exactly, so that its published numbers can be set beside ours:

- positions spell each digit apart, as LMRL-Gym's ``describe_observation_give_position`` does
  (``position 1, 1 0`` for row 1, column 10);
- the observation is LMRL-Gym's text history, not our transcript: its last
  :data:`LMRL_HISTORY_PIECES` pieces (descriptions and moves, each ending in a newline, the
  ``last_k=40`` of LMRL-Gym's ``MazeEnv``), joined;
- as in LMRL-Gym, text that is not a move wipes that history: the observation is then the
  description alone (our reason for refusing it stays in the transcript, ``render()``);
  reaching the goal shows ``Success``, running out of moves ``Failure``.

The map, start cells, moves, rewards and the 100-move limit are LMRL-Gym's under both rules.

### Differences from LMRL-Gym

Under ``rules="lmrl"``:

- **The failure turn.** LMRL-Gym answers the 101st action, whatever it is, with ``Failure``
  and -1; we add that -1 to the 100th move (see Rewards), so an episode has at most 100 steps
  and no turn whose action is ignored. Returns are the same.
- **Reading moves.** LMRL-Gym accepts only the exact strings ``move left\n`` and so on; we
  read leniently (see Action Space). Every move LMRL-Gym accepts means the same here.
- **History length.** LMRL-Gym's evaluation of behaviour cloning on the fully observed maze
  keeps only the newest description (``last_k=1``), its PPO scripts and ``MazeEnv`` default 40
  pieces; we keep 40 for both variants. The newest description is the last line either way.

Under the default ``rules="rlbench"``, in addition: positions are plain numbers (``1, 10``); the
observation is the whole transcript; an invalid action's reply says why it was refused and
which actions are valid before repeating the description. The map is an argument
(``layout``), the double T by default, under both rules.

## Action Space

``Text(max_length=400, charset=string.printable)``: one of ``move left``, ``move right``,
``move up``, ``move down``, read leniently where the reading is certain (:func:`parse_command`):
case, punctuation and markup are ignored (``" Move Up\\n"``, ``"Move Right."``,
``"**move down**"``), and the one direction word may come wrapped in moving verbs and
first-person or polite words (``"I move right"``, ``"Let's go north"``, ``"I will move to the
left."``, ``"Action: move down"``, a bare ``"up"``, ``"1. move right"``, ``"MoveRight"``); a
reason after the move is ignored when it names no other direction and no negation (``"move
right. This gets me closer."``, ``"Move down (towards the goal)"``). Compass words are the
screen directions (north is up, row 0 is the top). Strict where it matters: text that names two directions
(``"move up or left"``, the diagonal ``"move top left"``), a direction twice or a count
(``"move right twice"``), a negation (``"don't move left"``), a facing-relative word
(``"forward"``) or any word that is not part of a move (``"jump left"``) is never read as one of
its moves; it is an invalid action, and the reply says why: ``unknown direction``, ``2
directions (up, left); say one move``, ``diagonal moves ... are not possible``, ``one move per
turn``, ``'jump' is not part of a move``. ``info["admissible_actions"]`` lists the four
moves, and :meth:`MazeEnv.action_vocabulary` returns them for the ``Discrete`` wrapper.

LMRL-Gym accepts only the exact strings ``move left\\n`` and so on; every wording it accepts
is accepted here with the same meaning, so its returns are unchanged.

## Observation Space

``Text(max_length=20000, charset=string.printable)``: the transcript, the opening description
followed by ``"\\n> {action}\\n{reply}"`` for every move. Each description reads:

| variant | description after each move |
|---------|-----------------------------|
| ``Maze-v0`` | ``The goal is at position 8, 6. Your current position is at position 5, 3. There are walls to your left, below you.`` |
| ``MazePO-v0`` | ``There are walls to your left, below you.`` |

The wall sentence lists blocked neighbours in the order right, left, above, below:
``There are no walls near you.``, ``There is a wall to your right.`` or ``There are walls ...``.
Moving into a wall leaves the agent where it is (the description repeats). Reaching the goal is
answered ``Success``; running out of moves appends ``Failure``.

## Rewards

As LMRL-Gym's ``standard_reward``: 0 for the move that reaches the goal, -1 for every other move
(a bump into a wall included) and -4 for text that is not one of the four moves (the agent stays
put, ``info["invalid_action"]`` is ``True``). As in LMRL-Gym, an invalid action costs a turn:
it counts towards the 100 moves, and its reply (``Invalid action '...': <why>.``, then the
description again) is all the agent gets. The 100th move, if it does not reach the goal, also
carries LMRL-Gym's -1 failure reward, so the lowest return of an episode of valid moves is -101.
From a start ``d`` moves from the goal the best return is ``-(d - 1)``.

## Starting State

The start is drawn uniformly from the 25 start cells with the reset seed;
``reset(options={"start": (row, column)})`` picks it instead (a cell that is not a start cell
raises ``ValueError`` listing the valid ones), so an evaluation can cover every start cell.

## Episode End

Termination when the agent reaches the goal; truncation after ``max_moves`` (100) moves,
LMRL-Gym's limit. ``gym.make`` also adds a ``TimeLimit`` of 100 steps.

## Arguments

```python
gym.make("rlbench/Maze-v0", partially_observed=False, max_moves=100, layout=None,
         rules="rlbench", render_mode=None)
gym.make("rlbench/MazePO-v0")  # the same with partially_observed=True
```

- ``partially_observed``: describe only the walls around the agent.
- ``max_moves``: moves before truncation (pass ``max_episode_steps`` to ``gym.make`` as well to
  lengthen an episode beyond 100).
- ``layout``: the map as rows of ``#`` (wall), ``.`` (open) and one ``G`` (goal), enclosed by
  walls; ``None`` is :data:`DOUBLE_T_LAYOUT`.
- ``rules``: ``"rlbench"`` (our text) or ``"lmrl"`` (LMRL-Gym's observation text and history).
- ``render_mode``: ``"ansi"`` returns the transcript.

MDP family (:func:`goal_family`): the goal moves, as LMRL-Gym's ``valid_goals`` allows; in
distribution to another cell of the stems or the lower corridor (rows 2-8), held out to a cell
of a T bar (row 1). The start cells are then every other open cell.

``info`` carries ``success``, ``invalid_action``, ``turns``, ``invalid_actions``,
``admissible_actions``, and two numbers for analysis: ``start_distance`` (moves from the start to
the goal on a shortest path) and ``distance_to_goal`` (from where the agent is now).

## Reference Scores

``maze_bfs`` (BFS on the map; on ``MazePO-v0`` it first localises itself from the walls it sees)
solves every start; on ``Maze-v0`` its return from a start ``d`` moves away is ``-(d - 1)``, and
over the 25 starts it needs 7.84 moves on average (8.24 on ``MazePO-v0``, the price of not
knowing the start). ``rlbench evaluate --episodes 100 --seed 0`` (mean return, 95% interval,
success rate):

| env | ``maze_bfs`` | random (uniform over the four moves) |
|-----|--------------|--------------------------------------|
| ``Maze-v0`` | -6.01 +- 0.67, 100% | -78.43 +- 7.22, 33% |
| ``MazePO-v0`` | -6.47 +- 0.69, 100% | -78.43 +- 7.22, 33% |

The random agent ignores the text, so it scores the same on both.

Under ``rules="lmrl"``, averaged over the 25 start cells as LMRL-Gym evaluates
(``python benchmarks/lmrl_mode.py``): ``maze_bfs`` returns -6.84 on ``Maze-v0`` (handed the
positions' digits joined, as its reader wants plain numbers) and -7.24 on ``MazePO-v0``, the
same as under our rules; LMRL-Gym's normalisation takes -6.84 as the fully observed maximum and
-25.75 as the partially observed one (its ``compute_score_normalizations.py``), with -83 for
its data's average and -101 for the minimum. Random: -84.34 +- 4.41, 27%, on both.

## Version History

- v0: LMRL-Gym's double-T maze, fully and partially observed; ``rules="lmrl"`` for LMRL-Gym's
  observation text.

## Credits

Task, map, observation sentences and rewards: LMRL-Gym (Abdulhai et al., "LMRL Gym: Benchmarks
for Multi-Turn Reinforcement Learning with Language Models", 2023); the double-T map comes from
mazelab (Xingdong Zuo). Code written for this suite.

Example:
    >>> import gymnasium as gym, rlbench_suite.envs.language
    >>> env = gym.make("rlbench/Maze-v0")
    >>> observation, info = env.reset(seed=0, options={"start": (5, 3)})
    >>> observation
    'The goal is at position 8, 6. Your current position is at position 5, 3. There are walls to your left, below you.'
    >>> observation, reward, terminated, truncated, info = env.step("move right")
    >>> observation.splitlines()[-1]
    'The goal is at position 8, 6. Your current position is at position 5, 4. There are walls above you, below you.'
    >>> reward, info["distance_to_goal"]
    (-1.0, 5)
    >>> observation, reward, terminated, truncated, info = env.step("I move right.")
    >>> info["distance_to_goal"], info["invalid_action"]
    (4, False)
    >>> observation, reward, terminated, truncated, info = env.step("jump")
    >>> reward, info["invalid_action"], info["turns"]
    (-4.0, True, 3)
    >>> observation.splitlines()[-1].split(". ")[0]
    "Invalid action 'jump': unknown direction; say move left, move right, move up or move down"

    Under LMRL-Gym's rules the observation is its text history, digits spelled apart:

    >>> env = gym.make("rlbench/Maze-v0", rules="lmrl")
    >>> observation, info = env.reset(seed=0, options={"start": (1, 9)})
    >>> observation, reward, terminated, truncated, info = env.step("move right")
    >>> print(observation)
    The goal is at position 8, 6. Your current position is at position 1, 9. There is a wall above you.
    move right
    The goal is at position 8, 6. Your current position is at position 1, 1 0. There are walls above you, below you.
    <BLANKLINE>

"""  # noqa: E501 -- the table and the doctest quote whole observation sentences

from __future__ import annotations

import functools
import re
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from rlbench_suite.envs.language.base import LanguageEnv, Turn, register_language_env
from rlbench_suite.envs.validation import env_name

Cell = tuple[int, int]  # (row, column), row 0 at the top

#: LMRL-Gym's double-T maze: ``#`` wall, ``.`` open, ``G`` the goal.
DOUBLE_T_LAYOUT: tuple[str, ...] = (
    "#############",
    "#.....#.....#",
    "###.#####.###",
    "###.#####.###",
    "###.#####.###",
    "###.......###",
    "######.######",
    "######.######",
    "######G######",
    "#############",
)

#: Each move's command and its (row, column) step.
MOVES: dict[str, Cell] = {
    "move left": (0, -1),
    "move right": (0, 1),
    "move up": (-1, 0),
    "move down": (1, 0),
}

#: The phrase for a wall in each direction, in the order LMRL-Gym lists them.
WALL_PHRASES: dict[str, Cell] = {
    "to your right": (0, 1),
    "to your left": (0, -1),
    "above you": (-1, 0),
    "below you": (1, 0),
}

GOAL_REWARD = 0.0
MOVE_REWARD = -1.0
INVALID_ACTION_REWARD = -4.0
FAILURE_REWARD = -1.0  # LMRL-Gym's reward for the turn after the last allowed move
MAX_MOVES = 100
#: ``rules`` values: our text, and LMRL-Gym's.
RULES = ("rlbench", "lmrl")
#: Text pieces (descriptions and moves) LMRL-Gym's ``MazeEnv`` keeps in its history (``last_k``).
LMRL_HISTORY_PIECES = 40


@dataclass(frozen=True)
class MazeMap:
    """A grid maze: which cells are open, where the goal is, and shortest distances to it.

    Build one with :meth:`from_layout`.
    """

    rows: tuple[str, ...]
    goal: Cell

    @classmethod
    def from_layout(cls, layout: Sequence[str]) -> MazeMap:
        """Parse rows of ``#``, ``.`` and exactly one ``G``; the border must be walls."""
        if isinstance(layout, str) or not layout:
            raise ValueError(f"layout must be a non-empty sequence of row strings, got {layout!r}")
        rows = tuple(str(row) for row in layout)
        width = len(rows[0])
        if any(len(row) != width for row in rows):
            raise ValueError(f"layout rows must all have length {width}, got {rows!r}")
        stray = sorted({char for row in rows for char in row} - set("#.G"))
        if stray:
            raise ValueError(f"layout may only hold '#', '.' and 'G', got {stray}")
        goals = [(r, c) for r, row in enumerate(rows) for c, char in enumerate(row) if char == "G"]
        if len(goals) != 1:
            raise ValueError(f"layout must hold exactly one goal 'G', found {len(goals)}")
        border = rows[0] + rows[-1] + "".join(row[0] + row[-1] for row in rows)
        if set(border) != {"#"}:
            raise ValueError("layout must be enclosed by walls '#' on every side")
        maze = cls(rows=rows, goal=goals[0])
        unreachable = sorted(set(maze.open_cells()) - set(maze.distances))
        if unreachable:
            raise ValueError(f"layout has open cells that cannot reach the goal: {unreachable}")
        return maze

    @functools.cached_property
    def distances(self) -> dict[Cell, int]:
        """Moves from every open cell to the goal on a shortest path (0 at the goal)."""
        return self.distances_to(self.goal)

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns) of the grid."""
        return len(self.rows), len(self.rows[0])

    def is_open(self, cell: Cell) -> bool:
        """Whether ``cell`` is inside the grid and not a wall."""
        row, column = cell
        inside = 0 <= row < self.shape[0] and 0 <= column < self.shape[1]
        return inside and self.rows[row][column] != "#"

    def open_cells(self) -> list[Cell]:
        """Every open cell (the goal included), in reading order."""
        return [
            (row, column)
            for row in range(self.shape[0])
            for column in range(self.shape[1])
            if self.is_open((row, column))
        ]

    def start_cells(self) -> list[Cell]:
        """The cells an episode can start from: every open cell but the goal, in reading order."""
        return [cell for cell in self.open_cells() if cell != self.goal]

    def move(self, cell: Cell, command: str) -> Cell:
        """Where ``command`` (a key of :data:`MOVES`) takes an agent at ``cell``; walls block."""
        step_row, step_column = MOVES[command]
        target = (cell[0] + step_row, cell[1] + step_column)
        return target if self.is_open(target) else cell

    def walls_around(self, cell: Cell) -> list[str]:
        """The :data:`WALL_PHRASES` of the blocked neighbours of ``cell``, in LMRL-Gym's order."""
        return [
            phrase
            for phrase, (step_row, step_column) in WALL_PHRASES.items()
            if not self.is_open((cell[0] + step_row, cell[1] + step_column))
        ]

    def distances_to(self, target: Cell) -> dict[Cell, int]:
        """Breadth-first search: moves from every cell that can reach ``target`` to it."""
        distances = {target: 0}
        frontier = deque([target])
        while frontier:
            cell = frontier.popleft()
            for step_row, step_column in MOVES.values():
                neighbour = (cell[0] + step_row, cell[1] + step_column)
                if self.is_open(neighbour) and neighbour not in distances:
                    distances[neighbour] = distances[cell] + 1
                    frontier.append(neighbour)
        return distances

    def with_goal(self, goal: Cell) -> tuple[str, ...]:
        """The layout rows with the goal moved to the open cell ``goal``."""
        if not self.is_open(goal):
            raise ValueError(f"the goal must be an open cell of {self.open_cells()}, got {goal!r}")
        return tuple(
            "".join(
                "G" if (row, column) == goal else ("." if char == "G" else char)
                for column, char in enumerate(line)
            )
            for row, line in enumerate(self.rows)
        )

    def best_move(self, cell: Cell) -> str:
        """A move one step closer to the goal from ``cell`` (the first in :data:`MOVES` order)."""
        if cell == self.goal:
            raise ValueError(f"{cell} is the goal; there is no move to make")
        for command in MOVES:
            if self.distances.get(self.move(cell, command), -1) == self.distances[cell] - 1:
                return command
        raise ValueError(f"{cell} is not an open cell of the maze")


DOUBLE_T_MAZE = MazeMap.from_layout(DOUBLE_T_LAYOUT)


def describe_walls(phrases: Sequence[str]) -> str:
    """LMRL-Gym's wall sentence for the blocked directions ``phrases``."""
    if not phrases:
        return "There are no walls near you."
    if len(phrases) == 1:
        return f"There is a wall {phrases[0]}."
    return f"There are walls {', '.join(phrases)}."


def parse_walls(sentence: str) -> frozenset[str]:
    """The wall phrases a wall sentence mentions (the inverse of :func:`describe_walls`)."""
    return frozenset(phrase for phrase in WALL_PHRASES if phrase in sentence)


def spell_digits(number: int) -> str:
    """LMRL-Gym's way to write a coordinate, each digit apart to help its tokeniser: ``1 0``."""
    return " ".join(str(number))


def normalise_command(text: str) -> str:
    """Lower case, words separated by single spaces: how an action is matched to a move."""
    return " ".join(text.lower().split())


#: Each word that names a direction, and the move it means (up is north: row 0 is the top).
DIRECTION_WORDS: dict[str, str] = {
    **dict.fromkeys(("left", "leftward", "leftwards", "west", "westward", "w"), "move left"),
    **dict.fromkeys(("right", "rightward", "rightwards", "east", "eastward", "e"), "move right"),
    **dict.fromkeys(("up", "upward", "upwards", "north", "northward", "top", "n"), "move up"),
    **dict.fromkeys(
        ("down", "downward", "downwards", "south", "southward", "bottom", "s"), "move down"
    ),
}
#: Words that may wrap a direction: verbs of moving, first-person and polite phrasing, fillers.
_COMMAND_WORDS = """
    move moves moving go goes going step stepping walk walks walking head heads heading
    run proceed travel navigate shift turn take try
    i im ill id ive will would shall should want wanna gonna am let lets me us we well
    my next action command answer choice decision is be it
    the a one single to toward towards into onto on direction way side space square cell
    tile position once please now then so ok okay alright sure just simply again first
    like choose decide think its best optimal good safest
"""
COMMAND_WORDS = frozenset(_COMMAND_WORDS.split())
#: Words that turn a command into something other than one move: negation, counts, choices.
NEGATIONS = frozenset(("not", "dont", "never", "no", "cannot", "cant", "avoid", "instead"))
COUNT_WORDS = frozenset(
    ("twice", "thrice", "times", "two", "three", "four", "five", "steps", "spaces", "squares")
)
#: Directions that need a facing the maze does not have.
RELATIVE_WORDS = frozenset(
    ("forward", "forwards", "ahead", "straight", "back", "backward", "backwards", "around")
)
MOVE_LIST = "move left, move right, move up or move down"
#: A list marker opening a reply ("1. move right", "2) up", "- move left"): not a count.
LIST_MARKER = re.compile(r"^\s*(?:\(?\d{1,2}[.):]|[-*\u2022])\s+")
#: Where a reason starts after a move ("move down to get closer", "move right. It is open.").
EXPLANATION_START = re.compile(
    r"[.!;\n(\[]|\s(?:because|since|as|so|to (?:get|reach|go|move|head|approach|avoid))\s",
    re.IGNORECASE,
)


class CommandError(ValueError):
    """Text that is not exactly one move; the message says why, for the agent to read."""


def parse_command(text: str) -> str:
    """The move (a key of :data:`MOVES`) that ``text`` names, or ``CommandError`` saying why.

    Lenient where a language model's phrasing is unambiguous: case, punctuation and markup
    are ignored, and one direction word may be wrapped in moving verbs and first-person or
    polite words (``"Move Right."``, ``"I move right"``, ``"Let's go north"``,
    ``"Action: move down"``). Compass words are the screen directions (north is up). Strict
    where a reading would be a guess: two directions (``"move up or left"``, a diagonal),
    a repeated direction or a count (``"move right twice"``), negation (``"don't move
    left"``), a facing-relative word (``"forward"``) or any other word (``"jump left"``)
    make the text unreadable, never one of its readings. A list marker (``"1. move right"``)
    is dropped, and a reason after the move is ignored when it names no direction and no
    negation (``"Move down (towards the goal)"``, ``"move right. This gets me closer."``,
    ``"I should move down to get closer to the goal"``); ``"move right because the wall is
    to my left"`` names two directions and stays unreadable.

    Example:
        >>> parse_command("I'll move to the RIGHT.")
        'move right'
        >>> parse_command("move up or left")
        Traceback (most recent call last):
        ...
        rlbench_suite.envs.language.maze.CommandError: 2 directions (up, left); say one move

    """
    # "MoveRight" is two words; a leading "1." numbers a reply, it does not count moves.
    text = LIST_MARKER.sub("", re.sub(r"(?<=[a-z])(?=[A-Z])", " ", text), count=1)
    try:
        return _parse_one_move(text)
    except CommandError:
        for match in EXPLANATION_START.finditer(text):
            move, reason = text[: match.start()], text[match.start() :]
            if re.search(r"[A-Za-z]", move) and _is_reason(reason):
                try:
                    return _parse_one_move(move)
                except CommandError:
                    break
        raise


#: Words that take back what was said before them ("move down. No wait", "... just kidding").
RETRACTIONS = frozenset(("wait", "actually", "kidding", "sorry", "oops", "rather"))


def _is_reason(text: str) -> bool:
    """Whether ``text``, said after a move, only explains it: no direction, no negation."""
    words = re.findall(r"[a-z]+", text.lower().replace("'", "").replace("\u2019", ""))
    # One-letter compass words ("e", "n") are too easily something else inside a sentence.
    return not any(
        (word in DIRECTION_WORDS and len(word) > 1) or word in NEGATIONS | RETRACTIONS
        for word in words
    )


def _parse_one_move(text: str) -> str:
    """:func:`parse_command` on text that must be the move and nothing else."""
    words = re.findall(
        r"[a-z0-9]+", text.lower().replace("'", "").replace("\u2019", "").replace("?", "")
    )
    if not words:
        raise CommandError(f"empty command; say {MOVE_LIST}")
    named = [word for word in words if word in DIRECTION_WORDS]
    if not named:
        relative = next((word for word in words if word in RELATIVE_WORDS), None)
        if relative is not None:
            raise CommandError(
                f"unknown direction {relative!r}: the maze has no facing; say {MOVE_LIST}"
            )
        raise CommandError(f"unknown direction; say {MOVE_LIST}")
    moves = [DIRECTION_WORDS[word] for word in named]
    listed = ", ".join(named)
    if len(set(moves)) == 1 and len(moves) > 1:
        raise CommandError(f"one move per turn ({listed}); say the move once")
    if len(moves) > 1:
        axes = {move in ("move up", "move down") for move in moves}
        positions = [index for index, word in enumerate(words) if word in DIRECTION_WORDS]
        # "top left", "up-right", "north east": two crossing directions said together.
        side_by_side = len(positions) == 2 and positions[1] - positions[0] == 1
        if len(axes) == 2 and side_by_side:
            raise CommandError(f"diagonal moves ({listed}) are not possible; say {MOVE_LIST}")
        raise CommandError(f"{len(moves)} directions ({listed}); say one move")
    for word in words:
        if word in NEGATIONS:
            raise CommandError(f"{word!r} makes the move unclear; say only the move")
        if word in COUNT_WORDS or word.isdigit():
            raise CommandError(f"one move per turn ({word!r} asks for more); say one move")
        if word not in DIRECTION_WORDS and word not in COMMAND_WORDS:
            raise CommandError(f"{word!r} is not part of a move; say {MOVE_LIST}")
    return moves[0]


class MazeEnv(LanguageEnv):
    """LMRL-Gym's Maze: reach the goal by text moves, fully or partially observed.

    Args:
        partially_observed: describe only the walls around the agent (``MazePO-v0``).
        max_moves: moves before truncation.
        layout: the map as rows of ``#``, ``.`` and one ``G``; ``None`` is the double T.
        rules: ``"rlbench"`` or ``"lmrl"`` (LMRL-Gym's observation text and history).
        render_mode: ``"ansi"`` returns the transcript.

    """

    #: ``reset(options={"start": (row, column)})`` picks the start cell.
    reset_options = ("start",)

    def __init__(
        self,
        partially_observed: bool = False,
        max_moves: int = MAX_MOVES,
        layout: Sequence[str] | None = None,
        rules: str = "rlbench",
        render_mode: str | None = None,
    ) -> None:
        if rules not in RULES:
            raise ValueError(f"MazeEnv: rules must be one of {RULES}, got {rules!r}")
        if not isinstance(partially_observed, bool):
            raise TypeError(
                f"MazeEnv: partially_observed must be a bool, got {partially_observed!r}"
            )
        if isinstance(max_moves, bool) or not isinstance(max_moves, int) or max_moves < 1:
            raise ValueError(f"MazeEnv: max_moves must be a positive integer, got {max_moves!r}")
        super().__init__(max_turns=max_moves, render_mode=render_mode)
        self.partially_observed = partially_observed
        self.rules = rules
        #: LMRL-Gym's text history under ``rules="lmrl"``: descriptions and moves, newest last.
        self._lmrl_history: list[str] = []
        self.maze = DOUBLE_T_MAZE if layout is None else MazeMap.from_layout(layout)
        self.start_cells = self.maze.start_cells()
        self.start: Cell = self.start_cells[0]
        self.position: Cell = self.start
        self._requested_start: Cell | None = None

    # -- episode ----------------------------------------------------------------------------

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[str, dict[str, Any]]:
        """Start an episode; ``options={"start": (row, column)}`` picks the start cell."""
        # Unknown keys are reported before the start cell is read.
        self._check_reset_options(options)
        self._requested_start = self._start_option(options)
        return super().reset(seed=seed, options=options)

    def _start_option(self, options: dict[str, Any] | None) -> Cell | None:
        if not options or "start" not in options:
            return None
        requested = options["start"]
        try:
            row, column = (int(value) for value in requested)
        except (TypeError, ValueError):
            row, column = -1, -1
        if (row, column) not in self.start_cells:
            raise ValueError(
                f"{env_name(self)}: the start option must be one of the "
                f"{len(self.start_cells)} start cells {self.start_cells}, got {requested!r}"
            )
        return row, column

    def _begin(self) -> str:
        if self._requested_start is not None:
            self.start = self._requested_start
        else:
            self.start = self.start_cells[int(self.np_random.integers(len(self.start_cells)))]
        self.position = self.start
        self._lmrl_history = [f"{self.describe()}\n"]
        return self.describe()

    def _turn(self, action: str) -> Turn:
        is_last_move = self.turns + 1 >= self.max_turns
        try:
            command: str | None = parse_command(action)
        except CommandError as error:
            command = None
            reply = f"Invalid action {action.strip()!r}: {error}. {self.describe()}"
            reward = INVALID_ACTION_REWARD
            # LMRL-Gym answers text that is not a move with the description alone.
            self._lmrl_history = [f"{self.describe()}\n"]
        if command is not None:
            self.position = self.maze.move(self.position, command)
            if self.position == self.maze.goal:
                self._lmrl_history = ["Success\n"]
                return Turn(reply="Success", reward=GOAL_REWARD, terminated=True, success=True)
            reply, reward = self.describe(), MOVE_REWARD
            # LMRL-Gym's policies end every action with a newline, and its history keeps them.
            move_text = action.removesuffix("\n")
            self._lmrl_history += [f"{move_text}\n", f"{reply}\n"]
            del self._lmrl_history[:-LMRL_HISTORY_PIECES]
        if is_last_move:
            # LMRL-Gym spends one more turn to say "Failure" for -1; folding it into the last
            # move keeps its returns without a turn whose action is ignored.
            reply, reward = f"{reply}\nFailure", reward + FAILURE_REWARD
            self._lmrl_history = ["Failure\n"]
        return Turn(reply=reply, reward=reward, invalid=command is None)

    # -- what the agent reads ---------------------------------------------------------------

    def describe(self) -> str:
        """The sentence the agent reads about its current position."""
        walls = describe_walls(self.maze.walls_around(self.position))
        if self.partially_observed:
            return walls
        number = spell_digits if self.rules == "lmrl" else str
        goal_row, goal_column = (number(value) for value in self.maze.goal)
        row, column = (number(value) for value in self.position)
        return (
            f"The goal is at position {goal_row}, {goal_column}. "
            f"Your current position is at position {row}, {column}. {walls}"
        )

    def _observation(self) -> str:
        """The transcript, or under ``rules="lmrl"`` LMRL-Gym's text history."""
        if self.rules == "lmrl":
            return "".join(self._lmrl_history)
        return self.transcript

    def action_vocabulary(self) -> list[str]:
        """The four moves."""
        return list(MOVES)

    def admissible_actions(self) -> list[str]:
        """The four moves (a move into a wall is admissible; it just costs a move)."""
        return list(MOVES)

    def _extra_info(self) -> dict[str, Any]:
        return {
            "start_distance": self.maze.distances[self.start],
            "distance_to_goal": self.maze.distances[self.position],
        }


def goal_family(rng: np.random.Generator, split: str) -> dict[str, Any]:
    """MDP family: the double T with the goal moved (LMRL-Gym's ``valid_goals``).

    In distribution the goal is any other cell of the stems and the lower corridor (rows 2-8);
    held out it sits on a T bar (row 1), the dead ends no in-distribution goal uses.
    """
    on_bar = split == "held_out"
    goals = [
        cell
        for cell in DOUBLE_T_MAZE.open_cells()
        if (cell[0] == 1) == on_bar and cell != DOUBLE_T_MAZE.goal
    ]
    return {"layout": DOUBLE_T_MAZE.with_goal(goals[int(rng.integers(len(goals)))])}


def register() -> None:
    """Register ``rlbench/Maze-v0`` and ``rlbench/MazePO-v0``."""
    from rlbench_suite.registry import MDPFamily

    entry_point = "rlbench_suite.envs.language.maze:MazeEnv"
    family = MDPFamily(
        goal_family, "goal moved: rows 2-8 in distribution, a T bar (row 1) held out"
    )
    register_language_env(
        "rlbench/Maze-v0",
        entry_point,
        agents=("random", "maze_bfs"),
        expert_agent="maze_bfs",
        max_episode_steps=MAX_MOVES,
        summary="LMRL-Gym's double-T maze by text moves, position and walls described",
        mdp_family=family,
    )
    register_language_env(
        "rlbench/MazePO-v0",
        entry_point,
        agents=("random", "maze_bfs"),
        expert_agent="maze_bfs",
        max_episode_steps=MAX_MOVES,
        summary="LMRL-Gym's double-T maze by text moves, only the walls around described",
        mdp_family=family,
        kwargs={"partially_observed": True},
    )


def return_bounds(**env_kwargs: Any) -> tuple[float, float]:
    """Smallest and largest episode return of ``MazeEnv(**env_kwargs)``: [-401, 0] by default.

    Lowest: every one of the ``max_moves`` moves is malformed text
    (:data:`INVALID_ACTION_REWARD`, the worse of it and :data:`MOVE_REWARD`) and the last also
    carries :data:`FAILURE_REWARD`: 100 x -4 - 1 = -401. Highest: the start nearest the goal
    (one move away in any maze, as every open cell reaches the goal) and a first move onto it:
    :data:`GOAL_REWARD` after no other move, 0.
    """
    import inspect

    # Binding to the class's own signature reads its defaults, so none is typed here twice.
    arguments = inspect.signature(MazeEnv).bind(**env_kwargs)
    arguments.apply_defaults()
    values = arguments.arguments
    layout = values["layout"]
    maze = DOUBLE_T_MAZE if layout is None else MazeMap.from_layout(layout)
    nearest_start = min(maze.distances[cell] for cell in maze.start_cells())
    worst_move = min(MOVE_REWARD, INVALID_ACTION_REWARD)
    lowest = values["max_moves"] * worst_move + min(FAILURE_REWARD, 0.0)
    highest = (nearest_start - 1) * MOVE_REWARD + GOAL_REWARD
    return lowest, highest
