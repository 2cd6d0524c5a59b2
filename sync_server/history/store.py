"""Where the patient's history is kept: one interface, two stores.

- DynamoDB (ADR 006): partition key `patient_id`, sort key `sort_key`; a put is conditional on the key
  not existing, so a redelivered event is written once even when the consumer crashed after the put.
- PostgreSQL (`make demo`, no AWS): the `history_entries` table, written in the consumer's transaction with
  INSERT ... ON CONFLICT DO NOTHING.

Both read a patient's entries newest first, optionally of some kinds only, in pages that go on `before` a
sort key.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Collection, Iterable
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from shared.history import HistoryEntry, HistoryKind, HistoryPage
from sync_server.core.config import HistoryStoreKind, Settings
from sync_server.history.models import HistoryRow

log = logging.getLogger(__name__)


class HistoryStore(Protocol):
    """A per-patient, time-ordered store of history entries. `session` is the caller's transaction
    (the PostgreSQL store writes in it; DynamoDB has its own)."""

    def put(self, session: Session, entry: HistoryEntry) -> bool:
        """Write the entry unless its key is there already; whether it was written."""
        ...

    def put_many(self, session: Session, entries: Iterable[HistoryEntry]) -> int:
        """Write many entries (the rebuild), each unless there already; how many were written."""
        ...

    def page(
        self,
        session: Session,
        patient_id: uuid.UUID,
        *,
        kinds: Collection[HistoryKind] = (),
        before: str | None = None,
        limit: int = 50,
    ) -> HistoryPage:
        """The patient's entries newest first, older than `before`, of `kinds` (empty: all)."""
        ...

    def is_empty(self, session: Session) -> bool: ...


def _page(entries: list[HistoryEntry], limit: int) -> HistoryPage:
    """A page from up to `limit + 1` entries: one more than asked means there is a next page."""
    if len(entries) > limit:
        entries = entries[:limit]
        return HistoryPage(entries=entries, next_before=entries[-1].sort_key)
    return HistoryPage(entries=entries)


class PostgresHistoryStore:
    def put(self, session: Session, entry: HistoryEntry) -> bool:
        return self.put_many(session, [entry]) == 1

    def put_many(self, session: Session, entries: Iterable[HistoryEntry]) -> int:
        rows = [
            {
                "patient_id": e.patient_id,
                "sort_key": e.sort_key,
                "kind": e.kind.value,
                "entry": e.model_dump(mode="json"),
            }
            for e in entries
        ]
        if not rows:
            return 0
        written = session.execute(
            insert(HistoryRow).values(rows).on_conflict_do_nothing().returning(HistoryRow.sort_key)
        ).all()
        return len(written)

    def page(
        self,
        session: Session,
        patient_id: uuid.UUID,
        *,
        kinds: Collection[HistoryKind] = (),
        before: str | None = None,
        limit: int = 50,
    ) -> HistoryPage:
        query = select(HistoryRow.entry).where(HistoryRow.patient_id == patient_id)
        if kinds:
            query = query.where(HistoryRow.kind.in_([k.value for k in kinds]))
        if before is not None:
            query = query.where(HistoryRow.sort_key < before)
        query = query.order_by(HistoryRow.sort_key.desc()).limit(limit + 1)
        found = [HistoryEntry.model_validate(row) for row in session.scalars(query)]
        return _page(found, limit)

    def is_empty(self, session: Session) -> bool:
        return session.scalar(select(func.count()).select_from(HistoryRow)) == 0


class DynamoHistoryStore:
    """The history in a DynamoDB table: each item is its keys, its kind (to filter on) and the entry as
    JSON text (exact: no float conversion of decimals, no DynamoDB type mapping to keep in step)."""

    def __init__(self, client: Any, *, table: str) -> None:
        self._client = client
        self.table = table

    def ensure_table(self) -> bool:
        """Create the table (on-demand capacity) when it is missing; whether it was created."""
        try:
            self._client.describe_table(TableName=self.table)
            return False
        except self._client.exceptions.ResourceNotFoundException:
            pass
        try:
            self._client.create_table(
                TableName=self.table,
                KeySchema=[
                    {"AttributeName": "patient_id", "KeyType": "HASH"},
                    {"AttributeName": "sort_key", "KeyType": "RANGE"},
                ],
                AttributeDefinitions=[
                    {"AttributeName": "patient_id", "AttributeType": "S"},
                    {"AttributeName": "sort_key", "AttributeType": "S"},
                ],
                BillingMode="PAY_PER_REQUEST",
            )
        except self._client.exceptions.ResourceInUseException:
            return False  # another process made it meanwhile
        self._client.get_waiter("table_exists").wait(TableName=self.table)
        log.info("history: created the DynamoDB table %s", self.table)
        return True

    @staticmethod
    def _item(entry: HistoryEntry) -> dict[str, Any]:
        return {
            "patient_id": {"S": str(entry.patient_id)},
            "sort_key": {"S": entry.sort_key},
            "kind": {"S": entry.kind.value},
            "entry": {"S": entry.model_dump_json()},
        }

    def put(self, session: Session, entry: HistoryEntry) -> bool:
        try:
            self._client.put_item(
                TableName=self.table,
                Item=self._item(entry),
                ConditionExpression="attribute_not_exists(sort_key)",
            )
        except self._client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def put_many(self, session: Session, entries: Iterable[HistoryEntry]) -> int:
        # Conditional writes cannot be batched (BatchWriteItem has no conditions): one put each.
        return sum(self.put(session, entry) for entry in entries)

    def page(
        self,
        session: Session,
        patient_id: uuid.UUID,
        *,
        kinds: Collection[HistoryKind] = (),
        before: str | None = None,
        limit: int = 50,
    ) -> HistoryPage:
        values: dict[str, Any] = {":p": {"S": str(patient_id)}}
        condition = "patient_id = :p"
        if before is not None:
            condition += " AND sort_key < :before"
            values[":before"] = {"S": before}
        query: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": condition,
            "ScanIndexForward": False,
            "ProjectionExpression": "entry",
        }
        if kinds:
            names = [f":k{i}" for i in range(len(kinds))]
            query["FilterExpression"] = f"#kind IN ({', '.join(names)})"
            query["ExpressionAttributeNames"] = {"#kind": "kind"}
            values.update({name: {"S": k.value} for name, k in zip(names, sorted(kinds), strict=True)})
        query["ExpressionAttributeValues"] = values
        found: list[HistoryEntry] = []
        # DynamoDB applies Limit before the filter: read on until the page is full or the patient ends.
        while len(found) <= limit:
            answer = self._client.query(**query, Limit=limit + 1 - len(found) if not kinds else 100)
            found.extend(HistoryEntry.model_validate_json(item["entry"]["S"]) for item in answer["Items"])
            if "LastEvaluatedKey" not in answer:
                break
            query["ExclusiveStartKey"] = answer["LastEvaluatedKey"]
        return _page(found[: limit + 1], limit)

    def is_empty(self, session: Session) -> bool:
        return not self._client.scan(TableName=self.table, Limit=1, Select="COUNT")["Count"]


def dynamodb_client(settings: Settings) -> Any:
    import boto3

    return boto3.client(
        "dynamodb", region_name=settings.history_region, endpoint_url=settings.history_endpoint_url
    )


def store_from(settings: Settings) -> HistoryStore:
    """The store the settings name; DynamoDB's table is created when missing."""
    if settings.history_store is HistoryStoreKind.DYNAMODB:
        store = DynamoHistoryStore(dynamodb_client(settings), table=settings.history_table)
        store.ensure_table()
        return store
    return PostgresHistoryStore()
