"""Multi-objective wrappers: scalarisation, per-agent linearisation, centralising, statistics."""

from __future__ import annotations

import pickle

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from rlbench_suite import testing
from rlbench_suite.testing import ForagingParallelEnv, TwoTreasureEnv
from rlbench_suite.wrappers import wrap, wrapper_problems
from rlbench_suite.wrappers.multi_objective import (
    CentraliseAgents,
    LinearizeRewards,
    LinearScalarisation,
    VectorEpisodeStatistics,
)

FULL_EFFORT = np.array([1.0], dtype=np.float32)
NO_EFFORT = np.array([-1.0], dtype=np.float32)
EXPECTED_WEIGHTS = "expected 2 finite non-negative weights, not all zero"


def _foragers(num_agents: int = 3, horizon: int = 8) -> ForagingParallelEnv:
    return ForagingParallelEnv(num_agents=num_agents, horizon=horizon)


# -- LinearScalarisation ------------------------------------------------------------------------


def test_scalarised_reward_is_the_weighted_sum_and_info_keeps_the_vector() -> None:
    """Reward = w . r; info carries vector_reward and reward_weights as MO-Gymnasium's does."""
    env = LinearScalarisation(TwoTreasureEnv(), weights=[0.2, 0.8])
    env.reset(seed=3)
    luck = env.unwrapped.luck
    _, reward, _, _, info = env.step(0)
    assert reward == pytest.approx(0.2 * luck, rel=1e-6)
    assert isinstance(reward, float)
    assert info["vector_reward"].tolist() == pytest.approx([luck, 0.0])
    assert info["vector_reward"].dtype == np.float32
    assert info["reward_weights"].tolist() == [0.2, 0.8]


def test_default_weights_are_equal_and_update_weight_changes_them() -> None:
    """No weights means 1/reward_dim each; update_weight takes effect on the next step."""
    env = LinearScalarisation(TwoTreasureEnv())
    assert env.weights.tolist() == [0.5, 0.5]
    env.reset(seed=0)
    env.update_weight([0.0, 1.0])
    luck = env.unwrapped.luck
    assert env.step(1)[1] == pytest.approx(luck, rel=1e-6)
    assert env.step(0)[1] == 0.0


def test_infos_hold_fresh_arrays_every_step() -> None:
    """Weights and vectors in two infos are distinct arrays: writing to one leaves the next."""
    env = LinearScalarisation(TwoTreasureEnv(), weights=[0.5, 0.5])
    env.reset(seed=0)
    first = env.step(0)[4]
    first["reward_weights"][:] = 99.0
    second = env.step(0)[4]
    assert second["reward_weights"].tolist() == [0.5, 0.5]
    assert first["vector_reward"] is not second["vector_reward"]
    assert env.weights.tolist() == [0.5, 0.5]


