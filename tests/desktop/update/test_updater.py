"""A desktop finds, downloads, verifies and installs a release from the REAL sync server; a tampered,
wrongly signed or older release is refused before anything is installed, and the server audits it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from desktop.update import (
    InstallDecision,
    ReleaseClient,
    Updater,
    UpdateRefused,
    decide_install,
    install_staged_at_start,
)
from tests.desktop.update.conftest import InstallLog, ReleaseDesk

MakeUpdater = Callable[..., tuple[Updater, InstallLog]]


def flipped(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


def test_a_signed_release_is_downloaded_with_progress_verified_and_installed(
    release_desk: ReleaseDesk, release_client: ReleaseClient, make_updater: MakeUpdater
) -> None:
    content = release_desk.publish("1.1.0")
    updater, installer = make_updater("1.0.0")

    release = updater.check(release_client)
    assert release is not None and release.version == "1.1.0"
    progress: list[tuple[int, int]] = []
    staged = updater.download(
        release_client, release, progress=lambda done, total: progress.append((done, total))
    )

    assert staged.package.read_bytes() == content
    assert progress[-1] == (len(content), len(content)) and len(progress) > 1
    assert updater.install(staged)
    assert installer.calls == [["pkexec", "dpkg", "-i", str(staged.package)]]
    assert release_desk.refusals() == []


def test_nothing_newer_means_nothing_to_do(
    release_desk: ReleaseDesk, release_client: ReleaseClient, make_updater: MakeUpdater
) -> None:
    updater, _ = make_updater("1.0.0")
    assert updater.check(release_client) is None  # nothing published yet
    release_desk.publish("1.0.0")
    assert updater.check(release_client) is None


@pytest.mark.parametrize("what", ["package", "signature"])
def test_one_flipped_byte_is_refused_deleted_and_audited_on_the_server(
    what: str, release_desk: ReleaseDesk, release_client: ReleaseClient, make_updater: MakeUpdater
) -> None:
    content = b"a real package would be here" * 1000
    # The attacker controls the download (and so its announced digest), not the release key.
    if what == "package":
        release_desk.publish("1.1.0", content=content, served=flipped(content, 4000))
    else:
        release_desk.publish("1.1.0", content=flipped(content, 0), served=content)
    updater, installer = make_updater("1.0.0")
    release = updater.check(release_client)
    assert release is not None

    with pytest.raises(UpdateRefused) as refused:
        updater.download(release_client, release)

    assert "valid signature" in str(refused.value)
    assert refused.value.reason == "signature_invalid"
    assert updater.staged() is None and not any(updater.staging_dir.iterdir())
    assert installer.calls == []
    [entry] = release_desk.refusals()
    assert entry["details"] == {  # type: ignore[comparison-overlap]
        "platform": "linux-deb",
        "version": "1.1.0",
        "installed_version": "1.0.0",
        "reason": "signature_invalid",
        "message": str(refused.value),
    }


def test_a_download_that_is_not_the_announced_package_is_refused(
    release_desk: ReleaseDesk, release_client: ReleaseClient, make_updater: MakeUpdater
) -> None:
    content = release_desk.publish("1.1.0")
    (release_desk.folder / "warddesk_1.1.0_amd64.deb").write_bytes(flipped(content, 10))  # swapped on the way
    updater, installer = make_updater("1.0.0")
    release = updater.check(release_client)
    assert release is not None

    with pytest.raises(UpdateRefused) as refused:
        updater.download(release_client, release)

    assert refused.value.reason == "digest_mismatch"
    assert installer.calls == [] and updater.staged() is None
    assert [entry["details"]["reason"] for entry in release_desk.refusals()] == ["digest_mismatch"]  # type: ignore[index]


def test_a_release_signed_by_another_key_is_refused(
    release_desk: ReleaseDesk, release_client: ReleaseClient, make_updater: MakeUpdater
) -> None:
    release_desk.publish("1.1.0", signed_by=Ed25519PrivateKey.generate())
    updater, installer = make_updater("1.0.0")
    release = updater.check(release_client)
    assert release is not None

    with pytest.raises(UpdateRefused):
        updater.download(release_client, release)

    assert installer.calls == []


def test_a_downgrade_is_refused_and_audited(
    release_desk: ReleaseDesk, release_client: ReleaseClient, make_updater: MakeUpdater
) -> None:
    release_desk.publish("1.9.0")  # validly signed, but older than what this PC runs
    updater, installer = make_updater("2.0.0")

    with pytest.raises(UpdateRefused) as refused:
        updater.check(release_client)

    assert refused.value.reason == "downgrade"
    assert "older than the installed 2.0.0" in str(refused.value)
    assert installer.calls == []
    [entry] = release_desk.refusals()
    assert entry["details"]["reason"] == "downgrade"  # type: ignore[index]
    assert entry["details"]["version"] == "1.9.0"  # type: ignore[index]


def test_a_staged_update_altered_on_disk_is_not_installed(
    release_desk: ReleaseDesk, release_client: ReleaseClient, make_updater: MakeUpdater
) -> None:
    release_desk.publish("1.1.0")
    updater, installer = make_updater("1.0.0")
    release = updater.check(release_client)
    assert release is not None
    staged = updater.download(release_client, release)
    staged.package.write_bytes(
        flipped(staged.package.read_bytes(), 100)
    )  # while it waited for the next start

    assert not updater.install(staged)
    assert installer.calls == [] and updater.staged() is None


def test_an_update_downloaded_earlier_is_installed_at_the_next_start(
    release_desk: ReleaseDesk, release_client: ReleaseClient, make_updater: MakeUpdater
) -> None:
    release_desk.publish("1.1.0")
    updater, _ = make_updater("1.0.0")
    release = updater.check(release_client)
    assert release is not None
    updater.download(release_client, release)

    next_start, installer = make_updater("1.0.0")  # a new process, the same cache folder
    assert install_staged_at_start(next_start)
    assert installer.calls and installer.calls[0][-1].endswith("warddesk_1.1.0.deb")
    after_update, installer = make_updater("1.1.0")
    assert not install_staged_at_start(after_update) and installer.calls == []


def test_an_update_waits_while_changes_are_queued_unless_the_server_already_refuses_this_version() -> None:
    assert decide_install(queued_changes=3, at_start=False) is InstallDecision.WAIT_FOR_QUEUE
    assert decide_install(queued_changes=0, at_start=False) is InstallDecision.ASK
    assert decide_install(queued_changes=3, at_start=False, update_required=True) is InstallDecision.ASK
    assert decide_install(queued_changes=3, at_start=True) is InstallDecision.INSTALL
