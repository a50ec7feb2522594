"""Notebook 01 in JupyterLab, in Chromium: what a teacher sees.

JupyterLab (pinned in the dev extra) runs on 127.0.0.1 with a token, its root a
temporary folder holding a copy of notebook 01, with Jupyter folders of its
own (so no signature from elsewhere trusts the notebook and no user setting
applies); the test starts it and stops it by its own handle. Playwright
drives Debian's Chromium (conftest.py) at 1280×800, JupyterLab's file browser
open, so an output is about 850 px wide.

Opened as it is stored, the notebook is not trusted: Jupyter shows no frame and
no SVG, so the lesson's output says what to do and the drawings show their
PNG. After Run All the outputs are the kernel's own: the lesson's frame takes
its page's height, and follows it when presenter mode is switched on; each
drawing fits the output, its output node in view.
"""

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from conftest import NEEDS_BROWSER
from test_draw import corners

from autograd.draw import SMALLEST_TEXT
from autograd.lesson import UNTRUSTED

pytest.importorskip("jupyterlab", reason="JupyterLab is not installed (pip install -e '.[dev]')")
pytest.importorskip(
    "pytest_playwright", reason="Playwright is not installed (pip install -e '.[dev]')"
)
from playwright.sync_api import expect  # after the skips: without Playwright, skip the module

pytestmark = NEEDS_BROWSER

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "01_worked_example.ipynb"
LAST_LINE = "Worked example 1 reproduced"  # what the notebook's last cell prints
# JupyterLab's settings for the test: every cell rendered, not only those in
# view (so every output can be measured), and no news to ask about.
SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}


SERVER = {
    "ServerApp": {"jpserver_extensions": {"jupyter_lsp": False, "jupyter_server_terminals": False}}
}


