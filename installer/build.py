"""`make installer`: the WardDesk desktop as a signed Debian package.

    python -m installer.build                       # dist/installer/warddesk_<version>_amd64.deb (+ .sig)
    WARDDESK_RELEASE_KEY=/secure/release-key.pem python -m installer.build

Steps: compile the translations, freeze the desktop with PyInstaller (one folder, installer/warddesk.spec),
lay out the package tree (/opt/warddesk, `warddesk` on the PATH, desktop entry, icon, a commented
/etc/warddesk/warddesk.conf), build the .deb with dpkg-deb, and sign it: a detached Ed25519 signature
(`<package>.sig`, 64 raw bytes) and `release.json`, the record an admin publishes on the sync server.

The release key is a setting (`WARDDESK_RELEASE_KEY` or `--release-key`: a PEM PKCS#8 Ed25519 private
key); its public half goes into the package, and installed desktops accept only updates it signed. A
development build without it generates a throwaway key (kept under the build folder, so rebuilds reuse
it) and says so: such a package must never reach a ward.

The frozen folder is cached under build/installer/<hash of the sources, the key and the Python
packages>, so a second build of the same sources only repackages (the CI test builds once).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from installer.sign import sign_release

REPO = Path(__file__).resolve().parents[1]
INSTALLER = REPO / "installer"
DEFAULT_BUILD_DIR = REPO / "build" / "installer"
DEFAULT_OUT_DIR = REPO / "dist" / "installer"
PACKAGE = "warddesk"
INSTALL_DIR = "/opt/warddesk"
# The libraries Qt's xcb platform plugin loads from the system (the bundle carries Qt itself).
# Debian 12 and Ubuntu 22.04 or newer: Qt's X11 and font libraries, and what the bundled Python links.
DEPENDS = (
    "libc6 (>= 2.34), libstdc++6, libgcc-s1, libglib2.0-0, libegl1, libgl1, libfontconfig1, libfreetype6, "
    "libx11-6, libx11-xcb1, libxkbcommon0, libxkbcommon-x11-0, libxcb1, libxcb-cursor0, libxcb-icccm4, "
    "libxcb-keysyms1, libxcb-image0, libxcb-render-util0, libxcb-shape0, libxcb-randr0, libxcb-xinerama0, "
    "libxcb-xkb1, libxcb-glx0, libxcb-shm0, libxcb-sync1, libxcb-xfixes0, libxcb-render0, libxcb-util1, "
    "libdbus-1-3, libssl3, libsqlite3-0, liblzma5, libbz2-1.0, libffi8, zlib1g, libcups2"
)
# Sources whose change means a new frozen folder.
HASHED = ("desktop", "shared", "resources/translations", "installer/warddesk.spec", "installer/entry.py",
          "installer/linux/warddesk.svg", "pyproject.toml")  # fmt: skip
BUNDLED_DISTRIBUTIONS = ("PySide6-Essentials", "shiboken6", "pydantic", "pydantic-core", "httpx",
                         "sqlalchemy", "alembic", "keyring", "argon2-cffi", "icalendar", "platformdirs",
                         "orjson", "cryptography", "pyinstaller")  # fmt: skip


@dataclass(frozen=True)
class Built:
    package: Path
    signature: Path
    release: Path
    development_key: bool
    build_seconds: float
    frozen_cached: bool
    package_bytes: int
    installed_bytes: int


def log(message: str) -> None:
    print(f"[installer] {message}", flush=True)


def project_version() -> str:
    for line in (REPO / "pyproject.toml").read_text().splitlines():
        if line.startswith("version = "):
            return line.split("=", 1)[1].strip().strip('"')
    raise SystemExit("pyproject.toml names no version")


# -- the release key


def load_release_key(path: Path | None, *, build_dir: Path) -> tuple[Ed25519PrivateKey, bool]:
    """The release key from `path` (or WARDDESK_RELEASE_KEY); else the build folder's throwaway key.

    Returns (key, is_development). Fails when the named file is missing or not an Ed25519 key."""
    setting = os.environ.get("WARDDESK_RELEASE_KEY")
    named = path or (Path(setting) if setting else None)
    if named is not None:
        key = serialization.load_pem_private_key(named.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise SystemExit(f"{named} is not an Ed25519 private key")
        return key, False
    throwaway = build_dir / "development-release-key.pem"
    if throwaway.exists():
        key = serialization.load_pem_private_key(throwaway.read_bytes(), password=None)
        assert isinstance(key, Ed25519PrivateKey)
    else:
        key = Ed25519PrivateKey.generate()
        throwaway.parent.mkdir(parents=True, exist_ok=True)
        throwaway.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        throwaway.chmod(0o600)
    return key, True


def public_pem(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


# -- freezing


def source_hash(public_key: bytes) -> str:
    digest = hashlib.sha256(public_key)
    for name in HASHED:
        root = REPO / name
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in files:
            if "__pycache__" in path.parts or path.suffix in (".pyc", ".qm"):
                continue
            digest.update(str(path.relative_to(REPO)).encode())
            digest.update(path.read_bytes())
    for distribution in BUNDLED_DISTRIBUTIONS:
        try:
            digest.update(f"{distribution}=={metadata.version(distribution)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{distribution} missing".encode())
    digest.update(sys.version.encode())
    return digest.hexdigest()[:16]


def compile_translations() -> None:
    """resources/translations/*.ts -> .qm (newer than their source, so the app never recompiles them)."""
    lrelease = shutil.which("pyside6-lrelease", path=str(Path(sys.executable).parent)) or shutil.which(
        "pyside6-lrelease"
    )
    if lrelease is None:
        raise SystemExit("pyside6-lrelease not found: install the desktop extra")
    for source in sorted((REPO / "resources/translations").glob("*.ts")):
        subprocess.run([lrelease, "-silent", str(source), "-qm", str(source.with_suffix(".qm"))], check=True)


def build_info(*, version: str, digest: str, development: bool) -> str:
    """build-info.json: what the installed app reports as itself (support bundle, update checks)."""
    return json.dumps(
        {
            "version": version,
            "source_hash": digest,
            "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "release_key": "development" if development else "release",
        },
        indent=2,
    )


def freeze(*, work: Path, public_key: bytes) -> Path:
    """Run PyInstaller into work/; returns the one-folder app (work/dist/warddesk), without build-info.json
    (the version goes in when it is packaged, so one frozen app serves several versions)."""
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    key_file = work / "warddesk-release-key.pem"
    key_file.write_bytes(public_key)
    compile_translations()
    env = dict(os.environ, WARDDESK_BUILD_PUBLIC_KEY=str(key_file))
    command = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
               "--distpath", str(work / "dist"), "--workpath", str(work / "pyinstaller"),
               str(INSTALLER / "warddesk.spec")]  # fmt: skip
    log("freezing the desktop with PyInstaller (a few minutes on two cores)...")
    subprocess.run(command, check=True, env=env, cwd=REPO)
    shutil.rmtree(work / "pyinstaller")
    return work / "dist" / "warddesk"


# -- the Debian package


def tree_bytes(root: Path) -> int:
    return sum(p.lstat().st_size for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def lay_out_deb(*, frozen: Path, root: Path, version: str, info: str) -> int:
    """The package tree under root/ (DEBIAN/ included); returns the installed size in bytes."""
    if root.exists():
        shutil.rmtree(root)
    opt = root / INSTALL_DIR.lstrip("/")
    shutil.copytree(frozen, opt, symlinks=True)
    (opt / "_internal" / "build-info.json").write_text(info)
    bin_dir = root / "usr/bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "warddesk").symlink_to(f"{INSTALL_DIR}/warddesk")
    linux = INSTALLER / "linux"
    for source, target in (
        (linux / "warddesk.desktop", "usr/share/applications/warddesk.desktop"),
        (linux / "warddesk.svg", "usr/share/icons/hicolor/scalable/apps/warddesk.svg"),
        (linux / "warddesk.conf", "etc/warddesk/warddesk.conf"),
        (linux / "copyright", "usr/share/doc/warddesk/copyright"),
    ):
        path = root / target
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, path)
    installed = tree_bytes(root)
    debian = root / "DEBIAN"
    debian.mkdir()
    # `dpkg --verify warddesk` then tells IT whether any installed file was changed since.
    (debian / "md5sums").write_text(
        "".join(
            f"{hashlib.md5(path.read_bytes()).hexdigest()}  {path.relative_to(root)}\n"
            for path in sorted(root.rglob("*"))
            if path.is_file()
            and not path.is_symlink()
            and path.parts[len(root.parts)] != "DEBIAN"
            and not str(path.relative_to(root)).startswith("etc/")
        )
    )
    (debian / "control").write_text(
        f"Package: {PACKAGE}\n"
        f"Version: {version}\n"
        "Architecture: amd64\n"
        "Maintainer: WardDesk <it@warddesk.invalid>\n"
        "Section: misc\n"
        "Priority: optional\n"
        f"Installed-Size: {installed // 1024 + 1}\n"
        f"Depends: {DEPENDS}\n"
        "Description: WardDesk desktop for hospital staff\n"
        " Doctors' calendars, bookings and medication refill tickets, working offline\n"
        " and synchronised with the hospital's WardDesk sync server.\n"
    )
    (debian / "conffiles").write_text("/etc/warddesk/warddesk.conf\n")
    for script in ("postinst", "postrm"):
        shutil.copy2(linux / script, debian / script)
        (debian / script).chmod(0o755)
    return installed


def build_deb(root: Path, out: Path, *, compression: str = "xz") -> None:
    subprocess.run(
        ["dpkg-deb", "--root-owner-group", f"-Z{compression}", "--build", str(root), str(out)],
        check=True,
        stdout=subprocess.DEVNULL,
    )


# -- all of it


def build(
    *,
    build_dir: Path = DEFAULT_BUILD_DIR,
    out_dir: Path = DEFAULT_OUT_DIR,
    release_key: Path | None = None,
    version: str | None = None,
    compression: str = "xz",
) -> Built:
    """Build, package and sign; see the module docstring. Raises CalledProcessError when a tool fails.
    `compression`: dpkg-deb's (xz for releases; tests may pass "none" for a quick second package)."""
    started = time.perf_counter()
    version = version or project_version()
    key, development = load_release_key(release_key, build_dir=build_dir)
    if development:
        log("DEVELOPMENT BUILD: no release key set (WARDDESK_RELEASE_KEY), so it is signed with a throwaway")
        log(f"key ({build_dir / 'development-release-key.pem'}). Do not install this package on ward PCs.")
    public_key = public_pem(key)
    digest = source_hash(public_key)
    work = build_dir / digest
    frozen = work / "dist" / "warddesk"
    cached = (frozen / "warddesk").exists()
    if cached:
        log(f"the frozen app for these sources is cached ({work}); repackaging only")
    else:
        frozen = freeze(work=work, public_key=public_key)
    root = build_dir / "deb-root"
    info = build_info(version=version, digest=digest, development=development)
    installed = lay_out_deb(frozen=frozen, root=root, version=version, info=info)
    out_dir.mkdir(parents=True, exist_ok=True)
    package = out_dir / f"{PACKAGE}_{version}_amd64.deb"
    log(f"packaging {package.name}...")
    build_deb(root, package, compression=compression)
    shutil.rmtree(root)
    signature, release = sign_release(
        package,
        key=key,
        public_key=public_key,
        platform="linux-deb",
        version=version,
        development=development,
    )
    (out_dir / "warddesk-release-key.pem").write_bytes(public_key)
    elapsed = time.perf_counter() - started
    size = package.stat().st_size
    return Built(package, signature, release, development, elapsed, cached, size, installed)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m installer.build", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--release-key", type=Path, help="PEM Ed25519 private key (default: $WARDDESK_RELEASE_KEY)"
    )
    parser.add_argument("--version", help="package version (default: pyproject.toml's)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT_DIR, help="where the package goes")
    parser.add_argument("--build-dir", type=Path, default=DEFAULT_BUILD_DIR, help="cache of frozen builds")
    parser.add_argument(
        "--freeze-only",
        action="store_true",
        help="only the PyInstaller folder (the Windows and macOS recipes)",
    )
    args = parser.parse_args(argv)
    if args.freeze_only:
        key, development = load_release_key(args.release_key, build_dir=args.build_dir)
        version = args.version or project_version()
        public_key = public_pem(key)
        digest = source_hash(public_key)
        frozen = freeze(work=args.build_dir / digest, public_key=public_key)
        (frozen / "_internal" / "build-info.json").write_text(
            build_info(version=version, digest=digest, development=development)
        )
        log(f"frozen app: {frozen}")
        return 0
    built = build(
        build_dir=args.build_dir, out_dir=args.out, release_key=args.release_key, version=args.version
    )
    log(f"package:   {built.package}")
    log(f"signature: {built.signature}")
    log(f"release:   {built.release} (publish it with POST /releases/desktop)")
    if built.development_key:
        log("signed with a DEVELOPMENT key: set WARDDESK_RELEASE_KEY for a release")
    print(
        json.dumps(
            {
                "build_s": round(built.build_seconds, 1),
                "frozen_cached": built.frozen_cached,
                "package_mb": round(built.package_bytes / 2**20, 1),
                "installed_mb": round(built.installed_bytes / 2**20, 1),
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
