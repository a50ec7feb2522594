"""Shared test set-up.

Tests that need torch or Graphviz's `dot` skip, with a reason, where those are
missing. In CI (CI=true) they must run, so a missing one is an error there.
"""

import importlib.util
import os
import shutil

import pytest


def pytest_configure(config):
    if os.environ.get("CI") != "true":
        return
    missing = []
    if importlib.util.find_spec("torch") is None:
        missing.append("torch (pip install torch==2.13.0)")
    if shutil.which("dot") is None:
        missing.append("Graphviz's dot (apt-get install graphviz)")
    if missing:
        raise pytest.UsageError(f"CI=true but missing: {', '.join(missing)}; .ci/run installs them")
