"""A real S3-compatible server for tests: moto's server mode on loopback, a fresh bucket per test.

A pytest plugin (tests/conftest.py): a test asks for `s3_bucket`, an `S3Bucket` with
endpoint_url, bucket, region and keys, ready for `S3Store(**s3_bucket.store_arguments())`.
"""

from __future__ import annotations

import functools
import subprocess
import sys
import uuid
from dataclasses import dataclass

import boto3
import pytest
import requests
from botocore.config import Config

from tests.support.processes import dying_with_parent, free_port
from tests.support.waiting import wait_for

ACCESS_KEY_ID = "testing"
SECRET_ACCESS_KEY = "testing"
REGION = "us-east-1"


@dataclass(frozen=True)
class S3Server:
    endpoint_url: str
    region: str = REGION
    access_key_id: str = ACCESS_KEY_ID
    secret_access_key: str = SECRET_ACCESS_KEY

    def client(self):
        """One client per server for the whole run: making one costs a tenth of a second."""
        return _client_of(self)


@functools.cache
def _client_of(server: S3Server):
    return boto3.session.Session().client(
        "s3",
        endpoint_url=server.endpoint_url,
        region_name=server.region,
        aws_access_key_id=server.access_key_id,
        aws_secret_access_key=server.secret_access_key,
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )


@dataclass(frozen=True)
class S3Bucket:
    server: S3Server
    bucket: str

    @property
    def endpoint_url(self) -> str:
        return self.server.endpoint_url

    @property
    def region(self) -> str:
        return self.server.region

    @property
    def access_key_id(self) -> str:
        return self.server.access_key_id

    @property
    def secret_access_key(self) -> str:
        return self.server.secret_access_key

    def store_arguments(self) -> dict[str, str]:
        """Keyword arguments for S3Store, the bucket included."""
        return {
            "bucket": self.bucket,
            "endpoint_url": self.endpoint_url,
            "region": self.region,
            "access_key_id": self.access_key_id,
            "secret_access_key": self.secret_access_key,
        }


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """moto's S3 server in a process of its own, for the whole test run.

    A subprocess rather than ThreadedMotoServer: under eventlet's monkey-patching a server
    thread would be a green thread sharing the hub with the test that calls it.
    """
    port = free_port()
    log_path = tmp_path_factory.mktemp("moto") / "moto.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            dying_with_parent(
                [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
            ),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = S3Server(endpoint_url=f"http://127.0.0.1:{port}")

    def answers() -> bool:
        assert process.poll() is None, f"moto exited: {log_path.read_text()}"
        return requests.get(server.endpoint_url, timeout=1).ok

    try:
        wait_for(answers, timeout=30, interval=0.1)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture
def s3_bucket(s3_server):
    """A new, empty bucket on the shared server; emptied and removed after the test."""
    client = s3_server.client()
    name = f"test-{uuid.uuid4().hex[:20]}"
    client.create_bucket(Bucket=name)
    yield S3Bucket(server=s3_server, bucket=name)
    _remove_bucket(client, name)


def _remove_bucket(client, name: str) -> None:
    """moto keeps everything in memory: give back what a test stored."""
    for page in client.get_paginator("list_multipart_uploads").paginate(Bucket=name):
        for upload in page.get("Uploads", []):
            client.abort_multipart_upload(
                Bucket=name, Key=upload["Key"], UploadId=upload["UploadId"]
            )
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=name):
        keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
        if keys:
            client.delete_objects(Bucket=name, Delete={"Objects": keys, "Quiet": True})
    client.delete_bucket(Bucket=name)
