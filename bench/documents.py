"""Documents: a 20 MB PDF uploaded and downloaded through WardDesk (register, presigned part links,
completion with the server's size/type/SHA-256 check; open, then GET the link), with S3 (moto's server
mode, started here) and with the local folder store, against copying the same file with boto3 straight to
moto. With QtPdf installed, also the time to open a 50-page PDF and paint its first page.

Prints one JSON line: upload_mb_per_s / download_mb_per_s (s3 and local), raw_mb_per_s, ratio (WardDesk's
S3 upload over raw), multipart_upload_mb_per_s and multipart_ratio (the same file sent in 8 MB parts, as
files above WARDDESK_DOCUMENTS_MULTIPART_ABOVE_MB go), first_page_ms.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

import boto3
import httpx
import psycopg
from botocore.config import Config
from moto.server import ThreadedMotoServer

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.server import free_port, running_server  # noqa: E402
from shared.roles import Role  # noqa: E402
from sync_server.auth.models import User, UserWard  # noqa: E402
from sync_server.auth.passwords import hash_password  # noqa: E402
from sync_server.core.db import make_engine, make_session_factory, transaction  # noqa: E402
from sync_server.core.migrations import upgrade  # noqa: E402
from sync_server.directory.models import Patient, Ward  # noqa: E402

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
SIZE = 20 * 1024 * 1024
ROUNDS = 5
BUCKET = "warddesk-bench"
PASSWORD = "bench password 1"


def fresh_database() -> str:
    name = f"warddesk_docbench_{os.getpid()}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql://postgres@127.0.0.1:5432/{name}"


def seed(url: str) -> uuid.UUID:
    engine = make_engine(url, pool_size=1)
    with transaction(make_session_factory(engine)) as session:
        ward = Ward(code="W1", name="Ward 1", floor="1")
        session.add(ward)
        session.flush()
        session.add(
            User(
                username="nurse",
                full_name="Bench Nurse",
                role=Role.NURSE,
                password_hash=hash_password(PASSWORD),
                wards=[UserWard(ward_id=ward.id)],
            )
        )
        patient = Patient(mrn="B-1", full_name="Bench Patient", birth_date=date(1970, 1, 1), ward_id=ward.id)
        session.add(patient)
    engine.dispose()
    return patient.id


def send(http: httpx.Client, base: str, link: dict[str, Any], body: bytes | None = None) -> httpx.Response:
    url = link["url"] if link["url"].startswith("http") else base + link["url"]
    answer = http.request(link["method"], url, content=body, headers=link["headers"])
    answer.raise_for_status()
    return answer


def send_part(http: httpx.Client, base: str, link: dict[str, Any], body: bytes) -> str | None:
    """As the desktop sends a part: with its own SHA-256 when the link asks for one (a part of a
    multipart upload); that hex digest, else None."""
    headers = dict(link["headers"])
    digest = None
    if "x-amz-sdk-checksum-algorithm" in headers and "x-amz-checksum-sha256" not in headers:
        digest = hashlib.sha256(body)
        headers["x-amz-checksum-sha256"] = base64.b64encode(digest.digest()).decode()
    send(http, base, {**link, "headers": headers}, body)
    return None if digest is None else digest.hexdigest()


def upload(
    http: httpx.Client, base: str, headers: dict[str, str], patient_id: uuid.UUID, data: bytes, sha256: str
) -> str:
    """What the desktop does: register, send the parts (in parallel), complete. The file's SHA-256 is
    known before (the desktop computes it when the file is attached and queued)."""
    document_id = str(uuid.uuid4())
    registered = http.post(
        f"{base}/patients/{patient_id}/documents",
        headers=headers,
        json={
            "document_id": document_id,
            "kind": "lab_report",
            "title": "Bench report",
            "filename": "bench.pdf",
            "content_type": "application/pdf",
            "size_bytes": len(data),
            "sha256": sha256,
        },
    )
    registered.raise_for_status()
    plan = registered.json()
    size = plan["part_size"]
    if len(plan["parts"]) == 1:
        send_part(http, base, plan["parts"][0], data)
        body = None
    else:
        view = memoryview(data)
        with ThreadPoolExecutor(max_workers=4) as pool:
            digests = list(
                pool.map(
                    lambda item: send_part(
                        http, base, item[1], bytes(view[item[0] * size : (item[0] + 1) * size])
                    ),
                    enumerate(plan["parts"]),
                )
            )
        body = {"part_sha256": digests}
    http.post(f"{base}/documents/{document_id}/complete", headers=headers, json=body).raise_for_status()
    return document_id


def download(http: httpx.Client, base: str, headers: dict[str, str], document_id: str) -> bytes:
    opened = http.post(f"{base}/documents/{document_id}/open", headers=headers)
    opened.raise_for_status()
    return send(http, base, opened.json()["link"]).content


def through_warddesk(
    url: str, env: dict[str, str], patient_id: uuid.UUID, data: bytes, *, raw_put: Any = None
) -> tuple[float, float, float | None]:
    """MB/s up and down through WardDesk (medians of ROUNDS), and, given `raw_put`, the raw copy's MB/s
    timed in the same rounds, alternating with WardDesk's upload (so a busy machine slows both alike)."""
    mb = len(data) / 1e6
    with running_server(url, env=env) as (_, base), httpx.Client(timeout=120) as http:
        token = http.post(
            f"{base}/auth/token", data={"grant_type": "password", "username": "nurse", "password": PASSWORD}
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        sha256 = hashlib.sha256(data).hexdigest()  # the desktop's queue knows it from attaching the file
        upload(http, base, headers, patient_id, data, sha256)  # warm-up: connections, the first request
        ups, downs, raws = [], [], []
        for round_ in range(ROUNDS):
            if raw_put is not None:
                started = time.perf_counter()
                raw_put(round_)
                raws.append(time.perf_counter() - started)
            started = time.perf_counter()
            document_id = upload(http, base, headers, patient_id, data, sha256)
            ups.append(time.perf_counter() - started)
            started = time.perf_counter()
            assert download(http, base, headers, document_id) == data
            downs.append(time.perf_counter() - started)
    raw = mb / statistics.median(raws) if raws else None
    return mb / statistics.median(ups), mb / statistics.median(downs), raw


def raw_putter(endpoint: str, data: bytes) -> Any:
    """Copying the file with boto3 straight to moto: one put_object per call."""
    client = boto3.client(
        "s3", region_name="eu-west-1", endpoint_url=endpoint, config=Config(signature_version="s3v4")
    )
    client.put_object(Bucket=BUCKET, Key="raw/warm-up", Body=data)
    return lambda round_: client.put_object(Bucket=BUCKET, Key=f"raw/{round_}", Body=data)


def first_page_ms() -> float | None:
    """Open a 50-page PDF in the viewer and wait for its first page painted (offscreen)."""
    try:
        from desktop.ui.documents.bench import first_page_ms as measure
    except ImportError:
        return None
    return measure(pages=50)


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's request log
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ.setdefault(name, "bench")
    port = free_port()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    moto.start()
    endpoint = f"http://127.0.0.1:{port}"
    url = fresh_database()
    try:
        upgrade(url)
        patient_id = seed(url)
        boto3.client("s3", region_name="eu-west-1", endpoint_url=endpoint).create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
        )
        data = b"%PDF-1.7\n" + os.urandom(SIZE - 9)
        raw_put = raw_putter(endpoint, data)
        s3_env = {
            "WARDDESK_DOCUMENTS_BUCKET": BUCKET,
            "WARDDESK_DOCUMENTS_ENDPOINT_URL": endpoint,
            "WARDDESK_DOCUMENTS_REGION": "eu-west-1",
            "WARDDESK_DOCUMENTS_PART_MB": os.environ.get("WARDDESK_DOCUMENTS_PART_MB", "8"),
        }
        s3_up, s3_down, raw = through_warddesk(url, s3_env, patient_id, data, raw_put=raw_put)
        assert raw is not None
        # The same file forced into parts (as a file over WARDDESK_DOCUMENTS_MULTIPART_ABOVE_MB goes).
        parts_env = {**s3_env, "WARDDESK_DOCUMENTS_MULTIPART_ABOVE_MB": s3_env["WARDDESK_DOCUMENTS_PART_MB"]}
        parts_up, _, parts_raw = through_warddesk(url, parts_env, patient_id, data, raw_put=raw_put)
        assert parts_raw is not None
        with tempfile.TemporaryDirectory() as folder:
            local_up, local_down, _ = through_warddesk(
                url, {"WARDDESK_DOCUMENTS_DIR": folder}, patient_id, data
            )
        figures = {
            "file_mb": round(SIZE / 1e6, 1),
            "upload_mb_per_s": round(s3_up, 1),
            "download_mb_per_s": round(s3_down, 1),
            "local_upload_mb_per_s": round(local_up, 1),
            "local_download_mb_per_s": round(local_down, 1),
            "raw_mb_per_s": round(raw, 1),
            "ratio": round(s3_up / raw, 2),
            "multipart_upload_mb_per_s": round(parts_up, 1),
            "multipart_ratio": round(parts_up / parts_raw, 2),
            "first_page_ms": first_page_ms(),
        }
        print(json.dumps(figures))
    finally:
        moto.stop()
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


if __name__ == "__main__":
    main()