def test_scalarised_env_passes_gymnasiums_check_env() -> None:
    """check_env, warnings as errors, passes on the scalarised env (MO-Gymnasium's fails)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.filterwarnings("ignore", message=".*different from the unwrapped")
        check_env(LinearScalarisation(TwoTreasureEnv()), skip_render_check=True)


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ([1.0], r"got shape \(1,\)"),
        ([1.0, -0.5], r"got \[1.0, -0.5\]"),
        ([0.0, 0.0], r"got \[0.0, 0.0\]"),
        ([np.nan, 1.0], r"got \[nan, 1.0\]"),
        (["a", "b"], "got \\['a', 'b'\\]"),
    ],
)
def test_bad_weights_are_refused_with_what_was_expected(weights, message: str) -> None:
    """Wrong length, negative, all-zero, NaN or non-numeric weights raise ValueError."""
    with pytest.raises(
        ValueError, match=f"TwoTreasureEnv LinearScalarisation: {EXPECTED_WEIGHTS}, {message}"
    ):
        LinearScalarisation(TwoTreasureEnv(), weights=weights)


def test_scalarisation_refuses_a_single_objective_env() -> None:
    """An env without reward_space raises TypeError naming the env and what was expected."""
    with pytest.raises(TypeError, match="CartPole-v1: expected a multi-objective env"):
        LinearScalarisation(gym.make("CartPole-v1"))


def test_wrappers_are_named_in_the_registry_with_checked_arguments() -> None:
    """wrap() builds LinearScalarisation by name; bad arguments are listed before building."""
    env = wrap(TwoTreasureEnv(), [("LinearScalarisation", {"weights": [1.0, 3.0]})])
    assert isinstance(env, LinearScalarisation) and env.weights.tolist() == [1.0, 3.0]
    assert wrapper_problems("LinearScalarisation", {"weights": None}) == []
    assert wrapper_problems("CentraliseAgents", {"reward": "max"}) == [
        "CentraliseAgents argument 'reward': expected one of ['sum', 'mean', 'vector'], got 'max'"
    ]
    assert "item 1" in wrapper_problems("LinearScalarisation", {"weights": [1.0, -2.0]})[0]
    central = wrap(_foragers(), [("CentraliseAgents", {"reward": "mean"})])
    assert central.reward_aggregation == "mean"


# -- LinearizeRewards ---------------------------------------------------------------------------


def test_linearize_rewards_per_agent_weights() -> None:
    """Each agent's scalar is its own weights dotted with its vector; infos keep the vector."""
    weights = {"forager_0": [1.0, 0.0], "forager_1": [0.0, 1.0], "forager_2": [0.5, 0.5]}
    env = LinearizeRewards(_foragers(), weights)
    env.reset(seed=0)
    richness = dict(env.unwrapped.richness)
    _, rewards, _, _, infos = env.step({agent: FULL_EFFORT for agent in env.agents})
    assert rewards["forager_0"] == pytest.approx(richness["forager_0"], rel=1e-6)
    assert rewards["forager_1"] == pytest.approx(-1.0)
    assert rewards["forager_2"] == pytest.approx(0.5 * richness["forager_2"] - 0.5, rel=1e-6)
    assert infos["forager_1"]["vector_reward"].tolist() == pytest.approx(
        [richness["forager_1"], -1.0]
    )
    assert infos["forager_2"]["reward_weights"].tolist() == [0.5, 0.5]
    assert env.reward_space is None, "a linearised env is single-objective"


def test_linearize_rewards_passes_the_multi_agent_checks() -> None:
    """PettingZoo's API and seed tests and the suite's reward and info checks pass."""
    testing.check_multiagent_conformance(lambda: LinearizeRewards(_foragers(), [0.5, 0.5]))


def test_linearize_rewards_refuses_weights_that_do_not_fit() -> None:
    """Missing or unknown agents and wrong lengths raise ValueError naming them."""
    with pytest.raises(ValueError, match=r"missing \['forager_2'\], unknown \['ghost'\]"):
        LinearizeRewards(_foragers(), {"forager_0": [1, 0], "forager_1": [1, 0], "ghost": [1, 0]})
    with pytest.raises(ValueError, match=r"\(forager_0\): expected 2 finite non-negative"):
        LinearizeRewards(_foragers(), [1.0, 1.0, 1.0])
    with pytest.raises(TypeError, match="expected a PettingZoo ParallelEnv"):
        LinearizeRewards(TwoTreasureEnv(), [1.0, 1.0])


# -- CentraliseAgents ---------------------------------------------------------------------------


def test_centralised_layout_is_fixed_as_agents_leave() -> None:
    """Absent agents' slots are zero with presence 0; their actions are ignored."""
    env = CentraliseAgents(_foragers(num_agents=3, horizon=8))
    assert env.observation_space.shape == (3 * 2 + 3,)
    assert env.action_space.shape == (3,)
    observation, _ = env.reset(seed=0)
    assert observation[-3:].tolist() == [1.0, 1.0, 1.0]
    # forager_2 forages 8 - 4 = 4 steps, forager_1 6, forager_0 all 8.
    for _ in range(4):
        observation, reward, terminated, truncated, info = env.step(np.ones(3, np.float32))
    assert observation[-3:].tolist() == [1.0, 1.0, 0.0]
    assert info["agent_infos"].keys() == {"forager_0", "forager_1", "forager_2"}
    observation, reward, *_, info = env.step(np.ones(3, np.float32))
    assert observation[4:6].tolist() == [0.0, 0.0], "forager_2's slot is zero-filled"
    assert set(info["agent_rewards"]) == {"forager_0", "forager_1"}
    # forager_2's action, out of nothing's way, is ignored: only its slot's value changes.
    assert reward.tolist() == pytest.approx(
        (info["agent_rewards"]["forager_0"] + info["agent_rewards"]["forager_1"]).tolist()
    )
    assert not terminated and not truncated


