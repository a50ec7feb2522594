"""Shared test set-up.

Tests that need torch, Graphviz's `dot`, or Playwright and Chromium skip, with
a reason, where those are missing. In CI (CI=true) they must run, so a missing
one is an error there.
"""

import importlib.util
import os
import shutil
from pathlib import Path

import pytest

# Debian's chromium: the browsers Playwright downloads itself cannot be fetched
# here, so the browser tests drive the system's.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox cannot start
    "--disable-gpu",
    "--disable-background-networking",  # the page must make no request; neither should Chromium
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# The page tests need the browser, and Graphviz's dot to lay out the graph.
NEEDS_BROWSER = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"Chromium is not installed at {CHROMIUM}"),
    pytest.mark.skipif(
        shutil.which("dot") is None, reason="Graphviz's dot program is not installed"
    ),
]


def pytest_configure(config):
    if os.environ.get("CI") != "true":
        return
    missing = []
    if importlib.util.find_spec("torch") is None:
        missing.append("torch (pip install torch==2.13.0)")
    if shutil.which("dot") is None:
        missing.append("Graphviz's dot (apt-get install graphviz)")
    if importlib.util.find_spec("pytest_playwright") is None:
        missing.append("Playwright (pip install -e '.[dev]')")
    if not CHROMIUM.exists():
        missing.append(f"Chromium at {CHROMIUM} (apt-get install chromium)")
    if missing:
        raise pytest.UsageError(f"CI=true but missing: {', '.join(missing)}; .ci/run installs them")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright's launch options, pointed at the system's Chromium."""
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture
def restore_tables():
    """The tables of operations as they were before the test: an operation a
    test defines with define_op is gone from every table afterwards."""
    from autograd.compile import CODE
    from autograd.engine import OPS
    from autograd.notation import NOTATION

    tables = (OPS, NOTATION, CODE)
    saved = [dict(table) for table in tables]
    yield
    for table, rows in zip(tables, saved):
        table.clear()
        table.update(rows)
