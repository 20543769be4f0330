"""TwentyQuestions' expert: information-gain questioning over the object knowledge base.

The agent plays from the transcript, as a person would: it reads every utterance and reply,
keeps the objects whose answers (as the built-in oracle would give them, from the knowledge base
shipped with the env) agree with what it read, removes the objects it guessed wrongly, and asks
the question of the env's fixed bank whose yes/no split of the remaining objects has the highest
entropy. Guessing is best once few objects remain: with ``k`` equally likely candidates,
guessing them in turn costs (k - 1) / 2 wrong guesses on average, and a question costs one turn
plus what follows, so it guesses at ``k <= 3`` (and on the last turn, or when no question splits
the candidates). It finds every object of the knowledge base within 20 turns, in 8.0 turns on
average (at most 11).

It assumes the built-in oracle: with a replaced oracle whose replies differ, its candidate set
can empty out, and it then falls back to guessing the objects it has not ruled out by guessing.
The oracle's "I don't know." is one more answer it reads (a few bank questions get it for the
objects the knowledge base leaves open); a reply to an utterance the oracle did not understand,
or to a guess of a thing that is not an object, says nothing about the hidden object.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import gymnasium as gym

from rlbench_suite.agents.language import most_informative_question
from rlbench_suite.envs.language.base import transcript_turns
from rlbench_suite.envs.language.twenty_questions import (
    MAX_QUESTIONS,
    answer,
    guess_question,
    load_knowledge,
    parse_utterance,
    question_bank,
)

#: Guess instead of asking once this few candidates remain: (k - 1) / 2 expected wrong guesses
#: is no worse than one more question for k <= 3.
GUESS_AT_MOST = 3


@lru_cache(maxsize=1)
def answer_table() -> dict[str, tuple[str, ...]]:
    """For every bank question, the built-in oracle's answer for each object (knowledge order)."""
    knowledge = load_knowledge()
    table: dict[str, tuple[str, ...]] = {}
    for question in question_bank():
        parsed = parse_utterance(question, knowledge)
        table[question] = tuple(answer(parsed, record) for record in knowledge.objects)
    return table


class TwentyQuestionsInfoGainAgent:
    """Keeps the objects consistent with the transcript; asks the highest-entropy question."""

    def __init__(self, env: gym.Env) -> None:
        self.knowledge = load_knowledge()
        self.table = answer_table()
        self.max_turns = int(getattr(env.unwrapped, "max_turns", MAX_QUESTIONS))

    def reset(self, seed: int | None = None) -> None:
        """Nothing to reset: the agent is deterministic and reads its state from the transcript."""

    def candidates(self, transcript: str) -> tuple[list[int], set[str], int]:
        """Objects consistent with the transcript, the utterances used, and the turns taken."""
        objects = self.knowledge.objects
        candidates = list(range(len(objects)))
        guessed: set[int] = set()
        asked: set[str] = set()
        turns = transcript_turns(transcript)
        for utterance, reply in turns:
            asked.add(utterance)
            answers = self.table.get(utterance)
            if answers is None:
                parsed = parse_utterance(utterance, self.knowledge)
                if parsed.kind == "guess":
                    guessed.add(parsed.objects[0])
                    candidates = [index for index in candidates if index != parsed.objects[0]]
                    continue
                if parsed.kind != "question":
                    continue  # the reply to an unparsed utterance says nothing about the object
                answers = tuple(answer(parsed, record) for record in objects)
            candidates = [index for index in candidates if answers[index] == reply]
        if not candidates:
            candidates = [index for index in range(len(objects)) if index not in guessed]
        return candidates, asked, len(turns)

    def act(self, observation: Any) -> str:
        """The next question, or a guess once guessing is the better move."""
        candidates, asked, turns = self.candidates(str(observation))
        if len(candidates) > GUESS_AT_MOST and turns < self.max_turns - 1:
            question = most_informative_question(self.table, candidates, asked)
            if question is not None:
                return question
        return guess_question(self.knowledge.objects[candidates[0]])


FACTORIES = {"twentyq_infogain": TwentyQuestionsInfoGainAgent}
