"""In-process figures for tests/bench_load.py --profile: the app called directly (no gunicorn, no wrk),
the CPU a message (the best of several batches: other work on the machine only adds), and the functions
that take the most time."""
import cProfile
import io
import os
import pstats
import tempfile
import time

from werkzeug.test import EnvironBuilder

import load_kinds as kinds

BATCH = 150
TOP = 25


def run(redis_url, names, token, keys, texters=600):
    """Print the in-process CPU a message and the top functions for each kind."""
    import logging

    from bot import create_app, logs
    from conftest import twilio_signature
    sink = open(os.devnull, "w")
    logs.configure("INFO", "json")  # the app keeps this handler: its lines are written, to nowhere
    for handler in logging.getLogger().handlers:
        if getattr(handler, "helpline", False):
            handler.setStream(sink)
    folder = tempfile.mkdtemp(prefix="hb-profile-")
    app = create_app({"REDIS_URL": redis_url, "TWILIO_AUTH_TOKEN": token, "REDIS_PREFIX": "prof:",
                      "SPOOL_DIR": os.path.join(folder, "spool"), "LOG_FORMAT": "json", **keys})
    service = app.extensions["conversations"]
    kinds.import_cases(service.jobs.data, folder)
    import gc
    gc.freeze()  # as a gunicorn worker does once the app is loaded (bot/gunicorn_conf.py)
    url = "http://localhost/twilio/messages"

    def answered(status, headers, exc_info=None):
        assert status.startswith("200"), status

    print("\nin process (the app called directly; CPU a message, the best batch of "
          f"{BATCH}, without the profiler; the JSON log line written to /dev/null):")
    for kind in names:
        kinds.ready(service, kind, texters)
        environs = []
        for sender, body in kinds.messages(kind, service.get_script(), texters, 3):
            fields = kinds.form(sender, body)
            environs.append(EnvironBuilder(
                path="/twilio/messages", method="POST", data=kinds.encoded(fields),
                content_type="application/x-www-form-urlencoded",
                headers={"X-Twilio-Signature": twilio_signature(token, url, fields)}).get_environ())
        for environ in environs[:50]:
            b"".join(app(environ, answered))
        best, profiled = None, environs[-300:]
        for start in range(50, len(environs) - 300 - BATCH + 1, BATCH):
            cpu = time.process_time()
            for environ in environs[start:start + BATCH]:
                b"".join(app(environ, answered))
            spent = (time.process_time() - cpu) / BATCH
            best = spent if best is None else min(best, spent)
        profile = cProfile.Profile(time.process_time)  # CPU time, not the waits on Redis's socket
        profile.enable()
        for environ in profiled:
            b"".join(app(environ, answered))
        profile.disable()
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(TOP)
        lines = [line for line in out.getvalue().splitlines() if line.strip()][3:]
        print(f"\n{kinds.NAMES[kind]}: {best * 1000:.3f} ms CPU a message (load {os.getloadavg()[0]:.1f}); "
              "the top functions by their own CPU time (the profiler's cost inflates them, not their order):")
        print("\n".join("  " + line.replace(os.path.dirname(os.path.dirname(__file__)) + "/", "")
                        for line in lines))
        if kind == names[-1]:
            print(f"\nthe signature-checking floor (tests/bench_floor_app.py) in process, the same requests: "
                  f"{floor_cpu(environs, token) * 1000:.3f} ms CPU a message (load {os.getloadavg()[0]:.1f}); "
                  "the workers' CPU beyond it is gunicorn's HTTP, gevent and the machine's contention")
    sink.close()
    app.extensions["intake"].stop()


def floor_cpu(environs, token):
    """Return the signature-checking floor's CPU a message in process: the best batch, as for the bot."""
    import io
    import bench_floor_app
    os.environ.setdefault("TWILIO_AUTH_TOKEN", token)
    floor = bench_floor_app.create_signed_app()
    bodies = [e["wsgi.input"].getvalue() for e in environs]

    def call(environ, body):
        environ["wsgi.input"] = io.BytesIO(body)
        return b"".join(floor(environ, lambda status, headers, exc_info=None: None))

    for environ, body in zip(environs[:50], bodies):
        call(dict(environ), body)
    best = None
    for start in range(50, len(environs) - BATCH + 1, BATCH):
        batch = [dict(e) for e in environs[start:start + BATCH]]
        cpu = time.process_time()
        for environ, body in zip(batch, bodies[start:start + BATCH]):
            call(environ, body)
        spent = (time.process_time() - cpu) / BATCH
        best = spent if best is None else min(best, spent)
    return best
