"""DiscreteTextActions and TextToVector: text envs become Discrete-in, vector-out envs."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import time
import warnings
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import rlbench_suite
from rlbench_suite.testing import HiddenNumberEnv
from rlbench_suite.wrappers import DiscreteTextActions, TextToVector, make_trainable
from rlbench_suite.wrappers.language import TextFeaturizer, split_transcript


def _check_env_on_wrapper(env: gym.Env) -> None:
    """check_env with every warning an error, except its note that a wrapper is being checked."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.filterwarnings("ignore", message=".*is different from the unwrapped version.*")
        check_env(env, skip_render_check=True)


def _language_env_ids() -> list[str]:
    return rlbench_suite.list_envs(family="language")


def _vectorised(env: gym.Env, method: str = "hashing") -> gym.Env:
    return TextToVector(DiscreteTextActions(env), size=128, method=method)  # type: ignore[arg-type]


def _make_vectorised_or_skip(env_id: str, method: str) -> gym.Env:
    try:
        env = gym.make(env_id)
        env.reset(seed=0)
        return _vectorised(env, method)
    except (ImportError, FileNotFoundError, OSError) as error:
        # Chess and Endgames need python-chess and the Stockfish binary; say so, do not fail.
        pytest.skip(f"{env_id} cannot be built here: {error}")
    except NotImplementedError as error:
        # A task registered while still being written (its hooks not there yet).
        pytest.skip(f"{env_id} is a placeholder: {error!r}")


def test_each_wrapper_alone_and_both_pass_check_env() -> None:
    """Either wrapper alone, and both with either featurizer, pass Gymnasium's env checker."""
    _check_env_on_wrapper(DiscreteTextActions(HiddenNumberEnv()))
    _check_env_on_wrapper(TextToVector(HiddenNumberEnv(), size=64))
    for method in ("hashing", "bag_of_words"):
        _check_env_on_wrapper(_vectorised(HiddenNumberEnv(), method))


@pytest.mark.parametrize("method", ["hashing", "bag_of_words"])
@pytest.mark.parametrize("env_id", _language_env_ids())
def test_every_registered_language_env_passes_check_env_when_wrapped(
    env_id: str, method: str
) -> None:
    """Every language task, wrapped, passes Gymnasium's and SB3's env checkers and pickles."""
    env = _make_vectorised_or_skip(env_id, method)
    try:
        _check_env_on_wrapper(env)
        try:
            from stable_baselines3.common.env_checker import check_env as sb3_check_env
        except ImportError:
            sb3_check_env = None
        if sb3_check_env is not None:
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                warnings.filterwarnings("ignore", message=".*different from the unwrapped.*")
                sb3_check_env(env)
        observation, _ = env.reset(seed=3)
        assert observation in env.observation_space
        observation, *_ = env.step(0)
        clone = pickle.loads(pickle.dumps(env))
        action = env.action_space.n - 1
        assert np.array_equal(env.step(action)[0], clone.step(action)[0])
        clone.close()
    finally:
        env.close()


def test_discrete_index_says_the_matching_utterance() -> None:
    """Index i of the wrapper sends the i-th vocabulary utterance, as the transcript shows."""
    env = DiscreteTextActions(HiddenNumberEnv())
    env.reset(seed=0)
    assert env.action_space == gym.spaces.Discrete(5)
    env.step(np.int64(2))
    assert env.unwrapped.transcript.splitlines()[1] == "> guess 3"


def test_make_trainable_builds_both_wrappers_and_passes_env_arguments_on() -> None:
    """make_trainable gives Maze a Discrete(4) x Box(size) env; env kwargs reach the env."""
    if "rlbench/Maze-v0" not in rlbench_suite.list_envs(family="language"):
        pytest.skip("rlbench/Maze-v0 is not registered")
    env = make_trainable("rlbench/Maze-v0", size=64, partially_observed=True, max_moves=5)
    assert env.action_space == gym.spaces.Discrete(4)
    assert env.observation_space == gym.spaces.Box(0.0, 1.0, shape=(64,), dtype=np.float32)
    _check_env_on_wrapper(env)
    env.reset(seed=0)
    assert "position" not in env.unwrapped.transcript  # the partially observed variant
    steps, done = 0, False
    while not done:
        *_, terminated, truncated, _ = env.step(0)
        steps, done = steps + 1, terminated or truncated
    assert steps <= 5


