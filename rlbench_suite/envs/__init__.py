"""Environment families; importing this package registers every env of every family."""

from rlbench_suite.envs import bandits, calibration, language, moma, trading, uav  # noqa: F401  (each registers its ids)
