"""What every quadrotor env of the family shares: action types, the KIN observation, the step loop.

:class:`QuadrotorEnv` flies ``num_drones`` Crazyflies (one for QuadHover, several for the
centralised MultiQuadHover twin) with the physics of :mod:`rlbench_suite.envs.uav.dynamics`. A task
subclass says where the drones start, what they should track (:meth:`control_target`), the reward
and when an episode ends. Agents read the env through the public attributes documented on the
class (``params``, ``action_type``, ``control_timestep``, ``rpm_range``, ``speed_limit``,
:meth:`control_target`, :meth:`kinematics_from_observation`, :meth:`action_from_rpm`).
"""

from __future__ import annotations

import enum
from typing import Any, ClassVar, Literal, NamedTuple, TypeVar

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from rlbench_suite.envs.uav.control import DSLPIDController
from rlbench_suite.envs.uav.dynamics import (
    CrazyflieParams,
    Integrator,
    PhysicsConfig,
    QuadrotorDynamics,
    QuadrotorState,
    drone_euler,
    drone_rotation,
    euler_to_rotation,
    quaternion_to_rotation,
)
from rlbench_suite.envs.validation import EnvContract, validate_action


class ActionType(str, enum.Enum):
    """How an action becomes motor speeds (gym-pybullet-drones' ``ActionType``)."""

    RPM = "rpm"  # 4 per drone in [-1, 1]: rpm = hover_rpm (1 + 0.05 a)
    ONE_D_RPM = "one_d_rpm"  # 1 per drone: the same rpm for all four motors
    PID = "pid"  # 3 per drone: target position (m), tracked by the DSL PID at the physics rate
    VEL = "vel"  # 4 per drone: velocity direction (3) and speed as a fraction of the limit (1)


ACTION_SIZES = {ActionType.RPM: 4, ActionType.ONE_D_RPM: 1, ActionType.PID: 3, ActionType.VEL: 4}
# RPM actions move the motors within +-5 % of hover speed, as gym-pybullet-drones does.
RPM_ACTION_SCALE = 0.05
# The VEL action's top speed as a fraction of the airframe's maximum speed (gym-pybullet-drones).
VEL_SPEED_FRACTION = 0.03
# A PID action's waypoint is at most this far from the drone (gym-pybullet-drones' step size).
PID_MAX_WAYPOINT_DISTANCE = 1.0  # m
KINEMATICS_SIZE = 12  # position, roll/pitch/yaw, velocity, body rates
# Kinematic entries are unbounded in principle; the largest float32 stands for "no bound"
# because Gymnasium's checker warns on infinite Box bounds.
OBSERVATION_BOUND = float(np.finfo(np.float32).max)

# gym-pybullet-drones' HoverAviary limits: beyond them the episode is cut short.
POSITION_LIMIT_XY = 1.5  # m
POSITION_LIMIT_Z = 2.0  # m
TILT_LIMIT = 0.4  # rad, roll or pitch

ParamsT = TypeVar("ParamsT")


class SubstepDisturbances(NamedTuple):
    """What acts on the drones during one physics substep besides their motors and gravity."""

    force: np.ndarray | None = None  # (N, 3) world frame, N (wind, random force)
    torque: np.ndarray | None = None  # (N, 3) body frame, N m
    motor_effectiveness: np.ndarray | None = None  # (N, 4), 1 = a healthy motor


def parse_action_type(value: ActionType | str, env_name: str) -> ActionType:
    """``value`` as an :class:`ActionType`; a ValueError names the choices otherwise."""
    try:
        return ActionType(value)
    except ValueError:
        choices = [member.value for member in ActionType]
        raise ValueError(
            f"{env_name}: action_type must be one of {choices}, got {value!r}"
        ) from None


