"""Wordle's expert: a greedy information-gain solver that reads the transcript.

The agent plays from the transcript, as a person would: it reads every ``letter:colour`` reply,
keeps the words of the answer list that would have produced every feedback it read, and guesses
the allowed word whose feedback over those candidates has the highest entropy (the most
expected information). Ties go to a word that could itself be the answer, and with two
candidates or fewer left it guesses a candidate. The first guess, the same every game, is
computed once per process.

The arithmetic is numpy over a table of feedback codes, one ``uint8`` per (allowed guess,
answer) pair: the five colours read as a base-3 number (``b`` = 0, ``y`` = 1, ``g`` = 2, first
letter least significant), so ``ggggg`` is 242. The table (2,207 answers x 4,667 guesses, about
10 MB) is built on first use in a few seconds; since games share their openings, guesses are
cached by the feedback read so far, and the whole answer list (:func:`solve_all`: 3.48 guesses
on average, no failure) then takes under a second.

It assumes the game's feedback rule (:func:`~rlbench_suite.envs.language.wordle.wordle_feedback`)
and the shipped answer list: with a replaced feedback rule, or an ``answers=`` pool outside the
answer list, its candidates can run out, and it then guesses allowed words consistent with the
feedback it read (or any word it has not tried).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import gymnasium as gym
import numpy as np

from rlbench_suite.envs.language.base import LanguageEnv
from rlbench_suite.envs.language.wordle import (
    FEEDBACK_LETTERS,
    WORD_LENGTH,
    load_word_lists,
    wordle_feedback,
)

#: Distinct feedback codes: 3 colours for each of 5 letters.
NUM_CODES = 3**WORD_LENGTH
SOLVED_CODE = NUM_CODES - 1
FEEDBACK_LINE = re.compile(r"^([a-z]):([byg])(?: ([a-z]):([byg])){4}$")
#: Entropies closer than this count as tied (they are sums of floats computed in bits).
TIE_TOLERANCE = 1e-9
#: Guesses scored at once when building the code table (bounds temporary memory to ~50 MB).
CHUNK = 512

History = Sequence[tuple[str, int]]


def feedback_code(colours: str) -> int:
    """The base-3 code of a ``b``/``y``/``g`` string (first letter least significant)."""
    return sum(FEEDBACK_LETTERS.index(colour) * 3**i for i, colour in enumerate(colours))


def letter_array(words: Sequence[str]) -> np.ndarray:
    """``(len(words), 5)`` array of letter indices 0-25."""
    codes = np.frombuffer("".join(words).encode("ascii"), dtype=np.uint8)
    return (codes.reshape(len(words), WORD_LENGTH) - ord("a")).astype(np.int8)


def feedback_codes(guesses: Sequence[str], answers: Sequence[str]) -> np.ndarray:
    """``(len(guesses), len(answers))`` uint8 table of :func:`wordle_feedback` codes.

    Vectorises the game's rule: a non-green letter is yellow while fewer earlier non-green
    copies of it in the guess exist than non-green copies of it in the answer.
    """
    answer_letters = letter_array(answers)
    guess_letters = letter_array(guesses)
    table = np.empty((len(guesses), len(answers)), dtype=np.uint8)
    for start in range(0, len(guesses), CHUNK):
        chunk = guess_letters[start : start + CHUNK]
        green = chunk[:, None, :] == answer_letters[None, :, :]  # (chunk, answers, 5)
        codes = np.zeros(green.shape[:2], dtype=np.int16)
        for i in range(WORD_LENGTH):
            letter = chunk[:, i][:, None, None]
            in_answer = ((answer_letters[None, :, :] == letter) & ~green).sum(axis=2)
            same_before = chunk[:, :i] == chunk[:, i : i + 1]  # (chunk, i)
            earlier = (same_before[:, None, :] & ~green[:, :, :i]).sum(axis=2)
            yellow = ~green[:, :, i] & (earlier < in_answer)
            codes += (2 * green[:, :, i] + yellow).astype(np.int16) * 3**i
        table[start : start + CHUNK] = codes
    return table


@lru_cache(maxsize=1)
def code_table() -> np.ndarray:
    """Feedback codes of every answer (rows) for every allowed guess (columns).

    Answers are rows so that a candidate set's codes are a gather of contiguous rows.
    """
    answers, allowed = load_word_lists()
    return np.ascontiguousarray(feedback_codes(allowed, answers).T)


@lru_cache(maxsize=1)
def _indices() -> tuple[dict[str, int], np.ndarray]:
    """Allowed word -> its column (index in the allowed list), and every answer's column."""
    answers, allowed = load_word_lists()
    column_of = {word: column for column, word in enumerate(allowed)}
    return column_of, np.array([column_of[word] for word in answers])


