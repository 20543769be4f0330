"""Offline datasets from behaviour policies, in Minari's format (``rlbench dataset``).

LMRL-Gym ships offline datasets that mix good and poor play for BC, filtered BC and ILQL. Ours
are generated: a *behaviour* mixes the env's named agents with weights, e.g.
``expert:0.7,random:0.3`` (``expert`` resolves to the env card's expert; any agent on the card
may be named). The mixture is drawn either

- per **episode** (default): each episode is played by one agent, drawn with the weights, so
  the dataset holds whole expert and whole random episodes, as LMRL-Gym's do; or
- per **step**: every action is drawn from one agent, drawn afresh each step (an
  epsilon-greedy-like behaviour for ``expert:0.9,random:0.1``). The reference language agents
  read their state from the transcript, so an expert resumes sensibly after another agent's
  move; an agent that tracks its own past commands (TextNav's solver) can play worse than alone.
  The data is still exactly what was played.

The draws, the env and the agents are all seeded, so equal arguments write equal datasets.

    rlbench dataset --env rlbench/Maze-v0 --behaviour expert:0.7,random:0.3 \\
        --episodes 200 --seed 0 --out datasets

What is stored, per episode (Minari's HDF5 storage, loadable with ``minari.load_dataset``)
------------------------------------------------------------------------------------------

=================  ===========================================================================
observations       every observation, the reset one included: the transcript strings of a
                   language env, verbatim (Minari serialises ``spaces.Text`` and stores text
                   as UTF-8 strings, so no vector or index encoding is needed)
actions            the actions played (utterances for a language env)
rewards, ...       ``rewards``, ``terminations``, ``truncations``
infos              ``behaviour_agent``: per observation, the index (in the dataset metadata's
                   ``behaviour_agents``) of the agent whose action led to it, -1 for the reset
                   observation; and the numeric entries of the env's ``info`` present at every
                   step (``success``, ``invalid_action``, ``turns``, ...). Lists such as
                   ``admissible_actions`` are left out: HDF5 cannot hold a ragged list a step
seed               the episode's reset seed (``seed + i`` for episode ``i``)
metadata           ``behaviour_agent`` (the agent's name in the behaviour, or ``"per-step"``)
                   and ``return``
=================  ===========================================================================

The dataset's metadata adds ``behaviour`` (normalised weights), ``behaviour_mixture``
(``"episode"`` or ``"step"``), ``behaviour_agents`` (the names, in index order),
``agent_names`` (what each resolved to, e.g. ``maze_bfs``), ``episode_behaviour`` (one entry
per episode), ``seed`` and ``env_kwargs``, and the env's reference scores as Minari's
``ref_min_score``/``ref_max_score`` when the env runs with its default arguments.

A dataset appears whole or not at all: it is written into a hidden staging folder inside the
output folder (``.rlbench-dataset-<host>.<pid>.<token>``) and renamed into place once complete,
so an interrupted run leaves no half dataset, and an existing dataset is never overwritten. A
run killed outright (SIGKILL, a power cut) cannot remove its staging folder; the next write into
the same folder does (:func:`remove_stale_staging`).

The episodes are collected by the suite's own loop and handed to
``minari.create_dataset_from_buffers``; Minari's ``DataCollector`` wrapper would do the same
but needs JAX (the ``minari[create]`` extra) for its step buffer, a heavy dependency for
appending to lists. Minari's HDF5 storage needs ``h5py`` (the ``minari[hdf5]`` extra).

>>> parse_behaviour("expert:3, random:1")
{'expert': 0.75, 'random': 0.25}
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
import secrets
import shutil
import socket
import time
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

DEFAULT_BEHAVIOUR: Mapping[str, float] = {"expert": 0.5, "random": 0.5}
BEHAVIOUR_FORMAT = "comma-separated name:weight pairs such as 'expert:0.7,random:0.3'"
MIXTURES = ("episode", "step")
#: ``infos["behaviour_agent"]`` of the reset observation, which no agent's action led to.
NO_AGENT = -1
#: Spawn key that separates the behaviour draws from the env's and the agents' streams.
MIX_STREAM = 0xD47A
AUTHOR = "rlbench_suite"
CODE_PERMALINK = "https://github.com/rlbench-suite/rlbench_suite"
#: Minari marks each namespace folder with this file.
NAMESPACE_METADATA = "namespace_metadata.json"
#: Staging folders are named ``<prefix><host>.<pid>.<token>`` inside the output folder.
STAGING_PREFIX = ".rlbench-dataset-"
#: A staging folder lives only while Minari writes the collected episodes (seconds to minutes),
#: so one this old is stale whoever made it, even a process on another host of a shared disk.
STAGING_MAX_AGE_SECONDS = 24 * 3600


def _import_minari() -> Any:
    try:
        import h5py  # noqa: F401  (Minari's default storage; checked here to name the extra)
        import minari
    except ImportError as error:
        raise ImportError(
            f"writing datasets needs Minari with its HDF5 storage ({error}); "
            "install them with pip install 'rlbench-suite[offline]' 'minari[hdf5]'"
        ) from None
    return minari


def parse_behaviour(text: str) -> dict[str, float]:
    """``"expert:0.7,random:0.3"`` as ``{name: weight}``, the weights scaled to sum to 1."""
    if not text.strip():
        raise ValueError(f"the behaviour must be {BEHAVIOUR_FORMAT}; got an empty string")
    weights: dict[str, float] = {}
    for entry in text.split(","):
        name, separator, value = entry.partition(":")
        name = name.strip()
        if not separator or not name:
            raise ValueError(
                f"the behaviour must be {BEHAVIOUR_FORMAT}; got {text!r}, "
                f"whose entry {entry.strip()!r} is not name:weight"
            )
        if name in weights:
            raise ValueError(f"the behaviour names {name!r} twice in {text!r}")
        try:
            weights[name] = float(value)
        except ValueError:
            raise ValueError(
                f"the behaviour weight of {name!r} must be a number, got {value.strip()!r} "
                f"in {text!r} (expected {BEHAVIOUR_FORMAT})"
            ) from None
    return normalise_behaviour(weights)


def normalise_behaviour(behaviour: Mapping[str, float]) -> dict[str, float]:
    """The weights checked (finite, non-negative, some positive) and scaled to sum to 1."""
    if not behaviour:
        raise ValueError("the behaviour is empty; give at least one agent, e.g. {'expert': 1}")
    for name, weight in behaviour.items():
        if (
            isinstance(weight, bool)
            or not isinstance(weight, int | float)
            or not math.isfinite(weight)
            or weight < 0
        ):
            raise ValueError(
                f"the behaviour weight of {name!r} must be a finite non-negative number, "
                f"got {weight!r}"
            )
    total = float(sum(behaviour.values()))
    if total <= 0:
        raise ValueError(f"the behaviour's weights must not all be zero, got {dict(behaviour)}")
    return {str(name): float(weight) / total for name, weight in behaviour.items()}


def default_dataset_id(
    env_id: str, behaviour: Mapping[str, float], mixture: str = "episode"
) -> str:
    """``rlbench/<env name>/<behaviour>-v0``; a per-step mixture adds ``-perstep``.

    >>> default_dataset_id("rlbench/Maze-v0", {"expert": 0.7, "random": 0.3})
    'rlbench/maze/expert70-random30-v0'
    >>> default_dataset_id("rlbench/Maze-v0", {"expert": 1}, mixture="step")
    'rlbench/maze/expert100-perstep-v0'
    """
    env_name = env_id.rsplit("/", 1)[-1].rsplit("-v", 1)[0].lower()
    parts = [
        f"{''.join(c if c.isalnum() else '_' for c in name)}{round(100 * weight)}"
        for name, weight in normalise_behaviour(behaviour).items()
        if weight > 0
    ]
    if mixture == "step":
        parts.append("perstep")
    return f"rlbench/{env_name}/{'-'.join(parts)}-v0"


@contextlib.contextmanager
def _datasets_root(root: Path) -> Iterator[None]:
    # Minari finds its datasets folder through MINARI_DATASETS_PATH only; point it at `root`
    # for the duration of the write (so this is not safe to run from several threads at once).
    previous = os.environ.get("MINARI_DATASETS_PATH")
    os.environ["MINARI_DATASETS_PATH"] = str(root)
    try:
        yield
    finally:
        if previous is None:
            del os.environ["MINARI_DATASETS_PATH"]
        else:
            os.environ["MINARI_DATASETS_PATH"] = previous


def _default_out() -> Path:
    configured = os.environ.get("MINARI_DATASETS_PATH")
    return Path(configured) if configured else Path.home() / ".minari" / "datasets"


@dataclass(frozen=True)
class EpisodeSummary:
    """What the progress callback hears after each episode."""

    index: int
    seed: int
    behaviour_agent: str
    episode_return: float
    length: int


def _numeric_info_keys(infos: list[dict[str, Any]]) -> list[str]:
    """Keys whose value is a scalar number (or flag) of the same type at every step."""
    first = infos[0]
    return [
        key
        for key, value in first.items()
        if isinstance(value, bool | int | float | np.number)
        and all(key in info and type(info[key]) is type(value) for info in infos)
    ]


def write_dataset(
    env_id: str,
    out: str | os.PathLike[str] | None = None,
    *,
    behaviour: Mapping[str, float] | None = None,
    mixture: str = "episode",
    episodes: int = 100,
    seed: int = 0,
    dataset_id: str | None = None,
    env_kwargs: Mapping[str, Any] | None = None,
    on_episode: Callable[[EpisodeSummary], None] | None = None,
) -> Any:
    """Collect ``episodes`` episodes on ``env_id`` and write them as a Minari dataset.

    Args:
        env_id: a registered single-agent env id.
        out: the Minari datasets folder; the dataset lands in ``out/dataset_id``. Default:
            Minari's (``MINARI_DATASETS_PATH``, else ``~/.minari/datasets``).
        behaviour: ``{agent name: weight}`` (``"expert"`` resolves to the card's expert);
            default expert 0.5, random 0.5. Weights are scaled to sum to 1.
        mixture: ``"episode"`` draws one agent per episode, ``"step"`` one per step.
        episodes: number of episodes.
        seed: episode ``i`` resets the env with ``seed + i``; the behaviour draws and the
            agents' seeds derive from it too.
        dataset_id: Minari id ``(namespace/)name-vN``; default :func:`default_dataset_id`.
        env_kwargs: arguments for ``gym.make``.
        on_episode: called with an :class:`EpisodeSummary` after each episode.

    Returns:
        the ``minari.MinariDataset`` just written.

    Raises:
        ValueError: a bad behaviour, mixture, episode count or id, an unknown agent, or a
            dataset that already exists (it is left untouched).
        KeyError: an unknown env id.

    """
    from rlbench_suite.agents import make_agent
    from rlbench_suite.registry import env_card

    minari = _import_minari()
    card = env_card(env_id)
    if card.multi_agent:
        raise ValueError(f"{card.id} is multi-agent; datasets are written for single-agent envs")
    if card.reward_dim != 1:
        raise ValueError(
            f"{card.id} has {card.reward_dim} objectives; Minari stores one scalar reward a step"
        )
    if isinstance(episodes, bool) or int(episodes) != episodes or episodes < 1:
        raise ValueError(f"episodes must be a positive integer, got {episodes!r}")
    if mixture not in MIXTURES:
        raise ValueError(f"mixture must be one of {MIXTURES}, got {mixture!r}")
    weights = normalise_behaviour(DEFAULT_BEHAVIOUR if behaviour is None else behaviour)
    dataset_id = dataset_id or default_dataset_id(card.id, weights, mixture)
    try:  # a malformed id fails now, not after the episodes are played
        minari.dataset.minari_dataset.parse_dataset_id(dataset_id)
    except (TypeError, ValueError):  # Minari raises TypeError for an id without its -vN
        raise ValueError(
            f"the dataset id must be (namespace/)name-vN, such as 'rlbench/maze/mix-v0'; "
            f"got {dataset_id!r}"
        ) from None
    out = Path(_default_out() if out is None else out).resolve()
    target = out / dataset_id
    if target.exists():
        raise ValueError(
            f"dataset {dataset_id!r} already exists at {target}; "
            "choose another dataset id or remove it first"
        )
    env_kwargs = dict(env_kwargs or {})

    env = gym.make(card.id, **env_kwargs)
    try:
        names = list(weights)
        agents = [make_agent(name, env) for name in names]
        agent_names = {name: card.expert_agent if name == "expert" else name for name in names}
        draws = np.random.default_rng(np.random.SeedSequence([seed, MIX_STREAM]))
        probabilities = [weights[name] for name in names]

        def draw_agent() -> int:
            return int(draws.choice(len(names), p=probabilities))

        buffers, episode_metadata = [], []
        for index in range(int(episodes)):
            episode_seed = seed + index
            if mixture == "episode":
                chosen = draw_agent()
                label = names[chosen]
                buffer, episode_return = _collect_episode(
                    env, agents, lambda chosen=chosen: chosen, [chosen], episode_seed, minari
                )
            else:
                label = "per-step"
                buffer, episode_return = _collect_episode(
                    env, agents, draw_agent, range(len(agents)), episode_seed, minari
                )
            buffers.append(buffer)
            episode_metadata.append({"behaviour_agent": label, "return": episode_return})
            if on_episode is not None:
                on_episode(
                    EpisodeSummary(index, episode_seed, label, episode_return, len(buffer.rewards))
                )
        metadata = {
            "behaviour": weights,
            "behaviour_mixture": mixture,
            "behaviour_agents": names,
            "agent_names": agent_names,
            "episode_behaviour": [entry["behaviour_agent"] for entry in episode_metadata],
            "seed": int(seed),
            "env_kwargs": env_kwargs,
        }
        out.mkdir(parents=True, exist_ok=True)
        remove_stale_staging(out)
        staging = out / f"{STAGING_PREFIX}{_staging_owner()}.{secrets.token_hex(4)}"
        staging.mkdir()
        try:
            with _datasets_root(staging):
                dataset = _create(minari, dataset_id, buffers, env, card, weights, env_kwargs)
                dataset.storage.update_episode_metadata(episode_metadata, range(len(buffers)))
                dataset.storage.update_metadata(metadata)
            _move_into_place(staging, out, dataset_id)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    finally:
        env.close()
    return minari.MinariDataset(target / "data")


def remove_stale_staging(out: str | os.PathLike[str]) -> list[Path]:
    """Remove the staging folders that killed runs left in ``out``; returns those removed.

    A staging folder is stale when the process named in it is gone (on this host) or when it is
    older than :data:`STAGING_MAX_AGE_SECONDS`; the folder of a run still writing is left alone.

    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp())
    >>> dead = out / f"{STAGING_PREFIX}{socket.gethostname()}.{2**22 + 1}.0a1b2c3d"  # > pid_max
    >>> dead.mkdir()
    >>> [path.name == dead.name for path in remove_stale_staging(out)], dead.exists()
    ([True], False)
    """
    folder = Path(out)
    if not folder.is_dir():
        return []
    removed = []
    for staging in folder.glob(f"{STAGING_PREFIX}*"):
        if staging.is_dir() and _is_stale_staging(staging):
            shutil.rmtree(staging, ignore_errors=True)
            removed.append(staging)
    return removed


def _is_stale_staging(staging: Path) -> bool:
    try:
        age = time.time() - staging.stat().st_mtime
    except FileNotFoundError:  # its own run just renamed or removed it
        return False
    if age > STAGING_MAX_AGE_SECONDS:
        return True
    owner, _, _token = staging.name.removeprefix(STAGING_PREFIX).rpartition(".")
    host, _, pid = owner.rpartition(".")
    if host != socket.gethostname() or not pid.isdigit():
        return False  # another host's run, whose process cannot be checked from here
    return not _process_alive(int(pid))


def _staging_owner() -> str:
    """``<host>.<pid>``: who writes a staging folder, so a later run can tell if it died."""
    return f"{socket.gethostname()}.{os.getpid()}"


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if os.name != "posix":
        return True  # os.kill(pid, 0) would send CTRL_C_EVENT on Windows; the age rule applies
    try:
        os.kill(pid, 0)  # signal 0 checks that the process exists and sends nothing
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by another user
        return True
    return True


def _collect_episode(
    env: gym.Env,
    agents: list[Any],
    pick: Callable[[], int],
    acting: Any,
    episode_seed: int,
    minari: Any,
) -> tuple[Any, float]:
    """Play one episode, each action by ``agents[pick()]``; ``acting`` are the agents to reset."""
    from rlbench_suite.scoring.evaluate import agent_seed

    observation, info = env.reset(seed=episode_seed)
    for index in acting:
        agents[index].reset(seed=agent_seed(episode_seed))
    observations, actions = [observation], []
    infos = [{**info, "behaviour_agent": NO_AGENT}]
    rewards: list[float] = []
    terminations: list[bool] = []
    truncations: list[bool] = []
    done = False
    while not done:
        chosen = pick()
        action = agents[chosen].act(observation)
        observation, reward, terminated, truncated, info = env.step(action)
        actions.append(action)
        observations.append(observation)
        rewards.append(float(reward))
        terminations.append(bool(terminated))
        truncations.append(bool(truncated))
        infos.append({**info, "behaviour_agent": chosen})
        done = terminated or truncated
    numeric_infos = {key: [info[key] for info in infos] for key in _numeric_info_keys(infos)}
    buffer = minari.data_collector.EpisodeBuffer(
        seed=episode_seed,
        observations=_stack(observations, env.observation_space),
        actions=_stack(actions, env.action_space),
        rewards=rewards,
        terminations=terminations,
        truncations=truncations,
        infos=numeric_infos,
    )
    return buffer, float(sum(rewards))


def _stack(values: list[Any], space: gym.Space) -> Any:
    # Minari keeps text as a list of str and anything array-like as one stacked array.
    if isinstance(space, gym.spaces.Text):
        return list(values)
    return np.stack([np.asarray(value) for value in values])


def _create(
    minari: Any,
    dataset_id: str,
    buffers: list[Any],
    env: gym.Env,
    card: Any,
    weights: Mapping[str, float],
    env_kwargs: Mapping[str, Any],
) -> Any:
    from rlbench_suite import __version__

    references = card.references if not env_kwargs else None
    scores = (
        {"ref_min_score": references.zero_anchor, "ref_max_score": references.expert}
        if references is not None
        else {}
    )
    weights_text = ", ".join(f"{name} {weight:.2f}" for name, weight in weights.items())
    spec = env.spec
    if spec is not None and callable(spec.vector_entry_point):
        # Minari stores the spec as JSON, and Gymnasium cannot serialise the callable that
        # builds a native kernel's vector env; a dataset's env is recovered one copy at a time.
        spec = dataclasses.replace(spec, vector_entry_point=None)
    with warnings.catch_warnings():
        # Minari asks for an author e-mail; a generated dataset has none to give.
        warnings.filterwarnings("ignore", message=".*author_email.*")
        return minari.create_dataset_from_buffers(
            dataset_id=dataset_id,
            buffer=buffers,
            env=spec or env,
            eval_env=spec or env,
            algorithm_name=f"behaviour mix ({weights_text})",
            author=AUTHOR,
            code_permalink=CODE_PERMALINK,
            description=(
                f"{len(buffers)} episodes of {card.id} from the behaviour {weights_text}, "
                f"written by `rlbench dataset`."
            ),
            requirements=[f"rlbench-suite=={__version__}"],
            **scores,
        )


def _move_into_place(staging: Path, out: Path, dataset_id: str) -> None:
    """Rename the finished dataset from ``staging`` into ``out``, with its namespace files."""
    parts = dataset_id.split("/")
    for depth in range(1, len(parts)):
        namespace = Path(*parts[:depth])
        (out / namespace).mkdir(parents=True, exist_ok=True)
        marker = out / namespace / NAMESPACE_METADATA
        if not marker.exists() and (staging / namespace / NAMESPACE_METADATA).exists():
            shutil.copyfile(staging / namespace / NAMESPACE_METADATA, marker)
    target = out / dataset_id
    try:
        # A rename within one folder tree is atomic: readers see no dataset or the whole one.
        os.rename(staging / dataset_id, target)
    except OSError as error:
        if target.exists():
            raise ValueError(
                f"dataset {dataset_id!r} appeared at {target} while this one was being written; "
                "the existing one was left untouched"
            ) from None
        raise OSError(f"could not move the finished dataset to {target}: {error}") from error
