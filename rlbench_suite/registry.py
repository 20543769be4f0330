"""The suite catalogue: one :class:`EnvCard` per environment id, on top of Gymnasium's registry.

Single-agent envs are registered with Gymnasium under the namespace ``rlbench`` so that
``gym.make("rlbench/RMAB-TwoState-v0")`` works after ``import rlbench_suite``. Multi-agent envs
are PettingZoo ``ParallelEnv`` s built with :func:`make_multiagent`. Every id, either kind, has a
card that says what it is: family, objectives, observation kind, reference scores, the MDP family
its parameters are drawn from, and the paper it follows.
"""

from __future__ import annotations

import difflib
import functools
import importlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import gymnasium as gym
import numpy as np

NAMESPACE = "rlbench"

Split = Literal["in_distribution", "held_out"]
SPLITS: tuple[Split, ...] = ("in_distribution", "held_out")


@dataclass(frozen=True)
class ReferenceScores:
    """The anchors of the normalised score: a zero that means zero, and the expert's 100.

    The zero is the best of the random agent and a set of trivial policies that ignore what
    they observe (constant actions such as hover thrust or a no-op, always the same text; see
    :mod:`rlbench_suite.agents.trivial`), so a policy that learned nothing cannot score well:
    a normalised score is ``100 * (return - zero) / (expert - zero)``. ``zero_agent`` names the
    policy that set the zero, ``trivial`` holds every trivial policy's mean return.
    """

    random: float
    expert: float
    expert_agent: str
    episodes: int
    seed: int
    random_ci95: float
    expert_ci95: float
    source: str
    #: The mean return scored 0: the best of random and the trivial policies (None: random).
    zero: float | None = None
    zero_agent: str = "random"
    trivial: tuple[tuple[str, float], ...] = ()

    @property
    def zero_anchor(self) -> float:
        """The mean return that normalises to 0."""
        return self.random if self.zero is None else self.zero

    @property
    def usable(self) -> bool:
        """Whether normalised scores are defined: the expert beats the zero anchor."""
        return self.expert > self.zero_anchor

    def normalise(self, episode_return: float | np.ndarray) -> float | np.ndarray:
        """Map a return (or an array of them) to the 0 = zero anchor, 100 = expert scale."""
        if not self.usable:
            raise ValueError(
                f"reference scores have expert {self.expert} <= the zero anchor "
                f"{self.zero_anchor} ({self.zero_agent}); a normalised score is undefined"
            )
        spread = self.expert - self.zero_anchor
        return 100.0 * (np.asarray(episode_return, dtype=float) - self.zero_anchor) / spread

    def to_json(self) -> dict[str, Any]:
        """The scores as stored in a family's ``references.json``."""
        stored = {key: value for key, value in vars(self).items() if key != "trivial"}
        stored["trivial"] = dict(self.trivial)
        return stored

    @classmethod
    def from_json(cls, stored: Mapping[str, Any]) -> ReferenceScores:
        """Scores read back from ``references.json`` (older files have no zero anchor)."""
        fields = dict(stored)
        fields["trivial"] = tuple(sorted(dict(fields.get("trivial") or {}).items()))
        return cls(**fields)


@dataclass(frozen=True)
class MDPFamily:
    """A distribution over an env's parameters, with an in-distribution and a held-out split.

    ``sampler(rng, split)`` returns keyword arguments for ``gym.make`` (or
    :func:`make_multiagent`); the default instance is what ``gym.make(id)`` builds with no
    arguments. Following Jayawardana et al. ("The Impact of Task Underspecification in Evaluating
    Deep RL"), an agent is scored on instances drawn from both splits beside the default one.
    """

    sampler: Callable[[np.random.Generator, Split], dict[str, Any]]
    description: str

    def sample(
        self, num_instances: int, split: Split = "in_distribution", seed: int = 0
    ) -> list[dict[str, Any]]:
        """Draw ``num_instances`` keyword-argument sets from ``split``, reproducibly."""
        if split not in SPLITS:
            raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
        if num_instances < 1:
            raise ValueError(f"num_instances must be >= 1, got {num_instances}")
        # The split is folded into the seed so the two splits never share a random stream.
        rng = np.random.default_rng([seed, SPLITS.index(split)])
        return [self.sampler(rng, split) for _ in range(num_instances)]


