"""Everything kept outside the process: the Redis connection (REDIS_URL or an embedded server under
instance/), the conversation store with its Lua scripts, the script version store, accounts and audit,
report counters, texters' pseudonyms and encryption, and the spool files used while Redis is away.

The only part of the app that knows Redis key names and TTLs. May import `bot.conversation` for plain
values only; imports nothing from Flask, pages or services.
"""
