"""Heavy work in helper processes: apart from the server, at a lower priority, replaced when
one dies, gone when the server is gone."""

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from conftest import ended

from autograd.fairshare import NICENESS, Busy, HelperError, Helpers


@pytest.fixture
def helpers():
    helpers = Helpers(1)
    yield helpers
    helpers.close()


def test_work_runs_in_another_process_at_a_lower_priority(helpers):
    pid = helpers.run(os.getpid)
    assert pid != os.getpid()
    assert helpers.run(os.getpid) == pid  # the same helper, started once
    assert helpers.run(os.nice, 0) == min(os.nice(0) + NICENESS, 19)
    assert helpers.run(divmod, 17, 5) == (3, 2)  # arguments and results travel


def test_an_unexpected_error_comes_back_with_the_helpers_traceback(helpers):
    with pytest.raises(HelperError) as raised:
        helpers.run(int, "seven")
    assert "ValueError: invalid literal for int() with base 10: 'seven'" in str(raised.value)
    assert "Traceback" in str(raised.value)
    assert helpers.run(int, "7") == 7  # the helper goes on


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_helper_that_dies_costs_its_request_busy_and_the_next_gets_a_new_one(helpers):
    pid = helpers.run(os.getpid)
    outcome = []

    def sleep_long():
        try:
            outcome.append(helpers.run(time.sleep, 30))
        except Busy:
            outcome.append("busy")

    waiting = threading.Thread(target=sleep_long)
    waiting.start()
    time.sleep(0.5)  # the helper is sleeping
    os.kill(pid, signal.SIGKILL)
    waiting.join(10)
    assert outcome == ["busy"]
    assert helpers.run(os.getpid) not in (pid, os.getpid())  # a new helper


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_helpers_end_with_the_server_however_it_ends(tmp_path):
    # A process with helpers, killed outright: no helper is left behind.
    script = textwrap.dedent(
        """
        import os, sys, time
        from autograd.fairshare import Helpers
        if __name__ == "__main__":
            helpers = Helpers(1)
            print(helpers.run(os.getpid), flush=True)
            time.sleep(60)
        """
    )
    (tmp_path / "server.py").write_text(script)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    process = subprocess.Popen(
        [sys.executable, str(tmp_path / "server.py")], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        helper = int(process.stdout.readline())
        assert not ended(helper, 0)
        process.kill()
        process.wait(10)
        assert ended(helper)
    finally:
        process.kill()


def test_closed_helpers_end_and_new_work_starts_new_ones(helpers):
    pid = helpers.run(os.getpid)
    helpers.close()
    assert ended(pid) or not sys.platform.startswith("linux")
    assert helpers.run(os.getpid) != pid


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a terminal's process group")
@pytest.mark.parametrize("delay", [0.05, 0.1, 0.2])
def test_ctrl_c_while_a_helper_starts_prints_no_traceback(delay):
    # Ctrl-C reaches every process in the terminal's group, a helper still starting
    # Python among them (0.05 to 0.2 s after the first heavy request, here).
    script = textwrap.dedent(
        """
        import os, threading, time
        from autograd.fairshare import Helpers
        if __name__ == "__main__":
            helpers = Helpers(1)
            working = threading.Thread(target=lambda: print(helpers.run(os.getpid), flush=True))
            working.start()
            print("started", flush=True)
            try:
                time.sleep(10)
            except KeyboardInterrupt:
                print("stopped", flush=True)
            working.join(10)
            helpers.close()
        """
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    process = subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,  # a group of its own, as a terminal gives
    )
    try:
        assert process.stdout.readline() == "started\n"
        time.sleep(delay)
        os.killpg(process.pid, signal.SIGINT)
        out, err = process.communicate(timeout=30)
    finally:
        process.kill()
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    lines = out.split()
    assert "stopped" in lines and any(line.isdigit() for line in lines)  # the helper answered
