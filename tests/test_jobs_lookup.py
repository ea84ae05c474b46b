"""A case number's lookup (issue 24): one key sent, its one-slip neighbours made in Redis, in the same
order as bot/jobs/casenum.near_keys, and only when the exact key is missing."""
import random

import pytest
import redis

from bot.jobs import casenum
from bot.storage.jobs import JobsData

REFS = ["H-300-25123-456789", "H-400-13074-227549", "H-300-25123-45678", "H-300-25123-4567890",
        "C-11060-28222", "C-11060-2822", "C-11060-282222", "H-300-11111-111111"]


@pytest.fixture
def data(redis_url, prefix):
    """Return JobsData on the test's prefix, with one generation in use for the newest H-2A year."""
    jobs = JobsData(redis.Redis.from_url(redis_url), prefix)
    jobs.redis.hset(jobs.meta, "h2a.1", "g1")
    return jobs


def found_keys(raw):
    """Return (the keys a lookup found, in order, near or not)."""
    found = raw[3] or []
    return [found[i + 1].decode() for i in range(0, len(found), 3)], raw[4].decode() == "1"


@pytest.mark.parametrize("typed", REFS)
def test_neighbours_made_in_redis_are_those_of_near_keys_in_their_order(data, typed):
    """Whatever few neighbours the data holds, the lookup by the typed key finds the same ones, in the same
    order, as a lookup sending the neighbours casenum.near_keys lists."""
    ref = casenum.find(typed)
    near = casenum.near_keys(ref)
    assert len(near) >= 5
    rng = random.Random(typed)
    cases = data.key("c", "g1")
    for _ in range(25):
        data.redis.delete(cases)
        held = rng.sample(near, min(len(near), rng.choice([1, 3, 6])))
        data.redis.hset(cases, mapping={k: "record" for k in held})
        want = found_keys(data.lookup(near=near))
        got = found_keys(data.lookup(vary=ref.key, exact=(ref.key,) if ref.exact else ()))
        assert got == want and got[1], (held, got, want)
        assert len(got[0]) == min(4, len(held))


def test_the_exact_key_first_and_alone(data):
    """A lookup sends the exact key only; found, it is the answer and no neighbour is tried."""
    ref = casenum.find("H-300-25123-456789")
    _, keys, args = data.lookup_call(exact=(ref.key,), vary=ref.key)
    assert keys == [data.meta] and ref.key in args and len(args) == 7
    data.redis.hset(data.key("c", "g1"), mapping={ref.key: "exact", casenum.near_keys(ref)[0]: "near"})
    assert found_keys(data.lookup(exact=(ref.key,), vary=ref.key)) == ([ref.key], False)


def test_no_neighbour_held_finds_nothing(data):
    """A number with nothing one slip away finds nothing (and says it looked near)."""
    data.redis.hset(data.key("c", "g1"), mapping={"H30099999999999": "other"})
    ref = casenum.find("H-300-25123-456789")
    assert found_keys(data.lookup(exact=(ref.key,), vary=ref.key)) == ([], True)