def test_custom_action_list_and_clear_errors() -> None:
    """A custom list sets n; empty lists, bad indices and non-text envs get errors naming them."""
    env = DiscreteTextActions(HiddenNumberEnv(), actions=["guess 1", "hello"])
    assert env.action_space.n == 2
    env.reset(seed=0)
    _, reward, _, _, info = env.step(1)
    assert info["invalid_action"] and reward == -1.0
    with pytest.raises(ValueError, match=r"expects an index in \[0, 2\), got 5"):
        env.step(5)
    with pytest.raises(TypeError, match=r"integer index in \[0, 2\), got float 1.5"):
        env.step(1.5)
    with pytest.raises(ValueError, match="at least one utterance, got an empty list"):
        DiscreteTextActions(HiddenNumberEnv(), actions=[])
    with pytest.raises(TypeError, match="utterance 0 must be a str, got int 3"):
        DiscreteTextActions(HiddenNumberEnv(), actions=[3])
    with pytest.raises(TypeError, match="Text action space, got Discrete"):
        DiscreteTextActions(gym.make("CartPole-v1"))
    with pytest.raises(TypeError, match="Text observation space, got Box"):
        TextToVector(gym.make("CartPole-v1"))
    with pytest.raises(ValueError, match="size must be an integer of at least 19, got 8"):
        TextToVector(HiddenNumberEnv(), size=8)
    with pytest.raises(ValueError, match="method must be 'hashing' or 'bag_of_words', got 'tfidf'"):
        TextToVector(HiddenNumberEnv(), method="tfidf")  # type: ignore[arg-type]


def test_vectors_are_deterministic_and_follow_the_transcript() -> None:
    """Equal transcripts give equal vectors; each new turn changes the vector."""
    first, second = _vectorised(HiddenNumberEnv()), _vectorised(HiddenNumberEnv())
    observation, _ = first.reset(seed=7)
    assert np.array_equal(observation, second.reset(seed=7)[0])
    seen = [observation]
    for action in (0, 4, 1):
        observation, _, terminated, truncated, _ = first.step(action)
        assert np.array_equal(observation, second.step(action)[0])
        assert not any(np.array_equal(observation, earlier) for earlier in seen)
        seen.append(observation)
        if terminated or truncated:  # stepping on would be stepping a finished episode
            break
    assert len(seen) >= 3


def test_latest_reply_block_tells_positions_apart() -> None:
    """Two Maze-like replies with swapped coordinates get different latest-reply features."""
    featurizer = TextFeaturizer(size=256)
    history = "The goal is at position 8, 6.\n> move up\nYour current position is at position "
    left, right = featurizer(history + "5, 3."), featurizer(history + "3, 5.")
    reply_block = slice(0, featurizer.blocks["reply"])
    assert not np.array_equal(left[reply_block], right[reply_block])
    assert split_transcript(history + "5, 3.")["utterance"] == "move up"


def test_counting_on_from_the_previous_transcript_matches_counting_afresh() -> None:
    """A featurizer fed growing transcripts (and a word cut mid-way) equals a fresh one per text."""
    texts = ["Start. pos", "Start. position 5", "Start. position 5, 3\n> up", "Other text."]
    env = HiddenNumberEnv()
    observation, _ = env.reset(seed=4)
    texts.append(observation)
    for action in ("guess 1", "guess 2", "hello", "guess 5"):
        texts.append(env.step(action)[0])
    running = TextFeaturizer(size=96)
    for text in texts:
        assert np.array_equal(running(text), TextFeaturizer(size=96)(text)), text


