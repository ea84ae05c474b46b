"""Redis servers of the tests' own, on loopback ports: one to kill, freeze and restart; a cluster."""
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import redis

from bot.storage.connection import redis_binary


def _free(port):
    """Return True when nobody listens on port now."""
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port(cluster=False):
    """Return a TCP port nobody listens on now; for a cluster node, port + 10000 (its bus) too."""
    while True:
        port = random.randint(20000, 55000) if cluster else 0
        if not cluster:
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                return s.getsockname()[1]
        if _free(port) and _free(port + 10000):
            return port


def wait_until(condition, timeout=10, interval=0.05, what="condition"):
    """Wait until condition() is true; fail the test after timeout seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(interval)


class RedisServer:
    """A redis-server process on 127.0.0.1:port, with an append-only file so a restart keeps data."""

    def __init__(self, port=None, extra=()):
        self.port = port or free_port(cluster="--cluster-enabled" in extra)
        self.folder = tempfile.mkdtemp(prefix="hb-own-redis-")
        self.extra = list(extra)
        self.proc = None

    @property
    def url(self):
        """Return the server's URL."""
        return f"redis://127.0.0.1:{self.port}/0"

    def answers(self):
        """Return True when the server answers PING."""
        try:
            return redis.Redis(port=self.port, socket_timeout=0.3, socket_connect_timeout=0.3).ping()
        except (redis.RedisError, OSError):
            return False

    def start(self):
        """Start the server and wait until it answers."""
        self.proc = subprocess.Popen(
            [redis_binary(), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "yes", "--appendfsync", "always", "--dir", self.folder, *self.extra],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(self.answers, what=f"redis-server on {self.port}")
        return self

    def kill(self):
        """Kill the server at once (SIGKILL), as a crash would."""
        self.proc.send_signal(signal.SIGCONT)
        self.proc.kill()
        self.proc.wait(10)

    def freeze(self):
        """Stop the process (SIGSTOP): connections are accepted by the kernel but never answered."""
        self.proc.send_signal(signal.SIGSTOP)

    def thaw(self):
        """Let a frozen server run again (SIGCONT)."""
        self.proc.send_signal(signal.SIGCONT)

    def restart(self):
        """Start the server again on the same port and folder (its data comes back from the AOF)."""
        return self.start()

    def close(self):
        """Stop the server and delete its folder."""
        if self.proc and self.proc.poll() is None:
            self.kill()
        shutil.rmtree(self.folder, ignore_errors=True)


class Cluster:
    """A Redis Cluster of three masters (no replicas), each a redis-server on a loopback port."""

    SLOTS = 16384

    def __init__(self, masters=3):
        self.servers = [RedisServer(extra=["--cluster-enabled", "yes", "--cluster-node-timeout", "5000",
                                           "--appendonly", "no"]) for _ in range(masters)]

    @property
    def url(self):
        """Return the URL of one node (the client discovers the others)."""
        return self.servers[0].url

    def start(self):
        """Start the nodes, split the slots between them, and wait until the cluster is ok."""
        for server in self.servers:
            server.start()
        clients = [redis.Redis(port=s.port) for s in self.servers]
        share = self.SLOTS // len(clients)
        for i, client in enumerate(clients):
            last = self.SLOTS - 1 if i == len(clients) - 1 else (i + 1) * share - 1
            client.execute_command("CLUSTER ADDSLOTS", *range(i * share, last + 1))
        for server in self.servers[1:]:
            clients[0].execute_command("CLUSTER MEET", "127.0.0.1", server.port)

        def ready():
            for client in clients:
                info = client.execute_command("CLUSTER INFO")  # redis-py parses it into a dict
                if info.get("cluster_state") != "ok" or int(info.get("cluster_known_nodes", 0)) != len(clients):
                    return False
            return True

        wait_until(ready, timeout=30, interval=0.1, what="the cluster to be ok")
        return self

    def close(self):
        """Stop every node."""
        for server in self.servers:
            server.close()
