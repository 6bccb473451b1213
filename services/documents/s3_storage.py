"""The blob store over an S3-compatible bucket (AWS S3, MinIO, Ceph, moto's server).

A module of its own so that a service storing into a folder never loads boto3 (about
30 MiB resident).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from services.documents.storage import READ_CHUNK, BlobMissing, check_move, check_name


class S3Store:
    """Objects in an S3-compatible bucket (AWS, MinIO, moto), optionally under a key prefix."""

    PART_SIZE = 8 * 1024 * 1024
    COPY_LIMIT = 5 * 1024**3  # the largest object a single CopyObject may copy
    COPY_PART_SIZE = 512 * 1024 * 1024
    DELETE_BATCH = 1000

    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None = None,
        region: str = "us-east-1",
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        prefix: str = "",
    ) -> None:
        self.bucket = bucket
        prefix = prefix.strip("/")
        self.prefix = check_name(prefix) + "/" if prefix else ""
        # a session per store: boto3's default session is shared state we do not want to touch
        self.client = boto3.session.Session().client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=region,
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            config=Config(
                signature_version="s3v4",
                s3={"addressing_style": "path"},
                # the default CRC trailers of recent botocore are refused by many S3-compatibles
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
            ),
        )

    def put(self, name: str, chunks: Iterable[bytes]) -> int:
        key = self._key(name)
        parts = _parts(chunks, self.PART_SIZE)
        first = next(parts, b"")
        if len(first) < self.PART_SIZE:
            self.client.put_object(Bucket=self.bucket, Key=key, Body=first)
            return len(first)
        upload_id = self.client.create_multipart_upload(Bucket=self.bucket, Key=key)["UploadId"]
        try:
            uploaded = [self._upload_part(key, upload_id, 1, first)]
            written = len(first)
            del first
            for number, part in enumerate(parts, start=2):
                uploaded.append(self._upload_part(key, upload_id, number, part))
                written += len(part)
            self.client.complete_multipart_upload(
                Bucket=self.bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": uploaded}
            )
        except BaseException:
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
            raise
        return written

    def get(self, name: str) -> Iterator[bytes]:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self._key(name))
        except ClientError as error:
            raise _missing_or(error, name) from None
        return _stream(response["Body"])

    def size(self, name: str) -> int:
        try:
            response = self.client.head_object(Bucket=self.bucket, Key=self._key(name))
        except ClientError as error:
            raise _missing_or(error, name) from None
        return response["ContentLength"]

    def delete(self, name: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(name))

    def delete_prefix(self, prefix: str) -> int:
        removed = 0
        # list the first page again after every batch instead of paging: deleting while
        # following continuation tokens is not reliable on every S3-compatible server
        while keys := self._keys(prefix, limit=self.DELETE_BATCH):
            self._delete_keys(keys)
            removed += len(keys)
        return removed

    def names(self, prefix: str) -> list[str]:
        return sorted(key.removeprefix(self.prefix) for key in self._keys(prefix))

    def move_prefix(self, source: str, target: str) -> None:
        """Copy everything, then delete the originals: a crash halfway leaves the source whole."""
        check_move(source, target)
        if self._keys(target, limit=1):
            raise FileExistsError(f"{target}/ already holds objects")
        objects = self._objects(source)
        source_key, target_key = self._key(source), self._key(target)
        for item in objects:
            self._copy(item["Key"], target_key + item["Key"].removeprefix(source_key), item["Size"])
        keys = [item["Key"] for item in objects]
        for start in range(0, len(keys), self.DELETE_BATCH):
            self._delete_keys(keys[start : start + self.DELETE_BATCH])

    def stray_temporaries(self) -> list[str]:
        return sorted(
            f"{upload['Key'].removeprefix(self.prefix)}#{upload['UploadId']}"
            for upload in self._multipart_uploads()
        )

    def sweep_temporaries(self, older_than_seconds: float) -> int:
        cutoff = datetime.now(UTC) - timedelta(seconds=older_than_seconds)
        swept = 0
        for upload in self._multipart_uploads():
            if upload["Initiated"] < cutoff:
                with contextlib.suppress(ClientError):  # finished or aborted meanwhile
                    self.client.abort_multipart_upload(
                        Bucket=self.bucket, Key=upload["Key"], UploadId=upload["UploadId"]
                    )
                    swept += 1
        return swept

    def _key(self, name: str) -> str:
        return self.prefix + check_name(name)

    def _upload_part(self, key: str, upload_id: str, number: int, body: bytes) -> dict[str, Any]:
        response = self.client.upload_part(
            Bucket=self.bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=body
        )
        return {"PartNumber": number, "ETag": response["ETag"]}

    def _objects(self, prefix: str, limit: int | None = None) -> list[dict[str, Any]]:
        paginator = self.client.get_paginator("list_objects_v2")
        pagination = {"MaxItems": limit} if limit else {}
        pages = paginator.paginate(
            Bucket=self.bucket, Prefix=self._key(prefix) + "/", PaginationConfig=pagination
        )
        return [item for page in pages for item in page.get("Contents", [])]

    def _keys(self, prefix: str, limit: int | None = None) -> list[str]:
        return [item["Key"] for item in self._objects(prefix, limit)]

    def _delete_keys(self, keys: list[str]) -> None:
        response = self.client.delete_objects(
            Bucket=self.bucket,
            Delete={"Objects": [{"Key": key} for key in keys], "Quiet": True},
        )
        if errors := response.get("Errors"):
            raise OSError(f"S3 refused to delete {len(errors)} objects, e.g. {errors[0]}")

    def _copy(self, source_key: str, target_key: str, size: int) -> None:
        source = {"Bucket": self.bucket, "Key": source_key}
        if size <= self.COPY_LIMIT:
            self.client.copy_object(Bucket=self.bucket, Key=target_key, CopySource=source)
            return
        upload_id = self.client.create_multipart_upload(Bucket=self.bucket, Key=target_key)[
            "UploadId"
        ]
        try:
            parts = []
            for number, start in enumerate(range(0, size, self.COPY_PART_SIZE), start=1):
                end = min(start + self.COPY_PART_SIZE, size) - 1
                response = self.client.upload_part_copy(
                    Bucket=self.bucket,
                    Key=target_key,
                    UploadId=upload_id,
                    PartNumber=number,
                    CopySource=source,
                    CopySourceRange=f"bytes={start}-{end}",
                )
                parts.append({"PartNumber": number, "ETag": response["CopyPartResult"]["ETag"]})
            self.client.complete_multipart_upload(
                Bucket=self.bucket,
                Key=target_key,
                UploadId=upload_id,
                MultipartUpload={"Parts": parts},
            )
        except BaseException:
            self.client.abort_multipart_upload(
                Bucket=self.bucket, Key=target_key, UploadId=upload_id
            )
            raise

    def _multipart_uploads(self) -> list[dict[str, Any]]:
        paginator = self.client.get_paginator("list_multipart_uploads")
        pages = paginator.paginate(Bucket=self.bucket, Prefix=self.prefix)
        return [upload for page in pages for upload in page.get("Uploads", [])]


def _parts(chunks: Iterable[bytes], part_size: int) -> Iterator[bytes]:
    """Regroup chunks into parts of exactly `part_size` bytes (the last may be shorter)."""
    buffer = bytearray()
    for chunk in chunks:
        buffer += chunk
        while len(buffer) >= part_size:
            with memoryview(buffer) as view:
                part = bytes(view[:part_size])
            del buffer[:part_size]
            yield part
            del part
    if buffer:
        yield bytes(buffer)


def _stream(body: Any) -> Iterator[bytes]:
    try:
        yield from body.iter_chunks(READ_CHUNK)
    finally:
        body.close()


def _missing_or(error: ClientError, name: str) -> Exception:
    code = error.response.get("Error", {}).get("Code")
    return BlobMissing(name) if code in ("NoSuchKey", "404", "NotFound") else error
