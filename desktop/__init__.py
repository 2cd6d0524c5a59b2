"""WardDesk desktop client (PySide6). Layers: ui -> ops -> store / sync; only ui imports Qt widgets."""
