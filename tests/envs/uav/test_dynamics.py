"""Physics of the quadrotor model that a user can check by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rlbench_suite.envs.uav.dynamics import (
    CrazyflieParams,
    PhysicsConfig,
    QuadrotorDynamics,
    QuadrotorState,
    euler_to_quaternion,
    quaternion_to_rotation,
    rotation_to_euler,
)

PARAMS = CrazyflieParams()
DT = 1.0 / 240.0


def fly(
    state: QuadrotorState,
    rpm: np.ndarray,
    seconds: float,
    config: PhysicsConfig | None = None,
    dt: float = DT,
) -> QuadrotorState:
    dynamics = QuadrotorDynamics(PARAMS, config or PhysicsConfig())
    command = np.broadcast_to(rpm, (state.num_drones, 4)).astype(float)
    for _ in range(round(seconds / dt)):
        dynamics.step(state, command, dt)
    return state


def test_derived_constants_match_gym_pybullet_drones() -> None:
    """Hover RPM, max RPM and the ground-effect clip height follow from mass, g, kf, t2w."""
    assert PARAMS.hover_rpm == pytest.approx(14468.4, abs=0.5)
    assert PARAMS.max_rpm == pytest.approx(21702.6, abs=0.5)
    assert PARAMS.ground_effect_clip_height == pytest.approx(0.0378, abs=1e-4)
    heavier = CrazyflieParams(mass=0.054)
    assert heavier.hover_rpm == pytest.approx(PARAMS.hover_rpm * math.sqrt(2))


def test_bad_parameters_name_the_field() -> None:
    """A non-positive mass or a thrust-to-weight below 1 raises a ValueError naming it."""
    with pytest.raises(ValueError, match="mass"):
        CrazyflieParams(mass=0.0)
    with pytest.raises(ValueError, match="thrust_to_weight"):
        CrazyflieParams(thrust_to_weight=0.9)
    with pytest.raises(ValueError, match="integrator"):
        PhysicsConfig(integrator="verlet")  # type: ignore[arg-type]


@pytest.mark.parametrize("integrator", ["euler", "rk4"])
def test_hover_rpm_holds_the_drone_in_place_for_five_seconds(integrator: str) -> None:
    """Away from the floor, four motors at hover RPM keep the drone within 1 mm for 5 s."""
    state = QuadrotorState.at_rest([[0.0, 0.0, 1.0]], rpm=PARAMS.hover_rpm)
    config = PhysicsConfig(integrator=integrator, ground_effect=False)  # type: ignore[arg-type]
    fly(state, np.full(4, PARAMS.hover_rpm), 5.0, config)
    assert np.abs(state.position - [0.0, 0.0, 1.0]).max() < 1e-3
    assert np.abs(state.body_rates).max() < 1e-9


def test_hover_with_every_effect_on_drifts_only_centimetres() -> None:
    """With drag and ground effect on, hover RPM at 2 m drifts less than 5 cm in 5 s."""
    state = QuadrotorState.at_rest([[0.0, 0.0, 2.0]], rpm=PARAMS.hover_rpm)
    fly(state, np.full(4, PARAMS.hover_rpm), 5.0)
    assert np.abs(state.position - [0.0, 0.0, 2.0]).max() < 0.05


@pytest.mark.parametrize(("integrator", "tolerance"), [("euler", 0.03), ("rk4", 1e-9)])
def test_free_fall_matches_g(integrator: str, tolerance: float) -> None:
    """With the motors off a drone falls g t^2 / 2 (RK4 exactly, Euler within 3 cm after 1 s)."""
    state = QuadrotorState.at_rest([[0.0, 0.0, 10.0]])
    config = PhysicsConfig(integrator=integrator)  # type: ignore[arg-type]
    fly(state, np.zeros(4), 1.0, config)
    assert state.position[0, 2] == pytest.approx(10.0 - 0.5 * PARAMS.gravity, abs=tolerance)
    assert state.velocity[0, 2] == pytest.approx(-PARAMS.gravity, abs=1e-9)


def test_symmetric_rpms_give_no_torque() -> None:
    """Equal motor speeds, at any level, leave the attitude and body rates untouched."""
    for rpm in (0.5 * PARAMS.hover_rpm, PARAMS.hover_rpm, PARAMS.max_rpm):
        state = QuadrotorState.at_rest([[0.0, 0.0, 1.0]])
        fly(state, np.full(4, rpm), 1.0, PhysicsConfig(ground=False))
        assert np.abs(state.body_rates).max() < 1e-12
        assert state.quaternion[0] == pytest.approx([1.0, 0.0, 0.0, 0.0])


def test_yaw_sign_matches_the_motor_layout() -> None:
    """Speeding up motors 1 and 3 (clockwise props) yaws the body counter-clockwise, and back."""
    faster_odd = PARAMS.hover_rpm * np.array([0.99, 1.01, 0.99, 1.01])
    state = fly(QuadrotorState.at_rest([[0.0, 0.0, 1.0]]), faster_odd, 0.2)
    assert state.body_rates[0, 2] > 0 and abs(state.body_rates[0, 0]) < 1e-9
    faster_even = PARAMS.hover_rpm * np.array([1.01, 0.99, 1.01, 0.99])
    state = fly(QuadrotorState.at_rest([[0.0, 0.0, 1.0]]), faster_even, 0.2)
    assert state.body_rates[0, 2] < 0


def test_roll_and_pitch_signs_match_the_motor_positions() -> None:
    """Faster left motors (2, 3) lift the left side (+roll); faster front ones the nose (-pitch)."""
    left_faster = PARAMS.hover_rpm * np.array([0.99, 0.99, 1.01, 1.01])
    state = fly(QuadrotorState.at_rest([[0.0, 0.0, 1.0]]), left_faster, 0.1)
    assert state.body_rates[0, 0] > 0 and abs(state.body_rates[0, 1]) < 1e-9
    front_faster = PARAMS.hover_rpm * np.array([1.01, 0.99, 0.99, 1.01])
    state = fly(QuadrotorState.at_rest([[0.0, 0.0, 1.0]]), front_faster, 0.1)
    assert state.body_rates[0, 1] < 0


def test_ground_effect_raises_thrust_near_the_floor_and_vanishes_above() -> None:
    """At 5 cm the floor adds over 10 % thrust; at 1 m it adds under 0.1 %; it is capped below."""
    dynamics = QuadrotorDynamics(PARAMS)
    thrust = np.full((1, 4), PARAMS.kf * PARAMS.hover_rpm**2)
    level = np.eye(3)[None]

    def gain(height: float) -> float:
        extra = dynamics.ground_effect(np.array([[0.0, 0.0, height]]), level, thrust)
        return float(extra.sum() / thrust.sum())

    assert gain(0.05) > 0.10
    assert gain(1.0) < 1e-3
    assert gain(0.01) == pytest.approx(gain(PARAMS.ground_effect_clip_height))
    # Hover RPM near the floor therefore climbs, while far above it does not.
    low = fly(QuadrotorState.at_rest([[0.0, 0.0, 0.05]]), np.full(4, PARAMS.hover_rpm), 0.3)
    assert low.position[0, 2] > 0.06


def test_downwash_pushes_the_lower_drone_down_only() -> None:
    """A drone 0.3 m under another is pushed down; the upper one and far-apart drones are not."""
    dynamics = QuadrotorDynamics(PARAMS)
    force = dynamics.downwash(np.array([[0.0, 0.0, 0.5], [0.0, 0.0, 0.8], [3.0, 0.0, 0.2]]))
    assert force[0] < -0.01  # N, a sizeable fraction of the 0.26 N weight
    assert force[1] == 0.0
    assert force[2] > -1e-12
    state = QuadrotorState.at_rest([[0.0, 0.0, 0.5], [0.0, 0.0, 0.8]], rpm=PARAMS.hover_rpm)
    fly(state, np.full(4, PARAMS.hover_rpm), 0.2, PhysicsConfig(ground_effect=False))
    assert state.position[0, 2] < 0.49 and state.position[1, 2] == pytest.approx(0.8, abs=1e-6)


def test_floor_stops_a_falling_drone() -> None:
    """A drone dropped with its motors off comes to rest on the floor, not below it."""
    state = fly(QuadrotorState.at_rest([[0.0, 0.0, 0.5]]), np.zeros(4), 1.0)
    assert state.position[0, 2] == pytest.approx(PARAMS.rest_height)
    assert np.all(state.velocity == 0.0)


def test_motor_lag_is_first_order() -> None:
    """With a 0.15 s time constant the motors reach 63 % of a step command after 0.15 s."""
    lagged = CrazyflieParams(motor_time_constant=0.15)
    state = QuadrotorState.at_rest([[0.0, 0.0, 1.0]])
    dynamics = QuadrotorDynamics(lagged, PhysicsConfig(ground=False))
    for _ in range(36):  # 0.15 s at 240 Hz
        dynamics.step(state, np.full((1, 4), 10000.0), DT)
    assert state.rpm[0, 0] == pytest.approx(10000.0 * (1 - math.exp(-1)), rel=1e-9)


def test_motor_lag_inside_rk4_follows_rk4_s_solution_of_the_lag() -> None:
    """Integrated with the body, one 10 ms step moves the motors by RK4's factor for dt / tau."""
    lagged = CrazyflieParams(motor_time_constant=0.15)
    config = PhysicsConfig(integrator="rk4", ground=False, motor_lag_in_integrator=True)
    state = QuadrotorState.at_rest([[0.0, 0.0, 1.0]], rpm=5000.0)
    QuadrotorDynamics(lagged, config).step(state, np.full((1, 4), 15000.0), 0.01)
    x = 0.01 / 0.15
    remaining = 1 - x + x**2 / 2 - x**3 / 6 + x**4 / 24  # RK4's amplification of y' = -y / tau
    np.testing.assert_allclose(state.rpm, 15000.0 - 10000.0 * remaining, rtol=1e-12)


