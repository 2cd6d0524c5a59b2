"""Check, download, verify, stage and install a desktop release; and when installing is allowed.

    updater = Updater(installation=current_installation(), staging_dir=..., install_command=...)
    release = updater.check(client)                      # a newer release, or None
    staged = updater.download(client, release, progress)  # verified, kept for later
    if decide_install(queued_changes=n, ...) is InstallDecision.ASK and user_agrees:
        updater.install(staged)

A package is verified twice: when it arrives and again right before it is installed (it waited on disk
in the user's cache folder meanwhile). Nothing unverified is ever handed to the installer.
"""

from __future__ import annotations

import base64
import binascii
import logging
import shlex
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from desktop.update.installation import Installation
from desktop.update.releases import Progress, ReleaseClient, UpdateRefused, UpdateUnavailable
from desktop.update.signing import SignatureInvalid, verify_package
from shared.releases import DesktopRelease, RefusalReason, UpdateRefusal, Version

log = logging.getLogger(__name__)

STAGED_RECORD = "staged.json"
# The downloaded file's name is ours, never the URL's (a URL ending in "/.." must not pick the path).
PACKAGE_SUFFIX = {"linux-deb": ".deb", "windows-msi": ".msi", "macos-pkg": ".pkg"}


class InstallDecision(StrEnum):
    INSTALL = "install"  # go ahead (at start, before anyone works)
    ASK = "ask"  # nothing is queued: ask the user, who may say later
    WAIT_FOR_QUEUE = "wait_for_queue"  # changes are waiting to be sent: not now (next start at the latest)


def decide_install(*, queued_changes: int, at_start: bool, update_required: bool = False) -> InstallDecision:
    """Whether a verified update may be installed now.

    At start nobody is working yet: install. During a session, never while changes are queued: the
    installer restarts WardDesk, and a ward must not lose its place mid-shift; the update waits until
    the queue is empty (the user is asked then) or the next start. When the server already refuses
    this version (`update_required`) the queue cannot empty, so the user may install anyway: queued
    changes stay in the cache and go out after the update."""
    if at_start:
        return InstallDecision.INSTALL
    if queued_changes > 0 and not update_required:
        return InstallDecision.WAIT_FOR_QUEUE
    return InstallDecision.ASK


@dataclass(frozen=True)
class StagedUpdate:
    release: DesktopRelease
    package: Path

    @property
    def version(self) -> Version:
        return Version.parse(self.release.version)


def package_path(staging_dir: Path, release: DesktopRelease) -> Path:
    return staging_dir / f"warddesk_{Version.parse(release.version)}{PACKAGE_SUFFIX[release.platform]}"


