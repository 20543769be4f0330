"""The bandit family's headline claims, measured as stated: 50 seeded episodes per agent."""

from __future__ import annotations

import pytest

import rlbench_suite
from rlbench_suite.scoring import EvaluationResult, evaluate

EPISODES = 50
COUPLED_IDS = [env_id for env_id in rlbench_suite.list_envs(family="bandits") if "CoRMAB" in env_id]


def run(agent: str, env_id: str) -> EvaluationResult:
    return evaluate(agent, env_id, n_episodes=EPISODES, seed=0)


def clearly_above(better: EvaluationResult, worse: EvaluationResult) -> bool:
    """The 95% intervals of the two means do not overlap."""
    return better.mean_return - better.ci95 > worse.mean_return + worse.ci95


@pytest.mark.parametrize("env_id", ["rlbench/RMAB-TwoState-v0", "rlbench/RMAB-ARMMAN-v0"])
def test_whittle_beats_random_and_is_not_worse_than_myopic(env_id: str) -> None:
    """Whittle's interval lies above random's and does not fall below myopic's."""
    whittle, myopic, random = run("whittle", env_id), run("myopic", env_id), run("random", env_id)
    assert clearly_above(whittle, random), (whittle.mean_return, random.mean_return)
    assert whittle.mean_return + whittle.ci95 >= myopic.mean_return - myopic.ci95, (
        whittle.mean_return,
        myopic.mean_return,
    )


def test_the_coupled_problems_are_all_registered() -> None:
    """The four SEQUOIA problems are in the catalogue."""
    names = sorted(env_id.split("/")[1] for env_id in COUPLED_IDS)
    assert names == [
        "CoRMAB-Capacity-v0",
        "CoRMAB-MultiIntervention-v0",
        "CoRMAB-Path-v0",
        "CoRMAB-Scheduling-v0",
    ]


@pytest.mark.parametrize("env_id", COUPLED_IDS)
def test_myopic_beats_random_feasible_on_coupled_problems(env_id: str) -> None:
    """On each coRMAB problem the one-step MILP policy's interval lies above random's."""
    myopic, random = run("myopic", env_id), run("random", env_id)
    assert clearly_above(myopic, random), (myopic.mean_return, random.mean_return)
