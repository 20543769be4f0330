"""Environment families; importing this package registers every env of every family."""

from rlbench_suite.envs import bandits  # noqa: F401  (registers the family's ids)
