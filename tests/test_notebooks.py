"""The committed notebooks as a teacher opens them: saved with the kernel that
runs them, run top to bottom, and nothing of the machine that ran them."""

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))


def outputs_text(notebook: dict) -> str:
    parts = []
    for cell in notebook["cells"]:
        for output in cell.get("outputs", ()):
            parts.append(json.dumps(output.get("data", {})) + "".join(output.get("text", "")))
    return "\n".join(parts)


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 10


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_a_notebook_opens_unmodified_with_ipykernel(path):
    # Jupyter rewrites a kernelspec that differs from the kernel's own, so the
    # notebook would open as modified.
    kernelspec = pytest.importorskip("jupyter_client.kernelspec")
    spec = kernelspec.KernelSpecManager().get_kernel_spec("python3")
    notebook = json.loads(path.read_text(encoding="utf-8"))
    assert notebook["metadata"]["kernelspec"] == {
        "display_name": spec.display_name,
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
