"""Issue 15, against the tests' own gunicorn with the Procfile's settings: idle and slow clients do not
starve the webhook; a request lost to a killed worker is applied once when Twilio retries it; a full
disk under the spool is survived."""
import json
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.parse
import urllib.request
import uuid

import pytest
import redis

from bot.storage.privacy import Keys
from conftest import DATA_KEY, PERSON, TOKEN, messages_of, twilio_signature
from test_gunicorn import _send, gunicorn

pytestmark = pytest.mark.slow


def _signed(base, number, body, sid=None):
    """Return (url, encoded form, headers) of one signed inbound message."""
    fields = {"MessageSid": sid or "SM" + uuid.uuid4().hex, "From": number, "To": "+15005550006", "Body": body}
    url = base + "/twilio/messages"
    return url, urllib.parse.urlencode(fields).encode(), {"X-Twilio-Signature": twilio_signature(TOKEN, url, fields)}


def _post(base, number, body, sid=None, timeout=30):
    """POST one signed message; return (status, replies, seconds)."""
    url, data, headers = _signed(base, number, body, sid)
    start = time.monotonic()
    with urllib.request.urlopen(urllib.request.Request(url, data=data, headers=headers), timeout=timeout) as r:
        return r.status, messages_of(r.read().decode()), time.monotonic() - start


