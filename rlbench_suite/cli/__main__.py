"""``python -m rlbench_suite.cli``: the ``rlbench`` command without its console script."""

import sys

from rlbench_suite.cli import main

sys.exit(main())
