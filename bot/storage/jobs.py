"""Redis keys of DOL's public job data (not about texters: no TTL). One round trip per lookup.

Keys (prefix P; one hash tag, {jobs}, so the lookup script runs on Redis Cluster too):
  P {jobs}:meta        hash: h2a.1, h2a.2, h2b.1, h2b.2 -> the generation in use for a program's newest
                       fiscal year (.1) and the one before (.2); debarred -> the debarment lists' generation;
                       <slot>:info -> JSON of the import (file, rows, data date, columns, when, who);
                       <slot>:date -> the data date; <slot>:fy -> the fiscal year (cases)
  P {jobs}:c:<gen>     hash: case key (H30025123456789) -> compact record (bot/jobs/records.py)
  P {jobs}:e:<gen>     the employer index of that import (compressed JSON), for the name search
  P {jobs}:d:<gen>     the debarment lists (compressed JSON), every list loaded in one
An import writes a new generation beside the one in use, then one script points the meta hash at it:
a lookup (itself one script) sees either the old data or the new, never half. The old generation is
then unlinked. Generations are "<epoch seconds>-<random>", so a crashed import's leftovers are found
by age and removed by the next import. DOL publishes one file per program and fiscal year (cumulative,
each quarter): a file replaces only the same fiscal year's import, a newer year pushes the newest one to
.2 (jobs started in September run into the next year), and an older year than the two kept is refused.
Data from before fiscal years were kept (a plain h2a/h2b field) is read as the newest year.
"""
import json
import os
import time

from redis.cluster import RedisCluster

TAG = "{jobs}"
CASE_SLOTS = ("h2a.1", "h2a.2", "h2b.1", "h2b.2")   # the order a lookup tries them in
SLOTS = CASE_SLOTS + ("debarred",)
ORPHAN_AGE = 6 * 3600  # an unpublished generation this old belongs to an import that died