def test_motor_lag_inside_rk4_needs_rk4_and_a_lag() -> None:
    """The option refuses the Euler integrator and motors without a time constant."""
    with pytest.raises(ValueError, match="rk4"):
        PhysicsConfig(motor_lag_in_integrator=True)
    with pytest.raises(ValueError, match="motor_time_constant"):
        QuadrotorDynamics(PARAMS, PhysicsConfig(integrator="rk4", motor_lag_in_integrator=True))


def test_external_torque_spins_the_body_by_j_inverse() -> None:
    """A body torque about x from rest gives a roll rate of tau / J_xx per second."""
    state = QuadrotorState.at_rest([[0.0, 0.0, 1.0]], rpm=PARAMS.hover_rpm)
    torque = np.array([[1e-6, 0.0, 0.0]])
    dynamics = QuadrotorDynamics(PARAMS, PhysicsConfig(ground=False, ground_effect=False))
    dynamics.step(state, np.full((1, 4), PARAMS.hover_rpm), DT, external_torque=torque)
    assert state.body_rates[0, 0] == pytest.approx(1e-6 / PARAMS.inertia_xx * DT, rel=1e-9)
    assert abs(state.body_rates[0, 1]) < 1e-15


def test_euler_angles_round_trip_through_quaternions() -> None:
    """Roll, pitch, yaw -> quaternion -> rotation -> roll, pitch, yaw is the identity."""
    angles = np.array([[0.3, -0.2, 2.5], [-1.0, 0.7, -3.0]])
    recovered = rotation_to_euler(quaternion_to_rotation(euler_to_quaternion(angles)))
    np.testing.assert_allclose(recovered, angles, atol=1e-12)
