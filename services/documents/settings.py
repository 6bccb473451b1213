"""The `DOCUMENTS` and `OFFICE` configuration sections: storage, keys, limits, the letterhead."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from nameko.exceptions import ConfigurationError

from services.common.settings import from_section

MASTER_KEY_BYTES = 32


@dataclass(frozen=True)
class DocumentSettings:
    # base64 of 32 random bytes: wraps every document's own key (`openssl rand -base64 32`)
    master_key: str = ""
    # the data plane: where the gateway streams uploads and downloads (never over RabbitMQ)
    data_address: str = "127.0.0.1:8001"
    storage: str = "local"  # local | s3
    storage_path: str = "var/documents"
    s3_bucket: str = ""
    s3_endpoint_url: str = ""
    s3_region: str = "us-east-1"
    s3_access_key_id: str = ""
    s3_secret_access_key: str = ""
    # clamd's address (host:port or a unix socket path); empty: documents are not scanned
    scanner: str = ""
    # the YAML catalogue of document types; empty: the one that ships with the service
    types_file: str = ""
    part_size: int = 64 * 1024 * 1024
    # an upload session not completed within this is abandoned and its parts removed
    upload_hours: float = 24.0
    # ... and so is one idle this long (no part started or received since)
    upload_idle_minutes: float = 30.0
    # how often sessions past either are looked for
    upload_sweep_seconds: float = 300.0
    download_link_seconds: int = 300
    # how often expired documents are erased and old quarantine removed
    retention_interval: float = 86400.0
    quarantine_days: float = 30.0

    @classmethod
    def from_config(cls) -> DocumentSettings:
        settings = from_section(cls, "DOCUMENTS")
        settings.master_key_bytes()  # refuse to start without a usable key
        if settings.storage not in ("local", "s3"):
            raise ConfigurationError("DOCUMENTS.storage is local or s3.")
        if settings.storage == "s3" and not settings.s3_bucket:
            raise ConfigurationError("DOCUMENTS.s3_bucket is needed with storage s3.")
        if settings.part_size < 1024 * 1024:
            raise ConfigurationError("DOCUMENTS.part_size is at least 1 MiB.")
        if min(settings.upload_idle_minutes, settings.upload_sweep_seconds) <= 0:
            raise ConfigurationError(
                "DOCUMENTS.upload_idle_minutes and upload_sweep_seconds are above zero."
            )
        return settings

    def master_key_bytes(self) -> bytes:
        try:
            key = base64.b64decode(self.master_key, validate=True)
        except (binascii.Error, ValueError):
            key = b""
        if len(key) != MASTER_KEY_BYTES:
            raise ConfigurationError(
                "DOCUMENTS.master_key must be base64 of 32 random bytes (openssl rand -base64 32)."
            )
        return key


@dataclass(frozen=True)
class OfficeSettings:
    """The letterhead of generated letters (config/local.yaml has the demo office's)."""

    name: str = ""
    street: str = ""
    city: str = ""
    phone: str = ""
    email: str = ""
    website: str = ""

    @classmethod
    def from_config(cls) -> OfficeSettings:
        return from_section(cls, "OFFICE")
