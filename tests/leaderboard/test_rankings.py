"""Rankings: only the board's re-evaluation ranks, per env; families aggregate full algorithms."""

from __future__ import annotations

import numpy as np
import pytest
from rliable import metrics

from rlbench_suite.leaderboard.rankings import (
    algorithm_label,
    env_rankings,
    family_env_ids,
    family_rankings,
    ranked_scores,
)
from rlbench_suite.registry import env_card, list_envs
from tests.leaderboard.entries import expert_entry, make_entry, random_entry, returns_at

CARTPOLE = "rlbench/CartPole-v1"
TWO_STATE = "rlbench/RMAB-TwoState-v0"
REPS = 200


def names(entries: tuple[dict, ...] | list[dict]) -> list[str]:
    return [entry["name"] for entry in entries]


def test_ranked_scores_are_the_boards_evaluation_of_a_verified_entry_only() -> None:
    """A verified entry ranks with its evaluation's scores; the other statuses rank with none."""
    verified = expert_entry(CARTPOLE)
    assert ranked_scores(verified) is verified["evaluation"]["scores"]
    for status in ("unverified", "disputed", "self-reported"):
        entry = make_entry(CARTPOLE, "balance", [500.0] * 3, status=status)
        assert ranked_scores(entry) is None, status


def test_a_claim_of_a_million_ranks_by_what_the_board_measured() -> None:
    """Claiming 1e6 but measured at 30 ranks below the expert; unverified 1e6 is not ranked."""
    boaster = make_entry(
        CARTPOLE, "ppo", [30.0, 31.0, 29.0], kind="sb3", claimed_mean_returns=[1e6] * 3
    )
    unverified = make_entry(
        CARTPOLE, "a2c", [1e6] * 3, kind="sb3", status="unverified", name="a2c.claims-1e6"
    )
    disputed = make_entry(
        CARTPOLE,
        "dqn",
        [25.0] * 3,
        kind="sb3",
        status="disputed",
        claimed_mean_returns=[1e6] * 3,
    )
    expert, random = expert_entry(CARTPOLE), random_entry(CARTPOLE)
    ranking = env_rankings([boaster, unverified, disputed, random, expert])[CARTPOLE]
    assert ranking.ranked_by == "normalised_iqm"
    assert names(ranking.verified) == [
        "balance.CartPole-v1",
        "ppo.CartPole-v1",
        "random.CartPole-v1",
    ]
    assert names(ranking.unverified) == ["a2c.claims-1e6"]
    assert names(ranking.disputed) == ["dqn.CartPole-v1"]
    assert ranking.self_reported == ()


def test_each_env_ranks_only_its_own_entries_ties_by_name() -> None:
    """Two envs give two rankings; equal scores on one env are ordered by entry name."""
    first = make_entry(TWO_STATE, "whittle", [557.0] * 3, name="b-whittle")
    second = make_entry(TWO_STATE, "whittle", [557.0] * 3, name="a-whittle")
    cartpole = random_entry(CARTPOLE)
    rankings = env_rankings([first, cartpole, second])
    assert list(rankings) == [CARTPOLE, TWO_STATE]
    assert names(rankings[TWO_STATE].verified) == ["a-whittle", "b-whittle"]
    assert names(rankings[CARTPOLE].verified) == ["random.CartPole-v1"]


def test_entries_without_normalised_scores_rank_by_mean_return() -> None:
    """Where an env's entries carry no normalised score, the higher mean return ranks first."""
    low, high = make_entry(CARTPOLE, "a", [100.0] * 3), make_entry(CARTPOLE, "b", [200.0] * 3)
    for entry in (low, high):
        entry["evaluation"]["scores"]["normalised"] = None
    ranking = env_rankings([low, high])[CARTPOLE]
    assert ranking.ranked_by == "mean_return"
    assert names(ranking.verified) == ["b.CartPole-v1", "a.CartPole-v1"]


def test_a_verified_entry_without_an_evaluation_is_refused() -> None:
    """A record saying verified but holding no evaluation raises, naming the entry."""
    entry = expert_entry(CARTPOLE)
    entry["evaluation"] = None
    with pytest.raises(ValueError, match=r"balance\.CartPole-v1"):
        env_rankings([entry])


def test_algorithm_labels_name_reference_agents_by_their_role() -> None:
    """Each env's expert is "expert", random is "random", others keep names; sb3 is marked."""
    assert algorithm_label(expert_entry(TWO_STATE)) == "expert"  # whittle
    assert algorithm_label(expert_entry("rlbench/CoRMAB-Path-v0")) == "expert"  # myopic
    assert algorithm_label(make_entry(TWO_STATE, "myopic", [500.0] * 3)) == "myopic"
    assert algorithm_label(random_entry(TWO_STATE)) == "random"
    assert algorithm_label(make_entry(TWO_STATE, "ppo", [500.0] * 3, kind="sb3")) == "ppo (sb3)"
    custom = make_entry(TWO_STATE, "mine", [500.0] * 3, kind="custom", status="self-reported")
    assert algorithm_label(custom) == "mine (custom)"


