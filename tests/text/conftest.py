"""The headless Chromium page of the preview's tests, for the corpus checks (the browser itself,
`chromium`, is tests/conftest.py's: one per test process)."""

from tests.serve.conftest import page

__all__ = ["page"]