class Pests:
    """Idle connections (open, silent) and slow senders (a byte of a request every half second)."""

    def __init__(self, port, idle, slow):
        self.port, self.stop, self.socks = port, threading.Event(), []
        for _ in range(idle):
            self.socks.append(socket.create_connection(("127.0.0.1", port)))
        self.threads = [threading.Thread(target=self._trickle, daemon=True) for _ in range(slow)]
        for thread in self.threads:
            thread.start()

    def _trickle(self):
        request = (b"POST /twilio/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                   b"Content-Length: 100000\r\n\r\n" + b"x" * 100000)
        while not self.stop.is_set():
            try:
                with socket.create_connection(("127.0.0.1", self.port)) as sock:
                    self.socks.append(sock)
                    for i in range(len(request)):
                        if self.stop.is_set():
                            return
                        sock.sendall(request[i:i + 1])
                        self.stop.wait(0.5)
            except OSError:
                self.stop.wait(0.1)

    def close(self):
        self.stop.set()
        for sock in list(self.socks):
            try:
                sock.close()
            except OSError:
                pass


def test_idle_and_slow_clients_do_not_starve_the_webhook(redis_url, prefix, tmp_path):
    """64 idle connections and 16 slow senders held open: every signed webhook is answered within 2 s."""
    with gunicorn(redis_url, prefix, 2, 4, spool=str(tmp_path / "spool")) as base:
        port = int(base.rsplit(":", 1)[1])
        pests = Pests(port, idle=64, slow=16)
        try:
            time.sleep(1)
            times = []
            for i in range(30):
                status, replies, took = _post(base, f"+150555{i:05d}", "hola", timeout=20)
                assert status == 200 and replies
                times.append(took)
        finally:
            pests.close()
    times.sort()
    print(f"with 64 idle + 16 slow clients: median {times[len(times) // 2] * 1000:.0f} ms, "
          f"max {times[-1] * 1000:.0f} ms over {len(times)} webhooks")
    assert times[-1] < 2, times


def test_request_lost_to_a_killed_worker_is_applied_once_when_twilio_retries(own_redis, prefix, tmp_path):
    """A worker killed while answering: Twilio (with #rc=... on the URL) sends the same request again;
    it is applied exactly once, whether or not the first attempt got as far as Redis."""
    with gunicorn(own_redis.url, prefix, 1, 1, spool=str(tmp_path / "spool")) as base:
        number = "+15055550931"
        for body in ("hola", "1", PERSON):
            _send(base, number, body)
        client = redis.Redis.from_url(own_redis.url)
        sids = ["SM" + uuid.uuid4().hex for _ in range(5)]
        for i, sid in enumerate(sids):
            url, data, headers = _signed(base, number, f"mensaje {i}", sid)
            own_redis.freeze()  # hold the worker inside its request, then kill it there
            pids = _worker_pids(base)
            failed = threading.Event()

            def first_attempt():
                try:
                    urllib.request.urlopen(urllib.request.Request(url, data=data, headers=headers), timeout=10)
                except OSError:
                    failed.set()

            thread = threading.Thread(target=first_attempt)
            thread.start()
            time.sleep(0.3)
            for pid in pids:
                os.kill(pid, signal.SIGKILL)
            thread.join(15)
            own_redis.thaw()
            assert failed.is_set()  # the connection was reset: Twilio would retry
            deadline = time.monotonic() + 20
            while True:  # Twilio's retry, once gunicorn has a worker again
                try:
                    status, _, _ = _post(base, number, f"mensaje {i}", sid, timeout=10)
                    break
                except OSError:
                    assert time.monotonic() < deadline
                    time.sleep(0.3)
            assert status == 200
        h = Keys(DATA_KEY).pseudonym(number)
        deadline = time.monotonic() + 20
        while True:
            thread_entries = [json.loads(e) for e in client.lrange(f"{prefix}t:{{{h}}}", 0, -1)]
            received = [e["text"] for e in thread_entries if e["dir"] == "in"]
            if len(received) >= 5 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert received == [f"mensaje {i}" for i in range(5)]


def _worker_pids(base):
    """Return the pids of gunicorn's workers serving base (children of the master)."""
    port = base.rsplit(":", 1)[1]
    out = subprocess.run(["pgrep", "-f", f"127.0.0.1:{port}"], capture_output=True, text=True).stdout.split()
    pids = [int(p) for p in out]
    children = []
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
        except OSError:
            continue
        if ppid in pids:
            children.append(pid)
    return children


def _can_mount():
    """Return True when this machine lets a process mount a tmpfs in a mount namespace of its own."""
    try:
        return subprocess.run(["unshare", "-rm", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"],
                              capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@pytest.mark.skipif(not _can_mount(), reason="needs unshare -rm to mount a small tmpfs for the spool")
def test_full_disk_under_the_spool(own_redis, prefix, tmp_path):
    """The spool's filesystem fills during an outage: texters still get the safe reply, the log says
    "spool full" without a traceback, no half-written file stays, and what fitted is applied later."""
    spool = tmp_path / "spool"
    spool.mkdir()
    log = tmp_path / "gunicorn.log"
    wrap = ["unshare", "-rm", "sh", "-c", f"mount -t tmpfs -o size=48k tmpfs {spool} && exec \"$@\"", "sh"]
    with gunicorn(own_redis.url, prefix, 2, 1, spool=str(spool), wrap=wrap, log=str(log)) as base:
        number = "+15055550941"
        for body in ("hola", "1", PERSON):
            _send(base, number, body)
        own_redis.kill()
        for i in range(40):
            status, replies, took = _post(base, number, f"{i:02d} " + "z" * 3000)
            assert status == 200 and "911" in replies[0] and took < 2
        master = _master_pid(base)
        inside = f"/proc/{master}/root{spool}"
        files = [(os.path.basename(d), n) for d, _, names in os.walk(inside) for n in names]
        left = [n for d, n in files if d == "tmp" or n.startswith(".tmp")]  # half-written entries
        kept = sum(n.endswith(".msg") for _, n in files)
        text = log.read_text()
        own_redis.restart()
        h = Keys(DATA_KEY).pseudonym(number)
        client = redis.Redis.from_url(own_redis.url)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            received = [json.loads(e)["text"][:2] for e in client.lrange(f"{prefix}t:{{{h}}}", 0, -1)
                        if json.loads(e)["dir"] == "in"]
            if len(received) >= kept:
                break
            time.sleep(0.2)
    print(f"tmpfs of 48 KiB: {kept} of 40 messages kept; temporary files left: {left}")
    assert 0 < kept < 40 and left == []
    assert "spool full" in text and "Traceback" not in text and "cannot answer" not in text
    assert received == [f"{i:02d}" for i in range(kept)]


def _master_pid(base):
    """Return the pid of the gunicorn master serving base."""
    port = base.rsplit(":", 1)[1]
    pids = [int(p) for p in subprocess.run(["pgrep", "-f", f"127.0.0.1:{port}"], capture_output=True,
                                           text=True).stdout.split()]
    for pid in pids:
        with open(f"/proc/{pid}/stat") as fh:
            if int(fh.read().rsplit(")", 1)[1].split()[1]) not in pids:
                return pid
    raise AssertionError("no gunicorn master")
