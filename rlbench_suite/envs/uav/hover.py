"""QuadHover: take a Crazyflie 2.x off the floor and hold it at (0, 0, 1).

## Description

The single-drone hover task of gym-pybullet-drones (``HoverAviary``), on this suite's own NumPy
rigid-body model of the Crazyflie 2.x (no PyBullet): per-motor thrust and yaw torque, drag, ground
effect, optional motor lag, a floor, 240 Hz physics under a 30 Hz control step (8 substeps, semi-
implicit Euler; see :mod:`rlbench_suite.envs.uav.dynamics`). The drone starts on its legs' height
plus 0.1 m and must climb to the target and stay there for 8 s.

Physics. ``physics="drag_ground_effect"`` (the default) models drag and ground effect, the
effects gym-pybullet-drones offers as ``Physics.PYB_GND_DRAG_DW``, and observes a gyro's body-frame
angular velocity. ``physics="gym_pybullet_drones"`` matches that project's default,
``Physics.PYB``: motor thrust and torques only, no drag and no ground effect, and its KIN
observation's angular velocity, which PyBullet reports in the world frame. The default stays as
it is because the suite's reference scores, leaderboard entries and native kernel were all made
on it, and because the take-off starts 0.1 m above the floor, where ground effect is largest:
the default is the more physical of the two, the option the one that reproduces the anchor's
numbers. Under the option the env runs in Python only (the native kernel observes body rates).

Backends. Where the C extension is built (:func:`rlbench_suite.vector.native_available`) the
default instance steps through the ``quad_hover`` kernel of the fast path at N = 1, many times
faster than the Python step; ``backend="python"`` keeps the Python twin, the reference and the
fallback. Both give the same episode bit for bit from the same seed and actions: ``reset``
draws the start in Python (``np_random``) and writes it into the kernel's state, and the kernel
runs the Python step's operations in its order. ``state``, the infos, ``render``, pickling and
``close`` behave the same on both; a pickled copy rebuilds its kernel when it next steps.

## Action Space

``Box(-1, 1, (k,), float32)``, with ``k`` set by ``action_type``:

| action_type   | k | meaning |
|---------------|---|---------|
| ``"rpm"``       | 4 | motor speeds, ``rpm_i = hover_rpm (1 + 0.05 a_i)`` |
| ``"one_d_rpm"`` | 1 | one speed for all four motors, same mapping |
| ``"pid"``       | 3 | target position (m), flown to by the env's DSL PID |
| ``"vel"``       | 4 | velocity direction ``a[0:3]``, speed ``abs(a[3])`` x 0.25 m/s |

For ``"pid"`` the env's PID aims at a waypoint at most 1 m from the drone toward the target; for
``"vel"`` it tracks the velocity (top speed 3 % of the airframe's 30 km/h). Unlike
gym-pybullet-drones, the env's PID runs at the 240 Hz physics rate rather than once per 30 Hz
step: DSL's gains were tuned for 240 Hz and make the drone oscillate when held for 1/30 s.

## Observation Space

``Box(float32)`` of ``12 + 15 k`` entries (gym-pybullet-drones' KIN observation):

| index | observation | unit |
|-------|-------------|------|
| 0-2   | position x, y, z (world) | m |
| 3-5   | roll, pitch, yaw (Z-Y-X Euler) | rad |
| 6-8   | velocity (world) | m/s |
| 9-11  | angular velocity, body frame (a gyro's reading); world frame under the option | rad/s |
| 12-   | the last ``ctrl_freq / 2`` actions, oldest first, ``k`` each | as the action |

Under ``physics="gym_pybullet_drones"`` entries 9-11 are the world-frame angular velocity, as in
gym-pybullet-drones' KIN observation.

## Rewards

HoverAviary's: ``max(0, 2 - ||p* - p||^4)`` per step with ``p* = (0, 0, 1)``. The best return is
about 480 (2 per step for 240 steps, less a little for the climb).

## Starting State

Level and still, motors stopped, at ``(x, y, rest_height + 0.1 m)`` where ``x, y`` are uniform in
``+-start_jitter`` (default 0.05 m; ``0`` gives HoverAviary's fixed start).

## Episode End

No termination (HoverAviary's "within 0.1 mm of the target" termination is dropped: it ends an
episode for flying perfectly). Truncation as HoverAviary: ``|x| > 1.5`` or ``|y| > 1.5`` m,
``z > 2`` m, roll or pitch beyond 0.4 rad (``info["crashed"]`` is then True), or after 8 s (240
steps).

## Arguments

```python
gym.make("rlbench/QuadHover-v0", action_type="rpm", target_position=(0.0, 0.0, 1.0),
         start_jitter=0.05, ctrl_freq=30, pyb_freq=240, episode_seconds=8.0, params=None,
         physics="drag_ground_effect", ground_effect=None, drag=None, render_mode=None,
         backend="auto")
```

- ``action_type``: ``"rpm"``, ``"one_d_rpm"``, ``"pid"`` or ``"vel"``.
- ``physics``: ``"drag_ground_effect"`` or ``"gym_pybullet_drones"`` (see Description).
- ``ground_effect``, ``drag``: switch one effect off (``False``); ``None`` follows ``physics``.
- ``params``: a :class:`~rlbench_suite.envs.uav.dynamics.CrazyflieParams` (mass, inertia, kf, km,
  motor lag ...); the MDP family perturbs mass, inertia and kf by +-10 % (held out: +-25 %).
- ``render_mode``: ``"rgb_array"`` (side and top views, drawn off-screen with pygame) or
  ``"human"``.
- ``backend``: ``"auto"`` (the C kernel where the extension is built and models the instance:
  ``rpm`` or ``one_d_rpm`` actions, body rates observed, no motor lag; Python otherwise),
  ``"native"`` (the kernel, or a ValueError saying why not) or ``"python"``.

## Reference Scores

Random and the DSL PID expert (``rlbench_suite.agents.uav.PIDAgent``), 50 episodes from seed 0;
the numbers live in the EnvCard (``rlbench info rlbench/QuadHover-v0``). The anchor's own success
measure: gym-pybullet-drones counts the hover solved at a return of 474.15 with ``one_d_rpm``
actions and 467 with the others (:func:`success_threshold`).

## Version History

- v0: first release. Later, without changing the default instance: the ``physics`` option;
  the ``backend`` option (the C kernel by default where built, the same episodes bit for bit).

## Credits

J. Panerati, H. Zheng, S. Zhou, J. Xu, A. Prorok, A. P. Schoellig, "Learning to Fly — a Gym
Environment with PyBullet Physics for Reinforcement Learning of Multi-agent Quadcopter Control",
IROS 2021 (gym-pybullet-drones: parameters, reward, limits and the DSL PID controller).

Example:
    >>> import gymnasium as gym
    >>> import rlbench_suite.envs.uav
    >>> env = gym.make("rlbench/QuadHover-v0")
    >>> obs, info = env.reset(seed=0)
    >>> obs.shape
    (72,)
    >>> obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
    >>> 0.0 <= reward <= 2.0
    True

"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from rlbench_suite.envs.uav.base import (
    RPM_ACTION_SCALE,
    ActionType,
    QuadrotorEnv,
    parse_action_type,
)
from rlbench_suite.envs.uav.dynamics import CrazyflieParams, QuadrotorState
from rlbench_suite.envs.validation import validate_action

HOVER_TARGET = (0.0, 0.0, 1.0)  # m
# The physics options: this suite's default model, and gym-pybullet-drones' default
# (Physics.PYB: motor thrust and torques only) with its world-frame angular velocity observed.
PHYSICS_OPTIONS = ("drag_ground_effect", "gym_pybullet_drones")
# gym-pybullet-drones counts HoverAviary (8 s at 30 Hz) solved, and stops training, at these
# evaluation returns: its examples/learn.py target_reward for one drone, 474.15 with ONE_D_RPM
# actions (rounded to 474 in later versions) and 467 with every other action type.
GYM_PYBULLET_DRONES_SOLVED_RETURN = {ActionType.ONE_D_RPM: 474.15}
GYM_PYBULLET_DRONES_SOLVED_RETURN_OTHERWISE = 467.0
BACKENDS = ("auto", "python", "native")
# The id whose kernel steps this env on the native backend.
KERNEL_ENV_ID = "rlbench/QuadHover-v0"


def hover_reward(distance: np.ndarray | float) -> np.ndarray | float:
    """HoverAviary's reward for a distance to the target: max(0, 2 - d^4)."""
    return np.maximum(0.0, 2.0 - np.asarray(distance) ** 4)


