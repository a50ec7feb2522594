"""The committed notebooks as a teacher opens them: saved with the kernel that
runs them, run top to bottom, and nothing of the machine that ran them."""

import functools
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))


def outputs_text(notebook: dict) -> str:
    parts = []
    for cell in notebook["cells"]:
        for output in cell.get("outputs", ()):
            parts.append(json.dumps(output.get("data", {})) + "".join(output.get("text", "")))
    return "\n".join(parts)


@functools.cache
def ipykernel_display_name() -> str:
    """The python3 kernel's name as Jupyter shows it, asked in a process of its
    own: looking it up imports ipykernel, which would make this process look
    like a notebook's kernel to the tests that follow (a progress bar's choice)."""
    pytest.importorskip("jupyter_client")
    ask = "from jupyter_client.kernelspec import KernelSpecManager as K;"
    ask += "print(K().get_kernel_spec('python3').display_name)"
    return subprocess.run(
        [sys.executable, "-c", ask], capture_output=True, text=True, check=True
    ).stdout.strip()


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 10


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_a_notebook_opens_unmodified_with_ipykernel(path):
    # Jupyter rewrites a kernelspec that differs from the kernel's own, so the
    # notebook would open as modified.
    notebook = json.loads(path.read_text(encoding="utf-8"))
    assert notebook["metadata"]["kernelspec"] == {
        "display_name": ipykernel_display_name(),
        "language": "python",
        "name": "python3",
    }


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_a_notebook_was_run_top_to_bottom_and_shows_nothing_of_the_machine(path):
    notebook = json.loads(path.read_text(encoding="utf-8"))
    counts = [c["execution_count"] for c in notebook["cells"] if c["cell_type"] == "code"]
    assert counts == list(range(1, len(counts) + 1))
    text = outputs_text(notebook)
    assert not re.search(r"\bat 0x[0-9a-f]{6,}", text)  # <... object at 0x7f...>
    assert not re.search(r"(/work/|/root/|/home/|/tmp/)", text)
