"""What tests/bench_load.py measures: wrk runs, CPU from /proc, Redis's round trips and memory, RSS."""
import json
import os
import platform
import re
import socket
import subprocess
import tempfile
import threading
import time
import urllib.parse
import urllib.request

import psutil

WRK_LUA = r"""
local reqs, idx, T = {}, 0, 1
local counter = 1
function setup(thread) thread:set("id", counter); counter = counter + 1 end
function init(args)
  T = tonumber(args[2])
  for line in io.lines(args[1]) do
    local sig, body = line:match("^(%S+) (.*)$")
    reqs[#reqs + 1] = wrk.format("POST", "/twilio/messages",
      {["Content-Type"] = "application/x-www-form-urlencoded", ["X-Twilio-Signature"] = sig}, body)
  end
  idx = id - 1
end
function request() local r = reqs[(idx % #reqs) + 1]; idx = idx + T; return r end
function done(summary, latency, requests)
  io.write(string.format('RESULT {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,' ..
    '"status_errors":%d,"timeouts":%d,"connect_errors":%d,"read_errors":%d}\n', summary.requests,
    summary.duration, latency:percentile(50), latency:percentile(99), summary.errors.status,
    summary.errors.timeout, summary.errors.connect, summary.errors.read))
end
"""


def free_port():
    """Return a free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_wrk(port, request_file, seconds, connections, threads=2, close=False):
    """Run wrk with the pre-signed requests of a file; return its summary (rate, p50/p99 in ms, errors)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(WRK_LUA)
        lua = fh.name
    extra = ["-H", "Connection: close"] if close else []
    out = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s", "-s", lua,
                          *extra, f"http://127.0.0.1:{port}", "--", request_file, str(threads)],
                         capture_output=True, text=True, check=True).stdout
    os.unlink(lua)
    data = json.loads(re.search(r"RESULT (\{.*\})", out).group(1))
    data["rate"] = data["requests"] / (data["duration_us"] / 1e6)
    data["p50_ms"], data["p99_ms"] = data["p50_us"] / 1000, data["p99_us"] / 1000
    data["errors"] = data["status_errors"] + data["timeouts"] + data["connect_errors"]
    return data


def workers(proc):
    """Return the gunicorn workers (children) of a web command's process tree."""
    try:
        return [p for p in psutil.Process(proc.pid).children(recursive=True) if "gunicorn" in " ".join(p.cmdline())]
    except psutil.Error:
        return []


def cpu_seconds(procs):
    """Return the CPU seconds (user and system) the processes used so far, from /proc."""
    total = 0.0
    for p in procs:
        try:
            times = p.cpu_times()
            total += times.user + times.system
        except psutil.Error:
            pass
    return total


def redis_cpu(client):
    """Return the CPU seconds the Redis server used so far."""
    info = client.info("cpu")
    return info["used_cpu_user"] + info["used_cpu_sys"]


def measured_run(port, request_file, seconds, connections, procs, client, close=False):
    """Run wrk and return its summary with CPU ms a request in the workers and in Redis."""
    cpu, rcpu = cpu_seconds(procs), redis_cpu(client)
    result = run_wrk(port, request_file, seconds, connections, close=close)
    done = max(result["requests"], 1)
    result["cpu_ms"] = (cpu_seconds(procs) - cpu) * 1000 / done
    result["redis_ms"] = (redis_cpu(client) - rcpu) * 1000 / done
    result["load"] = os.getloadavg()[0]
    return result


class RssSampler(threading.Thread):
    """Sample the resident memory of a web command's workers; keep the peak."""

    def __init__(self, proc):
        super().__init__(daemon=True)
        self.proc, self.peak, self.running = proc, 0, True

    def run(self):
        while self.running:
            for worker in workers(self.proc):
                try:
                    self.peak = max(self.peak, worker.memory_info().rss)
                except psutil.Error:
                    pass
            time.sleep(0.2)


def redis_cost(client, url, requests):
    """Send signed requests one at a time; return (round trips, commands) a message, from Redis itself.

    Round trips: the server's reads from clients (INFO total_reads_processed), less the reads of the
    script-version checks the workers make every few seconds and of this measurement; commands: those
    MONITOR shows outside Lua scripts, the version checks left out."""
    quiet(client)  # requests wrk left in the workers are answered first
    monitor = socket.create_connection(("127.0.0.1", client.connection_pool.connection_kwargs["port"]))
    monitor.sendall(b"MONITOR\r\n")
    time.sleep(0.2)
    before = client.info("stats")["total_reads_processed"]
    for fields, signature in requests:
        request = urllib.request.Request(url, data=urllib.parse.urlencode(fields).encode(),
                                         headers={"X-Twilio-Signature": signature})
        urllib.request.urlopen(request, timeout=10).read()
    reads = client.info("stats")["total_reads_processed"] - before - 1  # this INFO's own read
    time.sleep(0.2)
    monitor.settimeout(0.5)
    raw = b""
    try:
        while chunk := monitor.recv(1 << 20):
            raw += chunk
    except socket.timeout:
        pass
    monitor.close()
    lines = [line for line in raw.decode("utf-8", "replace").splitlines() if line.startswith("+1")]
    checks = sum(1 for line in lines if "{script}" in line and " lua]" not in line)
    outside = [line for line in lines
               if " lua]" not in line and "{script}" not in line and '"info"' not in line.lower()]
    names = {}
    for line in outside:
        parts = line.split('"')
        name = parts[1].upper() if len(parts) > 1 else "?"
        if name == "EVALSHA" and len(parts) > 7:  # named by its first key's kind: s (load), {jobs}, ...
            name += " " + re.sub(r"\{[^}]*\}", "{..}", parts[7].split(":", 1)[-1])[:12]
        names[name] = names.get(name, 0) + 1
    return (reads - checks) / len(requests), len(outside) / len(requests), names


def quiet(client, most=30.0):
    """Wait until Redis has had no command but these INFOs for half a second (at most `most` seconds)."""
    deadline, last = time.monotonic() + most, client.info("stats")["total_commands_processed"]
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = client.info("stats")["total_commands_processed"]
        if now - last <= 1:
            return
        last = now


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


def load_average():
    """Return the load average as "1 min / 5 min / 15 min"."""
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())