def parse_params(params: Any, params_class: type[ParamsT], env_name: str) -> ParamsT | None:
    """``params`` as a ``params_class`` (a frozen dataclass): kept, built from a dict, or None.

    MDP-family samplers pass plain dicts, so an instance's description stays JSON. A ValueError
    names the env and says what was wrong: an unknown field, a refused value, another type.
    """
    kind = params_class.__name__
    if isinstance(params, dict):
        try:
            return params_class(**params)
        except TypeError as error:
            raise ValueError(f"{env_name}: params has an unknown field ({error})") from None
        except ValueError as error:
            raise ValueError(f"{env_name}: params refused: {error}") from None
    if params is not None and not isinstance(params, params_class):
        raise ValueError(
            f"{env_name}: params must be a {kind} or a dict of its fields, got {type(params)}"
        )
    return params


class QuadrotorEnv(EnvContract, gym.Env):
    """Base of the quadrotor envs (see the module docstring); not registered on its own.

    ``reset`` takes no options (``_reset_task`` sees them, for a task that declares some in
    ``reset_options``).

    Public attributes for agents:

    - ``params`` (:class:`CrazyflieParams`), ``num_drones``, ``action_type`` (:class:`ActionType`)
    - ``angular_velocity_frame``: ``"body"`` (a gyro's reading) or ``"world"``, the frame of the
      observation's angular velocity
    - ``control_timestep`` and ``physics_timestep`` (s)
    - ``rpm_range``: the (low, high) motor speeds the RPM action types can reach
    - ``speed_limit``: the VEL action type's top speed (m/s)
    - :meth:`control_target`: the position and velocity to track during the next step
    - :meth:`kinematics_from_observation`: position, rotation, velocity, body rates per drone
    - :meth:`action_from_rpm`: the action that realises given motor speeds
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["rgb_array", "human"], "render_fps": 30}
    #: The frame of the observation's angular velocity; a task may observe it in the world frame,
    #: as gym-pybullet-drones' KIN observation does (PyBullet reports it so).
    angular_velocity_frame: Literal["body", "world"] = "body"

    def __init__(
        self,
        num_drones: int = 1,
        action_type: ActionType | str = ActionType.RPM,
        ctrl_freq: int = 30,
        pyb_freq: int = 240,
        episode_seconds: float = 8.0,
        params: CrazyflieParams | dict[str, Any] | None = None,
        integrator: Integrator = "euler",
        ground_effect: bool = True,
        drag: bool = True,
        downwash: bool = True,
        ground: bool = True,
        motor_lag_in_integrator: bool = False,
        render_mode: str | None = None,
    ) -> None:
        name = type(self).__name__
        if not isinstance(num_drones, int | np.integer) or num_drones < 1:
            raise ValueError(f"{name}: num_drones must be a positive integer, got {num_drones!r}")
        if not isinstance(ctrl_freq, int | np.integer) or ctrl_freq < 1:
            raise ValueError(f"{name}: ctrl_freq must be a positive integer, got {ctrl_freq!r}")
        if not isinstance(pyb_freq, int | np.integer) or pyb_freq < ctrl_freq:
            raise ValueError(f"{name}: pyb_freq must be an integer >= ctrl_freq, got {pyb_freq!r}")
        if pyb_freq % ctrl_freq != 0:
            raise ValueError(
                f"{name}: pyb_freq ({pyb_freq}) must be a multiple of ctrl_freq ({ctrl_freq})"
            )
        if not episode_seconds > 0:
            raise ValueError(f"{name}: episode_seconds must be > 0, got {episode_seconds!r}")
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(
                f"{name}: render_mode must be one of {self.metadata['render_modes']} or None, "
                f"got {render_mode!r}"
            )
        params = parse_params(params, CrazyflieParams, name)
        self.num_drones = int(num_drones)
        self.action_type = parse_action_type(action_type, name)
        self.ctrl_freq = int(ctrl_freq)
        self.pyb_freq = int(pyb_freq)
        self.substeps = self.pyb_freq // self.ctrl_freq
        self.control_timestep = 1.0 / self.ctrl_freq
        self.physics_timestep = 1.0 / self.pyb_freq
        self.episode_steps = round(episode_seconds * self.ctrl_freq)
        if self.episode_steps < 1:
            raise ValueError(
                f"{name}: episode_seconds ({episode_seconds!r}) must last at least one control "
                f"step (1 / ctrl_freq = {1.0 / self.ctrl_freq:g} s)"
            )
        self.params = params if params is not None else CrazyflieParams()
        self.dynamics = QuadrotorDynamics(
            self.params,
            PhysicsConfig(
                integrator=integrator,
                ground_effect=ground_effect,
                drag=drag,
                downwash=downwash,
                ground=ground,
                motor_lag_in_integrator=motor_lag_in_integrator,
            ),
        )
        self.render_mode = render_mode
        self.metadata = {**self.metadata, "render_fps": self.ctrl_freq}
        self.rpm_range = (
            self.params.hover_rpm * (1.0 - RPM_ACTION_SCALE),
            self.params.hover_rpm * (1.0 + RPM_ACTION_SCALE),
        )
        self.speed_limit = VEL_SPEED_FRACTION * self.params.max_speed
        # The env's own controller turns PID and VEL actions into motor speeds every substep.
        self._controller = DSLPIDController(self.params, self.num_drones)

        self.action_size = ACTION_SIZES[self.action_type]
        # gym-pybullet-drones keeps the last ctrl_freq / 2 actions (half a second) in the obs.
        self.action_buffer_length = max(1, self.ctrl_freq // 2)
        flat_actions = self.num_drones * self.action_size
        self.action_space = spaces.Box(-1.0, 1.0, shape=(flat_actions,), dtype=np.float32)
        self.observation_space = self._build_observation_space()

        self.state = QuadrotorState.at_rest(self._home_positions())
        self.step_count = 0
        self._physics_steps = 0
        self._action_buffer = np.zeros(
            (self.action_buffer_length, self.num_drones, self.action_size)
        )
        # Tasks that leave _advance_disturbances alone have nothing to add during a substep.
        self._no_disturbances = (
            type(self)._advance_disturbances is QuadrotorEnv._advance_disturbances
        )
        self._renderer: Any = None
        self._trails: list[list[np.ndarray]] = [[] for _ in range(self.num_drones)]

    # -- task hooks (subclasses override) ---------------------------------------------------------

    def _home_positions(self) -> np.ndarray:
        """Start positions (N, 3) before jitter; default: side by side, 0.1 m above the floor."""
        spacing = 4.0 * self.params.arm_length  # gym-pybullet-drones' spacing of several drones
        positions = np.zeros((self.num_drones, 3))
        positions[:, 0] = spacing * np.arange(self.num_drones)
        positions[:, 1] = spacing * np.arange(self.num_drones)
        positions[:, 2] = self.params.start_height
        return positions

    def _reset_task(self, options: dict[str, Any] | None) -> None:
        """Sample the task's state for a new episode (from ``self.np_random``)."""

    def _reset_drones(self) -> QuadrotorState:
        """The initial drone state; default: at rest at the home positions."""
        return QuadrotorState.at_rest(self._home_positions())

    def control_target(self) -> tuple[np.ndarray, np.ndarray]:
        """Position (N, 3) and velocity (N, 3) to reach by the end of the next step."""
        raise NotImplementedError

    def _task_features(self) -> np.ndarray:
        """Extra observation entries per drone, (N, k); none by default."""
        return np.zeros((self.num_drones, 0))

    def _task_feature_size(self) -> int:
        return 0

    def _reward(self) -> float:
        raise NotImplementedError

    def _terminated(self) -> bool:
        return False

    def _info(self) -> dict[str, Any]:
        return {}

    def _before_physics(self, action: np.ndarray) -> None:
        """Called in ``step`` with the per-drone action (N, k) before the physics runs.

        A task whose reward is computed on the state before the step records it here.
        """

    def _advance_disturbances(self) -> SubstepDisturbances:
        """Advance time-dependent disturbances by one substep and return them for it.

        Called once per physics substep, before it; none by default.
        """
        return SubstepDisturbances()

    def sensed_kinematics(self) -> dict[str, np.ndarray]:
        """The drones' state as the onboard sensors report it (attacks corrupt this).

        Keys ``position``, ``roll_pitch_yaw``, ``velocity``, ``body_rates``, each (N, 3). The
        observation and the env's own PID controller both use it; rewards and limits use the true
        state.
        """
        return {
            "position": self.state.position.copy(),
            "roll_pitch_yaw": np.array(self._true_roll_pitch_yaw()),
            "velocity": self.state.velocity.copy(),
            "body_rates": self.state.body_rates.copy(),
        }

    def _true_roll_pitch_yaw(self) -> list[tuple[float, float, float]]:
        """Each drone's true roll, pitch and yaw, as floats (libm's, as the C kernel's)."""
        return [
            drone_euler(drone_rotation(*quaternion))
            for quaternion in self.state.quaternion.tolist()
        ]

    # -- observation ----------------------------------------------------------------------------

    def _build_observation_space(self) -> spaces.Box:
        per_drone = KINEMATICS_SIZE + self._task_feature_size()
        buffer_size = self.action_buffer_length * self.action_size
        low = np.concatenate([np.full(per_drone, -OBSERVATION_BOUND), np.full(buffer_size, -1.0)])
        high = np.concatenate([np.full(per_drone, OBSERVATION_BOUND), np.full(buffer_size, 1.0)])
        return spaces.Box(
            np.tile(low, self.num_drones).astype(np.float32),
            np.tile(high, self.num_drones).astype(np.float32),
            dtype=np.float32,
        )

    @property
    def drone_observation_size(self) -> int:
        """Length of one drone's block of the observation."""
        return (
            KINEMATICS_SIZE
            + self._task_feature_size()
            + self.action_buffer_length * self.action_size
        )

    def _observation(self) -> np.ndarray:
        sensed = self.sensed_kinematics()
        angular_velocity = sensed["body_rates"]  # (N, 3)
        if self.angular_velocity_frame == "world":
            # Rotated by the sensed attitude: what an estimator would report from the gyro.
            rotation = euler_to_rotation(sensed["roll_pitch_yaw"])
            angular_velocity = np.einsum("nij,nj->ni", rotation, angular_velocity)
        kinematics = np.concatenate(
            [
                sensed["position"],
                sensed["roll_pitch_yaw"],
                sensed["velocity"],
                angular_velocity,
                self._task_features(),
            ],
            axis=1,
        )  # (N, 12 + k)
        # Oldest action first, as gym-pybullet-drones stacks its buffer.
        buffer = np.transpose(self._action_buffer, (1, 0, 2)).reshape(self.num_drones, -1)
        return np.concatenate([kinematics, buffer], axis=1).reshape(-1).astype(np.float32)

    def kinematics_from_observation(self, observation: np.ndarray) -> dict[str, np.ndarray]:
        """Per-drone kinematics read back from an observation.

        Keys ``position``, ``roll_pitch_yaw``, ``velocity``, ``body_rates`` (each (N, 3)) and
        ``rotation`` (N, 3, 3). ``body_rates`` are in the body frame whichever frame the
        observation uses (``angular_velocity_frame``).
        """
        blocks = np.asarray(observation, dtype=float).reshape(self.num_drones, -1)
        roll_pitch_yaw = blocks[:, 3:6]
        rotation = euler_to_rotation(roll_pitch_yaw)
        body_rates = blocks[:, 9:12]
        if self.angular_velocity_frame == "world":
            body_rates = np.einsum("nji,nj->ni", rotation, body_rates)  # R^T w
        return {
            "position": blocks[:, 0:3],
            "roll_pitch_yaw": roll_pitch_yaw,
            "rotation": rotation,
            "velocity": blocks[:, 6:9],
            "body_rates": body_rates,
        }

    # -- actions ----------------------------------------------------------------------------------

    def action_from_rpm(self, rpm: np.ndarray) -> np.ndarray:
        """The RPM / ONE_D_RPM action (flat, float32, in [-1, 1]) nearest to ``rpm`` (N, 4)."""
        if self.action_type not in (ActionType.RPM, ActionType.ONE_D_RPM):
            raise ValueError(
                f"{type(self).__name__}: action_from_rpm needs an RPM action type, "
                f"this env uses {self.action_type.value!r}"
            )
        normalised = (np.asarray(rpm, dtype=float) / self.params.hover_rpm - 1.0) / RPM_ACTION_SCALE
        if self.action_type == ActionType.ONE_D_RPM:
            normalised = normalised.mean(axis=1, keepdims=True)
        return np.clip(normalised, -1.0, 1.0).reshape(-1).astype(np.float32)

    def _rpm_from_action(self, action: np.ndarray) -> np.ndarray | None:
        """Motor speeds (N, 4) of an RPM-type action; None for the controller-driven types."""
        if self.action_type == ActionType.RPM:
            return self.params.hover_rpm * (1.0 + RPM_ACTION_SCALE * action)
        if self.action_type == ActionType.ONE_D_RPM:
            return np.repeat(self.params.hover_rpm * (1.0 + RPM_ACTION_SCALE * action), 4, axis=1)
        return None

    def _controller_rpm(self, action: np.ndarray) -> np.ndarray:
        """Motor speeds (N, 4) from the env's PID for a PID or VEL action, at the physics rate."""
        sensed = self.sensed_kinematics()
        position = sensed["position"]
        rotation = euler_to_rotation(sensed["roll_pitch_yaw"])
        if self.action_type == ActionType.PID:
            offset = action - position
            distance = np.linalg.norm(offset, axis=1, keepdims=True)
            shrink = np.minimum(1.0, PID_MAX_WAYPOINT_DISTANCE / np.maximum(distance, 1e-12))
            waypoint = position + offset * shrink
            return self._controller.compute_rpm(
                self.physics_timestep, position, rotation, sensed["velocity"], waypoint
            )
        direction = action[:, 0:3]
        norm = np.linalg.norm(direction, axis=1, keepdims=True)
        unit = np.where(norm > 0, direction / np.where(norm > 0, norm, 1.0), 0.0)
        target_velocity = self.speed_limit * np.abs(action[:, 3:4]) * unit
        return self._controller.compute_rpm(
            self.physics_timestep,
            position,
            rotation,
            sensed["velocity"],
            position,
            target_velocity=target_velocity,
            target_yaw=sensed["roll_pitch_yaw"][:, 2],
        )

    # -- the Gymnasium API ------------------------------------------------------------------------

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """Hold the action for one control period of ``substeps`` physics steps."""
        self._warn_if_stepped_out_of_episode()
        checked = validate_action(self, action)
        per_drone = checked.astype(np.float64).reshape(self.num_drones, self.action_size)
        # Oldest action out, newest in, in place (np.roll would allocate a new buffer each step).
        self._action_buffer[:-1] = self._action_buffer[1:]
        self._action_buffer[-1] = per_drone
        rpm = self._rpm_from_action(per_drone)
        self._before_physics(per_drone)
        if rpm is not None and self._no_disturbances:
            # One command for the whole step and nothing else acting: the dynamics run every
            # substep at once (on floats for a few drones, the arrays touched once a step).
            self.dynamics.fly(self.state, rpm, self.physics_timestep, self.substeps)
            self._physics_steps += self.substeps
        else:
            for _ in range(self.substeps):
                command = rpm if rpm is not None else self._controller_rpm(per_drone)
                disturbances = self._advance_disturbances()
                self.dynamics.step(
                    self.state,
                    command,
                    self.physics_timestep,
                    disturbances.force,
                    disturbances.motor_effectiveness,
                    disturbances.torque,
                )
                self._physics_steps += 1
        self.step_count += 1
        self._after_step()
        reward = float(self._reward())
        terminated = bool(self._terminated())
        out_of_bounds = self._out_of_bounds()
        truncated = out_of_bounds or self.step_count >= self.episode_steps
        info = {"crashed": bool(out_of_bounds and not terminated), **self._info()}
        self._record_step_end(terminated, truncated)
        if self.render_mode == "human":
            self.render()
        return self._observation(), reward, terminated, truncated, info

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Put the drones at their start and sample the episode's task."""
        super().reset(seed=seed, options=options)
        self.step_count = 0
        self._physics_steps = 0
        self._action_buffer = np.zeros_like(self._action_buffer)
        self._controller.reset()
        self._reset_task(options)
        self.state = self._reset_drones()
        self._trails = [[] for _ in range(self.num_drones)]
        self._after_step()
        if self.render_mode == "human":
            self.render()
        return self._observation(), {"crashed": False, **self._info()}

    @property
    def time(self) -> float:
        """Simulated seconds since the episode started."""
        return self._physics_steps * self.physics_timestep

    def _after_step(self) -> None:
        """Bookkeeping after the physics of a step (or a reset); records the render trail."""
        if self.render_mode is not None:
            for index in range(self.num_drones):
                self._trails[index].append(self.state.position[index].copy())
                del self._trails[index][:-90]

    def _out_of_bounds(self) -> bool:
        """HoverAviary's limits on the true state: position box and roll/pitch tilt."""
        for (x, y, z), (roll, pitch, _) in zip(
            self.state.position.tolist(), self._true_roll_pitch_yaw(), strict=True
        ):
            if (
                abs(x) > POSITION_LIMIT_XY
                or abs(y) > POSITION_LIMIT_XY
                or z > POSITION_LIMIT_Z
                or abs(roll) > TILT_LIMIT
                or abs(pitch) > TILT_LIMIT
            ):
                return True
        return False

    def _reference_path(self) -> np.ndarray | None:
        return None

    def render(self) -> np.ndarray | None:
        """An RGB frame (``rgb_array``), or draw it to a window (``human``)."""
        if self.render_mode is None:
            gym.logger.warn("render() called with no render_mode; pass render_mode to gym.make")
            return None
        if self._renderer is None:
            from rlbench_suite.envs.uav.rendering import QuadrotorRenderer

            self._renderer = QuadrotorRenderer()
        target, _ = self.control_target()
        frame = self._renderer.draw(
            positions=self.state.position,
            rotations=quaternion_to_rotation(self.state.quaternion),
            motor_positions=self.params.motor_positions,
            targets=target,
            reference_path=self._reference_path(),
            trails=[np.array(trail) for trail in self._trails],
            caption=f"t = {self.time:4.2f} s",
        )
        if self.render_mode == "human":
            self._renderer.show(self.metadata["render_fps"])
            return None
        return frame

    def close(self) -> None:
        """Close the render window, if any."""
        if self._renderer is not None:
            self._renderer.close()
            self._renderer = None
        super().close()

    def __getstate__(self) -> dict[str, Any]:
        # pygame surfaces do not pickle; a copy draws a fresh renderer when asked to render.
        state = self.__dict__.copy()
        state["_renderer"] = None
        return state


def quadrotor_return_bounds(
    step_reward_bounds: tuple[float, float], episode_seconds: float, ctrl_freq: int
) -> tuple[float, float]:
    """Episode-return bounds of a quadrotor task whose steps pay within ``step_reward_bounds``.

    An episode lasts ``round(episode_seconds * ctrl_freq)`` steps (:class:`QuadrotorEnv`'s
    ``episode_steps``) unless a crash or the task's termination ends it sooner, after as little
    as one step. A step reward that is never negative therefore makes one step's reward the
    lowest return, and one that is never positive makes one step's reward the highest.
    """
    step_low, step_high = step_reward_bounds
    episode_steps = round(episode_seconds * ctrl_freq)
    return (
        float(min(step_low, step_low * episode_steps)),
        float(max(step_high, step_high * episode_steps)),
    )
