"""The embedded Redis (no REDIS_URL) lives as long as the process that started it."""
import os
import signal
import subprocess
import sys
import time

import pytest

from servers import wait_until

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STARTER = """
import sys, time
from bot.storage.connection import embedded_url
embedded_url(sys.argv[1])
print("ready", flush=True)
if sys.argv[2] == "exit":
    sys.exit(0)
time.sleep(60)
"""


def _alive(pid):
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    try:  # a zombie child of ours counts as gone
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.parametrize("how", ["exit", "SIGTERM", "SIGKILL", "SIGINT to the group"])
def test_the_server_stops_with_the_app_that_started_it(tmp_path, how):
    """Normal exit, a kill, or Ctrl-C in the terminal: no redis-server is left running."""
    folder = str(tmp_path / "instance")
    proc = subprocess.Popen([sys.executable, "-c", STARTER, folder, "exit" if how == "exit" else "wait"],
                            cwd=ROOT, stdout=subprocess.PIPE, text=True, start_new_session=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
        pid = int(open(os.path.join(folder, "redis.pid")).read())
        assert _alive(pid)
        if how == "SIGTERM":
            proc.send_signal(signal.SIGTERM)
        elif how == "SIGKILL":
            proc.kill()
        elif how == "SIGINT to the group":
            os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=15)
        wait_until(lambda: not _alive(pid), timeout=10, what="the embedded redis-server to stop")
    finally:
        if proc.poll() is None:
            proc.kill()
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            pass


def test_a_second_process_reuses_the_running_server_and_leaves_it_alone(tmp_path):
    """A process that finds the server running uses it and does not stop it when it exits."""
    folder = str(tmp_path / "instance")
    owner = subprocess.Popen([sys.executable, "-c", STARTER, folder, "wait"], cwd=ROOT,
                             stdout=subprocess.PIPE, text=True)
    try:
        assert owner.stdout.readline().strip() == "ready"
        pid = int(open(os.path.join(folder, "redis.pid")).read())
        subprocess.run([sys.executable, "-c", STARTER, folder, "exit"], cwd=ROOT, check=True, timeout=30,
                       stdout=subprocess.DEVNULL)
        time.sleep(0.3)
        assert _alive(pid) and int(open(os.path.join(folder, "redis.pid")).read()) == pid
    finally:
        owner.terminate()
        owner.wait(timeout=15)
    wait_until(lambda: not _alive(pid), timeout=10, what="the embedded redis-server to stop")
