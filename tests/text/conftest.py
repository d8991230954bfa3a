"""The headless Chromium of the preview's tests, for the corpus checks."""

from tests.serve.conftest import chromium, page

__all__ = ["chromium", "page"]
