"""Run the Procfile's worker (`flask --app bot jobs worker`) with the app's clock moved to a U.S. daytime.

The tests that kill a worker mid-send, and the browser test, start this instead of the bare command, so that
quiet hours (21:00-08:00 in every U.S. time zone between 07:00 and 12:00 UTC) never stop them at whatever
hour the suite runs. Settings come from the environment, as for the real worker.
"""
import datetime
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from flask.cli import ScriptInfo  # noqa: E402

from bot import create_app  # noqa: E402
from bot.jobs.cli import worker_command  # noqa: E402

DAYTIME_UTC = 19  # 19:00-23:59 UTC is daytime from Puerto Rico to Hawaii


def daytime_offset(now=None):
    """Return the timedelta that moves now into DAYTIME_UTC..midnight UTC (zero when it is already)."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    if now.hour >= DAYTIME_UTC:
        return datetime.timedelta(0)
    return now.replace(hour=DAYTIME_UTC, minute=0, second=0, microsecond=0) - now


def main():
    """Build the app, move its clock, and work the queues until killed."""
    app = create_app()
    offset = daytime_offset()
    app.extensions["conversations"].clock = lambda: datetime.datetime.now(datetime.timezone.utc) + offset
    worker_command.main(args=[], standalone_mode=False, obj=ScriptInfo(create_app=lambda: app))


if __name__ == "__main__":
    main()
