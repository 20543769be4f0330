"""Wordle-v0: find a hidden five-letter word in six guesses from per-letter colour feedback.

## Description

LMRL-Gym's Wordle task (Abdulhai et al., 2023), the game by Josh Wardle: the env hides a
five-letter English word and the agent has six guesses. After each valid guess every letter is
marked ``g`` (green: right letter, right place), ``y`` (yellow: in the word, elsewhere) or ``b``
(black: not in the word, or not that many times). Repeated letters follow the game's rule:
greens are given first; then, from left to right, a letter is yellow only while the answer still
has an unmatched copy of it, so guessing ``eerie`` against ``speed`` gives ``yybbb`` (the answer
has two ``e``, the third ``e`` of the guess is black).

The word lists ship with the package (built from Debian's SCOWL word lists, see
``data/build_wordle_lists.py`` and ``data/LICENSE.wordlists``): 2,207 answers (common words, no
plurals or past tenses) and 4,667 allowed guesses (every answer among them).

The feedback rule is replaceable by any callable.

### LMRL-Gym's rules: ``rules="lmrl"``

``gym.make("rlbench/Wordle-v0", rules="lmrl")`` plays LMRL-Gym's setting, so that its published
numbers can be set beside ours:

- one list of 431 words (``data/wordle_lmrl.txt``) is both the answer pool and the only
  allowed guesses, as LMRL-Gym's ``wordle_official_400.txt`` is (it holds 431 words despite
  its name);
- LMRL-Gym's feedback rule (:func:`lmrl_feedback`): a letter is green where it matches, yellow
  wherever else the answer holds it, however many copies the guess uses, black otherwise;
  guessing ``eerie`` against ``speed`` gives ``yybby``, where the game gives ``yybbb``.

Rewards, the six guesses and the cost of an invalid guess are LMRL-Gym's under both rules.

### Differences from LMRL-Gym

Under ``rules="lmrl"``:

- **Word list.** LMRL-Gym's list is 400 words drawn from the original game's answer list plus
  the answers of the days its tweet data covers. That file ships with no licence and is taken
  from the game's own list, so it is not copied here. Ours is the closest honest substitute:
  the 431 words of our SCOWL answer list with the smallest SHA-256 digests (a rule anyone can
  rerun: ``data/build_wordle_lists.py --lmrl-only``). Same size and role, different words.
- **Hidden word.** LMRL-Gym redraws the hidden word after every valid guess, uniformly among
  the words of its list that fit all feedback so far. Under its feedback rule a word fits the
  feedback exactly when it would have produced it, so this gives the same distribution of games
  as one word drawn at reset, which is what we do (so ``info["answer"]`` is defined).
- **Text.** LMRL-Gym's transcript is ``Wordle:`` then, per guess, the letters spaced (``c r a
  n e``) and the colours spaced (``b y g b b``), an empty line for an invalid word. Ours opens
  with the rules, writes ``letter:colour`` pairs and says why a guess is invalid.
- **Reading guesses.** LMRL-Gym takes exactly five lowercase letters (its spaced format has its
  spaces removed first); ours reads leniently (see Action Space). Every guess LMRL-Gym accepts
  means the same word here, so its returns are unchanged.

Under the default ``rules="rlbench"`` the word lists are ours (2,207 answers, 4,667 allowed
guesses) and the repeated-letter rule is the game's; the rest is as above.

## Action Space

``Text(max_length=400, charset=string.printable)``: one word, read leniently where the
reading is certain (:func:`parse_guess`). Case, surrounding whitespace, punctuation and markup
are ignored (``"Crane"``, ``" crane. "``, ``'"crane"'``, ``"**CRANE**"``); letters spelled
apart are one word, as in LMRL-Gym's own format (``"S L A T E"``, ``"c-r-a-n-e"``,
``"S, L, A, T, E"``); and the word may be wrapped in a sentence (``"My first guess is CRANE"``,
``"I'll try 'crane'"``, ``"guess: crane"``, ``"crane please"``, ``"1. crane"``): a single
quoted word, else a single spelled-out word, else a single word in capitals, else the one
five-letter word left once wrapper words (my, first, guess, is, I'll, try, please, ...) are
dropped. Strict where it matters: text that names two candidate words (``"crane or slate"``, ``"I think crane is a
great start"``) or negates one (``"not crane"``) is never read as one of them.
:meth:`WordleEnv.action_vocabulary` is the allowed list (sorted, the same every episode) for
the ``Discrete`` wrapper; the random agent draws from it.

## Observation Space

``Text(max_length=20000, charset=string.printable)``: the transcript. It opens with the rules
and the feedback format, then ``"\\n> {guess}\\n{reply}"`` for every guess:

| piece | example |
|-------|---------|
| feedback | ``c:b r:y a:g n:b e:b`` (letter:colour, one pair per letter of the guess) |
| solving guess | ``c:g r:g a:g n:g e:g`` then ``Solved! The word is crane.`` |
| sixth wrong guess | its feedback, then ``Out of guesses. The word was crane.`` |
| a word not in the list | ``Invalid guess: 'xyzzy' is not in the word list. No feedback; this used up a guess.`` |
| a word of another length | ``Invalid guess: 'cranes' is not a five-letter word. No feedback; ...`` |
| two candidates | ``Invalid guess: 'crane or slate' names more than one word (crane, slate). ...`` |
| a negation | ``Invalid guess: 'not crane' is unclear ('not'); reply with just the word you guess. ...`` |
| no word | ``Invalid guess: '...' holds no five-letter word to guess. ...`` |

## Rewards

As LMRL-Gym: -1 for every guess except the solving one, which earns 0. An invalid guess (unreadable or
ambiguous text, a word that is not five letters long, or one not in the allowed list) also
costs -1, gets no letter feedback but the reason, sets ``info["invalid_action"]`` and, as in
LMRL-Gym (whose ``WordleGame.next`` appends any bad word to the history and pays
``bad_word_reward = -1``), uses up one of the six guesses: the guess budget is the game, so a
free retry would change it. Returns lie
in [-6, 0]; solving with the ``k``-th guess returns ``-(k - 1)``.

## Starting State

The hidden word is drawn uniformly from ``answers`` (the 2,207-word answer list by default, the
431-word list under ``rules="lmrl"``) with the reset seed.

## Episode End

Termination on the solving guess; truncation after ``max_guesses`` (6) guesses, valid or not.
``gym.make`` adds a ``TimeLimit`` of 6 steps.

## Arguments

```python
gym.make("rlbench/Wordle-v0", feedback=None, answers=None, max_guesses=6, rules="rlbench",
         render_mode=None)
```

- ``feedback``: ``feedback(guess: str, answer: str) -> str`` returns five characters from
  ``"byg"``, one per letter of ``guess`` (both arguments are lowercase words of the allowed
  list). ``None`` is the rules' own: :func:`wordle_feedback`, the game's rule, or
  :func:`lmrl_feedback` under ``rules="lmrl"``. The env still judges the solving
  guess itself (``guess == answer``), so a feedback rule cannot end the game. To pickle the env
  (vector envs do) the callable must pickle: a module-level function, not a lambda.
- ``answers``: the words the hidden one is drawn from (any words of the allowed list, case
  ignored); ``None`` is the whole answer list. Every allowed word may still be guessed.
- ``rules``: ``"rlbench"`` (our word lists, the game's feedback) or ``"lmrl"`` (LMRL-Gym's
  setting: one 431-word list to draw from and guess from, its feedback rule).
- ``max_guesses``: guesses before truncation (pass ``max_episode_steps`` to ``gym.make`` too when
  raising it above 6).
- ``render_mode``: ``"ansi"`` returns the transcript.

MDP family (:func:`answer_family`): the hidden word's pool. In distribution, 500 words drawn from
the 1,766 training answers; held out, 200 drawn from the 441 held-out answers (every fifth word
of the answer list), never the answer in training.

``info`` carries ``success``, ``invalid_action``, ``turns``, ``invalid_actions``, ``guesses`` (the
valid words guessed so far, in order) and, only once the episode has ended (solved or out of
guesses), ``answer``, the hidden word: an agent cannot read it from ``info`` mid-episode. (If a
``TimeLimit`` shorter than ``max_guesses`` cuts the episode, ``answer`` is not given.)

## Reference Scores

``rlbench evaluate --episodes 200 --seed 0`` (mean return, 95% interval, success rate):

| agent | mean return | success |
|-------|-------------|---------|
| ``wordle_infogain`` | -2.45 +- 0.09 | 100% |
| random (uniform over the allowed list) | -6.00 +- 0.00 | 0% |

Over the whole answer list (2,207 words) the information-gain expert needs 3.48 guesses on
average and never fails (two words take six guesses; none more); the best known strategy for
the original game's 2,315-word list averages about 3.42. The random agent almost never hits
the word: each guess is one of 4,667.

Under ``rules="lmrl"`` (``python benchmarks/lmrl_mode.py``, 200 episodes) the same
information-gain rule, played over the 431-word list with LMRL-Gym's feedback, returns
-2.01 +- 0.08 (100%), beside -1.935 for LMRL-Gym's own information-gain ``OptimalPolicy`` on its
list (the maximum its normalisation uses; its GPT-2 policies: PPO -2.63, ILQL -2.04); random
-6.00. The registered ``wordle_infogain`` agent is built on our lists: under ``rules="lmrl"``
its guesses fall outside the 431 words and it returns -6, so the benchmark plays the rule
over the env's own list instead.

## Version History

- v0: SCOWL-based lists (2,207 answers, 4,667 allowed guesses), six guesses, b/y/g feedback;
  ``rules="lmrl"`` for LMRL-Gym's setting.

## Credits

Task and reward: LMRL-Gym (Abdulhai et al., "LMRL Gym: Benchmarks for Multi-Turn Reinforcement
Learning with Language Models", 2023); the game: Wordle by Josh Wardle. Word lists: SCOWL by
Kevin Atkinson, as packaged by Debian (``wamerican``, ``scowl``).

Example:
    >>> import gymnasium as gym, rlbench_suite.envs.language
    >>> env = gym.make("rlbench/Wordle-v0", answers=["speed"])
    >>> observation, info = env.reset(seed=0)
    >>> env.step("Eerie")[0].splitlines()[-1]
    'e:y e:y r:b i:b e:b'
    >>> observation, reward, terminated, truncated, info = env.step("crane or slate")
    >>> reward, info["invalid_action"], info["guesses"]
    (-1.0, True, ['eerie'])
    >>> observation.splitlines()[-1]
    "Invalid guess: 'crane or slate' names more than one word (crane, slate). No feedback; this used up a guess."
    >>> observation, reward, terminated, truncated, info = env.step("My third guess is S P E E D")
    >>> observation.splitlines()[-2:], reward, terminated, info["answer"]
    (['s:g p:g e:g e:g d:g', 'Solved! The word is speed.'], 0.0, True, 'speed')

    Under LMRL-Gym's rules every copy of a letter the answer holds is marked:

    >>> env = gym.make("rlbench/Wordle-v0", rules="lmrl", answers=["alley"])
    >>> observation, info = env.reset(seed=0)
    >>> env.step("levee")[0].splitlines()[-1]
    'l:y e:y v:b e:g e:y'

"""  # noqa: E501 -- the table and the doctest quote whole reply lines

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from rlbench_suite.envs.language.base import LanguageEnv, Turn, register_language_env