def test_centralised_episode_ends_truncated_when_time_runs_out() -> None:
    """The team episode ends when the last agent leaves: truncated at the horizon."""
    env = CentraliseAgents(_foragers(num_agents=2, horizon=6))
    env.reset(seed=1)
    flags = [env.step(np.zeros(2, np.float32))[2:4] for _ in range(6)]
    assert flags[:5] == [(False, False)] * 5
    assert flags[5] == (False, True)


@pytest.mark.parametrize(("reward", "expected_dim"), [("sum", 2), ("mean", 2), ("vector", 6)])
def test_centralised_rewards_sum_mean_or_side_by_side(reward: str, expected_dim: int) -> None:
    """Sum and mean keep reward_dim; vector lays every agent's reward side by side."""
    env = CentraliseAgents(_foragers(num_agents=3), reward=reward)
    assert env.reward_dim == expected_dim and env.reward_space.shape == (expected_dim,)
    env.reset(seed=0)
    richness = env.env.richness
    _, joint, *_ = env.step(np.array([1.0, -1.0, 1.0], np.float32))
    per_agent = np.array([[richness["forager_0"], -1.0], [0.0, 0.0], [richness["forager_2"], -1.0]])
    expected = {
        "sum": per_agent.sum(axis=0),
        "mean": per_agent.mean(axis=0),
        "vector": per_agent.ravel(),
    }[reward]
    assert joint.dtype == np.float32 and env.reward_space.contains(joint)
    assert joint.tolist() == pytest.approx(expected.tolist(), rel=1e-6)


def test_centralised_scalar_env_and_discrete_actions() -> None:
    """A scalar-reward game with Discrete actions centralises to MultiDiscrete and a float."""
    from tests.test_conformance import MatchingPennies

    env = CentraliseAgents(MatchingPennies(max_cycles=4), reward="sum")
    assert isinstance(env.action_space, gym.spaces.MultiDiscrete)
    assert not hasattr(env, "reward_space")
    env.reset(seed=0)
    assert env.step(np.array([1, 1]))[1] == 0.0  # zero-sum: +1 and -1
    testing.check_gymnasium_api(lambda **kwargs: CentraliseAgents(MatchingPennies(), "mean"))


@pytest.mark.parametrize("reward", ["sum", "mean", "vector"])
def test_centralised_env_passes_the_single_agent_checks(reward: str) -> None:
    """check_env (through scalarisation), determinism, pickling, bad actions, reward vectors."""
    factory = lambda **kwargs: CentraliseAgents(_foragers(), reward=reward)  # noqa: E731
    testing.check_multi_objective_conformance(factory)


def test_centralised_bad_input_is_refused() -> None:
    """Bad aggregations, non-parallel envs and out-of-space actions raise clear errors."""
    with pytest.raises(ValueError, match=r"expected reward in \['sum', 'mean', 'vector'\]"):
        CentraliseAgents(_foragers(), reward="max")
    with pytest.raises(TypeError, match="CentraliseAgents: expected a PettingZoo ParallelEnv"):
        CentraliseAgents(TwoTreasureEnv())
    env = CentraliseAgents(_foragers())
    env.reset(seed=0)
    with pytest.raises(ValueError, match=r"CentraliseAgents: expected an action in Box"):
        env.step(np.full(3, 2.0, np.float32))


def test_centralised_env_pickles_mid_episode() -> None:
    """A pickled centralised env continues exactly as the original does."""
    env = CentraliseAgents(_foragers())
    env.reset(seed=4)
    env.step(np.zeros(3, np.float32))
    clone = pickle.loads(pickle.dumps(env))
    action = np.array([0.3, -0.2, 0.9], np.float32)
    assert np.array_equal(env.step(action)[0], clone.step(action)[0])


# -- VectorEpisodeStatistics --------------------------------------------------------------------


