"""``NativeVectorEnv``: Gymnasium's vector API over a C kernel; the fallback when C is absent."""

from __future__ import annotations

import functools
import os
import warnings
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from rlbench_suite.envs.validation import InvalidActionError
from rlbench_suite.vector.kernels import check_params, kernel_spec, kernel_table


def _import_native() -> Any:
    """Import the extension with OpenMP's workers waiting passively unless the user chose.

    OpenMP's default lets idle workers spin between steps; on a machine other processes keep
    busy a spinning worker loses its core, and two threads then ran at 0.09-0.39x of one. A
    passive worker sleeps and wakes in tens of microseconds. libgomp reads OMP_WAIT_POLICY once,
    when it is loaded, which is this import; the variable is restored right after so that a
    runtime loaded later (PyTorch's own libgomp) keeps its default. Set OMP_WAIT_POLICY before
    starting Python to choose otherwise; a libgomp some other module loaded first keeps its own.
    """
    chosen = os.environ.get("OMP_WAIT_POLICY")
    if chosen is None:
        os.environ["OMP_WAIT_POLICY"] = "passive"
    try:
        from rlbench_suite import _native as module
    finally:
        if chosen is None:
            os.environ.pop("OMP_WAIT_POLICY", None)
    return module


try:
    _native = _import_native()
except ImportError as error:  # no compiler at install time, or a broken build
    _native = None
    NATIVE_IMPORT_ERROR: ImportError | None = error
else:
    NATIVE_IMPORT_ERROR = None

AUTORESET_MODES = (AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP)
_UINT64_LIMIT = 2**64


class NativeExtensionWarning(RuntimeWarning):
    """The C extension could not be imported; vector envs run on Gymnasium's Python path."""


def native_available() -> bool:
    """Whether ``rlbench_suite._native`` was built and imports."""
    return _native is not None


def max_threads() -> int:
    """The largest ``num_threads`` this build accepts (1 without OpenMP or the extension)."""
    return _native.max_threads() if _native is not None else 1


