"""Wrappers that let ordinary RL libraries train on the text envs of the language family.

A language env speaks text both ways; an off-the-shelf algorithm (SB3's PPO or DQN) wants a
``Discrete`` action and a fixed-size vector. Two wrappers bridge the gap:

- :class:`DiscreteTextActions` turns ``Discrete(n)`` indices into a fixed list of utterances
  (by default the env's ``action_vocabulary()``);
- :class:`TextToVector` turns the transcript into a ``float32`` vector in ``[0, 1]`` with a
  :class:`TextFeaturizer`.

:func:`make_trainable` applies both to a registered env::

    from stable_baselines3 import PPO
    env = make_trainable("rlbench/Maze-v0")
    PPO("MlpPolicy", env).learn(50_000)

How the featurizer reads a transcript
-------------------------------------

The transcript is ``opening`` followed by turns ``"\\n> utterance\\nreply"`` (the ``> `` is the
env's ``agent_prefix``). What a policy needs is mostly in the *latest* turn: in Maze the reply
says where the agent stands now, and the same words ("position 5, 3") occur dozens of times
earlier in the transcript with other numbers. Hashing the whole transcript into one bag would
bury the current position under the history, so the vector has separate blocks:

========================  ============  ====================================================
block                     share        what it counts
========================  ============  ====================================================
latest reply              3/8           unigrams and bigrams of the env's last text (the
                                        opening before the first turn), presence 0/1
latest utterance          1/8           unigrams and bigrams of the agent's last utterance
recent turns              1/4           unigrams and bigrams of the ``recent_turns`` turns
                                        before the latest one, presence 0/1
whole observation         1/4           unigram counts over the whole text, squashed as
                                        ``min(1, log2(1 + count) / 6)``
scalars                   3 entries     turns so far / ``max_turns``; latest reply length /
                                        500; observation length / the space's max_length
========================  ============  ====================================================

Bigrams matter: "5 3" and "3 5" share their unigrams, but not their bigrams, so a hashed bigram
block gives each Maze cell its own few features, which a small MLP can read as a position code.
Tokens are lower-cased runs of letters or digits. With ``method="hashing"`` a token goes to the
bucket ``zlib.crc32(token) % block_size``; CRC-32 is fixed by its standard, whereas Python's
``hash()`` of a string changes with every process (``PYTHONHASHSEED``), which would make a
trained policy's inputs differ between the run that trained it and the run that evaluates it.
With ``method="bag_of_words"`` each block has one entry per vocabulary term (unigram or bigram)
plus a last entry counting the terms outside it; the vocabulary is given, or read from the
env's action vocabulary and the openings of ``vocabulary_resets`` seeded resets of a copy of
the env (no steps are taken, so building it is cheap even where a step runs a chess engine).
"""

from __future__ import annotations

import copy
import re
import zlib
from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import pairwise
from typing import Any, Literal

import gymnasium as gym
import numpy as np
from gymnasium import spaces

#: Default vector size; big enough that Maze's cells rarely share their bigram buckets.
DEFAULT_SIZE = 512
#: Blocks of the vector in order, with their share of the dimensions left after the scalars.
BLOCK_SHARES: tuple[tuple[str, float], ...] = (
    ("reply", 3 / 8),
    ("utterance", 1 / 8),
    ("recent", 1 / 4),
    ("observation", 1 / 4),
)
SCALAR_NAMES: tuple[str, ...] = ("turn_fraction", "reply_length", "observation_fill")
#: A reply of this many characters reads as 1.0 in the ``reply_length`` scalar.
REPLY_LENGTH_SCALE = 500.0
#: ``log2(1 + count) / 6`` reaches 1 at 63 occurrences of a token in the whole observation.
COUNT_SATURATION_BITS = 6.0
#: Terms whose hashed bucket a featurizer remembers before it starts afresh.
MAX_CACHED_TERMS = 100_000
MIN_SIZE = len(SCALAR_NAMES) + 4 * len(BLOCK_SHARES)

