"""The README's Python examples run, and print what the README says they print."""

import contextlib
import io
import re
import shlex
import shutil
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCK = re.compile(r"```(\w+)\n(.*?)```", re.DOTALL)


def python_examples():
    """Each ```python block, with the ```text block right after it, if any."""
    text = README.read_text()
    blocks = [(m.group(1), m.group(2), m.end()) for m in BLOCK.finditer(text)]
    examples = []
    for i, (language, code, end) in enumerate(blocks):
        if language != "python":
            continue
        following = blocks[i + 1] if i + 1 < len(blocks) else None
        adjacent = following and text[end : text.index("```" + following[0], end)].strip() == ""
        expected = following[1] if adjacent and following[0] == "text" else None
        examples.append(pytest.param(code, expected, id=f"block{i}"))
    return examples


@pytest.mark.parametrize("code, expected", python_examples())
def test_readme_example(code, expected, tmp_path, monkeypatch):
    if ("render(" in code or "lesson(" in code) and shutil.which("dot") is None:
        pytest.skip("Graphviz's dot program is not installed")
    monkeypatch.chdir(tmp_path)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code, str(README), "exec"), {})
    if expected is not None:
        assert printed.getvalue() == expected


def test_readme_command_line_example(capsys):
    from autograd.cli import main

    text = README.read_text()
    block = next(m.group(2) for m in BLOCK.finditer(text) if m.group(2).startswith("$ autograd"))
    command, printed = block.split("\n", 1)
    assert main(shlex.split(command.removeprefix("$ autograd "))) == 0
    assert capsys.readouterr().out == printed
