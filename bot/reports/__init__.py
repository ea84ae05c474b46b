"""Reports for staff: daily counters of what people ask about (counted in the conversation's commit),
the figures of a period, server-drawn charts, the reports page and `flask --app bot report`.

Counters are plain data computed here and written by `bot.storage`; the page uses `bot.web`.
"""
