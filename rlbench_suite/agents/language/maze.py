"""The Maze expert: breadth-first search on the map, after localising itself where it must.

``maze_bfs`` knows the map (the env's ``layout`` argument, the double T by default: public game
knowledge, like a player holding the floor plan) and reads everything else from the observation
text, as a player would:

- On ``Maze-v0`` it reads ``Your current position is at position r, c.`` from the newest
  description and takes a move along a shortest path, so from a start ``d`` moves away it
  reaches the goal in exactly ``d`` moves.
- On ``MazePO-v0`` the text gives only the walls around the agent, never the start. The agent
  keeps a belief: the set of (start, current cell) hypotheses consistent with every wall
  sentence it has read and every move it has made. It plans over beliefs: value iteration on
  the belief graph (a few hundred beliefs on the double T) minimises the expected number of
  moves to the goal under a uniform prior over the start cells, so it walks toward the goal
  while it moves in the directions that tell the hypotheses apart. It never reads the env's
  hidden start or position.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

import gymnasium as gym

from rlbench_suite.envs.language.maze import MOVES, Cell, MazeMap, parse_walls

Hypothesis = tuple[Cell, Cell]  # (start cell, current cell)
Belief = frozenset[Hypothesis]

_POSITION = re.compile(r"Your current position is at position (\d+), (\d+)\.")


class BeliefPlanner:
    """Optimal expected-moves policy for a maze whose agent sees only the walls around it.

    Every belief reachable from an opening wall sentence is enumerated; a belief's value is the
    total number of moves, summed over its hypotheses, to bring each to the goal, found by value
    iteration from zero (the least fixed point, which is the optimum since every move costs 1).
    """

    def __init__(self, maze: MazeMap) -> None:
        self.maze = maze
        self._successors: dict[Belief, dict[str, dict[frozenset[str], Belief]]] = {}
        openings: dict[frozenset[str], set[Hypothesis]] = defaultdict(set)
        for cell in maze.start_cells():
            openings[frozenset(maze.walls_around(cell))].add((cell, cell))
        self.openings = {walls: frozenset(group) for walls, group in openings.items()}
        self._explore(list(self.openings.values()))
        self.values = self._value_iteration()

    def _split(self, belief: Belief, command: str) -> dict[frozenset[str], Belief]:
        """The beliefs after ``command``, keyed by the wall sentence that would follow it."""
        parts: dict[frozenset[str], set[Hypothesis]] = defaultdict(set)
        for start, cell in belief:
            after = self.maze.move(cell, command)
            if after != self.maze.goal:  # a hypothesis that reaches the goal ends the episode
                parts[frozenset(self.maze.walls_around(after))].add((start, after))
        return {walls: frozenset(group) for walls, group in parts.items()}

    def _explore(self, frontier: list[Belief]) -> None:
        while frontier:
            belief = frontier.pop()
            if belief in self._successors:
                continue
            self._successors[belief] = {command: self._split(belief, command) for command in MOVES}
            for parts in self._successors[belief].values():
                frontier.extend(part for part in parts.values() if part not in self._successors)

    def _value_iteration(self) -> dict[Belief, int]:
        values = dict.fromkeys(self._successors, 0)
        changed = True
        while changed:
            changed = False
            for belief in self._successors:
                best = min(self._q_value(values, belief, command) for command in MOVES)
                if best != values[belief]:
                    values[belief], changed = best, True
        return values

    def _q_value(self, values: dict[Belief, int], belief: Belief, command: str) -> int:
        parts = self._successors[belief][command].values()
        return len(belief) + sum(values[part] for part in parts)

    def opening_belief(self, walls: frozenset[str]) -> Belief:
        """Every start cell with these walls around it."""
        if walls not in self.openings:
            raise ValueError(f"no cell of the maze has walls exactly {sorted(walls)}")
        return self.openings[walls]

    def update(self, belief: Belief, command: str, walls: frozenset[str]) -> Belief | None:
        """The belief after ``command`` was answered with ``walls``; ``None`` if inconsistent."""
        return self._successors[belief][command].get(walls)

    def best_command(self, belief: Belief) -> str:
        """The move with the fewest expected moves to the goal (first in :data:`MOVES` order)."""
        return min(MOVES, key=lambda command: self._q_value(self.values, belief, command))

    def expected_moves(self, belief: Belief) -> float:
        """Expected moves to the goal from ``belief`` under a uniform prior over its hypotheses."""
        return self.values[belief] / len(belief)


_PLANNERS: dict[tuple[str, ...], BeliefPlanner] = {}


def belief_planner(maze: MazeMap) -> BeliefPlanner:
    """The (cached) belief planner of ``maze``."""
    if maze.rows not in _PLANNERS:
        _PLANNERS[maze.rows] = BeliefPlanner(maze)
    return _PLANNERS[maze.rows]


class MazeBFSAgent:
    """Shortest-path expert: reads its position, or localises itself from the walls it sees.

    Args:
        env: a ``gym.make`` result of ``rlbench/Maze-v0`` or ``rlbench/MazePO-v0``; only its
            map (``env.unwrapped.maze``) is used.

    """

    def __init__(self, env: gym.Env) -> None:
        self.maze: MazeMap = env.unwrapped.maze
        self.reset()

    def reset(self, seed: int | None = None) -> None:
        """Forget the last episode (the agent is deterministic; ``seed`` is unused)."""
        self.belief: Belief | None = None
        self.last_command: str | None = None

    def act(self, observation: str) -> str:
        """The next move, from the newest description in ``observation``."""
        positions = _POSITION.findall(observation)
        if positions:
            row, column = positions[-1]
            command = self.maze.best_move((int(row), int(column)))
        else:
            command = self._act_on_walls(observation.splitlines()[-1] if observation else "")
        self.last_command = command
        return command

    def _act_on_walls(self, newest_reply: str) -> str:
        planner = belief_planner(self.maze)
        walls = parse_walls(newest_reply)
        belief = None
        if self.belief is not None and self.last_command is not None:
            belief = planner.update(self.belief, self.last_command, walls)
        if belief is None:
            # First turn, or the replies disagree with the map (the agent was driven by someone
            # else mid-episode): start over from every cell that fits what it sees now.
            belief = planner.opening_belief(walls)
        self.belief = belief
        return planner.best_command(belief)


FACTORIES: dict[str, Any] = {"maze_bfs": MazeBFSAgent}
