"""The multi-turn language family, after LMRL-Gym: text in, text out, rule-based partners.

Importing this package registers every task. Chess and Endgames register too, but building
them needs the ``chess`` extra (python-chess) and the Stockfish binary; they say so if missing.
"""

from __future__ import annotations

from rlbench_suite.envs.language import (
    car_dealer,
    chess_env,
    guess_my_city,
    maze,
    text_nav,
    twenty_questions,
    wordle,
)

for _task in (maze, text_nav, wordle, twenty_questions, guess_my_city, car_dealer, chess_env):
    _task.register()
