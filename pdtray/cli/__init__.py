"""The ``pdtray`` command line: readable tables, or ``--json`` for scripts."""