_TOKEN = re.compile(r"[a-z]+|[0-9]+")
Method = Literal["hashing", "bag_of_words"]


def tokens(text: str) -> list[str]:
    """The lower-cased runs of letters or of digits in ``text``.

    >>> tokens("Your current position is at position 5, 3.")
    ['your', 'current', 'position', 'is', 'at', 'position', '5', '3']
    """
    return _TOKEN.findall(text.lower())


def unigrams_and_bigrams(words: Sequence[str]) -> list[str]:
    """``words`` followed by each adjacent pair joined by a space."""
    return [*words, *(f"{left} {right}" for left, right in pairwise(words))]


def split_transcript(text: str, agent_prefix: str = "> ", recent_turns: int = 4) -> dict[str, str]:
    """The latest reply, the latest utterance and the ``recent_turns`` turns before them.

    Before the first turn the latest reply is the whole text and the other parts are empty.

    >>> parts = split_transcript("Start.\\n> go north\\nA hall.\\n> go east\\nA kitchen.")
    >>> parts["reply"], parts["utterance"], parts["recent"]
    ('A kitchen.', 'go east', '\\n> go north\\nA hall.')
    """
    marker = "\n" + agent_prefix
    latest = text.rfind(marker)
    if latest < 0:
        return {"reply": text, "utterance": "", "recent": ""}
    utterance, _, reply = text[latest + len(marker) :].partition("\n")
    start = latest
    for _ in range(recent_turns):
        previous = text.rfind(marker, 0, start)
        if previous < 0:
            break
        start = previous
    recent = text[start:latest] if start < latest else ""
    return {"reply": reply, "utterance": utterance, "recent": recent}


def _token_boundary(text: str, position: int) -> bool:
    """Whether no token of ``text`` spans ``position`` (so both sides tokenise apart)."""
    if position <= 0 or position >= len(text):
        return True
    before, after = text[position - 1], text[position]
    if not (before.isascii() and after.isascii()):
        return False  # lower() can turn a non-ASCII letter into an ASCII one; recount to be safe
    return not ((before.isalpha() and after.isalpha()) or (before.isdigit() and after.isdigit()))


def _stable_bucket(term: str, size: int) -> int:
    return zlib.crc32(term.encode("utf-8")) % size


def block_sizes(size: int) -> dict[str, int]:
    """How many entries each block gets in a ``size``-sized vector (the scalars come last)."""
    if not isinstance(size, int | np.integer) or isinstance(size, bool) or size < MIN_SIZE:
        raise ValueError(f"size must be an integer of at least {MIN_SIZE}, got {size!r}")
    room = int(size) - len(SCALAR_NAMES)
    sizes = {name: int(room * share) for name, share in BLOCK_SHARES[:-1]}
    sizes[BLOCK_SHARES[-1][0]] = room - sum(sizes.values())
    return sizes


