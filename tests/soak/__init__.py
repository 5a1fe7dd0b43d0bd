"""Soak test of the batch: many generated documents, a run killed with SIGKILL again and again,
the same outputs as a run left alone. `python -m tests.soak --help`; tests/test_soak.py runs a
small one."""
