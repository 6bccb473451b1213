"""The same uploads and downloads with the content in an S3-compatible bucket (moto's server)."""

from __future__ import annotations

import pytest

from tests.support.documents import MIB, pdf


@pytest.fixture
def document_settings(document_settings, s3_bucket):
    return {
        **document_settings,
        "storage": "s3",
        "s3_bucket": s3_bucket.bucket,
        "s3_endpoint_url": s3_bucket.endpoint_url,
        "s3_region": s3_bucket.region,
        "s3_access_key_id": s3_bucket.access_key_id,
        "s3_secret_access_key": s3_bucket.secret_access_key,
    }


def test_a_document_in_parts_is_stored_encrypted_in_the_bucket_and_read_back(
    portal_of,
    s3_bucket,
):
    anna = portal_of("anna")
    content = pdf(2 * MIB + 777, b"in the bucket")

    completed = anna.upload(content, part_size=MIB)

    assert completed.status_code == 201, completed.text
    assert anna.download(completed.json()["document_id"]).content == content
    client = s3_bucket.server.client()
    keys = [item["Key"] for item in client.list_objects_v2(Bucket=s3_bucket.bucket)["Contents"]]
    assert len(keys) == 3 and all(key.startswith("blobs/") for key in keys)
    stored = b"".join(
        client.get_object(Bucket=s3_bucket.bucket, Key=key)["Body"].read() for key in keys
    )
    assert b"in the bucket" not in stored
