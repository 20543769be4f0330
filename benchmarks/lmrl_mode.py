"""Maze, TextNav and Wordle under our rules and LMRL-Gym's, beside LMRL-Gym's own numbers.

Every env runs twice, as ``gym.make(id)`` and as ``gym.make(id, rules="lmrl")`` (LMRL-Gym's
setting: see each env's "Differences from LMRL-Gym"), with the expert and the random agent
(uniform over the admissible commands, or over the word list). The episodes go through
:func:`rlbench_suite.scoring.evaluate`; for the maze the seeds are chosen so that every start
cell is played equally often, which is how LMRL-Gym evaluates it (every start cell, equal
weight).

The published column quotes LMRL-Gym's normalisation anchors, found in its repository
(abdulhaim/LMRL-Gym, commit bdf9b3f), not in the paper's text: the paper's Table 2 reports
normalised scores, ``50 + 50 * (score - dataset average) / (max - dataset average)`` above
the dataset average, and the raw anchors live in

- ``llm_rl_scripts/maze/misc/compute_score_normalizations.py``: fully observed maze, max
  -6.84, dataset average -83, min -101; partially observed, max -25.75 (same average and min);
- ``llm_rl_scripts/wordle/load_results.py``: Wordle, max (its information-gain
  ``OptimalPolicy``) -1.935, dataset average -4.12; its GPT-2 policies' raw returns BC -2.81,
  filtered BC -2.85, PPO -2.63, MC returns -2.16, ILQL -2.04.

No raw Text-Nav number is in the repository, so that row has none.

Two experts are adapted here, not changed: ``maze_bfs`` reads positions as plain numbers, so
under LMRL-Gym's text (``1 0`` for 10) it is handed the description with the digits joined
again; ``wordle_infogain`` is built on our word lists and the game's feedback rule, so under
LMRL-Gym's rules :class:`LmrlWordleExpert` plays its greedy information-gain rule over the
env's own 431-word list and feedback.

    python benchmarks/lmrl_mode.py                      # the Markdown table (about a minute)
    python benchmarks/lmrl_mode.py --episodes 50        # fewer episodes per row
"""

from __future__ import annotations

import argparse
import re
from typing import Any

import gymnasium as gym
import numpy as np

import rlbench_suite  # noqa: F401  (registers the ids)
from rlbench_suite.agents import make_agent
from rlbench_suite.agents.language.wordle import (
    feedback_code,
    partition_entropies,
    read_history,
)
from rlbench_suite.scoring import evaluate

#: (env id, what LMRL-Gym publishes for it, whether our lmrl mode is comparable and why).
ROWS: tuple[tuple[str, str, str], ...] = (
    (
        "rlbench/Maze-v0",
        "max -6.84, dataset avg -83, min -101",
        "comparable: same map, starts, moves, rewards and limit",
    ),
    (
        "rlbench/MazePO-v0",
        "max -25.75, dataset avg -83, min -101",
        "same setting; the file does not say which policy scored -25.75",
    ),
    (
        "rlbench/TextNav-v0",
        "none in the repository",
        "same house and win rule; budget (15) taken from its data, engine text ours",
    ),
    (
        "rlbench/TextNavPO-v0",
        "none in the repository",
        "as TextNav-v0, location hidden",
    ),
    (
        "rlbench/Wordle-v0",
        "max (OptimalPolicy) -1.94, dataset avg -4.12; GPT-2 PPO -2.63, ILQL -2.04",
        "close: same size, rule and rewards; different 431 words (its list has no licence)",
    ),
)

_SPELLED_POSITION = re.compile(r"position (\d(?: \d)*), (\d(?: \d)*)\.")


class DigitsJoined:
    """An agent that reads plain numbers, handed LMRL-Gym's spelled-out ones (``1 0`` -> 10)."""

    def __init__(self, agent: Any) -> None:
        self.agent = agent

    def reset(self, seed: int | None = None) -> None:
        """Reset the wrapped agent."""
        self.agent.reset(seed=seed)

    def act(self, observation: str) -> str:
        """The wrapped agent's action on the observation with every position's digits joined."""
        joined = _SPELLED_POSITION.sub(
            lambda match: f"position {match[1].replace(' ', '')}, {match[2].replace(' ', '')}.",
            observation,
        )
        return self.agent.act(joined)