# KEYS[1] meta. ARGV: 1 prefix, 2 want employer indexes ("1"), 3 the cached index generations of the four
# case slots joined by ",", 4 cached debarment generation, 5 number of exact keys, 6 a case key whose
# one-slip neighbours are tried when no exact key is found ('' for none), then the exact keys, then
# near keys to try instead (when given). Returns {{4 gens}, {4 dates}, debarred gen, {slot number, key,
# record...}, near ("1" when the records are near misses), debarment blob, {4 index blobs or false}}.
# The neighbours are made here, and only when the exact key is missing, in the order of
# bot/jobs/casenum.near_keys (tests/test_jobs_lookup.py compares them): a lookup sends one key, not a hundred.
_LOOKUP = """
local f = {'h2a.1', 'h2a.2', 'h2b.1', 'h2b.2', 'h2a', 'h2b', 'debarred',
           'h2a.1:date', 'h2a.2:date', 'h2b.1:date', 'h2b.2:date', 'h2a:date', 'h2b:date'}
local m = redis.call('HMGET', KEYS[1], unpack(f))
if not m[1] and m[5] then m[1] = m[5]; m[8] = m[12] end
if not m[3] and m[6] then m[3] = m[6]; m[10] = m[13] end
local base = ARGV[1] .. '{jobs}:'
local n = tonumber(ARGV[5])
local found, near = {}, '0'
local function scan(keys, most)
  for _, key in ipairs(keys) do
    for s = 1, 4 do
      if m[s] then
        local v = redis.call('HGET', base .. 'c:' .. m[s], key)
        if v then
          table.insert(found, s); table.insert(found, key); table.insert(found, v)
          break
        end
      end
    end
    if #found >= most * 3 then return end
  end
end
local function neighbours(key)
  local prefix, want = string.sub(key, 1, 1), 10
  if prefix == 'H' then prefix, want = string.sub(key, 1, 4), 11 end
  local digits = string.sub(key, #prefix + 1)
  local size, out, seen = #digits, {}, {}
  local function add(d) if not seen[d] then seen[d] = true; table.insert(out, prefix .. d) end end
  if size == want then
    for i = 1, want do
      local c = string.sub(digits, i, i)
      for d = 0, 9 do
        if tostring(d) ~= c then add(string.sub(digits, 1, i - 1) .. d .. string.sub(digits, i + 1)) end
      end
    end
    for i = 1, want - 1 do
      local a, b = string.sub(digits, i, i), string.sub(digits, i + 1, i + 1)
      if a ~= b then add(string.sub(digits, 1, i - 1) .. b .. a .. string.sub(digits, i + 2)) end
    end
    if prefix == 'H300' then table.insert(out, 'H400' .. digits) end
    if prefix == 'H400' then table.insert(out, 'H300' .. digits) end
  elseif size == want + 1 then
    for i = 1, size do add(string.sub(digits, 1, i - 1) .. string.sub(digits, i + 1)) end
  elseif size == want - 1 then
    for i = 0, size do
      for d = 0, 9 do add(string.sub(digits, 1, i) .. d .. string.sub(digits, i + 1)) end
    end
  end
  local keys = {}
  for _, k in ipairs(out) do
    if k ~= key and #keys < 400 then table.insert(keys, k) end
  end
  return keys
end
scan({unpack(ARGV, 7, 6 + n)}, 2)
if #found == 0 then
  if #ARGV > 6 + n then near = '1'; scan({unpack(ARGV, 7 + n, #ARGV)}, 4)
  elseif ARGV[6] ~= '' then near = '1'; scan(neighbours(ARGV[6]), 4) end
end
local deb = false
if m[7] and m[7] ~= ARGV[4] then deb = redis.call('GET', base .. 'd:' .. m[7]) end
local blobs = {false, false, false, false}
if ARGV[2] == '1' then
  local cached = {}
  for g in string.gmatch(ARGV[3] .. ',', '([^,]*),') do table.insert(cached, g) end
  for s = 1, 4 do
    if m[s] and m[s] ~= cached[s] then blobs[s] = redis.call('GET', base .. 'e:' .. m[s]) end
  end
end
return {{m[1] or '', m[2] or '', m[3] or '', m[4] or ''}, {m[8] or '', m[9] or '', m[10] or '', m[11] or ''},
        m[7] or '', found, near, deb, blobs}
"""

# KEYS[1] meta. ARGV: slot, new generation, info JSON, data date. Returns the generation replaced.
_PUBLISH = """
local old = redis.call('HGET', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2], ARGV[1] .. ':info', ARGV[3], ARGV[1] .. ':date', ARGV[4])
return old or ''
"""

