"""What every multi-turn language env shares: text spaces, the transcript, turn accounting.

A task subclasses :class:`LanguageEnv` and writes three hooks:

- ``_begin()`` starts an episode (draw the hidden state from ``self.np_random``) and returns the
  opening text the agent reads;
- ``_turn(action)`` answers one agent utterance with a :class:`Turn`;
- ``action_vocabulary()`` lists a fixed, finite set of useful utterances, which the ``Discrete``
  wrapper turns into an action space an ordinary RL library can train on.

Tasks with a finite command set (Maze, TextNav, Endgames) also override ``admissible_actions()``;
the base puts that list in ``info["admissible_actions"]``. The base checks the action's type,
counts turns, truncates after ``max_turns``, keeps the transcript, and fills ``info`` with
``success``, ``invalid_action``, ``turns`` and ``invalid_actions`` (the scoring harness reads the
numeric ones as the episode's domain metrics).
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from rlbench_suite.envs.validation import EnvContract, env_name

PRINTABLE = string.printable
PRINTABLE_SET = frozenset(PRINTABLE)


@dataclass(frozen=True)
class Turn:
    """The env's answer to one utterance.

    ``reply`` is appended to the transcript; ``invalid`` marks malformed text (the task's
    penalty is already in ``reward``); ``success`` is set on the turn that wins the task.
    """

    reply: str
    reward: float
    terminated: bool = False
    invalid: bool = False
    success: bool = False


def printable(text: str) -> str:
    """``text`` with every character outside ``string.printable`` replaced by ``?``."""
    return "".join(char if char in PRINTABLE_SET else "?" for char in text)


class LanguageEnv(EnvContract, gym.Env[str, str]):
    """A string-in, string-out Gymnasium env whose observation is the whole transcript.

    Reset options: none here; a task that takes some lists them in ``reset_options`` (Maze's
    ``start``, Chess's ``fen``) and reads them in its own ``reset`` before calling this one.

    Args:
        max_turns: agent utterances before truncation.
        render_mode: ``"ansi"`` returns the transcript.
        max_observation_length: the observation space's ``max_length``; the transcript keeps
            its opening and drops its oldest turns (marked ``...``) when it would exceed it.
        max_action_length: the action space's ``max_length``; longer text is malformed.

    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["ansi"], "render_fps": 1}
    #: Printed between the agent's utterance and the env's reply in the transcript.
    agent_prefix: ClassVar[str] = "> "

    def __init__(
        self,
        max_turns: int,
        render_mode: str | None = None,
        max_observation_length: int = 20_000,
        max_action_length: int = 400,
    ) -> None:
        name = type(self).__name__
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(
                f"{name}: render_mode must be one of {self.metadata['render_modes']} or None, "
                f"got {render_mode!r}"
            )
        for label, value in (
            ("max_turns", max_turns),
            ("max_observation_length", max_observation_length),
            ("max_action_length", max_action_length),
        ):
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
                raise ValueError(f"{name}: {label} must be a positive integer, got {value!r}")
        self.max_turns = int(max_turns)
        self.render_mode = render_mode
        self.observation_space = spaces.Text(
            max_length=max_observation_length, min_length=0, charset=PRINTABLE
        )
        self.action_space = spaces.Text(
            max_length=max_action_length, min_length=0, charset=PRINTABLE
        )
        self._opening = ""
        self._turn_texts: list[str] = []
        self.turns = 0
        self.invalid_actions = 0
        self.succeeded = False

    # -- hooks a task writes ------------------------------------------------------------------

    def _begin(self) -> str:
        """Start an episode from ``self.np_random``; return the opening text."""
        raise NotImplementedError

    def _turn(self, action: str) -> Turn:
        """Answer one utterance (already checked to be a ``str``)."""
        raise NotImplementedError

    def action_vocabulary(self) -> list[str]:
        """A fixed list of utterances, the same every episode, for the ``Discrete`` wrapper."""
        raise NotImplementedError

    def admissible_actions(self) -> list[str] | None:
        """The valid commands now, where the task has a finite set; ``None`` otherwise."""
        return None

    def _observation(self) -> str:
        """What the agent reads: by default the transcript (PO variants override)."""
        return self.transcript

    def _extra_info(self) -> dict[str, Any]:
        """Task-specific entries for ``info`` (numbers among them become episode metrics)."""
        return {}

    # -- the Gymnasium API ----------------------------------------------------------------------

    @property
    def transcript(self) -> str:
        """The opening text and every turn so far, shortened from the front to fit the space."""
        limit = self.observation_space.max_length
        text = self._opening + "".join(self._turn_texts)
        if len(text) <= limit:
            return text
        kept: list[str] = []
        room = limit - len(self._opening) - len("\n...")
        for turn_text in reversed(self._turn_texts):
            if len(turn_text) > room:
                break
            kept.append(turn_text)
            room -= len(turn_text)
        return (self._opening + "\n..." + "".join(reversed(kept)))[:limit]

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[str, dict[str, Any]]:
        """Start an episode; ``seed`` fixes the hidden state and the partner's choices."""
        super().reset(seed=seed, options=options)
        self.turns = 0
        self.invalid_actions = 0
        self.succeeded = False
        self._turn_texts = []
        self._opening = printable(self._begin())
        return self._observation(), self._info(invalid=False)

    def step(self, action: str) -> tuple[str, float, bool, bool, dict[str, Any]]:
        """Say ``action``; a non-string raises ``TypeError``, malformed text gets the penalty."""
        self._warn_if_stepped_out_of_episode()
        if not isinstance(action, str):
            raise TypeError(
                f"{env_name(self)}: actions are text in {self.action_space}, "
                f"got {type(action).__name__} {action!r}"
            )
        if len(action) > self.action_space.max_length:
            # Too long to be a command; the task still judges it, on the prefix it can read.
            action = action[: self.action_space.max_length]
        action = printable(action)
        turn = self._turn(action)
        self.turns += 1
        self.invalid_actions += int(turn.invalid)
        self.succeeded = self.succeeded or turn.success
        self._turn_texts.append(f"\n{self.agent_prefix}{action}\n{printable(turn.reply)}")
        truncated = not turn.terminated and self.turns >= self.max_turns
        self._record_step_end(turn.terminated, truncated)
        return (
            self._observation(),
            float(turn.reward),
            bool(turn.terminated),
            truncated,
            self._info(invalid=turn.invalid),
        )

    def _info(self, invalid: bool) -> dict[str, Any]:
        info: dict[str, Any] = {
            "success": self.succeeded,
            "invalid_action": invalid,
            "turns": self.turns,
            "invalid_actions": self.invalid_actions,
        }
        admissible = self.admissible_actions()
        if admissible is not None:
            info["admissible_actions"] = list(admissible)
        info.update(self._extra_info())
        return info

    def sample_feasible_action(self, rng: np.random.Generator) -> str:
        """A random valid utterance: uniform over the admissible actions or the vocabulary.

        The random reference agent calls this, so "random" means random among sensible
        utterances rather than random characters.
        """
        choices = self.admissible_actions() or self.action_vocabulary()
        return choices[int(rng.integers(len(choices)))]

    def render(self) -> str | None:
        """The transcript, for ``render_mode="ansi"``."""
        if self.render_mode == "ansi":
            return self.transcript
        return None


