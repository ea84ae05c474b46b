"""The volunteers' side: the handoff service (list, claim, read, reply, release, close), the on-call
notifications, and the inbox pages.

The service uses `bot.storage` and `bot.conversation`; the pages use the service and `bot.web`.
"""
