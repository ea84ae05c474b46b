"""Daily report counters in Redis (a mixin of Store; the fields are bot/reports/counters.py's)."""
from bot.storage.keys import text as _text


class ReportCounters:
    """Report counters: one hash a day, kept REPORTS_TTL after its last count; the words of messages not
    understood in another hash a day, kept LANGUAGE_TTL (as long as the texters' own record of them)."""

    def report_key(self, day):
        """Return the key of one day's report counters (day: "YYYY-MM-DD")."""
        return f"{self.prefix}report:{day}"

    def words_key(self, day):
        """Return the key of one day's not-understood word counts (kept as long as a language)."""
        return f"{self.prefix}words:{day}"

    def uncount_words(self, contributions):
        """Take a texter's word counts back out ({"<day>|<field>": count}, as kept in its w key)."""
        by_day = {}
        for name, value in (contributions or {}).items():
            day, _, field = _text(name).partition("|")
            if day and field:
                by_day.setdefault(day, []).extend([field, int(value)])
        for day, pairs in by_day.items():
            self._uncount(keys=[self.words_key(day)], args=pairs)

    def _count(self, pipe, report):
        """Queue report counters, (day, {field: increment}), on a pipeline."""
        if not report or not report[1]:
            return
        key = self.report_key(report[0])
        for field, increment in report[1].items():
            pipe.hincrby(key, field, int(increment))
        pipe.expire(key, self.ttl["reports"])

    def count(self, report, words=None):
        """Add report counters, (day, {field: increment}), and word counts (the same shape, added to the
        day's words key) in one round trip."""
        pipe = self.redis.pipeline(transaction=False)
        self._count(pipe, report)
        if words and words[1]:
            key = self.words_key(words[0])
            for field, increment in words[1].items():
                pipe.hincrby(key, field, int(increment))
            pipe.expire(key, self.ttl["words"])
        if len(pipe):
            pipe.execute()

    def report_days(self, days):
        """Return {field: count} for each day ("YYYY-MM-DD") in days, in one round trip."""
        if not days:
            return []
        pipe = self.redis.pipeline(transaction=False)
        for day in days:
            pipe.hgetall(self.report_key(day))
            pipe.hgetall(self.words_key(day))
        found = pipe.execute()
        return [{_text(k): int(v) for raw in found[i:i + 2] for k, v in raw.items()}
                for i in range(0, len(found), 2)]