def test_vector_episode_statistics_per_agent_and_team() -> None:
    """Agents that leave early get their own return; the last ones get the team's too."""
    env = VectorEpisodeStatistics(_foragers(num_agents=3, horizon=8))
    env.reset(seed=0)
    food: dict[str, float] = {}
    ended: dict[str, dict] = {}
    team = None
    step = 0
    while env.agents:
        richness = dict(env.unwrapped.richness)
        _, rewards, _, _, infos = env.step({agent: FULL_EFFORT for agent in env.agents})
        step += 1
        for agent in rewards:
            food[agent] = food.get(agent, 0.0) + richness[agent]
        for agent, info in infos.items():
            if "episode" in info:
                ended[agent] = info["episode"]
                assert "team_episode" in info or env.agents
            team = info.get("team_episode", team)
    assert {agent: episode["l"] for agent, episode in ended.items()} == {
        "forager_0": 8,
        "forager_1": 6,
        "forager_2": 4,
    }
    for agent, episode in ended.items():
        assert episode["r"].tolist() == pytest.approx([food[agent], -episode["l"]], rel=1e-5)
    assert team["l"] == step == 8
    assert team["r"].tolist() == pytest.approx([sum(food.values()), -18.0], rel=1e-5)


def test_vector_episode_statistics_reset_and_never_share() -> None:
    """A reset starts from zero; returns handed out are copies, untouched by later steps."""
    env = VectorEpisodeStatistics(_foragers(num_agents=2, horizon=4))
    env.reset(seed=0)
    episodes = []
    for _ in range(2):
        while env.agents:
            _, _, _, _, infos = env.step({agent: NO_EFFORT for agent in env.agents})
            episodes += [info["episode"] for info in infos.values() if "episode" in info]
        env.reset()
    first_forager_0 = episodes[1]
    assert first_forager_0["r"].tolist() == [0.0, 0.0] and first_forager_0["l"] == 4
    assert episodes[3]["r"] is not first_forager_0["r"] and episodes[3]["l"] == 4


def test_vector_episode_statistics_check_passes_on_scalar_and_mo_envs() -> None:
    """The public statistics check agrees with hand-summed returns, scalar rewards included."""
    from tests.test_conformance import MatchingPennies

    testing.check_vector_episode_statistics(lambda: _foragers(num_agents=3))
    testing.check_vector_episode_statistics(lambda: MatchingPennies(max_cycles=5))


# -- with MOMAland, when installed ---------------------------------------------------------------


def test_momalands_wrappers_accept_our_env() -> None:
    """MOMAland's LinearizeReward and CentraliseAgent run on a MOParallelEnv of ours."""
    parallel_wrappers = pytest.importorskip("momaland.utils.parallel_wrappers")
    env = parallel_wrappers.LinearizeReward(
        _foragers(2), {"forager_0": [1, 0], "forager_1": [0, 1]}
    )
    env.reset(seed=0)
    rewards = env.step({agent: FULL_EFFORT for agent in env.agents})[1]
    assert rewards["forager_1"] == pytest.approx(-1.0)
    central = parallel_wrappers.CentraliseAgent(_foragers(2), reward_type="sum")
    central.reset(seed=0)
    assert central.step(np.zeros(2, np.float32))[1].shape == (2,)


# -- with SB3 -----------------------------------------------------------------------------------


def test_ppo_learns_on_a_scalarised_single_agent_env() -> None:
    """SB3's PPO trains a few hundred steps on the scalarised env and predicts valid actions."""
    sb3 = pytest.importorskip("stable_baselines3")
    env = LinearScalarisation(TwoTreasureEnv(), weights=[0.5, 0.5])
    model = sb3.PPO("MlpPolicy", env, n_steps=64, batch_size=32, n_epochs=1, seed=0, device="cpu")
    model.learn(total_timesteps=256)
    observation, _ = env.reset(seed=0)
    action, _ = model.predict(observation, deterministic=True)
    assert env.action_space.contains(int(action))


def test_ppo_learns_on_a_centralised_multi_agent_env() -> None:
    """SB3's PPO trains on CentraliseAgents + LinearScalarisation of a MOParallelEnv."""
    sb3 = pytest.importorskip("stable_baselines3")
    env = LinearScalarisation(CentraliseAgents(_foragers(3), reward="sum"), weights=[0.7, 0.3])
    model = sb3.PPO("MlpPolicy", env, n_steps=64, batch_size=32, n_epochs=1, seed=0, device="cpu")
    model.learn(total_timesteps=256)
    observation, _ = env.reset(seed=0)
    action, _ = model.predict(observation, deterministic=True)
    assert env.action_space.contains(action)