@dataclass(frozen=True)
class EnvCard:
    """What the suite knows about one environment id."""

    id: str
    family: str
    entry_point: str
    multi_agent: bool
    objectives: tuple[str, ...]
    observation_kind: Literal["vector", "text", "image", "graph"]
    anchor: str
    agents: tuple[str, ...]
    expert_agent: str
    mdp_family: MDPFamily | None = None
    native_kernel: bool = False
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    references: ReferenceScores | None = None
    summary: str = ""
    return_bounds: tuple[float, float] | None = None
    """The smallest and largest undiscounted episode return the default instance can produce.

    Per-step reward bounds times the horizon, plus any terminal terms, derived from the env's own
    constants by the ``return_bounds`` function at the end of its module; the leaderboard uses
    them to refuse impossible returns. For a multi-agent id they bound one agent's episode
    return; for a multi-objective id, every component of the return vector. A side the env
    does not cap is infinite (``null`` in :meth:`to_json`); ``None`` means the card states no
    bounds.
    """
    success_threshold: float | None = None
    """The episode return at which the anchor counts the task solved (gym-pybullet-drones'
    474.15 for a one_d_rpm hover), or ``None`` where the anchor has no such measure; reported
    beside the normalised score as the share of episodes that reach it."""
    success_source: str = ""
    reference_point: tuple[float, ...] | None = None
    """For a multi-objective id, the point hypervolumes are measured from: one value per
    objective, worse than any episode return the default instance can produce on that objective
    (all objectives maximised); ``None`` for single-objective ids."""

    @property
    def reward_dim(self) -> int:
        """Length of the reward vector (1 for scalar-reward envs)."""
        return len(self.objectives)

    def to_json(self) -> dict[str, Any]:
        """The card as plain JSON types, as ``rlbench list --json`` prints it."""
        return {
            "id": self.id,
            "family": self.family,
            "multi_agent": self.multi_agent,
            "objectives": list(self.objectives),
            "observation_kind": self.observation_kind,
            "anchor": self.anchor,
            "agents": list(self.agents),
            "expert_agent": self.expert_agent,
            "native_kernel": self.native_kernel,
            "mdp_family": self.mdp_family.description if self.mdp_family else None,
            "references": None if self.references is None else self.references.to_json(),
            "summary": self.summary,
            "return_bounds": (
                None
                if self.return_bounds is None
                # JSON has no infinity: an uncapped side is written as null.
                else [float(bound) if np.isfinite(bound) else None for bound in self.return_bounds]
            ),
            "success_threshold": self.success_threshold,
            "success_source": self.success_source,
            "reference_point": (
                None if self.reference_point is None else [float(v) for v in self.reference_point]
            ),
        }


_CATALOGUE: dict[str, EnvCard] = {}


def register_env(card: EnvCard, max_episode_steps: int | None = None) -> None:
    """Add ``card`` to the catalogue; single-agent ids are also registered with Gymnasium.

    An id already registered with another entry point raises, so two families cannot silently
    claim one name. The same id and entry point again (a family module imported a second time,
    as pytest's importlib mode and ``importlib.reload`` do) refreshes the card.
    """
    if not card.id.startswith(f"{NAMESPACE}/"):
        raise ValueError(f"env ids live in the {NAMESPACE!r} namespace, got {card.id!r}")
    existing = _CATALOGUE.get(card.id)
    if existing is not None and existing.entry_point != card.entry_point:
        raise ValueError(
            f"{card.id} is already registered to {existing.entry_point}; "
            f"refusing {card.entry_point}"
        )
    if card.expert_agent not in card.agents:
        raise ValueError(f"{card.id}: expert agent {card.expert_agent!r} is not in {card.agents}")
    if card.reference_point is not None and len(card.reference_point) != card.reward_dim:
        raise ValueError(
            f"{card.id}: reference_point has {len(card.reference_point)} values for "
            f"{card.reward_dim} objectives {card.objectives}"
        )
    _CATALOGUE[card.id] = card
    if not card.multi_agent and card.id not in gym.registry:
        gym.register(
            id=card.id,
            entry_point=card.entry_point,
            # An id with a C kernel vectorises natively: gym.make_vec takes the fast path.
            vector_entry_point=(
                functools.partial(_make_native_vector_env, card.id) if card.native_kernel else None
            ),
            max_episode_steps=max_episode_steps,
            kwargs=dict(card.kwargs),
            # Gymnasium's passive checker insists on scalar rewards; multi-objective envs return
            # a vector, as MO-Gymnasium's do, so the checker would warn on every step.
            disable_env_checker=card.reward_dim > 1,
        )