DATA_DIR = Path(__file__).parent / "data"
ANSWERS_FILE = DATA_DIR / "wordle_answers.txt"
ALLOWED_FILE = DATA_DIR / "wordle_allowed.txt"
LMRL_FILE = DATA_DIR / "wordle_lmrl.txt"
#: ``rules`` values: ours, and LMRL-Gym's (its word list size and feedback rule).
RULES = ("rlbench", "lmrl")
WORD_LENGTH = 5
MAX_GUESSES = 6
FEEDBACK_LETTERS = "byg"
#: Stripped from both ends of a guess before it is judged.
SURROUNDING_NOISE = string.whitespace + string.punctuation

FeedbackFn = Callable[[str, str], str]


@lru_cache(maxsize=1)
def load_word_lists() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The (answers, allowed guesses) lists, sorted; every answer is an allowed guess."""
    answers = ANSWERS_FILE.read_text(encoding="ascii").split()
    allowed = ALLOWED_FILE.read_text(encoding="ascii").split()
    # The shipped allowed list already holds every answer; the union keeps that true for
    # lists rebuilt by hand.
    return tuple(sorted(set(answers))), tuple(sorted(set(allowed) | set(answers)))


@lru_cache(maxsize=1)
def allowed_set() -> frozenset[str]:
    """The allowed guesses as a set, for membership tests."""
    return frozenset(load_word_lists()[1])


@lru_cache(maxsize=1)
def load_lmrl_list() -> tuple[str, ...]:
    """The 431 words of ``rules="lmrl"``, sorted: its answers and its only allowed guesses."""
    return tuple(sorted(set(LMRL_FILE.read_text(encoding="ascii").split())))


def wordle_feedback(guess: str, answer: str) -> str:
    """The game's feedback for ``guess`` against ``answer``: one of ``b``/``y``/``g`` a letter.

    Greens first; then, left to right, a letter is yellow while the answer has a copy of it
    that is neither green nor already claimed by an earlier yellow.
    """
    colours = ["b"] * len(guess)
    unmatched: Counter[str] = Counter()
    for position, (guessed, hidden) in enumerate(zip(guess, answer, strict=True)):
        if guessed == hidden:
            colours[position] = "g"
        else:
            unmatched[hidden] += 1
    for position, guessed in enumerate(guess):
        if colours[position] != "g" and unmatched[guessed] > 0:
            colours[position] = "y"
            unmatched[guessed] -= 1
    return "".join(colours)


def lmrl_feedback(guess: str, answer: str) -> str:
    """LMRL-Gym's feedback: green where letters match, yellow for any other letter of the answer.

    Copies are not counted (LMRL-Gym's ``WordleState.transition_state``): every letter of the
    guess that the answer holds somewhere else is yellow, however many times the guess uses it.

    Example:
        >>> lmrl_feedback("eerie", "speed"), wordle_feedback("eerie", "speed")
        ('yybby', 'yybbb')

    """
    return "".join(
        "g" if guessed == hidden else "y" if guessed in answer else "b"
        for guessed, hidden in zip(guess, answer, strict=True)
    )


def format_feedback(guess: str, colours: str) -> str:
    """``"c:b r:y a:g n:b e:b"``: each letter of the guess with its colour."""
    return " ".join(f"{letter}:{colour}" for letter, colour in zip(guess, colours, strict=True))


#: Words that wrap a guess ("My first guess is CRANE", "I'll try crane", "crane please"); never
#: taken for the guess itself unless nothing else is there.
_WRAPPER_WORDS = """
    my our first second third fourth fifth sixth next final last opening starting new another
    guess guessing guessed guesses try trying tries attempt answer solution word words pick
    i im ill id ive ll ve re m d s t will would shall should could might can must be is it its
    lets let me us we go going gonna with the a an play playing choose say enter submit type
    how about what maybe perhaps ok okay please think believe like want to now then so well
    sure alright here for of as am do my choice start begin
"""
WRAPPER_WORDS = frozenset(_WRAPPER_WORDS.split())
#: Words after which a named word is not the guess ("not crane", "instead of slate").
NEGATIONS = frozenset(("not", "dont", "never", "instead", "avoid", "except", "rather"))
_QUOTED = re.compile(r"(?<![A-Za-z])[\"'`*_?]+([A-Za-z](?:[ .-]?[A-Za-z])*)[\"'`*_?]+(?![A-Za-z])")
_SPELLING_GAP = re.compile(r"[\s,.\-/|]+")


class GuessError(ValueError):
    """Text that is not one guess; the message says why, for the agent to read."""


def parse_guess(text: str) -> str:
    """The one word ``text`` guesses, lower-cased, or ``GuessError`` saying why not.

    Lenient where the reading is certain: case, surrounding punctuation and markup
    (``"crane."``, ``'"Crane"'``, ``"**CRANE**"``); letters spelled apart, LMRL-Gym's own
    format (``"S L A T E"``, ``"c-r-a-n-e"``); first-person and polite wrappers (``"My first
    guess is CRANE"``, ``"I'll try 'crane'"``, ``"guess: crane"``, ``"crane please"``). Where
    a sentence holds several candidate words, a single quoted one, then a single spelled-out
    one, then a single word in capitals is the guess; otherwise the words left once the
    wrapper words are dropped must hold exactly one five-letter word. Strict where a reading
    would be a guess: two candidates (``"crane or slate"``) or a negation (``"not crane"``)
    make the text unreadable, never one of its readings. The word list is not consulted
    here: the env checks it.

    Example:
        >>> parse_guess("My first guess is CRANE"), parse_guess("S L A T E")
        ('crane', 'slate')
        >>> parse_guess("crane or slate")
        Traceback (most recent call last):
        ...
        rlbench_suite.envs.language.wordle.GuessError: 'crane or slate' names more than one word (crane, slate)

    """  # noqa: E501 -- a doctest line
    shown = text.strip()
    if not re.search(r"[A-Za-z]", text):
        raise GuessError(f"{shown!r} is not a five-letter word")
    tokens = [
        (match.group(), match.start(), match.end()) for match in re.finditer(r"[A-Za-z]+", text)
    ]
    words = [token.lower() for token, _, _ in tokens]
    if len(tokens) == 1:
        return _checked_candidate(words[0], text, shown)
    negation = next((word for word in words if word in NEGATIONS), None)
    if negation is not None:
        raise GuessError(f"{shown!r} is unclear ({negation!r}); reply with just the word you guess")
    # Quoted or emphasised: 'crane', "crane", `crane`, **crane**, 'S L A T E'.
    quoted = sorted({re.sub(r"[ .-]", "", match).lower() for match in _QUOTED.findall(text)})
    quoted = [word for word in quoted if word not in ("s", "ll", "t", "m", "d", "re", "ve")]
    if len(quoted) == 1:
        return quoted[0]
    if len(quoted) > 1:
        raise GuessError(f"{shown!r} names more than one word ({', '.join(quoted)})")
    # Letters spelled apart: runs of three or more one-letter tokens with only gaps between.
    spelled: list[str] = []
    run: list[tuple[str, int, int]] = []
    for token in [*tokens, ("", len(text), len(text))]:
        joined = bool(run) and _SPELLING_GAP.fullmatch(text[run[-1][2] : token[1]]) is not None
        if len(token[0]) == 1 and (not run or joined):
            run.append(token)
            continue
        if len(run) >= 3:
            spelled.append("".join(letter for letter, _, _ in run).lower())
        run = [token] if len(token[0]) == 1 else []
    if len(spelled) == 1:
        return spelled[0]
    if len(spelled) > 1:
        raise GuessError(f"{shown!r} names more than one word ({', '.join(spelled)})")
    # A single word in capitals inside a sentence that is not all capitals.
    if re.search(r"[a-z]", text):
        capitals = sorted(
            {token.lower() for token, _, _ in tokens if len(token) > 1 and token.isupper()}
        )
        if len(capitals) == 1:
            return capitals[0]
    # Otherwise: drop the wrapper words; exactly one five-letter word must be left.
    content = [word for word in words if word not in WRAPPER_WORDS and len(word) > 1]
    five = sorted(set(word for word in content if len(word) == WORD_LENGTH), key=content.index)
    if len(five) > 1:
        raise GuessError(f"{shown!r} names more than one word ({', '.join(five)})")
    if len(five) == 1:
        return five[0]
    if len(content) == 1:
        return _checked_candidate(content[0], text, shown)
    if not content and len(words[-1]) == WORD_LENGTH:
        return words[-1]  # "My guess is guess": the wrapper word said last is the guess
    raise GuessError(f"{shown!r} holds no five-letter word to guess")


def _checked_candidate(word: str, text: str, shown: str) -> str:
    """``word`` if ``text`` holds nothing but it, punctuation around it and a list number.

    A digit touching the letters (``crane1``) makes another word; one standing apart numbers
    the reply (``1. crane``, ``#2: crane``).
    """
    if re.search(r"[A-Za-z][0-9]|[0-9][A-Za-z]", text):
        raise GuessError(f"{shown!r} is not a five-letter word")
    return word


class WordleEnv(LanguageEnv):
    """Find the hidden word within ``max_guesses`` guesses; see the module docstring."""

    def __init__(
        self,
        feedback: FeedbackFn | None = None,
        answers: Sequence[str] | None = None,
        max_guesses: int = MAX_GUESSES,
        rules: str = "rlbench",
        render_mode: str | None = None,
    ) -> None:
        if rules not in RULES:
            raise ValueError(f"WordleEnv: rules must be one of {RULES}, got {rules!r}")
        if feedback is not None and not callable(feedback):
            raise TypeError(
                "WordleEnv: feedback must be a callable feedback(guess: str, answer: str) -> str "
                f"or None, got {type(feedback).__name__}"
            )
        if isinstance(max_guesses, bool) or not isinstance(max_guesses, int | np.integer):
            raise TypeError(f"WordleEnv: max_guesses must be an int, got {max_guesses!r}")
        super().__init__(max_turns=int(max_guesses), render_mode=render_mode)
        self.rules = rules
        rules_feedback = lmrl_feedback if rules == "lmrl" else wordle_feedback
        self.feedback: FeedbackFn = feedback if feedback is not None else rules_feedback
        if rules == "lmrl":
            default_answers = self.allowed = load_lmrl_list()
            list_file = LMRL_FILE.name
        else:
            default_answers, self.allowed = load_word_lists()
            list_file = ALLOWED_FILE.name
        self._allowed_words = frozenset(self.allowed)
        if answers is None:
            self.answers = default_answers
        else:
            if isinstance(answers, str):
                raise TypeError(
                    f"WordleEnv: answers must be a sequence of words, got the string {answers!r}"
                )
            words = sorted({str(word).lower() for word in answers})
            unknown = [word for word in words if word not in self._allowed_words]
            if unknown or not words:
                raise ValueError(
                    f"WordleEnv: answers must be a non-empty list of words from data/{list_file} "
                    f"(rules={rules!r}; e.g. {list(default_answers[:3])}); "
                    f"not in the list: {unknown or 'none given'}"
                )
            self.answers = tuple(words)
        self.answer = self.answers[0]
        self.guesses: list[str] = []

    def action_vocabulary(self) -> list[str]:
        """The allowed guesses, sorted."""
        return list(self.allowed)

    def _begin(self) -> str:
        self.answer = self.answers[int(self.np_random.integers(len(self.answers)))]
        self.guesses = []
        if self.rules == "lmrl":
            colours = (
                "y (yellow) means it is in the word elsewhere (every copy you use is marked, "
                "however many the word holds), and b (black) means it is not in the word."
            )
        else:
            colours = (
                "y (yellow) means it is in the word elsewhere, and b (black) means it is not in "
                "the word, or not as many times as you used it."
            )
        return (
            "Let's play Wordle. I am thinking of a five-letter English word; you have "
            f"{self.max_turns} guesses to find it. Reply with one five-letter word per turn "
            f"(a word from my list of {len(self.allowed)}; case does not matter).\n"
            "After each guess I mark every letter of it as letter:colour, where g (green) means "
            f"the letter is in the word at that place, {colours} For example, 'x:b y:y z:g' "
            "would mean x is absent, y is elsewhere and z is right. A word that is not in my "
            "list gets no feedback and still costs a guess."
        )

    def _turn(self, action: str) -> Turn:
        last_guess = self.turns + 1 >= self.max_turns
        try:
            guess = parse_guess(action)
        except GuessError as error:
            return self._invalid(str(error), last_guess)
        if len(guess) != WORD_LENGTH:
            return self._invalid(f"{guess!r} is not a five-letter word", last_guess)
        if guess not in self._allowed_words:
            return self._invalid(f"{guess!r} is not in the word list", last_guess)
        colours = self.feedback(guess, self.answer)
        if (
            not isinstance(colours, str)
            or len(colours) != WORD_LENGTH
            or set(colours) - set(FEEDBACK_LETTERS)
        ):
            raise ValueError(
                "WordleEnv: feedback must return a str of five characters from 'byg', "
                f"got {colours!r}"
            )
        self.guesses.append(guess)
        reply = format_feedback(guess, colours)
        if guess == self.answer:
            return Turn(f"{reply}\nSolved! The word is {self.answer}.", 0.0, True, success=True)
        if last_guess:
            reply += f"\nOut of guesses. The word was {self.answer}."
        return Turn(reply, -1.0)

    def _invalid(self, reason: str, last_guess: bool) -> Turn:
        reply = f"Invalid guess: {reason}. No feedback; this used up a guess."
        if last_guess:
            reply += f"\nOut of guesses. The word was {self.answer}."
        return Turn(reply, -1.0, invalid=True)

    def _extra_info(self) -> dict[str, Any]:
        info: dict[str, Any] = {"guesses": list(self.guesses)}
        if self.succeeded or self.turns >= self.max_turns:
            info["answer"] = self.answer
        return info


def held_out_answers() -> list[str]:
    """Every fifth word of the answer list: the MDP family's held-out answers."""
    return list(load_word_lists()[0][4::5])


def answer_family(rng: np.random.Generator, split: str) -> dict[str, Any]:
    """MDP family: the hidden word's pool, 500 training answers or 200 held-out ones."""
    held_out = held_out_answers()
    if split == "held_out":
        pool, size = held_out, 200
    else:
        excluded = set(held_out)
        pool = [word for word in load_word_lists()[0] if word not in excluded]
        size = 500
    chosen = rng.choice(len(pool), size=size, replace=False)
    return {"answers": [pool[int(index)] for index in sorted(chosen)]}


def register() -> None:
    """Register ``rlbench/Wordle-v0``."""
    from rlbench_suite.registry import MDPFamily

    register_language_env(
        "rlbench/Wordle-v0",
        "rlbench_suite.envs.language.wordle:WordleEnv",
        agents=("random", "wordle_infogain"),
        expert_agent="wordle_infogain",
        max_episode_steps=MAX_GUESSES,
        summary="LMRL-Gym's Wordle: find a five-letter word in six guesses from b/y/g feedback",
        mdp_family=MDPFamily(
            answer_family,
            "hidden-word pool: 500 of 1,766 training answers; held out 200 of 441 other answers",
        ),
    )


def return_bounds(**env_kwargs: Any) -> tuple[float, float]:
    """Smallest and largest episode return of ``WordleEnv(**env_kwargs)``: [-6, 0] by default.

    :meth:`WordleEnv._turn` pays -1 for every guess, invalid ones included, except the solving
    guess, which pays 0 and ends the episode. Lowest: ``max_guesses`` guesses without solving,
    -6; highest: solving with the first guess, 0.
    """
    import inspect

    # Binding to the class's own signature reads its defaults, so none is typed here twice.
    arguments = inspect.signature(WordleEnv).bind(**env_kwargs)
    arguments.apply_defaults()
    return -float(arguments.arguments["max_guesses"]), 0.0
