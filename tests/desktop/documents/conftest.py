"""The real server with both document stores (fixtures shared with tests/sync_server/documents)."""

from tests.sync_server.documents.conftest import (  # noqa: F401
    app,
    client,
    clock,
    moto_endpoint,
    nurse,
    s3_client,
    settings,
    store,
    store_kind,
    ward3,
)
