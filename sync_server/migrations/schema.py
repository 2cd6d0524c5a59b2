"""Every table of the server, imported in one place so Alembic and the tests see the whole schema."""

from sync_server.audit import models as _audit  # noqa: F401
from sync_server.auth import models as _auth  # noqa: F401
from sync_server.booking import models as _booking  # noqa: F401
from sync_server.core import outbox as _outbox  # noqa: F401
from sync_server.core.db import Base
from sync_server.directory import models as _directory  # noqa: F401
from sync_server.documents import models as _documents  # noqa: F401
from sync_server.feed import models as _feed  # noqa: F401
from sync_server.history import models as _history  # noqa: F401
from sync_server.messaging import models as _messaging  # noqa: F401
from sync_server.patient_email import models as _notifications  # noqa: F401
from sync_server.payments import models as _payments  # noqa: F401
from sync_server.privacy import models as _privacy  # noqa: F401
from sync_server.staff_notifications import models as _alerts  # noqa: F401
from sync_server.sync import models as _sync  # noqa: F401
from sync_server.tickets import models as _tickets  # noqa: F401

metadata = Base.metadata
