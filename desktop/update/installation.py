"""What is installed here: the version, the platform's package kind, and the release key it trusts.

A frozen build (the installer's) carries `build-info.json` and `warddesk-release-key.pem` in its bundle
folder. Run from a checkout or a pip install, WardDesk has no release key: it can tell the user that a
release exists but never installs one.
"""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from desktop.update.signing import fingerprint, load_public_key
from shared.releases import Version

log = logging.getLogger(__name__)

BUILD_INFO = "build-info.json"
RELEASE_KEY = "warddesk-release-key.pem"


@dataclass(frozen=True)
class Installation:
    version: Version
    platform: str  # the package kind releases are published for: "linux-deb", "windows-msi", "macos-pkg"
    release_key: Ed25519PublicKey | None = None  # None: run from source, never installs an update
    build_info: dict[str, Any] = field(default_factory=dict)

    @property
    def can_install_updates(self) -> bool:
        return self.release_key is not None

    @property
    def key_fingerprint(self) -> str | None:
        return fingerprint(self.release_key) if self.release_key is not None else None


def _bundle_dir() -> Path | None:
    bundle = getattr(sys, "_MEIPASS", None)
    return Path(bundle) if bundle else None


def _platform() -> str:
    if sys.platform == "win32":
        return "windows-msi"
    if sys.platform == "darwin":
        return "macos-pkg"
    return "linux-deb"


def current_installation(bundle_dir: Path | None = None) -> Installation:
    """This process's installation (`bundle_dir`: where build-info.json lives; default: the frozen
    bundle's folder, none when run from source)."""
    bundle = bundle_dir if bundle_dir is not None else _bundle_dir()
    if bundle is not None and (bundle / BUILD_INFO).exists():
        info = json.loads((bundle / BUILD_INFO).read_text(encoding="utf-8"))
        key = None
        try:
            key = load_public_key((bundle / RELEASE_KEY).read_bytes())
        except (OSError, ValueError) as exc:
            log.error("this installation's release key is unusable (%s): updates are off", exc)
        return Installation(Version.parse(info["version"]), _platform(), key, info)
    try:
        version = metadata.version("warddesk")
    except metadata.PackageNotFoundError:
        version = "0"
    return Installation(Version.parse(version), _platform())
