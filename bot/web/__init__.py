"""What every page shares: login and sessions, accounts and roles, CSRF, cookies, security headers,
page language and error pages, the health check, and the templates, static files and UI translations.

May import `bot.storage` through the services it is given; imports no part's pages.
"""