class TextFeaturizer:
    """Maps a transcript to a fixed-size ``float32`` vector in ``[0, 1]`` (layout: module doc).

    >>> featurizer = TextFeaturizer(size=64)
    >>> vector = featurizer("The goal is at position 8, 6.\\n> move up\\nYou are at 5, 3.")
    >>> vector.shape, vector.dtype, bool(vector.min() >= 0.0 and vector.max() <= 1.0)
    ((64,), dtype('float32'), True)
    >>> bool((vector == featurizer("The goal is at position 8, 6.")).all())
    False

    Args:
        size: length of the vector (at least ``MIN_SIZE``).
        method: ``"hashing"`` (default; no vocabulary needed) or ``"bag_of_words"``.
        vocabulary: the terms (unigrams, or bigrams as ``"left right"``) of ``"bag_of_words"``;
            each block keeps the first ``block_size - 1`` of them, in the given order.
        agent_prefix: what starts an agent utterance in the transcript (after a newline).
        recent_turns: turns before the latest one that the "recent" block reads.
        max_turns: the ``turn_fraction`` scalar's denominator.
        max_length: the ``observation_fill`` scalar's denominator (characters).

    """

    def __init__(
        self,
        size: int = DEFAULT_SIZE,
        method: Method = "hashing",
        vocabulary: Sequence[str] | None = None,
        agent_prefix: str = "> ",
        recent_turns: int = 4,
        max_turns: int = 100,
        max_length: int = 20_000,
    ) -> None:
        self.blocks = block_sizes(size)
        self.size = int(size)
        if method not in ("hashing", "bag_of_words"):
            raise ValueError(f"method must be 'hashing' or 'bag_of_words', got {method!r}")
        if method == "bag_of_words" and not vocabulary:
            raise ValueError("method='bag_of_words' needs a non-empty vocabulary of terms")
        if method == "hashing" and vocabulary is not None:
            raise ValueError("a vocabulary is only used with method='bag_of_words'")
        if isinstance(recent_turns, bool) or int(recent_turns) != recent_turns or recent_turns < 0:
            raise ValueError(f"recent_turns must be a non-negative integer, got {recent_turns!r}")
        if isinstance(max_turns, bool) or int(max_turns) != max_turns or max_turns < 1:
            raise ValueError(f"max_turns must be a positive integer, got {max_turns!r}")
        if int(max_length) < 1:
            raise ValueError(f"max_length must be a positive integer, got {max_length!r}")
        self.method = method
        self.vocabulary = None if vocabulary is None else [str(term) for term in vocabulary]
        self.agent_prefix = agent_prefix
        self.recent_turns = int(recent_turns)
        self.max_turns = int(max_turns)
        self.max_length = int(max_length)
        # Per block: term -> index; only for bag_of_words (its last index counts unknown terms).
        self._indices: dict[str, dict[str, int]] = {}
        if self.vocabulary is not None:
            for name, size in self.blocks.items():
                kept = list(dict.fromkeys(self.vocabulary))[: size - 1]
                self._indices[name] = {term: index for index, term in enumerate(kept)}
        # Speed only (the vector is the same without them): hashing remembers each term's
        # bucket, and the whole-observation counts of the previous call are extended rather than
        # recounted when the new text continues it, as a transcript does from turn to turn.
        self._bucket_cache: dict[str, dict[str, int]] = {name: {} for name in self.blocks}
        self._counted_text = ""
        self._counts = np.zeros(self.blocks["observation"], dtype=np.float32)

    def _term_indices(self, block: str, terms: Iterable[str]) -> list[int]:
        size = self.blocks[block]
        if self.method == "bag_of_words":
            known = self._indices[block]
            return [known.get(term, size - 1) for term in terms]
        cache = self._bucket_cache[block]
        if len(cache) > MAX_CACHED_TERMS:  # free text can coin terms without end
            cache.clear()
        indices = []
        for term in terms:
            index = cache.get(term)
            if index is None:
                index = cache[term] = _stable_bucket(term, size)
            indices.append(index)
        return indices

    def _presence(self, block: str, text: str) -> np.ndarray:
        vector = np.zeros(self.blocks[block], dtype=np.float32)  # (block_size,)
        vector[self._term_indices(block, unigrams_and_bigrams(tokens(text)))] = 1.0
        return vector

    def _squashed_counts(self, text: str) -> np.ndarray:
        previous = self._counted_text
        if previous and text.startswith(previous) and _token_boundary(text, len(previous)):
            counts, new_text = self._counts.copy(), text[len(previous) :]
        else:
            counts, new_text = np.zeros_like(self._counts), text  # (block_size,)
        np.add.at(counts, self._term_indices("observation", tokens(new_text)), 1.0)
        self._counted_text, self._counts = text, counts
        return np.minimum(1.0, np.log2(1.0 + counts) / COUNT_SATURATION_BITS)

    def __call__(self, text: str) -> np.ndarray:
        """The feature vector of ``text``, shape ``(size,)``, dtype ``float32``, in ``[0, 1]``."""
        parts = split_transcript(text, self.agent_prefix, self.recent_turns)
        turns = text.count("\n" + self.agent_prefix)
        scalars = np.array(
            [
                min(1.0, turns / self.max_turns),
                min(1.0, len(parts["reply"]) / REPLY_LENGTH_SCALE),
                min(1.0, len(text) / self.max_length),
            ],
            dtype=np.float32,
        )
        return np.concatenate(
            [
                self._presence("reply", parts["reply"]),
                self._presence("utterance", parts["utterance"]),
                self._presence("recent", parts["recent"]),
                self._squashed_counts(text),
                scalars,
            ]
        )

    def feature_names(self) -> list[str]:
        """A name per entry: ``block:term`` for bag-of-words, ``block#bucket`` for hashing."""
        names: list[str] = []
        for block, size in self.blocks.items():
            if self.method == "bag_of_words":
                by_index = {index: term for term, index in self._indices[block].items()}
                names += [f"{block}:{by_index.get(i, '<other>')}" for i in range(size)]
            else:
                names += [f"{block}#{bucket}" for bucket in range(size)]
        return names + list(SCALAR_NAMES)


