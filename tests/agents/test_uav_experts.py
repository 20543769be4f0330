"""The UAV experts beyond the DSL PID: pid_robust on QuadAttack and geometric on QuadL2F-v1."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import rlbench_suite
from rlbench_suite.agents import make_agent
from rlbench_suite.agents.trivial import trivial_policies
from rlbench_suite.agents.uav import AttackAwareAgent, GeometricAgent, PIDAgent
from rlbench_suite.scoring import evaluate

ATTACK = "rlbench/QuadAttack-v0"
L2F = "rlbench/QuadL2F-v1"
#: Seeds no reference or fresh-episode check uses (those use 0..49 and 10,000..).
SEEDS = 40_000


def _episode(env: gym.Env, agent: object, seed: int) -> tuple[float, int, list[dict]]:
    observation, info = env.reset(seed=seed)
    agent.reset(seed=seed)
    total, infos, done = 0.0, [info], False
    while not done:
        observation, reward, terminated, truncated, info = env.step(agent.act(observation))
        total += reward
        infos.append(info)
        done = terminated or truncated
    return total, len(infos) - 1, infos


def test_the_cards_name_the_new_experts() -> None:
    """QuadAttack's expert is pid_robust and QuadL2F-v1's geometric; both keep random and pid."""
    attack, l2f = rlbench_suite.env_card(ATTACK), rlbench_suite.env_card(L2F)
    assert (attack.expert_agent, l2f.expert_agent) == ("pid_robust", "geometric")
    assert attack.agents == ("random", "pid", "pid_robust")
    assert l2f.agents == ("random", "pid", "geometric")
    assert attack.references.expert_agent == "pid_robust"
    assert l2f.references.expert_agent == "geometric"


def test_spoofed_gps_is_found_and_removed_from_the_position() -> None:
    """During GPS spoofing the estimated bias is the injected one to 1 mm, and 0 once it ends."""
    env = gym.make(ATTACK, attack_types=("gps_spoofing",))
    agent = AttackAwareAgent(env)
    observation, info = env.reset(seed=SEEDS)
    agent.reset()
    (attack,) = info["attack_schedule"]
    during, after = [], []
    for _ in range(env.unwrapped.episode_steps):
        observation, _, _, _, info = env.step(agent.act(observation))
        if info["active_attacks"]:
            during.append(agent.estimator.position_bias.copy())
        elif during:
            after.append(agent.estimator.position_bias.copy())
    assert len(during) > 20 and after
    assert np.allclose(during[-1], attack["position_bias_m"], atol=1e-3)
    assert np.allclose(after[-1], 0.0, atol=1e-3)
    assert not info["crashed"] and info["position_error"] < 0.01


def test_injected_gyro_drift_is_taken_off_the_attitude() -> None:
    """Gyro injection: the reported tilt drifts over 0.1 rad; the estimate stays within a third."""
    env = gym.make(ATTACK, attack_types=("gyro_injection",), gyro_bias=0.4)
    agent = AttackAwareAgent(env)
    observation, _ = env.reset(seed=SEEDS + 1)
    agent.reset()
    worst_reported, worst_estimated = 0.0, 0.0
    for _ in range(env.unwrapped.episode_steps):
        action = agent.act(observation)
        true_angles = env.unwrapped.sensed_kinematics()["roll_pitch_yaw"][0]
        true_angles = true_angles - env.unwrapped._attitude_drift[0]
        reported = env.unwrapped.kinematics_from_observation(observation)["roll_pitch_yaw"][0]
        estimated = reported - agent.estimator.attitude_drift
        worst_reported = max(worst_reported, float(np.abs(reported - true_angles)[:2].max()))
        worst_estimated = max(worst_estimated, float(np.abs(estimated - true_angles)[:2].max()))
        observation, _, _, _, _ = env.step(action)
    assert worst_reported > 0.1
    assert worst_estimated < worst_reported / 3


def test_pid_robust_beats_blind_hover_and_the_pid_under_spoofing() -> None:
    """On GPS-spoofed episodes pid_robust holds ~480 while the PID, trusting the GPS, crashes."""
    env = gym.make(ATTACK, attack_types=("gps_spoofing",))
    robust, pid = AttackAwareAgent(env), PIDAgent(env)
    centre = trivial_policies(env)["constant:centre"]
    for seed in range(SEEDS, SEEDS + 2):
        robust_return, robust_steps, _ = _episode(env, robust, seed)
        pid_return, _, _ = _episode(env, pid, seed)
        centre_return, _, _ = _episode(env, centre, seed)
        assert robust_steps == 240 and robust_return > 470
        assert robust_return > centre_return + 10 and robust_return > pid_return + 100


def test_pid_robust_keeps_the_pids_clean_flight() -> None:
    """Without attacks pid_robust scores within 1 of the PID's near-perfect hover."""
    env = gym.make(ATTACK, attack_types=(), attacks_per_episode=0)
    robust, pid = AttackAwareAgent(env), PIDAgent(env)
    robust_return, _, _ = _episode(env, robust, SEEDS)
    pid_return, _, _ = _episode(env, pid, SEEDS)
    assert pid_return > 470
    assert robust_return > pid_return - 1.0


