"""Dozor: information system for National Preventive Mechanisms against torture.

One package: settings, URLs, the ``dozor`` command and every app live under it. ``APPS`` is the
one list of Dozor's own apps, lowest layer first (docs/architecture.md); settings and the command
read it, and a test checks the import-linter contract against it. The package itself is
installed last: it composes the apps (country pack sections, URLs, commands).
"""

APPS: tuple[str, ...] = (
    "dozor.core",
    "dozor.accounts",
    "dozor.facilities",
    "dozor.people",
    "dozor.standards",
    "dozor.methodology",
    "dozor.training",
    "dozor.planning",
    "dozor.visits",
    "dozor.recommendations",
    "dozor.publishing",
    "dozor.api",
    "dozor.web",
    "dozor.search",
    "dozor.demo",
    "dozor",  # the composition root (dozor/packs.py, `dozor pack`), above every app
)
