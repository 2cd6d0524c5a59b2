"""Sign a finished package for WardDesk's update check: `<package>.sig` and `release-<platform>.json`.

    python -m installer.sign --platform windows-msi dist/installer/WardDesk-1.2.0.msi
    python -m installer.sign --platform macos-pkg --version 1.2.0 dist/installer/WardDesk-1.2.0.pkg

The key is the release key setting (WARDDESK_RELEASE_KEY or --release-key). Sign last: after
Authenticode or notarisation, which change the file. installer/build.py does the same for the .deb.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import re
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shared.releases import PLATFORMS


def sign_release(
    package: Path,
    *,
    key: Ed25519PrivateKey,
    public_key: bytes,
    platform: str,
    version: str,
    development: bool,
) -> tuple[Path, Path]:
    """Write the detached signature and the release record beside `package`; returns both paths."""
    data = package.read_bytes()
    signature = package.with_name(package.name + ".sig")
    signature.write_bytes(key.sign(data))
    release = package.with_name(f"release-{platform}.json" if platform != "linux-deb" else "release.json")
    release.write_text(
        json.dumps(
            {
                "version": version,
                "platform": platform,
                "package": package.name,
                "size": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
                "signature": base64.b64encode(signature.read_bytes()).decode(),
                "public_key": public_key.decode(),
                "development_key": development,
            },
            indent=2,
        )
        + "\n"
    )
    return signature, release


def main(argv: list[str] | None = None) -> int:
    from installer.build import DEFAULT_BUILD_DIR, load_release_key, log, public_pem

    parser = argparse.ArgumentParser(prog="python -m installer.sign", description=__doc__.split("\n\n")[0])
    parser.add_argument("package", type=Path)
    parser.add_argument("--platform", choices=PLATFORMS, required=True)
    parser.add_argument("--version", help="default: the version in the file name (WardDesk-1.2.0.msi)")
    parser.add_argument("--release-key", type=Path)
    args = parser.parse_args(argv)
    version = args.version
    if version is None:
        found = re.search(r"(\d+(?:\.\d+){1,3})", args.package.name)
        if found is None:
            raise SystemExit("give --version: the file name has none")
        version = found.group(1)
    key, development = load_release_key(args.release_key, build_dir=DEFAULT_BUILD_DIR)
    signature, release = sign_release(
        args.package, key=key, public_key=public_pem(key), platform=args.platform, version=version,
        development=development,
    )  # fmt: skip
    log(f"signature: {signature}\n[installer] release:   {release}")
    if development:
        log("signed with a DEVELOPMENT key: set WARDDESK_RELEASE_KEY for a release")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
