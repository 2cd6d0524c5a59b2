"""Desktop releases on the wire: what the server publishes and what a desktop reports when it refuses one.

GET /releases/desktop/current?platform=linux-deb answers a `DesktopRelease`: the newest published
version for that platform, where to download its package, the package's size and SHA-256, its detached
Ed25519 signature (base64) and the oldest desktop version still supported (older desktops must update
before they go on). The desktop trusts none of it except through the signature, checked against the
release key it was installed with.

POST /releases/desktop/refusals takes an `UpdateRefusal` (tampered package, bad signature, downgrade):
the server keeps it as an audit entry, so IT learns that something on the way to a PC is wrong.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from functools import total_ordering
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

VERSION_PATTERN = r"^\d{1,6}(\.\d{1,6}){0,3}$"
_VERSION = re.compile(VERSION_PATTERN)
PLATFORMS = ("linux-deb", "windows-msi", "macos-pkg")
SIGNATURE_BASE64_LENGTH = 88  # 64 bytes


@total_ordering
class Version:
    """A release version, dotted numbers ("1.4.2"), compared number by number ("1.10" > "1.9")."""

    __slots__ = ("parts",)

    def __init__(self, parts: tuple[int, ...]) -> None:
        self.parts = parts + (0,) * (4 - len(parts))

    @classmethod
    def parse(cls, text: str) -> Version:
        """Raises ValueError for anything but 1 to 4 dotted numbers ("1.4-beta", "")."""
        text = text.strip()
        if not _VERSION.match(text):
            raise ValueError(f"{text!r} is not a release version (numbers separated by dots)")
        return cls(tuple(int(part) for part in text.split(".")))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Version) and self.parts == other.parts

    def __lt__(self, other: Version) -> bool:
        return self.parts < other.parts

    def __hash__(self) -> int:
        return hash(self.parts)

    def __str__(self) -> str:
        parts = list(self.parts)
        while len(parts) > 3 and parts[-1] == 0:
            parts.pop()
        return ".".join(str(part) for part in parts)

    def __repr__(self) -> str:
        return f"Version({str(self)!r})"


def _version(text: str) -> str:
    Version.parse(text)
    return text


def _platform(text: str) -> str:
    if text not in PLATFORMS:
        raise ValueError(f"platform must be one of {', '.join(PLATFORMS)}")
    return text


VersionText = Annotated[str, Field(max_length=32, examples=["1.4.2"]), AfterValidator(_version)]
PlatformText = Annotated[str, Field(max_length=32, examples=["linux-deb"]), AfterValidator(_platform)]


class DesktopRelease(BaseModel):
    """A published desktop release (the server's answer)."""

    model_config = ConfigDict(extra="ignore")  # a newer server may say more

    platform: PlatformText
    version: VersionText
    min_supported_version: VersionText = Field(
        description="Desktops older than this must update before they go on working"
    )
    package_url: str = Field(max_length=2000, description="Where to download the package (absolute URL)")
    size: int = Field(ge=1, le=2**34)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    signature: str = Field(
        min_length=SIGNATURE_BASE64_LENGTH,
        max_length=SIGNATURE_BASE64_LENGTH,
        description="Detached Ed25519 signature of the package's bytes, base64",
    )
    notes: str = Field(default="", max_length=4000)
    published_at: datetime | None = None


class RefusalReason(StrEnum):
    SIGNATURE_INVALID = "signature_invalid"  # package or signature altered, or signed by another key
    DIGEST_MISMATCH = "digest_mismatch"  # the download is not the package the server announced
    DOWNGRADE = "downgrade"  # the release is older than what is installed


class UpdateRefusal(BaseModel):
    """A desktop refused a release (kept by the server as an audit entry)."""

    model_config = ConfigDict(extra="forbid")

    platform: PlatformText
    version: str = Field(max_length=32, description="The refused release's version, as announced")
    installed_version: VersionText
    reason: RefusalReason
    message: str = Field(default="", max_length=500)