# KEYS[1] meta. ARGV: program, new generation, info JSON, data date, fiscal year (0: the newest one's).
# Returns {"ok" or "old", generations to unlink...}.
_PUBLISH_YEAR = """
local p, gen, fy = ARGV[1], ARGV[2], tonumber(ARGV[5]) or 0
local function get(n, k) return redis.call('HGET', KEYS[1], p .. n .. k) end
local function put(n, g, info, date, y)
  redis.call('HSET', KEYS[1], p .. n, g, p .. n .. ':info', info, p .. n .. ':date', date, p .. n .. ':fy', y)
end
local function clear(n) redis.call('HDEL', KEYS[1], p .. n, p .. n .. ':info', p .. n .. ':date', p .. n .. ':fy') end
local legacy = get('', '')
if legacy and not get('.1', '') then
  put('.1', legacy, get('', ':info') or '{}', get('', ':date') or '', '0')
end
if legacy then clear('') end
local g1, g2 = get('.1', ''), get('.2', '')
local fy1, fy2 = tonumber(get('.1', ':fy') or '0') or 0, tonumber(get('.2', ':fy') or '0') or 0
if fy == 0 then fy = fy1 end
local drop = {'ok'}
if not g1 or fy == fy1 then
  if g1 and g1 ~= gen then table.insert(drop, g1) end
  put('.1', gen, ARGV[3], ARGV[4], fy)
elseif fy > fy1 then
  if g2 then table.insert(drop, g2); clear('.2') end
  if fy1 == fy - 1 then
    put('.2', g1, get('.1', ':info'), get('.1', ':date') or '', fy1)
  else
    table.insert(drop, g1)
  end
  put('.1', gen, ARGV[3], ARGV[4], fy)
elseif fy == fy1 - 1 then
  if g2 and g2 ~= gen then table.insert(drop, g2) end
  put('.2', gen, ARGV[3], ARGV[4], fy)
else
  return {'old', tostring(fy1)}
end
return drop
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
        self._publish_year = redis.register_script(_PUBLISH_YEAR)

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

    def publish_year(self, program, gen, info, data_date, fiscal_year):
        """Point program's slot for that fiscal year at gen (see the module's docstring); unlink what it
        replaces. Return "" or, when the year is older than the two kept, the newest year kept."""
        out = self._publish_year(keys=[self.meta], args=[program, gen, json.dumps(info, separators=(",", ":")),
                                                         data_date or "", int(fiscal_year or 0)])
        out = [v.decode() if isinstance(v, bytes) else str(v) for v in out]
        if out[0] == "old":
            return out[1]
        for old in out[1:]:
            if old and old != gen:
                self.discard(old)
        return ""

    def debarred_blob(self):
        """Return the debarment lists in use as stored (bot/jobs/records.pack), or None."""
        gen = self.redis.hget(self.meta, "debarred")
        return self.redis.get(self.key("d", gen.decode())) if gen else None

    def discard(self, gen):
        """Delete a generation's keys (without blocking Redis on a large hash)."""
        self.redis.unlink(self.key("c", gen), self.key("e", gen), self.key("d", gen))

    def in_use(self):
        """Return {slot: generation} for the slots that hold data (a field from before fiscal years too)."""
        names = SLOTS + ("h2a", "h2b")
        values = self.redis.hmget(self.meta, names)
        return {s: v.decode() for s, v in zip(names, values) if v}

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
        for slot in SLOTS + ("h2a", "h2b"):
            info = raw.get(f"{slot}:info".encode())
            if raw.get(slot.encode()) and info:
                try:
                    out[slot] = json.loads(info)
                except ValueError:
                    out[slot] = {}
                fy = raw.get(f"{slot}:fy".encode())
                if fy and fy.decode().isdigit() and int(fy):
                    out[slot]["fiscal_year"] = int(fy)
        for program in ("h2a", "h2b"):  # data from before fiscal years were kept reads as the newest year
            if program in out and f"{program}.1" not in out:
                out[f"{program}.1"] = out[program]
            out.pop(program, None)
        return out

    def clear(self, slot):
        """Remove a slot's data (staff: a program withdrawn); return True when there was some."""
        gen = self.redis.hget(self.meta, slot)
        self.redis.hdel(self.meta, slot, f"{slot}:info", f"{slot}:date", f"{slot}:fy")
        if gen:
            self.discard(gen.decode())
        return bool(gen)

    def lookup(self, exact=(), near=(), employers=False, cached=(("", "", "", ""), ""), vary=""):
        """Return the lookup script's answer (see _LOOKUP): one round trip.

        exact: case keys to try; near: keys tried only when no exact one is found; vary: a case key whose
        one-slip neighbours Redis tries when no exact key is found (and no near keys are given);
        employers: also return the employer indexes whose generation differs from cached ((four case
        slots' gens), debarred gen).
        """
        script, keys, args = self.lookup_call(exact, near, employers, cached, vary)
        return script(keys=keys, args=args)

    def lookup_call(self, exact=(), near=(), employers=False, cached=(("", "", "", ""), ""), vary=""):
        """Return (script, keys, args) of lookup(), to run beside another script in one round trip."""
        args = [self.prefix, "1" if employers else "0", ",".join(cached[0]), cached[1], len(exact), vary or "",
                *exact, *near]
        return self._lookup, [self.meta], args