class Updater:
    def __init__(
        self,
        *,
        installation: Installation,
        staging_dir: Path,
        install_command: str,
        run: Callable[[Sequence[str]], int] | None = None,
    ) -> None:
        self.installation = installation
        self.staging_dir = staging_dir
        self.install_command = install_command
        self._run = run or (lambda argv: subprocess.run(list(argv), check=False).returncode)

    # -- finding a release

    def check(self, client: ReleaseClient) -> DesktopRelease | None:
        """A release newer than this installation, or None. A release older than this one is refused
        (UpdateRefused, reported to the server). Raises UpdateUnavailable when the server is away."""
        release = client.current(self.installation.platform)
        if release is None:
            return None
        offered = Version.parse(release.version)
        if offered < self.installation.version:
            self._refuse(client, release, RefusalReason.DOWNGRADE,
                         f"The server offers WardDesk {offered}, older than the installed "
                         f"{self.installation.version}; a downgrade is refused. Tell IT.")  # fmt: skip
        if offered == self.installation.version:
            return None
        return release

    def required(self, release: DesktopRelease) -> bool:
        """Whether this installation is older than the server still supports."""
        return self.installation.version < Version.parse(release.min_supported_version)

    # -- getting it

    def download(
        self, client: ReleaseClient, release: DesktopRelease, progress: Progress | None = None
    ) -> StagedUpdate:
        """Download, verify against this installation's release key, and keep it for installing.

        Raises UpdateRefused (digest or signature wrong: the download is deleted and the server told)
        or UpdateUnavailable (try later). Installations without a release key never download."""
        if self.installation.release_key is None:
            raise UpdateRefused(
                "This WardDesk was not installed from a signed package, so it cannot update itself.",
                reason="no_release_key",
            )
        self.staging_dir.mkdir(parents=True, exist_ok=True)
        self.discard()
        package = package_path(self.staging_dir, release)
        try:
            client.download(release, package, progress=progress)
        except UpdateRefused as exc:
            self._refuse(client, release, RefusalReason.DIGEST_MISMATCH, str(exc))
        staged = StagedUpdate(release, package)
        try:
            self._verify(staged)
        except SignatureInvalid:
            package.unlink(missing_ok=True)
            self._refuse(client, release, RefusalReason.SIGNATURE_INVALID,
                         f"The WardDesk {release.version} update does not carry a valid signature from "
                         "this installation's release key: it may have been altered on its way. It was "
                         "deleted and not installed. Tell IT.")  # fmt: skip
        (self.staging_dir / STAGED_RECORD).write_text(release.model_dump_json(), encoding="utf-8")
        return staged

    def staged(self) -> StagedUpdate | None:
        """The update downloaded earlier, if it is still newer than this installation and still verifies."""
        record = self.staging_dir / STAGED_RECORD
        if not record.exists():
            return None
        try:
            release = DesktopRelease.model_validate_json(record.read_text(encoding="utf-8"))
            staged = StagedUpdate(release, package_path(self.staging_dir, release))
            if staged.version <= self.installation.version:
                self.discard()  # installed meanwhile, or IT installed something newer
                return None
            self._verify(staged)
        except (ValueError, KeyError, OSError, SignatureInvalid) as exc:
            log.warning("discarding the downloaded update: %s", exc)
            self.discard()
            return None
        return staged

    def discard(self) -> None:
        """Forget any downloaded update (the staging folder is only ours)."""
        if self.staging_dir.is_dir():
            for path in self.staging_dir.iterdir():
                if path.is_file():
                    path.unlink(missing_ok=True)

    # -- installing it

    def install(self, staged: StagedUpdate) -> bool:
        """Verify once more, then run the platform's installer on the package. True when it succeeded
        (the caller restarts WardDesk); False leaves everything as it was."""
        try:
            self._verify(staged)
        except (SignatureInvalid, OSError) as exc:
            log.error("the downloaded update no longer verifies (%s); it is discarded", exc)
            self.discard()
            return False
        argv = [part.replace("{package}", str(staged.package)) for part in shlex.split(self.install_command)]
        log.info("installing WardDesk %s: %s", staged.release.version, " ".join(argv))
        try:
            code = self._run(argv)
        except OSError as exc:
            log.error("the installer could not be started: %s", exc)
            return False
        if code != 0:
            log.error("the installer failed (exit %s); WardDesk %s stays", code, self.installation.version)
            return False
        self.discard()
        return True

    # -- helpers

    def _verify(self, staged: StagedUpdate) -> None:
        key = self.installation.release_key
        if key is None:
            raise SignatureInvalid("this installation has no release key")
        try:
            signature = base64.b64decode(staged.release.signature, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise SignatureInvalid("the signature is not base64") from exc
        verify_package(staged.package, signature, key)

    def _refuse(
        self, client: ReleaseClient, release: DesktopRelease, reason: RefusalReason, message: str
    ) -> None:
        log.error("update refused (%s): %s", reason.value, message)
        client.report_refusal(
            UpdateRefusal(
                platform=self.installation.platform,
                version=release.version[:32],
                installed_version=str(self.installation.version),
                reason=reason,
                message=message[:500],
            )
        )
        raise UpdateRefused(message, reason=reason.value)


def install_staged_at_start(updater: Updater) -> bool:
    """At start, before any window: install the update downloaded in an earlier session, if one is
    there and still verifies. True when it was installed (the caller starts the new version)."""
    if not updater.installation.can_install_updates:
        return False
    staged = updater.staged()
    if staged is None or decide_install(queued_changes=0, at_start=True) is not InstallDecision.INSTALL:
        return False
    return updater.install(staged)


def update_now(updater: Updater, client: ReleaseClient, *, say: Callable[[str], None] = print) -> int:
    """`warddesk --update` for IT's scripts: check, download, verify and install now, without asking.

    Exit codes: 0 installed or already current; 1 refused (tampered, wrongly signed, a downgrade: the
    server audits it); 2 not now (server unreachable, installer failed, not a signed installation)."""
    version = updater.installation.version
    if not updater.installation.can_install_updates:
        say(f"WardDesk {version} was not installed from a signed package: it cannot update itself.")
        return 2
    try:
        release = updater.check(client)
        if release is None:
            say(f"WardDesk {version} is up to date.")
            return 0
        say(f"Downloading WardDesk {release.version}...")
        staged = updater.download(client, release)
    except UpdateRefused as exc:
        say(f"Update refused: {exc}")
        return 1
    except UpdateUnavailable as exc:
        say(f"No update now: {exc}")
        return 2
    if not updater.install(staged):
        say(f"WardDesk {release.version} could not be installed; WardDesk {version} stays (see the log).")
        return 2
    say(f"WardDesk {release.version} is installed.")
    return 0
