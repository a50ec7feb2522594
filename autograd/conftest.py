"""pytest's set-up for the doctests of this package (``pytest autograd``); not in the wheel.

The package needs nothing beyond Python, but a few modules' doctests need an
optional extra or Graphviz's ``dot``: without them, such a module's doctests
skip, with the reason, instead of failing (serve.py cannot even be imported
without Starlette). Under CI=true everything must run, so nothing skips there:
a missing package fails as it would (tests/conftest.py says the same for the tests).
It lives here rather than at the top of the repository so that its module is
``autograd.conftest``, not a second ``conftest`` beside the one in tests/.
"""

import importlib.util
import os
import shutil
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent

# What the doctests of each module need, beyond the standard library.
NEEDS = {
    "draw.py": ["graphviz"],  # draw() returns a graphviz.Digraph
    "lesson.py": ["graphviz", "dot"],  # a lesson page holds the graph laid out by dot
    "serve.py": ["starlette", "uvicorn", "httptools"],  # imported by the module itself
    "connections.py": ["uvicorn", "httptools"],  # a uvicorn protocol of our own
}
HOW_TO_INSTALL = {
    "graphviz": "the graphviz Python package (pip install 'scalar-autograd[viz]')",
    "dot": "Graphviz's dot program (apt-get install graphviz)",
    "starlette": "Starlette (pip install 'scalar-autograd[serve]')",
    "uvicorn": "uvicorn (pip install 'scalar-autograd[serve]')",
    "httptools": "httptools (pip install 'scalar-autograd[serve]')",
}


def missing(needs: list[str]) -> list[str]:
    return [
        need
        for need in needs
        if (shutil.which(need) if need == "dot" else importlib.util.find_spec(need)) is None
    ]


class SkippedDoctests(pytest.File):
    """Stands in for a module whose doctests cannot run here: collecting it skips."""

    reason = ""

    def collect(self):
        pytest.skip(self.reason)


@pytest.hookimpl(wrapper=True)
def pytest_collect_file(file_path: Path, parent):
    collectors = yield
    if file_path.parent != PACKAGE or os.environ.get("CI") == "true":
        return collectors
    lacking = missing(NEEDS.get(file_path.name, []))
    if not collectors or not lacking:
        return collectors
    skipped = SkippedDoctests.from_parent(parent, path=file_path)
    skipped.reason = f"the doctests of {file_path.name} need " + " and ".join(
        HOW_TO_INSTALL[need] for need in lacking
    )
    return [skipped]
