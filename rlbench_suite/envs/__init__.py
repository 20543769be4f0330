"""Environment families; importing this package registers every env of every family."""

from rlbench_suite.envs import bandits, uav  # noqa: F401  (each registers its family's ids)
