"""Shared test set-up.

Tests that need torch, Graphviz's `dot`, Playwright and Chromium, Babel,
hatchling and JupyterLab, or a PostgreSQL server skip, with a reason, where those are
missing. In CI (CI=true) they must run, so a missing one is an error there.
"""

import contextlib
import importlib.util
import os
import secrets
import shutil
import time
from pathlib import Path
from urllib.parse import quote

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

# The class database's tests run on SQLite and on this PostgreSQL, e.g.
# export AUTOGRAD_TEST_POSTGRES="$(bash .ci/postgres)"  (as root: it installs and starts one)
POSTGRES_URL = os.environ.get("AUTOGRAD_TEST_POSTGRES")

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
    # the catalog tests extract with Babel and build a wheel with hatchling; the
    # notebook's test runs JupyterLab
    for package in ("babel", "hatchling", "jupyterlab"):
        if importlib.util.find_spec(package) is None:
            missing.append(f"{package} (pip install -e '.[dev]')")
    if not CHROMIUM.exists():
        missing.append(f"Chromium at {CHROMIUM} (apt-get install chromium)")
    if not POSTGRES_URL:
        missing.append(
            'AUTOGRAD_TEST_POSTGRES (export AUTOGRAD_TEST_POSTGRES="$(bash .ci/postgres)")'
        )
    if importlib.util.find_spec("psycopg") is None:
        missing.append("psycopg (pip install 'psycopg[binary,pool]')")
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


@contextlib.contextmanager
def class_db(kind: str, folder: Path):
    """A fresh class database of ``kind`` ("sqlite" or "postgresql"): an SQLite file
    in ``folder``, or a PostgreSQL schema of its own (dropped afterwards) in the
    AUTOGRAD_TEST_POSTGRES database. Yields its target for ``ClassDB(target)``."""
    if kind == "sqlite":
        yield str(folder / "classes.db")
        return
    if not POSTGRES_URL:
        pytest.skip('no PostgreSQL: export AUTOGRAD_TEST_POSTGRES="$(bash .ci/postgres)"')
    psycopg = pytest.importorskip("psycopg", reason="psycopg is not installed")
    schema = f"test_{secrets.token_hex(6)}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}options={quote(f'-c search_path={schema}')}"
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
            connection.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["sqlite", "postgresql"])
def class_db_target(request, tmp_path):
    """Where a test's class database lives: a fresh SQLite file, or a fresh
    PostgreSQL schema (dropped afterwards) in the AUTOGRAD_TEST_POSTGRES database.
    Open it with ``autograd.classes.ClassDB(target)``, in this process or another."""
    with class_db(request.param, tmp_path) as target:
        yield target


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


# Processes (Linux's /proc): the server's helpers, and whether they have ended.


def child_processes(pid: int) -> list[int]:
    """The processes ``pid`` started, and theirs (none where there is no /proc)."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found += [int(child) for child in (task / "children").read_text().split()]
    return found + [grandchild for child in found for grandchild in child_processes(child)]


def ended(pid: int, seconds: float = 10.0) -> bool:
    """Whether process ``pid`` has ended (a zombie has), waiting up to ``seconds`` for it."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
        except OSError:
            return True
        if state == "Z":
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
