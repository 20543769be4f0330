"""MOMarketMaking: MarketMaking-v0's market with (PnL, -dt q^2) rewards, its makers and front."""

from __future__ import annotations

import math

import gymnasium as gym
import numpy as np
import pytest

import rlbench_suite  # noqa: F401  (registers the ids)
from rlbench_suite import testing
from rlbench_suite.agents import make_agent
from rlbench_suite.envs.moma.mo_market_making import MOMarketMakingEnv
from rlbench_suite.envs.trading.market_making import MarketMakingEnv
from rlbench_suite.envs.validation import InvalidActionError
from rlbench_suite.registry import env_card
from rlbench_suite.scoring import evaluate
from rlbench_suite.scoring.multi_objective import pareto_front

ENV_ID = "rlbench/MOMarketMaking-v0"
DT = 1.0 / 200


def run_episodes(agent_name: str, episodes: int) -> np.ndarray:
    """Episode return vectors of a card agent on the default instance, seeds 0 .. episodes-1."""
    return evaluate(agent_name, ENV_ID, n_episodes=episodes, seed=0).returns


def test_reward_splits_the_penalised_reward_into_pnl_and_inventory_risk() -> None:
    """PnL is MarketMaking's plain-PnL reward, PnL - dt q^2 its phi = 1 reward, step by step."""
    twin = MOMarketMakingEnv()
    penalised = MarketMakingEnv(running_penalty=1.0)
    plain = MarketMakingEnv(reward="pnl")
    for env in (twin, penalised, plain):
        env.reset(seed=4)
    rng = np.random.default_rng(0)
    for _ in range(200):
        action = rng.uniform(0.0, 0.4, size=2).astype(np.float32)
        _, vector, terminated, _, info = twin.step(action)
        assert vector.dtype == np.float32 and vector.shape == (2,)
        assert vector[0] == np.float32(plain.step(action)[1])
        assert vector[1] == np.float32(-DT * info["inventory"] ** 2)
        assert math.isclose(float(vector.sum()), penalised.step(action)[1], abs_tol=1e-4)
    assert terminated


def test_reward_space_and_the_objectives_unit_weight() -> None:
    """reward_space is [-inf, -dt Q^2] x [inf, 0]; running_penalty reads 1 (the unit weight)."""
    env = MOMarketMakingEnv(max_inventory=50)
    assert env.reward_space.low.tolist() == [-math.inf, -DT * 50**2]
    assert env.reward_space.high.tolist() == [math.inf, 0.0]
    assert env.reward_dim == 2
    assert env.running_penalty == 1.0 and env.terminal_penalty == 0.0


def test_hawkes_arrivals_carry_over_with_two_more_observations() -> None:
    """arrivals='hawkes' observes the two intensities, as MarketMakingHawkes-v0 does."""
    env = gym.make(ENV_ID, arrivals="hawkes")
    observation, _ = env.reset(seed=0)
    assert observation.shape == (6,)
    assert env.step([0.2, 0.2])[1].shape == (2,)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"reward": "pnl"}, TypeError, "unexpected keyword argument 'reward'"),
        ({"running_penalty": 2.0}, TypeError, "unexpected keyword argument 'running_penalty'"),
        ({"sigma": -1.0}, ValueError, "MOMarketMakingEnv: sigma must be > 0, got -1.0"),
        ({"arrivals": "lognormal"}, ValueError, "MOMarketMakingEnv: arrivals must be one of"),
        ({"kappa": float("nan")}, ValueError, "MOMarketMakingEnv: kappa must be a finite number"),
    ],
)
def test_bad_arguments_name_the_env_and_what_it_takes(
    kwargs: dict, error: type[Exception], message: str
) -> None:
    """Reward arguments are not taken (the reward is the vector); bad market values name the env."""
    with pytest.raises(error, match=message):
        MOMarketMakingEnv(**kwargs)


def test_an_action_outside_the_box_names_the_env_and_the_space() -> None:
    """A depth fraction above 1 raises InvalidActionError naming the id and its Box."""
    env = gym.make(ENV_ID)
    env.reset(seed=0)
    with pytest.raises(InvalidActionError, match=r"rlbench/MOMarketMaking-v0: expected an action"):
        env.step([1.5, 0.2])


def test_the_env_passes_the_single_agent_and_multi_objective_checks() -> None:
    """check_env through scalarisation, rewards in reward_space, MO-Gymnasium's wrappers."""
    testing.check_gymnasium_api(MOMarketMakingEnv)
    testing.check_reward_vectors(ENV_ID)
    testing.check_mo_gymnasium_wrappers(ENV_ID)


def test_card_objectives_reference_point_and_uncapped_bounds() -> None:
    """Two objectives, reference (-20, -400), uncapped bounds, CJ at phi = 1 the expert."""
    card = env_card(ENV_ID)
    assert card.objectives == ("pnl", "neg_inventory_risk")
    assert card.reference_point == (-20.0, -400.0)
    assert card.return_bounds == (-math.inf, math.inf)
    assert card.expert_agent == "mo_mm_cj_phi1"
    assert not card.native_kernel


def test_family_draws_build_envs_on_both_splits() -> None:
    """MarketMaking's MDP family: both splits give markets the twin builds and steps."""
    card = env_card(ENV_ID)
    for split in ("in_distribution", "held_out"):
        for kwargs in card.mdp_family.sample(3, split):
            env = gym.make(ENV_ID, **kwargs)
            env.reset(seed=0)
            assert env.step([0.2, 0.2])[1].shape == (2,)


def test_cartea_jaimungal_plans_for_the_penalty_it_is_given() -> None:
    """mo_mm_cj_phi10's depths widen with inventory more steeply than mo_mm_cj_phi0p1's."""
    env = gym.make(ENV_ID)
    cautious = make_agent("mo_mm_cj_phi10", env)
    bold = make_agent("mo_mm_cj_phi0p1", env)
    assert cautious.running_penalty == 10.0 and bold.running_penalty == 0.1
    # Long 3 units at the start: the bid (buying more) moves away, the ask (selling) closer.
    cautious_bid, cautious_ask = cautious.depths(3, 0)
    bold_bid, bold_ask = bold.depths(3, 0)
    assert cautious_bid > bold_bid and cautious_ask < bold_ask


def test_risk_aversion_orders_the_inventory_objective() -> None:
    """Over 5 seeds, higher phi means less inventory risk: phi 100 > 10 > 1 > 0.1 > random."""
    order = ["random", "mo_mm_cj_phi0p1", "mo_mm_cj_phi1", "mo_mm_cj_phi10", "mo_mm_cj_phi100"]
    risks = [run_episodes(name, 5).mean(axis=0)[1] for name in order]
    assert risks == sorted(risks)


@pytest.mark.slow
def test_reference_front_over_30_seeds_as_documented() -> None:
    """30 seeds: every maker is non-dominated, random is not; CJ at phi = 1 is the expert."""
    card = env_card(ENV_ID)
    means = {name: run_episodes(name, 30).mean(axis=0) for name in card.agents}
    front = pareto_front(np.array(list(means.values())))
    on_front = {name for name, mean in means.items() if any(np.array_equal(mean, p) for p in front)}
    assert on_front == set(card.agents) - {"random"}
    utilities = {name: mean.mean() for name, mean in means.items()}
    assert max(utilities, key=utilities.get) == card.expert_agent