def test_vectors_do_not_depend_on_the_python_hash_seed() -> None:
    """A fresh interpreter with another PYTHONHASHSEED computes the very same vector."""
    text = "Start.\n> guess 3\nHigher.\n> guess 4\nCorrect."
    program = (
        "from rlbench_suite.wrappers.language import TextFeaturizer;"
        f"print(TextFeaturizer(size=64)({text!r}).tolist())"
    )
    environment = {**os.environ, "PYTHONHASHSEED": "12345"}
    output = subprocess.run(
        [sys.executable, "-c", program], env=environment, capture_output=True, text=True, check=True
    ).stdout
    assert np.allclose(eval(output), TextFeaturizer(size=64)(text).tolist())


def test_bag_of_words_names_its_features_and_counts_unknown_terms() -> None:
    """Bag-of-words entries are labelled by term; words outside the vocabulary land in <other>."""
    env = TextToVector(HiddenNumberEnv(), size=64, method="bag_of_words")
    names = env.featurizer.feature_names()
    assert len(names) == 64 and "utterance:guess" in names and "reply:<other>" in names
    env.reset(seed=0)
    vector = dict(zip(names, env.step("guess 1")[0], strict=True))
    assert env.unwrapped.transcript.endswith("Higher.")  # "higher" is in no opening
    assert vector["utterance:guess"] == 1.0 and vector["utterance:1"] == 1.0
    assert vector["reply:<other>"] == 1.0 and vector["reply:guess"] == 0.0


def test_wrapped_env_pickles_with_its_featurizer() -> None:
    """A pickled wrapped env continues the episode with the same vectors as the original."""
    env = _vectorised(HiddenNumberEnv(), "bag_of_words")
    env.reset(seed=1)
    env.step(0)
    clone = pickle.loads(pickle.dumps(env))
    assert np.array_equal(env.step(1)[0], clone.step(1)[0])


# -- training through the wrappers -------------------------------------------------------------

MAZE = "rlbench/Maze-v0"
EVALUATION_SEEDS = range(1000, 1050)
TRAINING_STEPS = 20_480


def _mean_return(env: gym.Env, policy: Any) -> float:
    returns = []
    for seed in EVALUATION_SEEDS:
        observation, _ = env.reset(seed=seed)
        total, done = 0.0, False
        while not done:
            observation, reward, terminated, truncated, _ = env.step(policy(observation))
            total += float(reward)
            done = terminated or truncated
        returns.append(total)
    return float(np.mean(returns))


@pytest.mark.slow
def test_ppo_through_the_wrappers_nears_the_bfs_expert_on_maze() -> None:
    """SB3 PPO trained for 20k steps through make_trainable on Maze nears BFS and beats random."""
    if MAZE not in rlbench_suite.list_envs(family="language"):
        pytest.skip(f"{MAZE} is not registered yet")
    import torch
    from stable_baselines3 import PPO

    from rlbench_suite.scoring import evaluate

    env = make_trainable(MAZE)
    rng = np.random.default_rng(0)
    random_return = _mean_return(env, lambda _obs: int(rng.integers(env.action_space.n)))
    expert_return = evaluate("expert", MAZE, seeds=EVALUATION_SEEDS).mean_return
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a 64x64 MLP trains faster on one thread than on contended two
    try:
        started = time.perf_counter()
        model = PPO(
            "MlpPolicy",
            env,
            n_steps=1024,
            batch_size=128,
            learning_rate=3e-4,
            ent_coef=0.01,
            gamma=0.98,
            seed=0,
            device="cpu",
        )
        model.learn(total_timesteps=TRAINING_STEPS)
        elapsed = time.perf_counter() - started
    finally:
        torch.set_num_threads(threads)
    trained_return = _mean_return(env, lambda obs: int(model.predict(obs, deterministic=True)[0]))
    print(
        f"Maze PPO, {TRAINING_STEPS} steps in {elapsed:.0f} s: random {random_return:.2f}, "
        f"trained {trained_return:.2f}, BFS expert {expert_return:.2f}"
    )
    assert trained_return > random_return + 50.0
    assert trained_return >= expert_return - 5.0
