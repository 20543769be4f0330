"""rlbench_suite: a Gymnasium-compatible reinforcement learning benchmark suite.

``import rlbench_suite`` registers every single-agent env with Gymnasium under the ``rlbench``
namespace:

    >>> import gymnasium as gym
    >>> import rlbench_suite
    >>> env = gym.make("rlbench/RMAB-TwoState-v0")
    >>> "rlbench/RMAB-TwoState-v0" in rlbench_suite.list_envs(family="bandits")
    True
"""

from rlbench_suite import envs  # noqa: F401  (registers every family)
from rlbench_suite.registry import (
    EnvCard,
    MDPFamily,
    ReferenceScores,
    env_card,
    families,
    list_envs,
    make,
    make_multiagent,
)

__version__ = "0.1.0"

__all__ = [
    "EnvCard",
    "MDPFamily",
    "ReferenceScores",
    "__version__",
    "env_card",
    "families",
    "list_envs",
    "make",
    "make_multiagent",
]
