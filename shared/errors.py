"""The one error shape of the wire protocol, and its machine-readable codes."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ErrorCode(StrEnum):
    BAD_REQUEST = "bad_request"
    INVALID_REQUEST = "invalid_request"
    NOT_AUTHENTICATED = "not_authenticated"
    TOKEN_EXPIRED = "token_expired"
    INVALID_CREDENTIALS = "invalid_credentials"
    REFRESH_TOKEN_REUSED = "refresh_token_reused"
    LOGIN_RATE_LIMITED = "login_rate_limited"
    PERMISSION_DENIED = "permission_denied"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    CONFLICT = "conflict"
    DUPLICATE = "duplicate"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    RATE_LIMITED = "rate_limited"
    INTERNAL_ERROR = "internal_error"
    SLOT_TAKEN = "slot_taken"
    PATIENT_DOUBLE_BOOKED = "patient_double_booked"
    OUTSIDE_AVAILABILITY = "outside_availability"
    INVALID_TRANSITION = "invalid_transition"
    VERSION_CONFLICT = "version_conflict"
    HOLD_EXPIRED = "hold_expired"
    BOOKING_UNAVAILABLE = "booking_unavailable"
    UPDATE_REQUIRED = "update_required"
    INVALID_CURSOR = "invalid_cursor"
    MUTATION_GAP = "mutation_gap"
    SERVER_RESTORED = "server_restored"
    SERVICE_UNAVAILABLE = "service_unavailable"
    OUTSIDE_CARE_SCOPE = "outside_care_scope"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    DOCUMENT_INTEGRITY = "document_integrity"
    LINK_EXPIRED = "link_expired"
    # Payments at the desk (issue 13)
    ALREADY_PAID = "already_paid"
    REFUND_EXCEEDS_PAYMENT = "refund_exceeds_payment"
    APPOINTMENT_NOT_PAYABLE = "appointment_not_payable"


class ErrorDetail(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(description="Stable machine-readable code, one of ErrorCode.")
    message: str = Field(description="What went wrong, for a person.")
    details: dict[str, Any] = Field(default_factory=dict)


class ErrorBody(BaseModel):
    """Every 4xx (and the rare 5xx) answer of the sync server has this body."""

    model_config = ConfigDict(extra="forbid")

    error: ErrorDetail
