"""End-to-end desktop tests: the real server and PostgreSQL, real caches, offscreen Qt. Qt warnings and
leaks fail them as every desktop test (tests/desktop/conftest.py)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