def vocabulary_from_env(env: gym.Env, resets: int = 32, seed: int = 0) -> list[str]:
    """Terms seen in the action vocabulary and in ``resets`` seeded openings, most frequent first.

    The openings come from a deep copy of ``env.unwrapped``, so ``env``'s own random state is
    left as it was. Ties are broken alphabetically, so the list is the same on every machine.
    """
    counts: Counter[str] = Counter()
    base = env.unwrapped
    vocabulary_of = getattr(base, "action_vocabulary", None)
    if vocabulary_of is not None:
        for utterance in vocabulary_of():
            counts.update(unigrams_and_bigrams(tokens(utterance)))
    scratch = copy.deepcopy(base)
    try:
        for offset in range(resets):
            opening, _ = scratch.reset(seed=seed + offset)
            counts.update(unigrams_and_bigrams(tokens(str(opening))))
    finally:
        scratch.close()
    return [term for term, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]


def _text_space(space: gym.Space, wrapper: str, kind: str) -> spaces.Text:
    if not isinstance(space, spaces.Text):
        raise TypeError(f"{wrapper} needs an env with a Text {kind} space, got {space}")
    return space


class DiscreteTextActions(gym.ActionWrapper, gym.utils.RecordConstructorArgs):
    """``Discrete(n)`` actions, each standing for one fixed utterance.

    Args:
        env: an env whose action space is ``spaces.Text``.
        actions: the utterances, in index order; default ``env.unwrapped.action_vocabulary()``.

    An index outside ``[0, n)`` raises ``ValueError``; a non-integer raises ``TypeError``.

    """

    def __init__(self, env: gym.Env, actions: Sequence[str] | None = None) -> None:
        # Recording the arguments lets env.spec (and gym.make(env.spec)) rebuild the stack.
        gym.utils.RecordConstructorArgs.__init__(
            self, actions=None if actions is None else list(actions)
        )
        gym.ActionWrapper.__init__(self, env)
        text_space = _text_space(env.action_space, "DiscreteTextActions", "action")
        if actions is None:
            vocabulary_of = getattr(env.unwrapped, "action_vocabulary", None)
            if vocabulary_of is None:
                raise ValueError(
                    "DiscreteTextActions needs actions=[...] for an env without "
                    f"action_vocabulary(); got {type(env.unwrapped).__name__}"
                )
            actions = vocabulary_of()
        actions = list(actions)
        if not actions:
            raise ValueError("DiscreteTextActions needs at least one utterance, got an empty list")
        for index, utterance in enumerate(actions):
            if not isinstance(utterance, str):
                raise TypeError(
                    f"DiscreteTextActions: utterance {index} must be a str, "
                    f"got {type(utterance).__name__} {utterance!r}"
                )
            if utterance not in text_space:
                raise ValueError(
                    f"DiscreteTextActions: utterance {index} {utterance!r} is outside the env's "
                    f"action space {text_space}"
                )
        self.actions: list[str] = actions
        self.action_space = spaces.Discrete(len(actions))

    def action(self, action: Any) -> str:
        """The utterance of index ``action`` (an int, a NumPy integer or a 0-d/1-element array)."""
        index = np.asarray(action)
        if index.size != 1 or not np.issubdtype(index.dtype, np.integer):
            raise TypeError(
                f"DiscreteTextActions expects an integer index in [0, {len(self.actions)}), "
                f"got {type(action).__name__} {action!r}"
            )
        position = int(index.reshape(()))
        if not 0 <= position < len(self.actions):
            raise ValueError(
                f"DiscreteTextActions expects an index in [0, {len(self.actions)}), got {position}"
            )
        return self.actions[position]


