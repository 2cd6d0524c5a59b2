from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints


class BreakGlassIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=10, max_length=500)
    ]  # a sentence a reviewer can judge, not "x"


class BreakGlassOut(BaseModel):
    patient_id: uuid.UUID
    expires_at: datetime
