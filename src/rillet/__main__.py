"""``python -m rillet ARGS`` is the same program as ``rillet ARGS``."""

from rillet.cli import main

raise SystemExit(main())
