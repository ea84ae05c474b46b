"""The conversation's Lua scripts sent straight on a Redis connection (issue 24).

Every message runs two scripts (the load, the commit; a case number's lookup rides with the load).
redis-py wraps each command in layers a script call does not need here (the pool's lock, its health and
"has data" polls and its observability counters, the retry wrapper, the command's name parsed again,
the arguments checked one by one): about 45 µs of CPU a call, against some 15 µs to pack the call with
hiredis, write it and read the answer on a connection of redis-py's own kind. The answers, errors and
failures are the same ones redis-py gives:
  - an error reply raises redis-py's exception for it (NOSCRIPT: the script is loaded and sent again);
  - a broken connection (a restarted server) is retried once at once, on a fresh connection, as
    bot/storage/connection.py's Retry does; a timeout is never retried;
  - any failure while a call is written or read closes that connection (redis-py's Connection does),
    so an answer left unread can never be taken for the next call's.
The connections are redis-py Connection objects made from the client's own settings (address, timeouts,
password, TLS), kept in a list of this object's: a greenlet or thread takes one for a call and gives it
back. Redis Cluster keeps redis-py's own client (bot/storage/store.py).
"""
import os

import hiredis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import DataError, NoScriptError, ResponseError


class ScriptCalls:
    """Run registered scripts (redis-py's Script objects: their text and SHA1) on a plain Redis client."""

    def __init__(self, client):
        """client: the redis.Redis whose connection settings the calls use."""
        self.client = client
        self._free = []
        self._pid = os.getpid()

    def call(self, script, keys, args):
        """Return the answer of one script (EVALSHA); raise as redis-py raises."""
        answer = self.run([(script, keys, args)])[0]
        if isinstance(answer, Exception):
            raise answer
        return answer

    def run(self, calls):
        """Return the answers of [(script, keys, args)] sent in one write (one round trip): each answer, or
        the error a script's call ended in (ResponseError) in its place."""
        for loaded in (False, True):
            answers = self._round_trip(calls)
            if loaded or not any(isinstance(a, NoScriptError) for a in answers):
                return answers
            for script, _, _ in calls:  # the server lost the scripts (restarted, flushed): load them again
                script.sha = self.client.script_load(script.script)
        return answers

    def _round_trip(self, calls):
        """Write every call at once and read every answer, on one connection (retried once when broken)."""
        try:
            packed = b"".join(hiredis.pack_command(("EVALSHA", script.sha, len(keys), *keys, *args))
                              for script, keys, args in calls)
        except TypeError as exc:
            raise DataError(str(exc)) from None
        for attempt in (0, 1):
            connection = self._take()
            try:
                connection.send_packed_command((packed,), check_health=False)
                answers = []
                for _ in calls:
                    try:
                        answers.append(connection.read_response())
                    except ResponseError as exc:  # the script failed; the connection is in step
                        answers.append(exc)
                self._give(connection)
                return answers
            except RedisConnectionError:
                connection.disconnect()  # done already by the connection; a fresh one next time
                self._give(connection)
                if attempt:
                    raise
            except BaseException:
                connection.disconnect()
                self._give(connection)
                raise
        raise AssertionError("unreachable")

    def _take(self):
        """Return a connection for one call (a new one when none is free)."""
        if self._pid != os.getpid():  # a forked process never shares its parent's sockets
            self._free, self._pid = [], os.getpid()
        if self._free:
            return self._free.pop()
        pool = self.client.connection_pool
        return pool.connection_class(**pool.connection_kwargs)

    def _give(self, connection):
        """Give a connection back for the next call."""
        self._free.append(connection)

    def close(self):
        """Close the free connections."""
        free, self._free = self._free, []
        for connection in free:
            connection.disconnect()