def _make_native_vector_env(env_id: str, **kwargs: Any) -> gym.vector.VectorEnv:
    # Imported on use, so that `import rlbench_suite` never loads the C extension.
    from rlbench_suite.vector import make_vector_env

    return make_vector_env(env_id, **kwargs)


def load_references(path: Path) -> dict[str, ReferenceScores]:
    """Read a family's ``references.json`` (written by ``rlbench references --write``)."""
    if not path.exists():
        return {}
    try:
        raw = json.loads(path.read_text())
        return {env_id: ReferenceScores.from_json(entry) for env_id, entry in raw.items()}
    except (json.JSONDecodeError, TypeError) as error:
        raise ValueError(f"{path} is not a valid reference-score file: {error}") from error


def list_envs(family: str | None = None, multi_agent: bool | None = None) -> list[str]:
    """Ids in the catalogue, sorted, optionally filtered by family and by agent count."""
    return sorted(
        card.id
        for card in _CATALOGUE.values()
        if (family is None or card.family == family)
        and (multi_agent is None or card.multi_agent == multi_agent)
    )


def missing_dependency(env_id: str) -> str | None:
    """Why ``env_id`` cannot be built here (an optional package or binary), or ``None``.

    Envs behind an extra (Chess and Endgames need python-chess and Stockfish) raise
    ``ImportError`` or ``FileNotFoundError`` naming what to install; commands that run every
    env skip those with that message instead of failing.
    """
    card = env_card(env_id)
    try:
        env = make_multiagent(env_id) if card.multi_agent else gym.make(card.id)
    except (ImportError, FileNotFoundError) as error:
        return str(error)
    env.close()
    return None


def families() -> list[str]:
    """The family names present in the catalogue."""
    return sorted({card.family for card in _CATALOGUE.values()})


def env_card(env_id: str) -> EnvCard:
    """The card of ``env_id``; an unknown id raises KeyError with the closest known ids."""
    env_id = _strip_module_prefix(env_id)
    try:
        return _CATALOGUE[env_id]
    except KeyError:
        close = difflib.get_close_matches(env_id, list(_CATALOGUE), n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise KeyError(f"unknown env id {env_id!r}{hint} (see `rlbench list`)") from None


def make_multiagent(env_id: str, **kwargs: Any) -> Any:
    """Build the PettingZoo ``ParallelEnv`` registered as ``env_id``."""
    card = env_card(env_id)
    if not card.multi_agent:
        raise ValueError(f"{card.id} is a single-agent env: build it with gymnasium.make")
    factory = _load_entry_point(card.entry_point)
    return factory(**{**card.kwargs, **kwargs})


def make(env_id: str, **kwargs: Any) -> Any:
    """Build any catalogue id: Gymnasium env for single-agent ids, ParallelEnv otherwise."""
    card = env_card(env_id)
    if card.multi_agent:
        return make_multiagent(card.id, **kwargs)
    return gym.make(card.id, **kwargs)


def _strip_module_prefix(env_id: str) -> str:
    # Gymnasium accepts "module:namespace/Name-v0"; the catalogue keys on the part after ':'.
    return env_id.split(":", 1)[1] if ":" in env_id else env_id


def _load_entry_point(entry_point: str) -> Callable[..., Any]:
    module_name, _, attribute = entry_point.partition(":")
    return getattr(importlib.import_module(module_name), attribute)
