"""Trading wrappers: simplex weights, the quote grid, past-only normalisation, reward scaling."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium import spaces
from gymnasium.utils.env_checker import check_env

import rlbench_suite  # noqa: F401  (registers the ids)
from rlbench_suite.envs.validation import InvalidActionError
from rlbench_suite.wrappers import (
    QuoteDepthGrid,
    RewardScaling,
    RollingObservationNormalization,
    SimplexWeights,
    wrap,
    wrapper_problems,
)
from rlbench_suite.wrappers.trading import DEFAULT_DEPTHS, project_onto_simplex

PORTFOLIO = "rlbench/PortfolioAllocation-v0"
MARKET_MAKING = "rlbench/MarketMaking-v0"


class ScriptedEnv(gym.Env):
    """Observations read from a fixed (T, D) script; reward 1 per step; ends with the script."""

    def __init__(self, script: np.ndarray) -> None:
        self.script = np.asarray(script, dtype=np.float32)
        self.observation_space = spaces.Box(-np.inf, np.inf, self.script.shape[1:], np.float32)
        self.action_space = spaces.Box(0.0, 2.0, shape=(2,), dtype=np.float32)
        self.index = 0
        self.actions: list[np.ndarray] = []

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        self.index = 0
        return self.script[0], {}

    def step(self, action: Any):
        self.actions.append(np.asarray(action))
        self.index += 1
        done = self.index == len(self.script) - 1
        return self.script[self.index], 1.0, done, False, {"step": self.index}


def normalised_path(script: np.ndarray, window: int, clip: float = 5.0) -> np.ndarray:
    env = RollingObservationNormalization(ScriptedEnv(script), window=window, clip=clip)
    outputs = [env.reset()[0]]
    for _ in range(len(script) - 1):
        outputs.append(env.step(np.zeros(2, dtype=np.float32))[0])
    return np.array(outputs)


# -- SimplexWeights -------------------------------------------------------------------------------


def test_projection_satisfies_the_simplex_optimality_conditions() -> None:
    """On random vectors the projection is on the simplex, with v - w equal on its support and
    v at or below that level off it (the KKT conditions of the nearest simplex point)."""
    rng = np.random.default_rng(0)
    for _ in range(200):
        vector = rng.normal(0.0, 2.0, size=rng.integers(1, 12))
        weights = project_onto_simplex(vector)
        assert weights.min() >= 0 and weights.sum() == pytest.approx(1.0)
        support = weights > 0
        theta = (vector - weights)[support]
        np.testing.assert_allclose(theta, theta[0], atol=1e-12)
        assert np.all(vector[~support] <= theta[0] + 1e-12)


def test_simplex_weights_map_logits_as_documented() -> None:
    """Softmax of 5 x logits, and the projection's exact corner and zeros, reach the env."""
    base = gym.make(PORTFOLIO)
    size = base.action_space.shape[0]
    softmax = SimplexWeights(base)
    logits = np.linspace(-1.0, 1.0, size, dtype=np.float32)
    expected = np.exp(5.0 * logits) / np.exp(5.0 * logits).sum()
    np.testing.assert_allclose(softmax.action(logits), expected, rtol=1e-6)
    projection = SimplexWeights(gym.make(PORTFOLIO), mapping="projection")
    corner = np.full(size, -1.0, dtype=np.float32)
    corner[2] = 1.0
    assert projection.action(corner).tolist() == [0.0, 0.0, 1.0] + [0.0] * (size - 3)
    projection.reset(seed=0)
    _, _, _, _, info = projection.step(corner)
    assert info["target_weights"][2] == pytest.approx(1.0)


def test_simplex_weights_refuse_bad_setups_and_actions() -> None:
    """A Discrete env, an unknown mapping, and an action outside [-1, 1] are refused clearly."""
    with pytest.raises(TypeError, match=r"1-D Box containing \[0, 1\]\^n .* got action space Disc"):
        SimplexWeights(gym.make("CartPole-v1"))
    with pytest.raises(ValueError, match="mapping must be 'softmax' or 'projection', got 'l1'"):
        SimplexWeights(gym.make(PORTFOLIO), mapping="l1")
    env = SimplexWeights(gym.make(PORTFOLIO))
    with pytest.raises(InvalidActionError, match=r"expected an action in Box\(-1.0, 1.0"):
        env.action(np.full(env.action_space.shape, 2.0, dtype=np.float32))