class TextToVector(gym.ObservationWrapper, gym.utils.RecordConstructorArgs):
    """The transcript as a fixed-size ``float32`` vector in ``[0, 1]`` (see the module doc).

    Args:
        env: an env whose observation space is ``spaces.Text``.
        size: vector length.
        method: ``"hashing"`` or ``"bag_of_words"``.
        vocabulary: terms for ``"bag_of_words"``; default :func:`vocabulary_from_env`.
        recent_turns: turns before the latest one that the "recent" block reads.
        vocabulary_resets: openings read to build the default vocabulary.

    ``featurizer`` holds the :class:`TextFeaturizer`, whose ``feature_names()`` label entries.

    """

    def __init__(
        self,
        env: gym.Env,
        size: int = DEFAULT_SIZE,
        method: Method = "hashing",
        vocabulary: Sequence[str] | None = None,
        recent_turns: int = 4,
        vocabulary_resets: int = 32,
    ) -> None:
        gym.utils.RecordConstructorArgs.__init__(
            self,
            size=size,
            method=method,
            vocabulary=None if vocabulary is None else list(vocabulary),
            recent_turns=recent_turns,
            vocabulary_resets=vocabulary_resets,
        )
        gym.ObservationWrapper.__init__(self, env)
        text_space = _text_space(env.observation_space, "TextToVector", "observation")
        if method == "bag_of_words" and vocabulary is None:
            vocabulary = vocabulary_from_env(env, resets=vocabulary_resets)
        base = env.unwrapped
        self.featurizer = TextFeaturizer(
            size=size,
            method=method,
            vocabulary=vocabulary,
            agent_prefix=getattr(base, "agent_prefix", "> "),
            recent_turns=recent_turns,
            max_turns=int(getattr(base, "max_turns", 100)),
            max_length=text_space.max_length,
        )
        self.observation_space = spaces.Box(
            0.0, 1.0, shape=(self.featurizer.size,), dtype=np.float32
        )

    def observation(self, observation: str) -> np.ndarray:
        """The feature vector of the transcript ``observation``."""
        return self.featurizer(observation)


def make_trainable(
    env_id: str,
    *,
    actions: Sequence[str] | None = None,
    size: int = DEFAULT_SIZE,
    method: Method = "hashing",
    vocabulary: Sequence[str] | None = None,
    recent_turns: int = 4,
    **env_kwargs: Any,
) -> gym.Env:
    """``gym.make(env_id, **env_kwargs)`` wrapped for SB3: ``Discrete`` actions, vector inputs.

    :class:`DiscreteTextActions` (``actions``) inside :class:`TextToVector` (``size``, ``method``,
    ``vocabulary``, ``recent_turns``): the ``Discrete`` action space and ``Box`` observation space
    that SB3's ``MlpPolicy`` expects.
    """
    env = gym.make(env_id, **env_kwargs)
    env = DiscreteTextActions(env, actions)
    return TextToVector(
        env, size=size, method=method, vocabulary=vocabulary, recent_turns=recent_turns
    )


__all__ = [
    "DEFAULT_SIZE",
    "DiscreteTextActions",
    "TextFeaturizer",
    "TextToVector",
    "make_trainable",
    "split_transcript",
    "tokens",
    "vocabulary_from_env",
]