class JupyterLab:
    """``jupyter lab`` on loopback in ``folder``, with a token; ``stop()`` ends it."""

    def __init__(self, folder: Path):
        self.token = secrets.token_hex(16)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        for name, settings in SETTINGS.items():
            path = folder / ".settings" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(settings), encoding="utf-8")
        # The server extensions the notebook does not need start faster not at all.
        (folder / ".config").mkdir()
        (folder / ".config" / "jupyter_server_config.json").write_text(json.dumps(SERVER))
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),  # the kernel imports this checkout's autograd
            "JUPYTER_CONFIG_DIR": str(folder / ".config"),
            "JUPYTER_DATA_DIR": str(folder / ".data"),
            "JUPYTER_RUNTIME_DIR": str(folder / ".runtime"),
            "JUPYTERLAB_SETTINGS_DIR": str(folder / ".settings"),
            "JUPYTERLAB_WORKSPACES_DIR": str(folder / ".workspaces"),
            "IPYTHONDIR": str(folder / ".ipython"),
        }
        self.log = (folder / "jupyter.log").open("w")
        command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root"]
        command += [
            "--ip=127.0.0.1",
            f"--port={port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={folder}",
        ]
        # Its own session: stop() ends the server and the kernels it started.
        self.process = subprocess.Popen(
            command, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self._wait_until_up(folder, timeout=90)

    def _wait_until_up(self, folder: Path, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                log = (folder / "jupyter.log").read_text(encoding="utf-8")
                pytest.fail(f"jupyter lab stopped with {self.process.returncode}:\n{log[-3000:]}")
            try:
                urllib.request.urlopen(f"{self.url}/api/status?token={self.token}", timeout=2)
                return
            except OSError:
                time.sleep(0.2)
        self.stop()
        pytest.fail(f"jupyter lab did not answer within {timeout} s")

    def page_url(self, name: str) -> str:
        return f"{self.url}/lab/tree/{urllib.parse.quote(name)}?token={self.token}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # it shuts its kernels down
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


@pytest.fixture(scope="module")
def jupyter(tmp_path_factory):
    folder = tmp_path_factory.mktemp("jupyterlab")
    shutil.copy(NOTEBOOK, folder / "01_worked_example.ipynb")
    lab = JupyterLab(folder)
    yield lab
    lab.stop()


@pytest.fixture
def notebook(jupyter, page):
    """Notebook 01 open in JupyterLab at 1280×800, nothing fetched from elsewhere."""
    page.set_viewport_size({"width": 1280, "height": 800})
    page.route(
        re.compile(r"^(?!http://127\.0\.0\.1:|data:|blob:|about:)"), lambda route: route.abort()
    )
    page.goto(jupyter.page_url("01_worked_example.ipynb"))
    expect(page.locator(".jp-Notebook .jp-CodeCell").first).to_be_visible(timeout=60_000)
    return page


def cell(page, source: str):
    """The code cell whose source holds ``source``."""
    return page.locator(".jp-Notebook .jp-CodeCell").filter(has_text=source)


def screenshot(page, locator, name: str) -> None:
    """A picture to look at, in the folder AUTOGRAD_SCREENSHOTS names (if it does)."""
    folder = os.environ.get("AUTOGRAD_SCREENSHOTS")
    if folder:
        locator.scroll_into_view_if_needed()
        page.wait_for_timeout(1000)  # the frame paints in a process of its own, after the scroll
        page.screenshot(path=str(Path(folder) / f"jupyter-{name}.png"))


def drawn(image) -> dict:
    """Where a drawing Jupyter shows as <img src="data:image/svg+xml,..."> is on
    screen, its output area, the size of its node text, and its output node's box."""
    box = image.evaluate(
        """(img) => {
            const output = img.closest(".jp-OutputArea-output").getBoundingClientRect();
            const shown = img.getBoundingClientRect();
            return { left: shown.left, width: shown.width,
                     area_left: output.left, area_right: output.left + output.width,
                     src: img.src };
        }"""
    )
    svg = urllib.parse.unquote(box.pop("src").split(",", 1)[1])
    view_width, _ = map(float, re.search(r'viewBox="0\.00 0\.00 ([\d.]+) ([\d.]+)"', svg).groups())
    tx, _ = map(
        float,
        re.search(r'class="graph" transform="[^"]*translate\(([-\d.]+) ([-\d.]+)\)', svg).groups(),
    )
    # The output's box: a polygon, or a path where its corners are rounded.
    shape = re.search(r'class="node output">(.*?)</g>', svg, re.S).group(1)
    xs = [x + tx for x, _ in corners(shape)]
    px = box["width"] / view_width  # screen px per SVG unit (pt)
    box["text"] = 11 * px  # node text is 11 pt
    box["output_left"] = box["left"] + min(xs) * px
    box["output_right"] = box["left"] + max(xs) * px
    return box


def test_notebook_01_stored_then_run_in_jupyterlab(notebook):
    page = notebook
    lesson_cell, drawing_cells = cell(page, "lesson(z_lesson"), cell(page, "draw(z)")
    expect(drawing_cells).to_have_count(2, timeout=30_000)  # every cell rendered

    # As stored: not trusted. The lesson's output is the hint alone; the
    # drawings are their PNGs.
    hint = lesson_cell.locator(".autograd-hint")
    expect(hint).to_have_text(UNTRUSTED, timeout=30_000)
    expect(lesson_cell.locator("iframe")).to_have_count(0)
    for k in range(2):
        picture = drawing_cells.nth(k).locator(".jp-RenderedImage img")
        expect(picture).to_have_attribute("src", re.compile(r"^data:image/png;base64,"))
        shown, natural, room = picture.evaluate(
            """(img) => [img.getBoundingClientRect().width, img.naturalWidth,
                         img.closest(".jp-OutputArea-output").clientWidth]"""
        )
        assert 0 < shown == natural <= room  # at the size the SVG has, inside the output
    screenshot(page, drawing_cells.first.locator("img"), "untrusted-drawing")
    screenshot(page, hint, "untrusted")

    # Run All on cleared outputs: what shows is the kernel's, trusted.
    page.get_by_role("menuitem", name="Edit", exact=True).click()
    page.get_by_role("menuitem", name="Clear Outputs of All Cells", exact=True).click()
    printed = page.locator(".jp-OutputArea-output").filter(has_text=LAST_LINE)
    expect(printed).to_have_count(0)
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    expect(printed).to_have_count(1, timeout=120_000)

    frame_element = lesson_cell.locator("iframe")
    expect(frame_element).to_have_count(1)
    expect(hint).to_be_hidden()
    frame = frame_element.element_handle().content_frame()
    content = "() => document.body.getBoundingClientRect().height"  # the page's body: no margin

    def fits() -> tuple[float, float]:
        """The frame's inner height once it equals its page's (a message away)."""
        for _ in range(50):
            inner = frame_element.evaluate("(f) => f.clientHeight")
            height = frame.evaluate(content)
            if abs(inner - height) <= 1:
                break
            time.sleep(0.1)
        return inner, height

    inner, height = fits()
    assert abs(inner - height) <= 1, f"the frame is {inner} px, its page {height} px"
    # No scroll area inside the frame, and no blank below the page.
    assert frame.evaluate("() => document.documentElement.scrollHeight") <= inner + 1
    screenshot(page, frame_element, "lesson")

    frame.get_by_role("button", name="Presenter mode").click()
    for _ in range(50):
        if frame_element.evaluate("(f) => f.clientHeight") > inner + 50:
            break
        time.sleep(0.1)
    grown, height = fits()
    assert grown > inner + 50, f"presenter mode: the frame stayed {grown} px (was {inner})"
    assert abs(grown - height) <= 1
    screenshot(page, frame_element, "presenter")

    # Each drawing fits the output, its node text readable, its output node in view.
    for k in range(2):
        image = drawing_cells.nth(k).locator(".jp-RenderedSVG img")
        image.scroll_into_view_if_needed()
        box = drawn(image)
        assert box["left"] + box["width"] <= box["area_right"] + 0.5, box
        assert box["text"] >= SMALLEST_TEXT - 0.05, box
        assert box["area_left"] <= box["output_left"] < box["output_right"] <= box["area_right"]
        screenshot(page, image, f"drawing-{k}")
