"""Python twins of the C kernels: the reference envs themselves, drawing the kernels' numbers.

A twin is Gymnasium's ``SyncVectorEnv`` over copies of a kernel's reference env
(:attr:`KernelSpec.reference_id`: Gymnasium's own ``CartPole-v1``, the registered
``RMAB-TwoState-v0``, ``QuadHover-v0`` and ``MarketMaking-v0``) whose ``np_random`` is replaced by
:class:`KernelStream`, a pure-Python copy of the kernel's per-env generator (``csrc/rng.h``).
The reference envs' ``reset`` and ``step`` run unmodified, so a native batch and its twin, given
the same seed and actions, must agree step for step (the bandit and CartPole bit for bit, CartPole
with ``fast_math=True`` too, its twin taking the kernel's polynomial sin and cos, see
:func:`polynomial_sincos`; QuadHover up to NumPy's BLAS dot products;
tests/vector/test_parity.py and test_parity_quad_hover.py state the tolerances): any larger
difference is a kernel, autoreset or RNG bug. QuadHover draws only its start jitter, two
``uniform`` draws (x, then y) per reset. MarketMaking draws four uniforms and one standard
normal a step (Box-Muller, see :meth:`KernelStream.standard_normal`), nothing at reset, and
agrees bit for bit (tests/vector/test_parity_market_making.py).

    >>> import numpy as np, rlbench_suite
    >>> stream = KernelStream(seed=0, index=3)
    >>> draws = stream.random(3)
    >>> bool(np.all((0 <= draws) & (draws < 1)))
    True
"""

from __future__ import annotations

import functools
import math
import types
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode, SyncVectorEnv

from rlbench_suite.vector.kernels import kernel_spec
from rlbench_suite.vector.native import parse_autoreset_mode

_MASK64 = (1 << 64) - 1
_TWO_PI = 2.0 * math.pi
_GOLDEN_GAMMA = 0x9E3779B97F4A7C15


def _mix64(value: int) -> int:
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK64
    return value ^ (value >> 31)


def _rotl(value: int, shift: int) -> int:
    return ((value << shift) | (value >> (64 - shift))) & _MASK64


class KernelStream:
    """Env ``index``'s xoshiro256** stream under ``seed``, exactly as ``csrc/rng.h`` computes it.

    It offers the ``numpy.random.Generator`` methods the reference envs call (``random``,
    ``uniform``, ``choice`` with probabilities and ``standard_normal``), the first three mapping
    53-bit draws to floats the way NumPy's Generator does, so an env holding it as
    ``np_random`` consumes the kernel's numbers in the kernel's order.
    """

    def __init__(self, seed: int, index: int) -> None:
        splitmix = _mix64(_mix64((seed + _GOLDEN_GAMMA) & _MASK64) ^ index)
        self.state = []
        for _ in range(4):
            splitmix = (splitmix + _GOLDEN_GAMMA) & _MASK64
            self.state.append(_mix64(splitmix))

    def next_uint64(self) -> int:
        """The next 64-bit output (xoshiro256**)."""
        s0, s1, s2, s3 = self.state
        result = (_rotl((s1 * 5) & _MASK64, 7) * 9) & _MASK64
        shifted = (s1 << 17) & _MASK64
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= shifted
        self.state = [s0, s1, s2, _rotl(s3, 45)]
        return result

    def _double(self) -> float:
        return (self.next_uint64() >> 11) * 2.0**-53

    def random(self, size: int | tuple[int, ...] | None = None) -> float | np.ndarray:
        """Uniform floats on [0, 1), one draw each, in C order."""
        if size is None:
            return self._double()
        shape = (size,) if isinstance(size, int | np.integer) else tuple(size)
        count = int(np.prod(shape))
        return np.array([self._double() for _ in range(count)], dtype=np.float64).reshape(shape)

    def uniform(
        self, low: float = 0.0, high: float = 1.0, size: int | tuple[int, ...] | None = None
    ) -> float | np.ndarray:
        """``low + (high - low) * random(size)``, NumPy's formula."""
        return low + (high - low) * self.random(size)

    def standard_normal(self) -> float:
        """One N(0, 1) draw by Box-Muller on two uniforms, as ``csrc/market_making.h`` draws it.

        ``sqrt(-2 ln(1 - u1)) cos(2 pi u2)`` with libm's functions (Python's ``math`` calls
        them), so the kernel's normal is the same double. NumPy's own ``standard_normal`` uses a
        ziggurat on the same bits and would give other numbers.
        """
        radius_draw, angle_draw = self._double(), self._double()
        return math.sqrt(-2.0 * math.log(1.0 - radius_draw)) * math.cos(_TWO_PI * angle_draw)

    def choice(
        self, a: int, size: int | tuple[int, ...] | None = None, p: Any = None
    ) -> int | np.ndarray:
        """Draws from ``range(a)`` with probabilities ``p``, by NumPy's cumulative-search rule."""
        if p is None:
            raise NotImplementedError("KernelStream.choice needs probabilities p")
        cdf = np.cumsum(np.asarray(p, dtype=np.float64))
        if cdf.shape != (a,):
            raise ValueError(f"p must have {a} entries, got {cdf.shape}")
        cdf /= cdf[-1]
        return cdf.searchsorted(self.random(size), side="right")


