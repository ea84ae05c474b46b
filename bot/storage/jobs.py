"""Redis keys of DOL's public job data (not about texters: no TTL). One round trip per lookup.

Keys (prefix P; one hash tag, {jobs}, so the lookup script runs on Redis Cluster too):
  P {jobs}:meta        hash: h2a, h2b, debarred -> the generation in use; <slot>:info -> JSON of the
                       import (file, rows, data date, columns, when, who); <slot>:date -> the data date
  P {jobs}:c:<gen>     hash: case key (H30025123456789) -> compact record (bot/jobs/records.py)
  P {jobs}:e:<gen>     the employer index of that import (compressed JSON), for the name search
  P {jobs}:d:<gen>     a debarment list (compressed JSON)
An import writes a new generation beside the one in use, then one script points the meta hash at it:
a lookup (itself one script) sees either the old data or the new, never half. The old generation is
then unlinked. Generations are "<epoch seconds>-<random>", so a crashed import's leftovers are found
by age and removed by the next import.
"""
import json
import os
import time

from redis.cluster import RedisCluster

TAG = "{jobs}"
SLOTS = ("h2a", "h2b", "debarred")
ORPHAN_AGE = 6 * 3600  # an unpublished generation this old belongs to an import that died

# KEYS[1] meta. ARGV: 1 prefix, 2 want employer indexes ("1"), 3/4 cached h2a/h2b index generations,
# 5 cached debarment generation, 6 number of exact keys, then the exact keys, then the near ones.
# Returns {h2a gen, h2b gen, debarred gen, h2a date, h2b date, {program, key, record...},
#          near ("1" when the records are near misses), debarment blob, h2a index, h2b index}.
_LOOKUP = """
local m = redis.call('HMGET', KEYS[1], 'h2a', 'h2b', 'debarred', 'h2a:date', 'h2b:date')
local base = ARGV[1] .. '{jobs}:'
local progs = {'h2a', 'h2b'}
local n = tonumber(ARGV[6])
local found, near = {}, '0'
local function scan(first, last, most)
  for i = first, last do
    for p = 1, 2 do
      if m[p] then
        local v = redis.call('HGET', base .. 'c:' .. m[p], ARGV[i])
        if v then
          table.insert(found, progs[p]); table.insert(found, ARGV[i]); table.insert(found, v)
          if #found >= most * 3 then return end
        end
      end
    end
  end
end
scan(7, 6 + n, 2)
if #found == 0 and #ARGV > 6 + n then near = '1'; scan(7 + n, #ARGV, 4) end
local deb = false
if m[3] and m[3] ~= ARGV[5] then deb = redis.call('GET', base .. 'd:' .. m[3]) end
local e1, e2 = false, false
if ARGV[2] == '1' then
  if m[1] and m[1] ~= ARGV[3] then e1 = redis.call('GET', base .. 'e:' .. m[1]) end
  if m[2] and m[2] ~= ARGV[4] then e2 = redis.call('GET', base .. 'e:' .. m[2]) end
end
return {m[1] or '', m[2] or '', m[3] or '', m[4] or '', m[5] or '', found, near, deb, e1, e2}
"""

# KEYS[1] meta. ARGV: slot, new generation, info JSON, data date. Returns the generation replaced.
_PUBLISH = """
local old = redis.call('HGET', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2], ARGV[1] .. ':info', ARGV[3], ARGV[1] .. ':date', ARGV[4])
return old or ''
"""


class JobsData:
    """DOL's case data and debarment lists in Redis: imports written aside and swapped in whole."""

    BATCH = 2000  # fields per HSET in an import (one pipeline round trip each)

    def __init__(self, redis, prefix):
        self.redis, self.prefix = redis, prefix
        self.cluster = isinstance(redis, RedisCluster)
        self.meta = f"{prefix}{TAG}:meta"
        self._lookup = redis.register_script(_LOOKUP)
        self._publish = redis.register_script(_PUBLISH)

    def key(self, kind, gen):
        """Return the key of a generation's cases (c), employer index (e) or debarment list (d)."""
        return f"{self.prefix}{TAG}:{kind}:{gen}"

    @staticmethod
    def new_generation():
        """Return a fresh generation name."""
        return f"{int(time.time())}-{os.urandom(4).hex()}"

    def write_cases(self, gen, cases):
        """Add {case key: record} to a generation (not yet visible to lookups)."""
        if cases:
            self.redis.hset(self.key("c", gen), mapping=cases)

    def write_blob(self, kind, gen, blob):
        """Store a generation's employer index (e) or debarment list (d)."""
        self.redis.set(self.key(kind, gen), blob)

    def publish(self, slot, gen, info, data_date=""):
        """Point slot (h2a, h2b, debarred) at gen in one step; unlink the generation it replaces."""
        old = self._publish(keys=[self.meta], args=[slot, gen, json.dumps(info, separators=(",", ":")),
                                                     data_date or ""])
        old = old.decode() if isinstance(old, bytes) else old
        if old and old != gen:
            self.discard(old)

    def discard(self, gen):
        """Delete a generation's keys (without blocking Redis on a large hash)."""
        self.redis.unlink(self.key("c", gen), self.key("e", gen), self.key("d", gen))

    def in_use(self):
        """Return {slot: generation} for the slots that hold data."""
        values = self.redis.hmget(self.meta, SLOTS)
        return {s: v.decode() for s, v in zip(SLOTS, values) if v}

    def remove_orphans(self, now=None):
        """Delete generations that no slot uses and that are older than ORPHAN_AGE; return how many."""
        now, live, removed = now or time.time(), set(self.in_use().values()), 0
        for key in self.redis.scan_iter(match=f"{self.prefix}{TAG}:[ced]:*", count=1000):
            gen = key.decode().rsplit(":", 1)[-1]
            born = gen.split("-", 1)[0]
            if gen not in live and born.isdigit() and now - int(born) > ORPHAN_AGE:
                removed += self.redis.unlink(key)
        return removed

    def status(self):
        """Return {slot: import info dict} for every slot that holds data."""
        raw = self.redis.hgetall(self.meta)
        out = {}
        for slot in SLOTS:
            info = raw.get(f"{slot}:info".encode())
            if raw.get(slot.encode()) and info:
                try:
                    out[slot] = json.loads(info)
                except ValueError:
                    out[slot] = {}
        return out

    def clear(self, slot):
        """Remove a slot's data (staff: a program withdrawn); return True when there was some."""
        gen = self.redis.hget(self.meta, slot)
        self.redis.hdel(self.meta, slot, f"{slot}:info", f"{slot}:date")
        if gen:
            self.discard(gen.decode())
        return bool(gen)

    def lookup(self, exact=(), near=(), employers=False, cached=("", "", "")):
        """Return the lookup script's answer (see _LOOKUP): one round trip.

        exact: case keys to try; near: keys tried only when no exact one is found; employers: also
        return the employer indexes whose generation differs from cached (h2a, h2b, debarred gens).
        """
        args = [self.prefix, "1" if employers else "0", cached[0], cached[1], cached[2], len(exact),
                *exact, *near]
        return self._lookup(keys=[self.meta], args=args)
