"""Staff editing the script without a deploy: the versions service (drafts, checks, diff, publish,
restore), edits, translators' PO files, the simulator, staff settings, the script CLI and the staff pages.

The service uses `bot.storage` and `bot.conversation`; the pages use the service and `bot.web`.
"""
