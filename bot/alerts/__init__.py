"""Alerts by consent (issue 25): staff write short warnings that reach the texters who asked for them."""
