"""Twilio's edge: the webhook blueprint (signatures, TwiML, status callbacks), the conversation service
(dedupe, load, engine step, save), intake with the spool while Redis is away, the outbound sender, the
script this process answers with, and the development chat page that stands in for Twilio.

May import `bot.conversation` (the engine), `bot.storage` (Redis and the spool), `bot.reports` counters
and the top-level config, logs and metrics. Pages of other parts never import from here.
"""
