from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from shared.releases import SIGNATURE_BASE64_LENGTH, PlatformText, VersionText


class PublishRelease(BaseModel):
    """What an admin publishes: installer/build.py's release.json plus where the package is served."""

    model_config = ConfigDict(extra="ignore")  # release.json carries the public key and the file name too

    platform: PlatformText
    version: VersionText
    min_supported_version: VersionText | None = Field(
        default=None, description="Oldest desktop still allowed to work; default: the current minimum"
    )
    package_url: str = Field(
        min_length=8, max_length=2000, pattern=r"^https?://", description="Absolute http(s) URL"
    )
    size: int = Field(ge=1, le=2**34)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    signature: str = Field(min_length=SIGNATURE_BASE64_LENGTH, max_length=SIGNATURE_BASE64_LENGTH)
    notes: str = Field(default="", max_length=4000)
