"""The outbox: every e-mail Dozor sends is first written here, then delivered by a task.

See ``services.py`` for the rules and docs/decisions/0017-tasks-and-outbox.md for the why.
"""
