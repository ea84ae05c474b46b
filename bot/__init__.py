"""Helpline bot: Twilio webhooks for SMS and WhatsApp, conversations in Redis, three languages.

Where things live (README, "Where things live"): bot/conversation (the pure engine), bot/twilio (the
edge), bot/storage (Redis), bot/inbox, bot/staff, bot/reports, bot/web; bot/app.py wires them.
This module only hands `create_app` to Flask and gunicorn, and imports nothing itself, so that the pure
parts (e.g. `bot.conversation`) can be imported without loading Flask or Redis.
"""


def create_app(test_config=None):
    """Create the app (see bot/app.py)."""
    from bot.app import create_app as build
    return build(test_config)