class QuadHoverEnv(QuadrotorEnv):
    """gym-pybullet-drones' HoverAviary on the NumPy Crazyflie model (see the module docstring)."""

    def __init__(
        self,
        action_type: ActionType | str = ActionType.RPM,
        target_position: tuple[float, float, float] = HOVER_TARGET,
        start_jitter: float = 0.05,
        ctrl_freq: int = 30,
        pyb_freq: int = 240,
        episode_seconds: float = 8.0,
        params: CrazyflieParams | dict[str, Any] | None = None,
        physics: str = "drag_ground_effect",
        ground_effect: bool | None = None,
        drag: bool | None = None,
        render_mode: str | None = None,
        backend: str = "auto",
    ) -> None:
        if backend not in BACKENDS:
            raise ValueError(
                f"QuadHoverEnv: backend must be one of {list(BACKENDS)}, got {backend!r}"
            )
        if physics not in PHYSICS_OPTIONS:
            raise ValueError(
                f"QuadHoverEnv: physics must be one of {list(PHYSICS_OPTIONS)}, got {physics!r}"
            )
        full_physics = physics == "drag_ground_effect"
        if not full_physics and (ground_effect or drag):
            raise ValueError(
                "QuadHoverEnv: physics='gym_pybullet_drones' has no drag and no ground effect "
                f"(gym-pybullet-drones' Physics.PYB), got ground_effect={ground_effect!r}, "
                f"drag={drag!r}"
            )
        target = np.asarray(target_position, dtype=float)
        if target.shape != (3,):
            raise ValueError(
                "QuadHoverEnv: target_position must be three numbers (x, y, z in m), "
                f"got {target_position!r}"
            )
        if not start_jitter >= 0:
            raise ValueError(f"QuadHoverEnv: start_jitter must be >= 0, got {start_jitter!r}")
        self.target_position = target  # (3,)
        self.start_jitter = float(start_jitter)
        self.physics = physics
        if not full_physics:
            self.angular_velocity_frame = "world"
        super().__init__(
            num_drones=1,
            action_type=action_type,
            ctrl_freq=ctrl_freq,
            pyb_freq=pyb_freq,
            episode_seconds=episode_seconds,
            params=params,
            # None follows the physics option: both effects on by default, off under PYB's.
            ground_effect=full_physics if ground_effect is None else ground_effect,
            drag=full_physics if drag is None else drag,
            render_mode=render_mode,
        )
        # What rebuilds this instance in Python: the kernel reads its parameters off such a copy.
        self._python_kwargs = {
            "action_type": self.action_type.value,
            "target_position": tuple(target.tolist()),
            "start_jitter": self.start_jitter,
            "ctrl_freq": ctrl_freq,
            "pyb_freq": pyb_freq,
            "episode_seconds": episode_seconds,
            "params": self.params,
            "physics": physics,
            "ground_effect": ground_effect,
            "drag": drag,
            "backend": "python",
        }
        self.backend = self._choose_backend(backend)
        # The kernel (a one-env NativeVectorEnv) is built when the env first resets or steps, so
        # an instance made only to be read (a template, a card's bounds) never builds one.
        self._native: Any = None
        self._kernel_state: np.ndarray | None = None
        self._native_actions = np.zeros((1, self.action_size), dtype=np.float32)

    # -- backends ---------------------------------------------------------------------------------

    def _choose_backend(self, requested: str) -> str:
        """``"python"`` or ``"native"`` for the requested backend (see the module docstring)."""
        if requested == "python":
            return "python"
        from rlbench_suite.vector import native_available
        from rlbench_suite.vector.kernels import quad_hover_params

        reason = None
        if not native_available():
            reason = "the C extension rlbench_suite._native is not built"
        else:
            try:
                quad_hover_params(self, self.episode_steps)
            except ValueError as error:
                reason = str(error)
        if reason is None:
            return "native"
        if requested == "native":
            raise ValueError(f"QuadHoverEnv: backend='native' is not available: {reason}")
        return "python"

    def _load_native_state(self) -> None:
        """Write the Python state into the kernel (built on first use) and view it from there.

        After this, ``self.state``'s position, quaternion, velocity and body rates are views of
        the kernel's memory, so they follow every native step at no cost.
        """
        if self._native is None:
            from rlbench_suite.vector import NativeVectorEnv

            self._native = NativeVectorEnv(
                KERNEL_ENV_ID,
                1,
                copy=False,
                max_episode_steps=self.episode_steps,
                **self._python_kwargs,
            )
            self._native.reset(seed=0)  # the kernel observes only after a reset; overwritten
            self._kernel_state = self._native.state  # one view, kept (each access builds one)
        kernel = self._kernel_state
        state = self.state
        kernel["position"][0] = state.position[0]
        kernel["quaternion"][0] = state.quaternion[0]
        kernel["velocity"][0] = state.velocity[0]
        kernel["body_rates"][0] = state.body_rates[0]
        kernel["step_count"][0] = self.step_count
        kernel["buffer"][0] = self._action_buffer.reshape(-1)
        # Observing from the written state also cancels the kernel's pending autoreset.
        self._native.observe()
        self.state = QuadrotorState(
            position=kernel["position"],
            quaternion=kernel["quaternion"],
            velocity=kernel["velocity"],
            body_rates=kernel["body_rates"],
            rpm=np.array(state.rpm, dtype=float),
        )

    def _native_step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """QuadrotorEnv.step through the kernel: the same checks, outputs, infos and warnings."""
        if self._native is None:
            self._load_native_state()  # a pickled copy, or a step before the first reset
        self._warn_if_stepped_out_of_episode()
        checked = validate_action(self, action)
        self._native_actions[0] = checked
        observations, rewards, _, truncations, _ = self._native.step(self._native_actions)
        self.step_count += 1
        self._physics_steps += self.substeps
        # The motors run at the commanded speeds (no lag), as the Python step leaves state.rpm.
        hover_rpm = self.params.hover_rpm
        speeds = [max(hover_rpm * (1.0 + RPM_ACTION_SCALE * a), 0.0) for a in checked.tolist()]
        self.state.rpm[0] = speeds if len(speeds) == 4 else speeds * 4
        self._after_step()
        truncated = bool(truncations[0])
        info = {
            "crashed": truncated and self._out_of_bounds(),
            "distance_to_target": self.distance_to_target(),
        }
        if truncated:
            # The Python env keeps flying the ended episode if stepped again (it warns); the
            # kernel would autoreset instead. Observing cancels that.
            self._native.observe()
        self._record_step_end(False, truncated)
        if self.render_mode == "human":
            self.render()
        return observations[0].copy(), float(rewards[0]), False, truncated, info

    # -- the Gymnasium API ------------------------------------------------------------------------

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """Hold the action for one control period, on this env's backend."""
        if self.backend == "native":
            return self._native_step(action)
        return super().step(action)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Draw the start in Python (both backends), then hand it to the kernel if native."""
        observation, info = super().reset(seed=seed, options=options)
        if self.backend == "native":
            self._load_native_state()
        return observation, info

    def close(self) -> None:
        """Release the kernel and close the render window, if any."""
        if self._native is not None:
            self._native.close()
            self._native = None
            self._kernel_state = None
            self.state = self.state.copy()  # off the kernel's memory
        super().close()

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        if self._native is not None:
            # A copy holds the kernel's state as plain arrays and rebuilds its own kernel.
            state["state"] = self.state.copy()
            state["_action_buffer"] = (
                self._kernel_state["buffer"][0]
                .astype(np.float64)
                .reshape(self._action_buffer.shape)
            )
        state["_native"] = None
        state["_kernel_state"] = None
        return state

    def _reset_drones(self) -> QuadrotorState:
        home = self._home_positions()
        home[:, 0:2] += self.np_random.uniform(-self.start_jitter, self.start_jitter, (1, 2))
        return QuadrotorState.at_rest(home)

    def control_target(self) -> tuple[np.ndarray, np.ndarray]:
        """The fixed target (1, 3) and zero velocity (1, 3)."""
        return self.target_position[None, :].copy(), np.zeros((1, 3))

    def distance_to_target(self) -> float:
        """True distance of the drone from the target, m."""
        x, y, z = self.state.position[0].tolist()
        target_x, target_y, target_z = self.target_position.tolist()
        dx, dy, dz = target_x - x, target_y - y, target_z - z
        # The C kernel's sum, left to right (np.linalg.norm's BLAS dot may sum in another order).
        return math.sqrt((dx * dx + dy * dy) + dz * dz)

    def _reward(self) -> float:
        # hover_reward on a float: libm's pow, as the C kernel (NumPy's power may round otherwise).
        return max(0.0, 2.0 - self.distance_to_target() ** 4.0)

    def _info(self) -> dict[str, Any]:
        return {"distance_to_target": self.distance_to_target()}


def return_bounds(**env_kwargs: Any) -> tuple[float, float]:
    """Smallest and largest episode return of ``QuadHoverEnv(**env_kwargs)``.

    :func:`hover_reward` falls from 2 on the target to 0 at ``2 ** 0.25`` m and stays 0 beyond,
    so a step pays within [0, 2]; with the default 8 s at 30 Hz (240 steps) returns lie in
    [0, 480]. The top assumes the drone on the target from the first step; it starts about
    0.9 m below, so real returns stay a few points under it (the PID expert's is about 471).
    """
    import inspect

    from rlbench_suite.envs.uav.base import quadrotor_return_bounds

    # Binding to the class's own signature reads its defaults, so none is typed here twice.
    arguments = inspect.signature(QuadHoverEnv).bind(**env_kwargs)
    arguments.apply_defaults()
    values = arguments.arguments
    step_reward_bounds = (float(hover_reward(math.inf)), float(hover_reward(0.0)))
    return quadrotor_return_bounds(
        step_reward_bounds, values["episode_seconds"], values["ctrl_freq"]
    )


def success_threshold(**env_kwargs: Any) -> float | None:
    """The return at which the anchor counts ``QuadHoverEnv(**env_kwargs)`` solved, or None.

    gym-pybullet-drones stops training HoverAviary at an evaluation return of 474.15 with
    ``one_d_rpm`` actions and of 467 with the others, which only means something for its
    episode, the default one here: 8 s at 30 Hz, the target (0, 0, 1). Instances with another
    episode length, control rate or target have no such threshold (None). The physics option
    leaves the reward and the horizon as they are, so the threshold holds under it.
    """
    import inspect

    signature = inspect.signature(QuadHoverEnv)
    arguments = signature.bind(**env_kwargs)
    arguments.apply_defaults()
    anchor_episode = all(
        np.array_equal(arguments.arguments[name], signature.parameters[name].default)
        for name in ("episode_seconds", "ctrl_freq", "target_position")
    )
    if not anchor_episode:
        return None
    action_type = parse_action_type(arguments.arguments["action_type"], "QuadHoverEnv")
    return GYM_PYBULLET_DRONES_SOLVED_RETURN.get(
        action_type, GYM_PYBULLET_DRONES_SOLVED_RETURN_OTHERWISE
    )
