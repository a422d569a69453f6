"""Allows ``python -m pdtray`` wherever the console script is not on PATH."""

from pdtray.cli.main import main

raise SystemExit(main())
