"""The multi-turn language family, after LMRL-Gym: text in, text out, rule-based partners.

Importing this package registers every task. Chess and Endgames register too, but building
them needs the ``chess`` extra (python-chess) and the Stockfish binary; they say so if missing.
"""

from __future__ import annotations

import dataclasses
import importlib

from rlbench_suite.envs.language import (
    car_dealer,
    chess_env,
    guess_my_city,
    maze,
    text_nav,
    twenty_questions,
    wordle,
)
from rlbench_suite.envs.language.base import FAMILY
from rlbench_suite.registry import env_card, list_envs, register_env

for _task in (maze, text_nav, wordle, twenty_questions, guess_my_city, car_dealer, chess_env):
    _task.register()


def _state_return_bounds() -> None:
    """Give every language card the return bounds of the instance ``gym.make(id)`` builds.

    Each task module ends with ``return_bounds(**env_kwargs)``, derived from its reward
    constants and turn limit; the card is registered again with them (same id and entry
    point, which :func:`~rlbench_suite.registry.register_env` treats as a refresh).
    """
    for env_id in list_envs(family=FAMILY):
        card = env_card(env_id)
        task_module = importlib.import_module(card.entry_point.partition(":")[0])
        bounds = task_module.return_bounds(**card.kwargs)
        register_env(dataclasses.replace(card, return_bounds=bounds))


_state_return_bounds()