# csrc/cartpole.h's CARTPOLE_POLYNOMIAL_RANGE: past it, fast_math's sin and cos are libm's.
POLYNOMIAL_RANGE = 0.25


def polynomial_sincos(x: float) -> tuple[float, float]:
    """``(sin x, cos x)`` as the CartPole kernel computes them with ``fast_math=True``.

    The same Horner order on the same float64 operations as ``cartpole_sincos`` in
    ``csrc/cartpole.h`` (Python's float arithmetic is IEEE double, never fused), so the same bits.
    """
    x = float(x)
    if abs(x) > POLYNOMIAL_RANGE:
        return math.sin(x), math.cos(x)
    x2 = x * x
    sine = x * (1.0 + x2 * (-1.0 / 6.0 +
                x2 * (1.0 / 120.0 +
                x2 * (-1.0 / 5040.0 +
                x2 * (1.0 / 362880.0 +
                x2 * (-1.0 / 39916800.0 + x2 * (1.0 / 6227020800.0)))))))  # fmt: skip
    cosine = 1.0 + x2 * (-1.0 / 2.0 +
                   x2 * (1.0 / 24.0 +
                   x2 * (-1.0 / 720.0 +
                   x2 * (1.0 / 40320.0 +
                   x2 * (-1.0 / 3628800.0 +
                   x2 * (1.0 / 479001600.0 + x2 * (-1.0 / 87178291200.0)))))))  # fmt: skip
    return sine, cosine


class _PolynomialNumPy:
    """NumPy, except that ``sin`` and ``cos`` of a scalar are :func:`polynomial_sincos`'s."""

    def __getattr__(self, name: str) -> Any:
        return getattr(np, name)

    @staticmethod
    def sin(x: Any) -> np.float64:
        return np.float64(polynomial_sincos(x)[0])

    @staticmethod
    def cos(x: Any) -> np.float64:
        return np.float64(polynomial_sincos(x)[1])


def _fast_math_cartpole_step() -> Any:
    """Gymnasium's own ``CartPoleEnv.step`` code, run with :class:`_PolynomialNumPy` as ``np``."""
    from gymnasium.envs.classic_control import cartpole

    step = cartpole.CartPoleEnv.step
    namespace = {**vars(cartpole), "np": _PolynomialNumPy()}
    return types.FunctionType(step.__code__, namespace, step.__name__, step.__defaults__)


def _make_fast_math_cartpole(env_id: str, **env_kwargs: Any) -> gym.Env:
    env = gym.make(env_id, **env_kwargs)
    unwrapped = env.unwrapped
    unwrapped.step = types.MethodType(_fast_math_cartpole_step(), unwrapped)
    return env


def make_twin_vector_env(
    env_id: str,
    num_envs: int,
    seed: int,
    autoreset_mode: str | AutoresetMode = AutoresetMode.NEXT_STEP,
    fast_math: bool = False,
    **env_kwargs: Any,
) -> SyncVectorEnv:
    """The twin of ``NativeVectorEnv(env_id, num_envs, ...)`` reset with ``seed``.

    Reset it with ``reset()`` (no seed: a seed would replace the streams with NumPy's); reseed
    it with :func:`reseed_twin`. ``fast_math=True`` (CartPole only) runs Gymnasium's step with
    the kernel's polynomial sin and cos.
    """
    spec = kernel_spec(env_id)
    make_one = functools.partial(gym.make, spec.reference_id, **env_kwargs)
    if fast_math:
        if spec.reference_id != "CartPole-v1":
            raise ValueError(f"{env_id}: only CartPole's kernel has a fast_math mode")
        make_one = functools.partial(_make_fast_math_cartpole, spec.reference_id, **env_kwargs)
    twin = SyncVectorEnv([make_one] * num_envs, autoreset_mode=parse_autoreset_mode(autoreset_mode))
    reseed_twin(twin, seed)
    return twin


def reseed_twin(twin: SyncVectorEnv, seed: int, mask: np.ndarray | None = None) -> None:
    """Give env ``i`` (each one in ``mask``) the stream the kernel starts from ``(seed, i)``."""
    for index, env in enumerate(twin.envs):
        if mask is None or mask[index]:
            env.unwrapped.np_random = KernelStream(seed, index)