def partition_entropies(codes: np.ndarray) -> np.ndarray:
    """Entropy (bits) of each column's code distribution; ``codes`` is (candidates, guesses).

    Counts the codes by sorting each guess's column, so the cost grows with the candidates
    rather than with the 243 possible codes.
    """
    width, guesses = codes.shape
    keys = np.sort(codes.T.astype(np.int32), axis=1) + NUM_CODES * np.arange(guesses)[:, None]
    keys = keys.ravel()
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    counts = np.diff(np.r_[starts, keys.size]).astype(np.float64)
    weighted = np.bincount(
        keys[starts] // NUM_CODES, weights=counts * np.log2(counts), minlength=guesses
    )
    return np.log2(width) - weighted / width


def best_guess(candidates: np.ndarray, tried: Sequence[int] = ()) -> int:
    """Column of the allowed guess of highest feedback entropy over ``candidates`` (answer rows).

    Ties go to a candidate, then to the earlier word; with two candidates or fewer, the first.
    """
    _, answer_columns = _indices()
    candidate_columns = answer_columns[candidates]
    if len(candidates) <= 2:
        return int(candidate_columns[0])
    entropies = partition_entropies(code_table()[candidates])
    entropies[list(tried)] = -1.0
    top = entropies.max()
    tied = np.flatnonzero(entropies >= top - TIE_TOLERANCE)
    tied_candidates = np.intersect1d(tied, candidate_columns)
    return int(tied_candidates[0] if len(tied_candidates) else tied[0])


@lru_cache(maxsize=1)
def opening_guess() -> int:
    """Column of the best first guess over the whole answer list (computed once per process)."""
    return best_guess(np.arange(len(load_word_lists()[0])))


def consistent_answers(history: History) -> np.ndarray:
    """Answer rows that would have given every (guess, code) of ``history``."""
    column_of, _ = _indices()
    table = code_table()
    mask = np.ones(table.shape[0], dtype=bool)
    for guess, code in history:
        mask &= table[:, column_of[guess]] == code
    return np.flatnonzero(mask)


def next_guess(history: History) -> str:
    """The solver's next guess after ``history``, a list of (guessed word, feedback code)."""
    return _next_guess(tuple(history))


@lru_cache(maxsize=65536)
def _next_guess(history: tuple[tuple[str, int], ...]) -> str:
    # Games share their openings, so the same histories recur across episodes: cache them.
    allowed = load_word_lists()[1]
    column_of, _ = _indices()
    if not history:
        return allowed[opening_guess()]
    tried = [column_of[guess] for guess, _ in history]
    candidates = consistent_answers(history)
    if len(candidates):
        return allowed[best_guess(candidates, tried)]
    # The answer is outside the answer list (or the feedback rule differs): any allowed word
    # consistent with what was read, else any word not yet tried.
    for column, word in enumerate(allowed):
        if column not in tried and all(
            feedback_code(wordle_feedback(guess, word)) == code for guess, code in history
        ):
            return word
    return next(word for column, word in enumerate(allowed) if column not in tried)


def solve(answer: str, max_guesses: int = 6) -> list[str]:
    """The solver's guesses against ``answer`` with the game's rule, up to ``max_guesses``."""
    history: list[tuple[str, int]] = []
    guesses: list[str] = []
    while len(guesses) < max_guesses:
        guess = next_guess(history)
        guesses.append(guess)
        if guess == answer:
            break
        history.append((guess, feedback_code(wordle_feedback(guess, answer))))
    return guesses


def solve_all(answers: Sequence[str] | None = None, max_guesses: int = 6) -> dict[str, list[str]]:
    """The solver's guesses for every word of ``answers`` (the whole answer list by default)."""
    words = load_word_lists()[0] if answers is None else answers
    return {answer: solve(answer, max_guesses) for answer in words}


def read_history(transcript: str) -> list[tuple[str, int]]:
    """(guess, feedback code) for every turn of a Wordle transcript that got letter feedback."""
    allowed_columns, _ = _indices()
    history = []
    for chunk in transcript.split(f"\n{LanguageEnv.agent_prefix}")[1:]:
        for line in chunk.splitlines()[1:]:
            if FEEDBACK_LINE.match(line):
                pairs = line.split()
                word = "".join(pair[0] for pair in pairs)
                if word in allowed_columns:
                    history.append((word, feedback_code("".join(pair[2] for pair in pairs))))
                break
    return history


class WordleInfoGainAgent:
    """Keeps the answers consistent with the transcript; guesses the highest-entropy word."""

    def __init__(self, env: gym.Env) -> None:
        self.env = env

    def reset(self, seed: int | None = None) -> None:
        """Nothing to reset: the agent is deterministic and reads its state from the transcript."""

    def act(self, observation: Any) -> str:
        """The next guess for the transcript ``observation``."""
        return next_guess(read_history(str(observation)))


FACTORIES = {"wordle_infogain": WordleInfoGainAgent}
