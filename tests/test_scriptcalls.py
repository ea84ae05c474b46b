"""The conversation's scripts sent straight on a connection (bot/storage/scriptcalls.py) answer and fail as
redis-py's own calls do: the same answers, errors in place, scripts loaded again after a flush, a broken
connection retried once, a timeout never retried and its connection closed."""
import time

import pytest
import redis

from bot.storage.connection import connect
from bot.storage.scriptcalls import ScriptCalls

ECHO = "return {KEYS[1], ARGV[1], tonumber(ARGV[2]) + 1, redis.call('SET', KEYS[1], ARGV[1], 'PX', 5000)}"
FAIL = "return redis.error_reply('NOPE this script fails')"
SLOW = "local t = redis.call('TIME'); while true do local n = redis.call('TIME'); " \
       "if (n[1] - t[1]) * 1000000 + n[2] - t[2] > 600000 then return 1 end end"


@pytest.fixture
def client(own_redis):
    """A client of this test's own server, made as the app makes it."""
    made = connect(own_redis.url, 0.3)
    yield made
    made.close()


def test_answers_are_those_of_redis_py(client):
    echo = client.register_script(ECHO)
    calls = ScriptCalls(client)
    assert calls.call(echo, ["k:{a}"], ["value", 41]) == echo(keys=["k:{a}"], args=["value", 41])
    assert calls.call(echo, ["k:{a}"], ["ü", "1"]) == [b"k:{a}", "ü".encode(), 2, b"OK"]


def test_a_failing_script_is_its_error_in_its_place_and_the_connection_stays_in_step(client):
    echo, fail = client.register_script(ECHO), client.register_script(FAIL)
    calls = ScriptCalls(client)
    first, failed, last = calls.run([(echo, ["k:{a}"], ["x", 1]), (fail, [], []), (echo, ["k:{b}"], ["y", 2])])
    assert first[1] == b"x" and last[1] == b"y"
    assert isinstance(failed, redis.ResponseError) and "this script fails" in str(failed)
    with pytest.raises(redis.ResponseError):
        calls.call(fail, [], [])
    assert calls.call(echo, ["k:{c}"], ["z", 3])[1] == b"z"
    assert len(calls._free) == 1  # one connection served every call


def test_scripts_the_server_lost_are_loaded_again(client):
    echo = client.register_script(ECHO)
    calls = ScriptCalls(client)
    assert calls.call(echo, ["k:{a}"], ["x", 1])[1] == b"x"
    client.script_flush()
    assert calls.run([(echo, ["k:{a}"], ["y", 1]), (echo, ["k:{b}"], ["z", 1])])[1][1] == b"z"


def test_a_broken_connection_is_retried_once_on_a_fresh_one(client, own_redis):
    echo = client.register_script(ECHO)
    calls = ScriptCalls(client)
    assert calls.call(echo, ["k:{a}"], ["x", 1])[1] == b"x"
    own_redis.kill()
    own_redis.restart()  # the kept connection's socket is dead now
    assert calls.call(echo, ["k:{a}"], ["again", 1])[1] == b"again"
    own_redis.kill()
    with pytest.raises(redis.ConnectionError):
        calls.call(echo, ["k:{a}"], ["gone", 1])


def test_a_timeout_is_not_retried_and_its_connection_is_closed(client, own_redis):
    slow, echo = client.register_script(SLOW), client.register_script(ECHO)
    calls = ScriptCalls(client)
    with pytest.raises(redis.TimeoutError):
        calls.call(slow, [], [])
    assert all(c._sock is None for c in calls._free)  # its late answer can never be read as another's
    time.sleep(0.6)  # the script ends on its own
    assert calls.call(echo, ["k:{a}"], ["after", 1])[1] == b"after"


def test_arguments_redis_py_refuses_are_refused(client):
    echo = client.register_script(ECHO)
    with pytest.raises(redis.DataError):
        ScriptCalls(client).call(echo, ["k:{a}"], [None, 1])
