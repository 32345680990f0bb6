"""Browser fixtures, registered once so every journey shares one Chromium per test session."""

from dozor.web.tests.browser import browser, page  # noqa: F401
