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


def _kill_embedded(folder):
    """Kill the embedded server with SIGKILL (a crash) and wait until it is gone."""
    pid = int(open(os.path.join(folder, "redis.pid")).read())
    os.kill(pid, signal.SIGKILL)
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass
    wait_until(lambda: not _alive(pid), timeout=10, what="the embedded redis-server to die")


def test_a_crash_keeps_what_was_written_and_honours_deletions(tmp_path):
    """Development's embedded server writes an fsynced append-only file: after a SIGKILL and a revive,
    a texter's data written a moment before is there, and a deleted texter's thread does not come back."""
    import redis as redis_py

    from bot.storage.connection import embedded_url, revive_embedded
    folder = str(tmp_path / "instance")
    url = embedded_url(folder)
    client = redis_py.Redis.from_url(url)
    try:
        client.rpush("hb:t:{kept}", "hola")
        client.rpush("hb:t:{deleted}", "me quitaron el pasaporte")
        client.delete("hb:t:{deleted}")
        _kill_embedded(folder)
        revive_embedded(folder)
        client = redis_py.Redis.from_url(url)
        assert client.lrange("hb:t:{kept}", 0, -1) == [b"hola"]
        assert not client.exists("hb:t:{deleted}")
        assert not os.path.exists(os.path.join(folder, "redis.rdb"))
    finally:
        client.shutdown(nosave=True)


def test_every_file_under_instance_is_ours_alone(tmp_path):
    """instance/ is 0700 and every file in it 0600: development secrets, Redis's data, log and socket."""
    import redis as redis_py

    from bot.config import load_settings
    from bot.storage.connection import embedded_url
    from bot.storage.connection import redis_binary
    folder = str(tmp_path / "instance")
    os.makedirs(folder, mode=0o755)
    # An earlier version's world-readable snapshot: its data moves to the append-only file, it goes.
    old = subprocess.Popen([redis_binary(), "--port", "0", "--unixsocket", str(tmp_path / "old.sock"),
                            "--dir", folder, "--dbfilename", "redis.rdb"], stdout=subprocess.DEVNULL)
    wait_until(lambda: os.path.exists(tmp_path / "old.sock"), what="the old server")
    time.sleep(0.2)
    before = redis_py.Redis(unix_socket_path=str(tmp_path / "old.sock"))
    before.set("hb:s:{old}", "kept")
    before.shutdown(save=True)
    old.wait(10)
    os.chmod(os.path.join(folder, "redis.rdb"), 0o644)
    load_settings(environ={}, instance_path=folder)
    url = embedded_url(folder)
    client = redis_py.Redis.from_url(url)
    try:
        assert client.get("hb:s:{old}") == b"kept"
        assert not os.path.exists(os.path.join(folder, "redis.rdb"))
        client.set("hb:s:{x}", "1")
        assert os.stat(folder).st_mode & 0o777 == 0o700
        found = []
        for root, folders, files in os.walk(folder):
            found += [(os.path.join(root, n), 0o700) for n in folders]
            found += [(os.path.join(root, n), 0o600) for n in files]
        names = {os.path.relpath(path, folder) for path, _ in found}
        assert {"dev-secret-key", "dev-data-key", "redis.log", "redis.pid"} <= names
        assert any(n.startswith(("redis.aof", "appendonlydir")) for n in names), names
        wrong = [(os.path.relpath(p, folder), oct(os.stat(p).st_mode & 0o777)) for p, mode in found
                 if os.stat(p).st_mode & 0o777 & ~mode]
        assert wrong == []
    finally:
        client.shutdown(nosave=True)
