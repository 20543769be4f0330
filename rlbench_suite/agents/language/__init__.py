"""Reference agents for the language family: an expert per task, by name.

Each task's module exposes ``FACTORIES``, a dict from agent name to ``factory(env) -> Agent``;
the random agent is the suite's :class:`~rlbench_suite.agents.RandomAgent`, which draws from the
env's admissible actions or its action vocabulary.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from typing import Any


def answer_entropy(answers: Sequence[str]) -> float:
    """Shannon entropy (bits) of the answers' empirical distribution.

    The information-gain experts ask the question whose answers over the candidates still
    possible have the highest entropy.
    """
    total = len(answers)
    return -sum(n / total * math.log2(n / total) for n in Counter(answers).values())


def most_informative_question(
    answer_table: Mapping[str, Sequence[str]], candidates: Sequence[int], asked: Collection[str]
) -> str | None:
    """The question not yet asked whose answers over ``candidates`` have the highest entropy.

    ``answer_table`` maps each question to the oracle's answer for every hidden item (by
    index); ties go to the question listed first. ``None`` when no question splits the
    candidates, so the caller should guess.
    """
    best_question, best_entropy = None, 0.0
    for question, answers in answer_table.items():
        if question in asked:
            continue
        entropy = answer_entropy([answers[index] for index in candidates])
        if entropy > best_entropy + 1e-12:
            best_question, best_entropy = question, entropy
    return best_question


def language_factories() -> dict[str, Any]:
    """Every language agent factory, by name."""
    from rlbench_suite.agents.language import (
        car_dealer,
        chess_agents,
        guess_my_city,
        maze,
        text_nav,
        twenty_questions,
        wordle,
    )

    factories: dict[str, Any] = {}
    for module in (
        maze,
        text_nav,
        wordle,
        twenty_questions,
        guess_my_city,
        car_dealer,
        chess_agents,
    ):
        factories.update(module.FACTORIES)
    return factories