def test_pid_robust_rides_out_a_motor_loss_the_pid_crashes_on() -> None:
    """A 14 % motor loss: pid_robust's observer and allocation keep it level; the PID tips over."""
    env = gym.make(ATTACK, attack_types=("motor_loss",), motor_loss=(0.14, 0.14))
    for seed in range(SEEDS, SEEDS + 2):
        robust_return, robust_steps, _ = _episode(env, AttackAwareAgent(env), seed)
        pid_return, pid_steps, infos = _episode(env, PIDAgent(env), seed)
        assert robust_steps == 240 and robust_return > 200
        assert pid_steps < 240 and infos[-1]["crashed"] and pid_return < robust_return


def test_geometric_recovers_tumbling_l2f_starts_the_pid_loses() -> None:
    """On QuadL2F-v1 the geometric expert settles most tumbling starts; the PID settles none."""
    env = gym.make(L2F)
    geometric, pid = GeometricAgent(env), PIDAgent(env)
    results = [_episode(env, geometric, seed) for seed in range(SEEDS, SEEDS + 4)]
    pid_results = [_episode(env, pid, seed) for seed in range(SEEDS, SEEDS + 4)]
    settled = [infos[-1]["is_success"] for _, _, infos in results]
    assert sum(settled) >= 3
    assert np.mean([total for total, _, _ in results]) > 700
    assert not any(infos[-1]["is_success"] for _, _, infos in pid_results)
    assert np.mean([total for total, _, _ in pid_results]) < 200


def test_the_harness_records_l2f_settling_per_episode() -> None:
    """evaluate stores is_success (L2F's settling) as a 0/1 metric of every QuadL2F-v1 episode."""
    result = evaluate("geometric", L2F, n_episodes=2, seed=SEEDS)
    flags = [record.metrics["is_success"] for record in result.records]
    assert set(flags) <= {0.0, 1.0}
    for record, flag in zip(result.records, flags, strict=True):
        assert flag == float(record.length == 500 and record.metrics["distance_to_origin"] < 0.2)


def test_the_new_experts_refuse_envs_they_cannot_fly() -> None:
    """Named errors: a non-RPM action type is refused, and so is an env that is no quadrotor."""
    with pytest.raises(ValueError, match="flies one drone with RPM actions"):
        make_agent("pid_robust", gym.make(ATTACK, action_type="pid"))
    with pytest.raises(TypeError, match="not a quadrotor env"):
        GeometricAgent(gym.make("CartPole-v1"))


@pytest.mark.slow
def test_pid_robust_clearly_beats_every_trivial_policy_over_50_seeds() -> None:
    """Over QuadAttack's reference seeds pid_robust's 95 % interval lies above every other's."""
    env = gym.make(ATTACK)
    policies = trivial_policies(env)
    expert = evaluate("pid_robust", ATTACK, n_episodes=50, seed=0)
    for name, policy in {**policies, "random": "random", "pid": "pid"}.items():
        other = evaluate(policy, ATTACK, n_episodes=50, seed=0)
        assert expert.mean_return - expert.ci95 > other.mean_return + other.ci95, name


@pytest.mark.slow
def test_geometric_beats_td3_and_settles_most_l2f_episodes_over_50_seeds() -> None:
    """Over QuadL2F-v1's reference seeds geometric beats TD3's best (214.5 + 40.6), settles 85 %."""
    result = evaluate("geometric", L2F, n_episodes=50, seed=0)
    settled = np.mean([record.metrics["is_success"] for record in result.records])
    assert result.mean_return - result.ci95 > 214.52 + 40.58
    assert settled >= 0.85