# -- QuoteDepthGrid -------------------------------------------------------------------------------


def test_quote_grid_steps_exactly_like_the_depths_it_names() -> None:
    """Grid action k under a seed gives the same step as quoting its (bid, ask) depths directly."""
    grid = QuoteDepthGrid(gym.make(MARKET_MAKING))
    direct = gym.make(MARKET_MAKING)
    assert grid.action_space == spaces.Discrete(64) and grid.depths == DEFAULT_DEPTHS
    assert grid.depths_of(10) == (DEFAULT_DEPTHS[1], DEFAULT_DEPTHS[2])
    grid.reset(seed=3)
    direct.reset(seed=3)
    rng = np.random.default_rng(0)
    for _ in range(50):
        index = int(rng.integers(64))
        action = direct.unwrapped.action_from_depths(grid.depths_of(index))
        expected, got = direct.step(action), grid.step(index)
        np.testing.assert_array_equal(expected[0], got[0])
        assert expected[1:4] == got[1:4]


def test_quote_grid_takes_price_unit_boxes_and_refuses_depths_beyond_the_env() -> None:
    """Without action_from_depths the depths are sent as they are; a depth past max is refused."""
    env = ScriptedEnv(np.zeros((3, 1)))
    grid = QuoteDepthGrid(env, depths=(0.5, 1.5))
    grid.reset()
    grid.step(2)
    assert env.actions[-1].tolist() == [1.5, 0.5]
    with pytest.raises(ValueError, match=r"every depth must be in \[0, max_depth = 3.07\]"):
        QuoteDepthGrid(gym.make(MARKET_MAKING), depths=(0.5, 4.0))
    with pytest.raises(TypeError, match="a Box of shape"):
        QuoteDepthGrid(gym.make(PORTFOLIO))


# -- RollingObservationNormalization --------------------------------------------------------------


def test_normalisation_uses_the_previous_window_only() -> None:
    """Observation t is (x_t - mean) / std of x_{t-3..t-1}, by hand, then clipped; first two 0."""
    script = np.array([[1.0], [3.0], [2.0], [6.0], [4.0], [10.0]])
    outputs = normalised_path(script, window=3)
    assert outputs[:2].tolist() == [[0.0], [0.0]]
    assert outputs[2, 0] == pytest.approx((2.0 - 2.0) / 1.0)
    past = np.array([3.0, 2.0, 6.0])
    assert outputs[4, 0] == pytest.approx((4.0 - past.mean()) / past.std())
    assert outputs[5, 0] == pytest.approx(6.0 / np.std([2.0, 6.0, 4.0]))  # 3.67
    assert normalised_path(script, window=3, clip=3.0)[5, 0] == 3.0


def test_normalisation_has_no_look_ahead() -> None:
    """Changing a future observation leaves every earlier normalised observation unchanged."""
    rng = np.random.default_rng(1)
    script = rng.normal(size=(40, 3))
    changed = script.copy()
    changed[25] += 100.0
    original, altered = normalised_path(script, 8), normalised_path(changed, 8)
    np.testing.assert_array_equal(original[:25], altered[:25])
    assert not np.array_equal(original[25], altered[25])


def test_normalisation_history_resets_per_episode_unless_asked_to_keep_it() -> None:
    """By default each episode starts from no history; keep mode carries the last window over."""
    script = np.array([[1.0], [2.0], [4.0]])
    fresh = RollingObservationNormalization(ScriptedEnv(script), window=4)
    kept = RollingObservationNormalization(ScriptedEnv(script), window=4, reset_each_episode=False)
    for env in (fresh, kept):
        env.reset()
        env.step(np.zeros(2, dtype=np.float32))
        env.step(np.zeros(2, dtype=np.float32))
    assert fresh.reset()[0].tolist() == [0.0]
    past = np.array([1.0, 2.0, 4.0])
    assert kept.reset()[0][0] == pytest.approx((1.0 - past.mean()) / past.std())


