"""Desktop updates: find the current release, download it, verify its signature, install it.

No Qt here (like store/ and sync/): `desktop/ops/update.py` runs it off the UI thread and
`desktop/ui/shell/update_bar.py` shows it. Rules, in order: a package is verified against the release
key this installation was built with BEFORE anything else touches it; a release older than the
installed one is refused (a downgrade could reopen fixed holes); an update is installed only when no
change is queued and the user agrees, or at the next start; every refusal is reported to the server,
which keeps an audit entry.
"""

from desktop.update.installation import Installation, current_installation
from desktop.update.releases import ReleaseClient, UpdateRefused, UpdateUnavailable
from desktop.update.signing import SignatureInvalid, verify_package
from desktop.update.updater import (
    InstallDecision,
    StagedUpdate,
    Updater,
    decide_install,
    install_staged_at_start,
    update_now,
)
from shared.releases import Version

__all__ = [
    "InstallDecision",
    "Installation",
    "ReleaseClient",
    "SignatureInvalid",
    "StagedUpdate",
    "UpdateRefused",
    "UpdateUnavailable",
    "Updater",
    "Version",
    "current_installation",
    "decide_install",
    "install_staged_at_start",
    "update_now",
    "verify_package",
]
