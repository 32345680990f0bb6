"""Browser fixtures (browser, page) are registered for the whole suite in the root conftest.py."""