def test_normalisation_refuses_bad_settings() -> None:
    """A window under 2 and a non-positive clip are refused with the value given."""
    with pytest.raises(ValueError, match=r"window must be an integer >= 2 .* got 1"):
        RollingObservationNormalization(gym.make(MARKET_MAKING), window=1)
    with pytest.raises(ValueError, match="clip must be a positive number, got 0"):
        RollingObservationNormalization(gym.make(MARKET_MAKING), clip=0)


# -- RewardScaling --------------------------------------------------------------------------------


def test_reward_scaling_multiplies_and_keeps_the_raw_reward() -> None:
    """Rewards come out times the scale; info holds the env's reward; a zero scale is refused."""
    scaled = RewardScaling(gym.make(MARKET_MAKING, reward="pnl"), scale=1e-4)
    plain = gym.make(MARKET_MAKING, reward="pnl")
    scaled.reset(seed=5)
    plain.reset(seed=5)
    action = np.array([0.2, 0.2], dtype=np.float32)
    rewards = []
    for _ in range(100):
        _, reward, *_, info = scaled.step(action)
        _, raw, *_ = plain.step(action)
        assert info["unscaled_reward"] == raw
        assert reward == pytest.approx(1e-4 * raw)
        rewards.append(raw)
    assert any(reward != 0 for reward in rewards)
    with pytest.raises(ValueError, match=r"scale must be a positive number .* got 0"):
        RewardScaling(gym.make(MARKET_MAKING), scale=0)


# -- registry and learners ------------------------------------------------------------------------


def test_wrappers_are_built_by_name_with_checked_arguments() -> None:
    """Configs name the trading wrappers; bad argument values are refused before building."""
    env = wrap(
        gym.make(PORTFOLIO),
        [
            ("SimplexWeights", {"mapping": "projection"}),
            ("RollingObservationNormalization", {"window": 16, "reset_each_episode": False}),
            ("RewardScaling", {"scale": 100.0}),
        ],
    )
    assert isinstance(env, RewardScaling) and env.env.window == 16
    assert wrapper_problems("QuoteDepthGrid", {"depths": []}) == [
        "QuoteDepthGrid argument 'depths': expected a list of 1 to 64 numbers, got list"
    ]
    assert wrapper_problems("RewardScaling", {"scale": -1}) == [
        "RewardScaling argument 'scale': expected a number in (0, 1000000.0], got -1"
    ]
    assert wrapper_problems("RollingObservationNormalization", {"reset_each_episode": 1}) == [
        "RollingObservationNormalization argument 'reset_each_episode': expected true or false, "
        "got 1"
    ]


# check_env warns that it was given a wrapped env: checking the wrappers is the point here.
@pytest.mark.filterwarnings("ignore:.*different from the unwrapped version")
def test_ppo_learns_through_the_wrappers_on_the_trading_envs() -> None:
    """SB3 PPO trains 256 steps on each wrapped env; its actions and observations fit the spaces."""
    torch = pytest.importorskip("torch")
    from stable_baselines3 import PPO

    portfolio = RewardScaling(
        RollingObservationNormalization(SimplexWeights(gym.make(PORTFOLIO)), window=16), 100.0
    )
    market_making = RollingObservationNormalization(QuoteDepthGrid(gym.make(MARKET_MAKING)))
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a tiny MLP trains faster on one thread than on contended ones
    try:
        for env in (portfolio, market_making):
            check_env(env, skip_render_check=True)
            model = PPO(
                "MlpPolicy",
                env,
                n_steps=128,
                batch_size=64,
                n_epochs=1,
                policy_kwargs={"net_arch": [16]},
                seed=0,
                device="cpu",
            )
            model.learn(total_timesteps=256)
            observation, _ = env.reset(seed=1)
            for _ in range(5):
                assert env.observation_space.contains(observation)
                action, _ = model.predict(observation, deterministic=True)
                assert env.action_space.contains(action)
                observation, reward, *_ = env.step(action)
                assert np.isfinite(reward)
    finally:
        torch.set_num_threads(threads)
