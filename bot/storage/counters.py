"""Daily report counters in Redis (a mixin of Store; the fields are bot/reports/counters.py's)."""
from bot.storage.keys import text as _text


class ReportCounters:
    """Report counters: one hash a day, kept REPORTS_TTL after its last count."""

    def report_key(self, day):
        """Return the key of one day's report counters (day: "YYYY-MM-DD")."""
        return f"{self.prefix}report:{day}"

    def _count(self, pipe, report):
        """Queue report counters, (day, {field: increment}), on a pipeline."""
        if not report or not report[1]:
            return
        key = self.report_key(report[0])
        for field, increment in report[1].items():
            pipe.hincrby(key, field, int(increment))
        pipe.expire(key, self.ttl["reports"])

    def count(self, report):
        """Add report counters, (day, {field: increment}), in one round trip."""
        pipe = self.redis.pipeline(transaction=False)
        self._count(pipe, report)
        if len(pipe):
            pipe.execute()

    def report_days(self, days):
        """Return {field: count} for each day ("YYYY-MM-DD") in days, in one round trip."""
        if not days:
            return []
        pipe = self.redis.pipeline(transaction=False)
        for day in days:
            pipe.hgetall(self.report_key(day))
        return [{_text(k): int(v) for k, v in raw.items()} for raw in pipe.execute()]
