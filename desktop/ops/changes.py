"""The store's change reports as a Qt signal, for the screens.

`ChangeFeed.changed(OpChanges)` is emitted on the store's writer thread after every committed write that
changed something (a local change, a pushed answer, a pulled page) and delivered queued to receivers on
the UI thread. Each screen looks at what changed and refreshes only when it touches what it shows: no
"reload everything" after every click or every sync.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from desktop.store import LocalStore
from desktop.store.changes import OpChanges


class ChangeFeed(QObject):
    """One per signed-in session (DesktopContext.changes)."""

    changed = Signal(object)  # OpChanges

    def __init__(self, store: LocalStore, parent: QObject | None = None) -> None:
        super().__init__(parent)
        store.subscribe(self._heard)  # held weakly: the feed goes with its session

    def _heard(self, changes: OpChanges) -> None:
        self.changed.emit(changes)