class LmrlWordleExpert:
    """``wordle_infogain``'s rule over the env's own word list and feedback rule.

    It keeps the words of the list that would have produced every feedback read so far and
    guesses the word of highest feedback entropy over them (ties to a candidate); with two
    candidates or fewer it guesses the first. The feedback table (431 x 431) is built once.
    """

    def __init__(self, env: gym.Env) -> None:
        unwrapped = env.unwrapped
        self.words: tuple[str, ...] = tuple(unwrapped.allowed)
        self.column_of = {word: column for column, word in enumerate(self.words)}
        # codes[answer, guess]: the base-3 feedback code, as the agent module writes codes.
        self.codes = np.array(
            [
                [feedback_code(unwrapped.feedback(guess, answer)) for guess in self.words]
                for answer in self.words
            ],
            dtype=np.uint8,
        )
        self.opening = self._best(np.arange(len(self.words)), tried=[])

    def reset(self, seed: int | None = None) -> None:
        """Nothing to reset: the expert reads everything from the transcript."""

    def act(self, observation: str) -> str:
        """The next guess for the transcript ``observation``."""
        history = [
            (word, code) for word, code in read_history(observation) if word in self.column_of
        ]
        if not history:
            return self.words[self.opening]
        mask = np.ones(len(self.words), dtype=bool)
        for word, code in history:
            mask &= self.codes[:, self.column_of[word]] == code
        tried = [self.column_of[word] for word, _ in history]
        return self.words[self._best(np.flatnonzero(mask), tried)]

    def _best(self, candidates: np.ndarray, tried: list[int]) -> int:
        if len(candidates) <= 2:
            return int(candidates[0])
        entropies = partition_entropies(self.codes[candidates])
        entropies[tried] = -1.0
        tied = np.flatnonzero(entropies >= entropies.max() - 1e-9)
        preferred = np.intersect1d(tied, candidates)
        return int(preferred[0] if len(preferred) else tied[0])


def balanced_maze_seeds(env_id: str, rules: str, per_start: int) -> list[int]:
    """Seeds whose resets start ``per_start`` episodes from every start cell."""
    env = gym.make(env_id, rules=rules)
    by_start: dict[tuple[int, int], list[int]] = {}
    seed = 0
    while (
        len(by_start) < len(env.unwrapped.start_cells)
        or min(len(seeds) for seeds in by_start.values()) < per_start
    ):
        env.reset(seed=seed)
        seeds = by_start.setdefault(env.unwrapped.start, [])
        if len(seeds) < per_start:
            seeds.append(seed)
        seed += 1
    return sorted(seed for seeds in by_start.values() for seed in seeds)


def expert_for(env_id: str, rules: str) -> Any:
    """The expert, adapted where LMRL-Gym's rules change what it must read (see the docstring)."""
    if rules == "rlbench":
        return "expert"
    env = gym.make(env_id, rules=rules)
    if "Wordle" in env_id:
        return LmrlWordleExpert(env)
    if "Maze" in env_id:
        return DigitsJoined(make_agent("expert", env))
    return "expert"


def score(env_id: str, rules: str, agent: Any, episodes: int) -> str:
    """``mean +- 95 % interval (success rate)`` of ``agent`` on ``env_id`` under ``rules``."""
    if "Maze" in env_id:
        per_start = max(1, episodes // 25)
        seeds = balanced_maze_seeds(env_id, rules, per_start)
    else:
        seeds = list(range(episodes))
    result = evaluate(agent, env_id, env_kwargs={"rules": rules}, seeds=seeds)
    success = np.mean([record.metrics["success"] for record in result.records])
    return f"{result.mean_return:.2f} +- {result.ci95:.2f} ({100 * success:.0f}%)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--episodes", type=int, default=200, help="episodes per row (maze: rounded to 25 starts)"
    )
    arguments = parser.parse_args()
    episodes = arguments.episodes
    print(f"Mean return +- 95 % interval (success rate), {episodes} episodes a cell.\n")
    print(
        "| env | expert, our rules | expert, lmrl rules | random, our rules | random, lmrl rules "
        "| LMRL-Gym (raw, from its repository) | comparable? |"
    )
    print("|---|---|---|---|---|---|---|")
    for env_id, published, comparable in ROWS:
        cells = [
            score(env_id, rules, expert_for(env_id, rules), episodes)
            for rules in ("rlbench", "lmrl")
        ]
        cells += [score(env_id, rules, "random", episodes) for rules in ("rlbench", "lmrl")]
        name = env_id.removeprefix("rlbench/")
        print(f"| {name} | {' | '.join(cells)} | {published} | {comparable} |")


if __name__ == "__main__":
    main()
