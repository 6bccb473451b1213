"""Where a documents service keeps its contents: the store, the keys, the scanner, the types.

Built once per service container from the configuration (the composition root of the
content side), and handed to every worker as `self.vault`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nameko.extensions import DependencyProvider

from services.documents.kinds import DocumentTypes
from services.documents.scanning import Scanner, scanner_from_address
from services.documents.sealing import MasterKey
from services.documents.settings import DocumentSettings, OfficeSettings
from services.documents.storage import BlobStore, LocalStore


@dataclass(frozen=True)
class Vault:
    store: BlobStore
    master: MasterKey
    link_key: bytes
    address_key: bytes
    scanner: Scanner
    types: DocumentTypes
    settings: DocumentSettings
    office: OfficeSettings


def open_store(settings: DocumentSettings) -> BlobStore:
    if settings.storage == "s3":
        # imported only here: boto3 costs a service that stores into a folder ~30 MiB
        from services.documents.s3_storage import S3Store

        return S3Store(
            settings.s3_bucket,
            endpoint_url=settings.s3_endpoint_url or None,
            region=settings.s3_region,
            access_key_id=settings.s3_access_key_id or None,
            secret_access_key=settings.s3_secret_access_key or None,
        )
    return LocalStore(Path(settings.storage_path))


def open_vault(settings: DocumentSettings, office: OfficeSettings) -> Vault:
    master = MasterKey(settings.master_key_bytes())
    return Vault(
        store=open_store(settings),
        master=master,
        link_key=master.derive("download-links"),
        address_key=master.derive("blob-addresses"),
        scanner=scanner_from_address(settings.scanner or None),
        types=DocumentTypes.load(settings.types_file or None),
        settings=settings,
        office=office,
    )


class VaultProvider(DependencyProvider):
    def setup(self) -> None:
        self.vault = open_vault(DocumentSettings.from_config(), OfficeSettings.from_config())

    def get_dependency(self, worker_ctx) -> Vault:
        return self.vault
