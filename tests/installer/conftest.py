"""The package, built once per test session (the frozen app is cached under build/installer/<hash>)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from installer.build import DEFAULT_BUILD_DIR, Built, build, project_version
from sync_server.core.config import Settings
from tests.desktop.live_server import running_server
from tests.desktop.update.conftest import package_host, release_desk  # noqa: F401 - fixtures

# A cold build is PyInstaller (about a minute on two cores) plus xz (about two); a cached one only the latter.
BUILD_TIMEOUT_S = 1200


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    for tool in ("dpkg-deb", "dpkg"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is missing: the installer tests need Debian's dpkg")
    return build(build_dir=DEFAULT_BUILD_DIR, out_dir=tmp_path_factory.mktemp("dist"))


@pytest.fixture(scope="session")
def built_next(built: Built, tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The next release of the same sources: the frozen app is reused, only the version differs."""
    parts = [int(part) for part in project_version().split(".")]
    parts[-1] += 2
    return build(
        build_dir=DEFAULT_BUILD_DIR,
        out_dir=tmp_path_factory.mktemp("dist-next"),
        version=".".join(str(part) for part in parts),
        compression="none",  # a quick second package; the real one is xz
    )


@pytest.fixture
def server_url(
    settings: Settings, database_url: str, session_factory: sessionmaker[Session]
) -> Iterator[str]:
    """The REAL sync server on a free port (tables emptied afterwards)."""
    with running_server(settings, database_url) as url:
        yield url


@dataclass(frozen=True)
class ScratchRoot:
    root: Path

    def dpkg(self, *args: str) -> subprocess.CompletedProcess[str]:
        """dpkg acting on this root only; the maintainer scripts run here too, told by DPKG_ROOT."""
        return subprocess.run(
            ["dpkg", f"--root={self.root}", "--force-script-chrootless", "--force-depends",
             "--force-not-root", f"--log={self.root / 'dpkg.log'}", *args],
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip

    def files(self) -> set[str]:
        """Every file and link outside dpkg's own bookkeeping."""
        return {
            str(path.relative_to(self.root))
            for path in self.root.rglob("*")
            if (path.is_file() or path.is_symlink())
            and not str(path.relative_to(self.root)).startswith(("var/", "dpkg.log"))
        }


@pytest.fixture
def scratch_root(tmp_path: Path) -> Iterator[ScratchRoot]:
    root = tmp_path / "root"
    for folder in ("var/lib/dpkg/info", "var/lib/dpkg/updates", "var/lib/dpkg/triggers"):
        (root / folder).mkdir(parents=True)
    for name in ("status", "available"):
        (root / "var/lib/dpkg" / name).touch()
    yield ScratchRoot(root)
