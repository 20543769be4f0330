"""The TextNav expert: a scripted player that explores, fetches the stale food and stores it.

``textnav_solver`` reads only the observation text, never the env's state, and plays both
``TextNav-v0`` and ``TextNavPO-v0`` the same way (it never uses room names):

1. It maps the house by dead reckoning: rooms lie on a grid (a documented property of the
   game's house), so the cell it stands in follows from the moves it made, and each room
   description's ``Exits:`` line says which neighbouring cells can be reached, and through
   which door.
2. Where ``take stale food ...`` is admissible it takes the food; where a fridge is mentioned
   it remembers that cell.
3. Carrying the food, it walks (shortest path on its map) to the fridge, or keeps exploring
   until it has seen one, opens the fridge, inserts the food and closes the fridge.
4. Otherwise it walks to the nearest cell it has not entered, opening a closed door on the way
   when that is the next step.
"""

from __future__ import annotations

import re
from collections import deque
from typing import Any

import gymnasium as gym

from rlbench_suite.envs.language.text_nav import DIRECTIONS

GridCell = tuple[int, int]  # (east, north), the start room at (0, 0)

_EXIT = re.compile(r"(north|south|east|west)(?: \((?:open|closed) ([a-z ]+)\))?")
_FOOD = "stale food"


def newest_reply(observation: str) -> str:
    """The env's answer to the latest command (the whole text before the first command)."""
    if "\n> " not in observation:
        return observation
    return observation.rsplit("\n> ", 1)[1].split("\n", 1)[-1]


def admissible_commands(reply: str) -> list[str]:
    """The commands of the reply's ``Admissible commands:`` line (empty if it has none)."""
    for line in reversed(reply.splitlines()):
        if line.startswith("Admissible commands:"):
            listed = line.removeprefix("Admissible commands:").strip()
            return [command.strip() for command in listed.split(",") if command.strip()]
    return []


def room_exits(reply: str) -> dict[str, str | None] | None:
    """Direction -> door name (``None`` for a hallway) from an ``Exits:`` line, if any."""
    for line in reply.splitlines():
        if line.startswith("Exits:"):
            return {match[1]: match[2] for match in _EXIT.finditer(line.removeprefix("Exits:"))}
    return None


class TextNavSolver:
    """Scripted TextNav player working from the text alone (see the module docstring).

    Args:
        env: a ``gym.make`` result of ``rlbench/TextNav-v0`` or ``rlbench/TextNavPO-v0``
            (unused: everything comes from the observations).

    """

    def __init__(self, env: gym.Env | None = None) -> None:
        self.reset()

    def reset(self, seed: int | None = None) -> None:
        """Forget the last house (the solver is deterministic; ``seed`` is unused)."""
        self.cell: GridCell = (0, 0)
        self.exits: dict[GridCell, dict[str, str | None]] = {}
        self.fridge_cell: GridCell | None = None
        self.carrying_food = False
        self.food_in_fridge = False
        self.last_command: str | None = None

    def act(self, observation: str) -> str:
        """The next command, from the newest reply in ``observation``."""
        reply = newest_reply(observation)
        admissible = admissible_commands(reply)
        self._learn(reply, admissible)
        command = self._decide(admissible)
        self.last_command = command
        return command

    def _learn(self, reply: str, admissible: list[str]) -> None:
        last = self.last_command or ""
        if last.startswith("go ") and reply.startswith("You go "):
            step = DIRECTIONS[last.removeprefix("go ")]
            self.cell = (self.cell[0] + step[0], self.cell[1] + step[1])
        elif last.startswith(f"take {_FOOD}") and reply.startswith(f"You take the {_FOOD}"):
            self.carrying_food = True
        elif last.startswith(f"insert {_FOOD} into fridge") and reply.startswith("You put"):
            self.carrying_food, self.food_in_fridge = False, True
        exits = room_exits(reply)
        if exits is not None:
            self.exits[self.cell] = exits
        # The fridge is here when it can be opened or closed (the objective also names it).
        if "open fridge" in admissible or "close fridge" in admissible:
            self.fridge_cell = self.cell

    def _decide(self, admissible: list[str]) -> str:
        if self.food_in_fridge and "close fridge" in admissible:
            return "close fridge"
        if self.carrying_food:
            for command in (f"insert {_FOOD} into fridge", "open fridge"):
                if command in admissible:
                    return command
            return self._walk_towards(self.fridge_cell, admissible)
        take = next((c for c in admissible if c.startswith(f"take {_FOOD}")), None)
        return take if take is not None else self._walk_towards(None, admissible)

    def _walk_towards(self, target: GridCell | None, admissible: list[str]) -> str:
        """A step on a shortest known path to ``target``, or to the nearest unentered cell."""
        first_step: dict[GridCell, str] = {self.cell: ""}
        frontier = deque([self.cell])
        while frontier:
            cell = frontier.popleft()
            reached = cell == target if target is not None else cell not in self.exits
            if reached and cell != self.cell:
                return self._step(first_step[cell], admissible)
            for direction in self.exits.get(cell, {}):
                step = DIRECTIONS[direction]
                neighbour = (cell[0] + step[0], cell[1] + step[1])
                if neighbour not in first_step:
                    first_step[neighbour] = first_step[cell] or direction
                    frontier.append(neighbour)
        # Nothing left to explore or no path known: look again rather than guess.
        return "look"

    def _step(self, direction: str, admissible: list[str]) -> str:
        door = self.exits[self.cell].get(direction)
        if door is not None and f"open {door}" in admissible:
            return f"open {door}"
        return f"go {direction}"


FACTORIES: dict[str, Any] = {"textnav_solver": TextNavSolver}
