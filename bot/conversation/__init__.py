"""The pure side of a conversation: the engine (the transition table), the script model and text lookup,
text matching, SMS paging and arithmetic, office hours and the script's checks.

Nothing here knows Flask, Redis or Twilio, and nothing here imports another part of the app: given a
script, a state and a message, it returns replies and events. That is what makes the conversation
testable with golden transcripts and property tests. Everything else calls in; this calls nothing out.
"""
