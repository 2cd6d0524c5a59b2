"""Desktop use cases: plain Python run off the UI thread; no Qt widgets here."""