def transcript_turns(transcript: str) -> list[tuple[str, str]]:
    r"""(utterance, reply) pairs read back from a transcript, oldest first.

    The inverse of how :class:`LanguageEnv` writes a turn (``"\n> utterance\nreply"``), so
    agents that play from the text can read it; a transcript shortened from the front has lost
    its oldest turns.

    Example:
        >>> transcript_turns("Guess a number.\n> guess 3\nHigher.\n> guess 4\nCorrect.")
        [('guess 3', 'Higher.'), ('guess 4', 'Correct.')]

    """
    turns = []
    for chunk in transcript.split(f"\n{LanguageEnv.agent_prefix}")[1:]:
        utterance, _, reply = chunk.partition("\n")
        turns.append((utterance, reply))
    return turns


FAMILY = "language"
LMRL_GYM = "Abdulhai et al., LMRL Gym: Benchmarks for Multi-Turn RL with Language Models, 2023"


def register_language_env(
    env_id: str,
    entry_point: str,
    agents: tuple[str, ...],
    expert_agent: str,
    max_episode_steps: int,
    summary: str,
    mdp_family: Any = None,
    anchor: str = LMRL_GYM,
    kwargs: dict[str, Any] | None = None,
) -> None:
    """Register one language task with the suite's registry (and so with Gymnasium).

    ``agents`` always starts with ``"random"``; the references come from the family's
    ``data/references.json`` (written by ``rlbench references --write``).
    """
    from pathlib import Path

    from rlbench_suite.registry import EnvCard, load_references, register_env

    references = load_references(Path(__file__).parent / "data" / "references.json")
    register_env(
        EnvCard(
            id=env_id,
            family=FAMILY,
            entry_point=entry_point,
            multi_agent=False,
            objectives=("reward",),
            observation_kind="text",
            anchor=anchor,
            agents=agents,
            expert_agent=expert_agent,
            mdp_family=mdp_family,
            kwargs=kwargs or {},
            references=references.get(env_id),
            summary=summary,
        ),
        max_episode_steps=max_episode_steps,
    )