def auto_threads(kernel: str, num_envs: int) -> int:
    """The threads ``num_threads="auto"`` picks for ``num_envs`` envs of ``kernel``.

    One per ``min_envs_per_thread`` envs (the kernel table's figure, measured per kernel), at
    most :func:`max_threads`: below that share a thread costs more to wake than its envs save.
    """
    share = kernel_table(kernel)["min_envs_per_thread"]
    return max(1, min(max_threads(), num_envs // share))


class NativeVectorEnv(VectorEnv):
    """``num_envs`` copies of a registered env stepped by its C kernel.

    Observations, rewards and flags live in NumPy arrays allocated once and written in place by
    the kernel; ``step`` returns copies of them unless ``copy=False``, in which case the arrays
    returned are those buffers and change on the next call. Each env has its own random stream,
    seeded from ``(seed, env index)``, so a seed gives the same trajectories for any
    ``num_threads``.

    Args:
        env_id: a registered id with a kernel (see :data:`rlbench_suite.vector.KERNELS`).
        num_envs: number of envs (>= 1).
        num_threads: threads a step uses: ``"auto"`` (the default, :func:`auto_threads`: one
            per ``min_envs_per_thread`` envs of the kernel's table, up to the processors) or
            1 to :func:`max_threads`. Results do not depend on it.
        autoreset_mode: ``"next_step"`` (Gymnasium's default: the step after an episode ends
            returns the reset observation, reward 0 and no flags, ignoring that env's action) or
            ``"same_step"`` (the ending step returns the reset observation, with the last one in
            ``info["final_obs"]``).
        copy: return copies of the output buffers (default) or the buffers themselves.
        max_episode_steps: truncation, as ``gym.make`` applies it; ``gym.make_vec`` passes the
            id's own.
        fast_math: trade exactness for speed where the kernel offers it (CartPole: a polynomial
            sin and cos within ~1 ulp of libm's). By default (False) a kernel reproduces its
            Python env bit for bit; kernels without such a mode refuse True.
        **env_kwargs: the registered env's arguments; one instance is built to read the
            kernel's parameters from.

    ``step`` returns an empty info dict, except ``final_obs`` / ``final_info`` (and their masks) in
    same-step mode; per-env Python infos (``time_step`` and the like) are not computed.

    State access (the contract single envs and tools build on):

    - :attr:`state` is a writable NumPy structured array of shape ``(num_envs,)`` viewing the
      kernel's per-env state memory, zero copy; its fields and dtype come from the kernel's state
      table (``csrc/<kernel>.h``, ``_native.kernel_tables()[kernel]["state"]``), e.g.
      QuadHover's ``position`` (3 float64), ``quaternion``, ``velocity``, ``body_rates``,
      ``step_count`` and ``buffer`` (the action history, float32). The view keeps the kernel's
      memory alive after :meth:`close`. Writing it changes what the next ``step`` starts from;
      the observation buffer is not touched until :meth:`observe` (or a step) writes it.
    - :meth:`observe` writes the (masked) envs' observations from their current state without
      stepping and cancels a pending next-step autoreset of those envs, so an env whose state
      was written steps from that state.
    - A kernel whose state lives in columns (CartPole) has one 8-byte column per field; its
      view has a stride of 8 bytes and an itemsize spanning every column, so index a field first
      (``state["theta"][i]``, ``state["x"][:] = ...``): copying whole rows copies that span.
    - Writes are not checked: a state the Python env could not reach (a non-unit quaternion, an
      arm state out of range) gives whatever the kernel's arithmetic makes of it. Never write
      while a ``step`` runs in another thread.

    Threads: a thread gets at least the kernel's ``min_envs_per_thread`` envs (128; 1024 for
    CartPole, whose step costs about 30 ns, and for the finite-state bandits); fewer envs run
    on fewer threads. OpenMP's workers wait passively between steps (``OMP_WAIT_POLICY=passive``
    is set for the extension's import unless the user set it): a spinning worker on a machine
    shared with busy processes loses its core and every step then waits for the scheduler. A
    worker the scheduler leaves waiting still holds a step up (the envs are split evenly), so
    ``num_threads="auto"`` (the default) is adaptive: it times one thread against
    :func:`auto_threads` threads as it steps, uses the faster and re-checks now and then, so
    several threads are used only while they pay. An int fixes the count.

    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": [], "autoreset_mode": None}

    def __init__(
        self,
        env_id: str,
        num_envs: int = 1,
        *,
        num_threads: int | str = "auto",
        autoreset_mode: str | AutoresetMode = AutoresetMode.NEXT_STEP,
        copy: bool = True,
        max_episode_steps: int | None = None,
        fast_math: bool = False,
        **env_kwargs: Any,
    ) -> None:
        if _native is None:
            raise ImportError(
                "rlbench_suite._native is not built; use gym.make_vec, which falls back to "
                "Gymnasium's SyncVectorEnv"
            ) from NATIVE_IMPORT_ERROR
        self.env_id = env_id
        spec = kernel_spec(env_id)
        if isinstance(num_envs, bool) or not isinstance(num_envs, int | np.integer):
            raise TypeError(f"{env_id}: num_envs must be an int, got {num_envs!r}")
        if num_envs < 1:
            raise ValueError(f"{env_id}: num_envs must be >= 1, got {num_envs}")
        mode = parse_autoreset_mode(autoreset_mode)
        if mode not in AUTORESET_MODES:
            raise ValueError(f"{env_id}: autoreset_mode must be next_step or same_step, got {mode}")
        if env_kwargs.get("render_mode") is not None:
            raise ValueError(
                f"{env_id}: the native vector env does not render; for render_mode="
                f"{env_kwargs['render_mode']!r} use gym.make_vec(..., vectorization_mode='sync')"
            )
        if max_episode_steps is None:
            max_episode_steps = gym.spec(env_id).max_episode_steps

        template = gym.make(env_id, **env_kwargs)
        try:
            params = spec.params(template.unwrapped, max_episode_steps)
            table = kernel_table(spec.kernel)
            if fast_math:
                if not any(entry["name"] == "fast_math" for entry in table["params"]):
                    raise ValueError(f"{env_id}: the {spec.kernel} kernel has no fast_math mode")
                params["fast_math"] = True
            check_params(spec.kernel, params)
            self.single_observation_space = template.observation_space
            self.single_action_space = template.action_space
        finally:
            template.close()

        self.num_envs = int(num_envs)
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self.autoreset_mode = mode
        self.metadata = {**self.metadata, "autoreset_mode": mode}
        self.render_mode = None
        self.copy = copy

        # Every buffer is allocated here, once; the kernel writes into them on each call.
        obs_shape = (self.num_envs, *self.single_observation_space.shape)
        self._observations = np.zeros(obs_shape, dtype=self.single_observation_space.dtype)
        self._rewards = np.zeros(self.num_envs, dtype=np.float64)
        self._terminations = np.zeros(self.num_envs, dtype=np.bool_)
        self._truncations = np.zeros(self.num_envs, dtype=np.bool_)
        same_step = mode == AutoresetMode.SAME_STEP
        self._final_observations = np.zeros_like(self._observations) if same_step else None
        adaptive = num_threads == "auto"
        if adaptive:
            num_threads = auto_threads(spec.kernel, self.num_envs)
        elif isinstance(num_threads, bool) or not isinstance(num_threads, int | np.integer):
            raise TypeError(f"{env_id}: num_threads must be an int or 'auto', got {num_threads!r}")
        try:
            self._batch = _native.Batch(
                spec.kernel,
                self.num_envs,
                params,
                self._observations,
                self._rewards,
                self._terminations,
                self._truncations,
                final_observations=self._final_observations,
                num_threads=num_threads,
                adaptive=adaptive,
            )
        except (TypeError, ValueError) as error:
            raise type(error)(f"{env_id}: {error}") from None
        self.num_threads = int(num_threads)
        self.fast_math = bool(params.get("fast_math", False))
        self._action_dtype = self.single_action_space.dtype
        # Box actions (float kernels) are range-checked by the kernel; integer ones here first.
        box_actions = isinstance(self.single_action_space, spaces.Box)
        self._action_bounds = None if box_actions else _integer_bounds(self.single_action_space)
        # Until reset(seed=...) says otherwise, fresh entropy, as Gymnasium seeds unseeded envs.
        entropy = np.random.SeedSequence().entropy % _UINT64_LIMIT
        self._batch.seed(np.full(self.num_envs, entropy, dtype=np.uint64))

    # -- the Gymnasium API -----------------------------------------------------------------

    def reset(
        self,
        *,
        seed: int | list[int | None] | None = None,
        options: dict[str, Any] | None = None,
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Reset every env, or those in ``options["reset_mask"]``; a seed restarts their streams.

        ``seed`` is an int (env ``i`` restarts from ``(seed, i)``), a list with one int or None
        per env, or None (streams continue).
        """
        if self._batch is None:
            raise RuntimeError(f"{self.env_id}: reset() on a closed vector env")
        options = dict(options or {})
        mask = options.pop("reset_mask", None)
        if options:
            raise ValueError(
                f"{self.env_id}: the only reset option is reset_mask, got {sorted(options)}"
            )
        if mask is not None:
            mask = self._check_reset_mask(mask)
        seeds, seeded = self._seed_array(seed)
        if seeds is not None:
            self._batch.seed(seeds, mask=seeded if mask is None else seeded & mask)
        self._batch.reset(mask)
        observations = self._observations.copy() if self.copy else self._observations
        return observations, {}

    def step(
        self, actions: Any
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """Advance every env by one step (autoresetting as ``autoreset_mode`` says)."""
        if self._batch is None:
            raise RuntimeError(f"{self.env_id}: step() on a closed vector env")
        actions = self._action_array(actions)
        try:
            self._batch.step(actions)
        except ValueError as error:
            raise InvalidActionError(f"{self.env_id}: {error}") from None
        except TypeError as error:
            raise TypeError(f"{self.env_id}: {error}") from None
        infos: dict[str, Any] = {}
        if self._final_observations is not None:
            done = self._terminations | self._truncations
            if done.any():
                infos = self._final_infos(done)
        if not self.copy:
            return (
                self._observations,
                self._rewards,
                self._terminations,
                self._truncations,
                infos,
            )
        return (
            self._observations.copy(),
            self._rewards.copy(),
            self._terminations.copy(),
            self._truncations.copy(),
            infos,
        )

    @property
    def state(self) -> np.ndarray:
        """Every env's kernel state as a writable structured array (see the class docstring)."""
        if self._batch is None:
            raise RuntimeError(f"{self.env_id}: state of a closed vector env")
        return self._batch.state

    def observe(self, mask: np.ndarray | None = None) -> np.ndarray:
        """Observations of every env (or those in ``mask``) from their current state; no step.

        Envs outside ``mask`` keep the observation they had. Returns the observation buffer (a
        copy unless ``copy=False``), as :meth:`reset` does.
        """
        if self._batch is None:
            raise RuntimeError(f"{self.env_id}: observe() on a closed vector env")
        if mask is not None:
            mask = self._check_reset_mask(mask)
        self._batch.observe(mask)
        return self._observations.copy() if self.copy else self._observations

    def close_extras(self, **kwargs: Any) -> None:
        """Release the kernel (its buffers are freed with this object)."""
        self._batch = None

    # -- boundary checks -------------------------------------------------------------------

    def _action_array(self, actions: Any) -> np.ndarray:
        """Actions as the kernel's dtype: read in place when they are already, else converted.

        The extension checks shape, layout (C-contiguous) and values of in-place actions; other
        numeric dtypes are checked here before the cast, so that a 256 never wraps to a 0.
        """
        array = np.asarray(actions)
        if array.dtype == self._action_dtype:
            return array
        if array.dtype.kind not in "biuf":
            raise TypeError(
                f"{self.env_id}: actions must be a numeric array in {self.action_space}, got "
                f"dtype {array.dtype}"
            )
        if array.shape != self.action_space.shape:
            raise InvalidActionError(
                f"{self.env_id}: actions must have shape {self.action_space.shape}, got "
                f"{array.shape}"
            )
        if array.dtype.kind == "f":
            if not np.all(np.isfinite(array)):
                raise InvalidActionError(
                    f"{self.env_id}: non-finite actions in envs {_bad_envs(~np.isfinite(array))}"
                )
            integral = self._action_bounds is not None  # a Box takes fractional values
            if integral and not np.all(array == np.round(array)):
                raise InvalidActionError(
                    f"{self.env_id}: non-integral actions in envs "
                    f"{_bad_envs(array != np.round(array))}"
                )
        if self._action_bounds is None:
            low, high = self.single_action_space.low, self.single_action_space.high
        else:
            low, high = self._action_bounds
        outside = (array < low) | (array > high)
        if outside.any():
            raise InvalidActionError(
                f"{self.env_id}: actions outside [{low}, {high}] in envs {_bad_envs(outside)}"
            )
        return array.astype(self._action_dtype)

    def _check_reset_mask(self, mask: Any) -> np.ndarray:
        # The same rules, and errors, as Gymnasium's SyncVectorEnv.
        if not isinstance(mask, np.ndarray):
            raise TypeError(f"`options['reset_mask']` must be a numpy array, got {type(mask)}")
        if mask.shape != (self.num_envs,):
            raise ValueError(
                f"`options['reset_mask']` must have shape `({self.num_envs},)`, got {mask.shape}"
            )
        if mask.dtype != np.bool_:
            raise TypeError(f"`options['reset_mask']` must have `dtype=np.bool_`, got {mask.dtype}")
        if not mask.any():
            raise ValueError("`options['reset_mask']` must contain at least one True value")
        return np.ascontiguousarray(mask)

    def _seed_array(self, seed: Any) -> tuple[np.ndarray | None, np.ndarray]:
        """(seeds as uint64, which envs have one); (None, ...) when nothing is reseeded."""
        if seed is None:
            return None, np.zeros(self.num_envs, dtype=np.bool_)
        per_env = list(seed) if isinstance(seed, list | tuple) else [seed] * self.num_envs
        if len(per_env) != self.num_envs:
            raise ValueError(
                f"{self.env_id}: a list of seeds needs one per env ({self.num_envs}), "
                f"got {len(per_env)}"
            )
        seeded = np.array([value is not None for value in per_env], dtype=np.bool_)
        for value in per_env:
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int | np.integer):
                raise TypeError(f"{self.env_id}: seeds must be ints, got {value!r}")
            if not 0 <= value < _UINT64_LIMIT:
                raise ValueError(f"{self.env_id}: seeds must be in [0, 2**64), got {value}")
        seeds = np.array([0 if value is None else int(value) for value in per_env], np.uint64)
        return (seeds, seeded) if seeded.any() else (None, seeded)

    def _final_infos(self, done: np.ndarray) -> dict[str, Any]:
        # Gymnasium's layout: an object array of per-env final observations, and a mask.
        final_obs = np.full(self.num_envs, None, dtype=object)
        # Rows of one fresh copy: the kernel overwrites its final-observation buffer next step.
        for env, row in zip(np.flatnonzero(done), self._final_observations[done], strict=True):
            final_obs[env] = row
        return {
            "final_obs": final_obs,
            "_final_obs": done,
            "final_info": {},
            "_final_info": done.copy(),
        }


def parse_autoreset_mode(mode: str | AutoresetMode) -> AutoresetMode:
    """An ``AutoresetMode`` from itself, its value (``"SameStep"``) or name (``"same_step"``)."""
    if isinstance(mode, AutoresetMode):
        return mode
    for known in AutoresetMode:
        if mode in (known.value, known.name.lower()):
            return known
    names = ", ".join(known.name.lower() for known in AutoresetMode)
    raise ValueError(f"autoreset_mode must be one of {names}, got {mode!r}")


def _integer_bounds(space: spaces.Space) -> tuple[int, int]:
    if isinstance(space, spaces.Discrete):
        return int(space.start), int(space.start + space.n - 1)
    if isinstance(space, spaces.MultiBinary):
        return 0, 1
    raise TypeError(f"no native kernel takes {type(space).__name__} actions")


def _bad_envs(flags: np.ndarray, limit: int = 8) -> list[int]:
    rows = flags.reshape(len(flags), -1).any(axis=1)
    return np.flatnonzero(rows)[:limit].tolist()


def make_vector_env(env_id: str, num_envs: int = 1, **kwargs: Any) -> VectorEnv:
    """The ``vector_entry_point`` of every id with a kernel: native, or Gymnasium's Python path.

    Without the extension this warns once (:class:`NativeExtensionWarning`) and returns a
    ``SyncVectorEnv`` of ``gym.make(env_id)`` copies; ``num_threads`` is then ignored.
    """
    if _native is not None:
        return NativeVectorEnv(env_id, num_envs, **kwargs)
    warnings.warn(
        f"rlbench_suite._native could not be imported ({NATIVE_IMPORT_ERROR}); "
        f"gym.make_vec({env_id!r}) falls back to Gymnasium's SyncVectorEnv, one Python env per "
        "copy and far slower. Reinstall rlbench-suite where a C compiler is available to build "
        "the fast path.",
        NativeExtensionWarning,
        stacklevel=2,
    )
    kwargs.pop("num_threads", None)
    copy = kwargs.pop("copy", True)
    autoreset_mode = parse_autoreset_mode(kwargs.pop("autoreset_mode", AutoresetMode.NEXT_STEP))
    make_one = functools.partial(gym.make, env_id, **kwargs)
    return gym.vector.SyncVectorEnv([make_one] * num_envs, copy=copy, autoreset_mode=autoreset_mode)
