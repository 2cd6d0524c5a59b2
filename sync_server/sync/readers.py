"""Which feed scopes a signed-in person pulls: their audiences under the one scope rule."""

from __future__ import annotations

from shared import privacy
from sync_server.auth.deps import Actor


def scopes_of(actor: Actor) -> list[str]:
    """The feed scopes the actor reads, sorted (the pull cursor fingerprints them)."""
    reader = privacy.Reader(
        role=actor.role, user_id=actor.user_id, ward_ids=actor.ward_ids, doctor_id=actor.doctor_id
    )
    return sorted(privacy.audiences_of(reader))