def test_family_envs_are_its_single_agent_envs_with_usable_references() -> None:
    """The UAV family aggregates over its single-agent envs, not MultiQuadHover (no references)."""
    envs = family_env_ids("uav")
    assert "rlbench/MultiQuadHover-v0" not in envs
    assert "rlbench/MultiQuadHoverCentral-v0" in envs
    assert set(envs) == {
        env_id
        for env_id in list_envs(family="uav", multi_agent=False)
        if env_card(env_id).references is not None
    }


@pytest.fixture(scope="module")
def bandit_entries() -> list[dict]:
    """Expert and random on every bandit env; PPO on all but one; myopic on one; a custom."""
    envs = family_env_ids("bandits")
    entries = []
    for index, env_id in enumerate(envs):
        entries.append(expert_entry(env_id, seeds=3 if index % 2 else 5))
        entries.append(random_entry(env_id))
        if env_id != "rlbench/RMAB-ARMMAN-v0":
            entries.append(
                make_entry(env_id, "ppo", returns_at(env_id, [60.0, 70.0, 80.0]), kind="sb3")
            )
    # A second, worse PPO on one env: the family uses the better one.
    entries.append(
        make_entry(
            TWO_STATE, "ppo", returns_at(TWO_STATE, [10.0, 20.0, 30.0]), kind="sb3", name="ppo-2"
        )
    )
    # Unverified PPO where PPO is missing: not enough to complete it.
    entries.append(
        make_entry("rlbench/RMAB-ARMMAN-v0", "ppo", [2800.0] * 3, kind="sb3", status="unverified")
    )
    entries.append(make_entry(TWO_STATE, "myopic", returns_at(TWO_STATE, [50.0] * 3)))
    entries.append(make_entry(TWO_STATE, "mine", [1e6] * 3, kind="custom", status="self-reported"))
    return entries


def test_family_ranking_leaves_out_an_algorithm_missing_one_env_and_names_it(
    bandit_entries: list[dict],
) -> None:
    """PPO lacks a verified ARMMAN entry: it is excluded with that env named; experts rank first."""
    ranking = family_rankings(bandit_entries, reps=REPS)["bandits"]
    assert ranking.env_ids == family_env_ids("bandits")
    assert [aggregate.label for aggregate in ranking.ranked] == ["expert", "random"]
    excluded = {item.label: item for item in ranking.excluded}
    assert set(excluded) == {"ppo (sb3)", "myopic", "mine (custom)"}
    assert excluded["ppo (sb3)"].missing_env_ids == ("rlbench/RMAB-ARMMAN-v0",)
    assert excluded["ppo (sb3)"].reason == "no verified entry on RMAB-ARMMAN-v0"
    assert "self-reported" in excluded["mine (custom)"].reason
    assert len(excluded["myopic"].missing_env_ids) == len(ranking.env_ids) - 1


def test_family_iqm_equals_rliables_on_the_same_matrix(bandit_entries: list[dict]) -> None:
    """The family IQM is rliable's IQM of the envs x first-min-count-seeds normalised matrix."""
    complete = [entry for entry in bandit_entries if entry["name"] != "ppo.RMAB-ARMMAN-v0"]
    complete.append(
        make_entry(
            "rlbench/RMAB-ARMMAN-v0",
            "ppo",
            returns_at("rlbench/RMAB-ARMMAN-v0", [55.0, 65.0, 90.0, 95.0]),
            kind="sb3",
        )
    )
    ranking = family_rankings(complete, reps=REPS)["bandits"]
    ppo = next(aggregate for aggregate in ranking.ranked if aggregate.label == "ppo (sb3)")
    assert ppo.runs_per_env == 3  # ARMMAN has 4 seeds, the others 3: the first 3 are used
    best_ppo = {
        entry["env_id"]: entry
        for entry in complete
        if algorithm_label(entry) == "ppo (sb3)"
        and entry["name"] != "ppo-2"
        and entry["status"] == "verified"
    }
    assert ppo.entry_names == tuple(best_ppo[env_id]["name"] for env_id in ranking.env_ids)
    matrix = np.array(
        [
            best_ppo[env_id]["evaluation"]["scores"]["normalised"]["per_seed"][:3]
            for env_id in ranking.env_ids
        ]
    ).T
    np.testing.assert_allclose(np.array(ppo.normalised_scores), matrix)
    assert ppo.iqm.point == pytest.approx(metrics.aggregate_iqm(matrix))
    assert ppo.optimality_gap.point == pytest.approx(
        metrics.aggregate_optimality_gap(matrix, gamma=100.0)
    )
    assert ppo.iqm.low <= ppo.iqm.point <= ppo.iqm.high
    assert [aggregate.label for aggregate in ranking.ranked] == ["expert", "ppo (sb3)", "random"]
    assert set(ranking.profiles) == {"expert", "ppo (sb3)", "random"}
    assert all(
        len(profile) == len(ranking.profile_thresholds) for profile in ranking.profiles.values()
    )


def test_a_family_without_complete_algorithms_aggregates_nothing() -> None:
    """One expert entry on one of five UAV envs: nothing ranked, the expert excluded with four."""
    ranking = family_rankings([expert_entry("rlbench/QuadHover-v0")], reps=REPS)["uav"]
    assert ranking.ranked == ()
    assert ranking.profiles == {}
    (excluded,) = ranking.excluded
    assert excluded.label == "expert"
    assert len(excluded.missing_env_ids) == len(ranking.env_ids) - 1
