"""The timers' work: expired documents erased and old quarantine removed, abandoned uploads
closed, batch by batch; blobs and parts go only after the commit that let them go."""

from __future__ import annotations

from services.common.clock import Clock
from services.common.database import UnitOfWork
from services.documents import retention
from services.documents.vault import Vault


def keep_retention(uow: UnitOfWork, clock: Clock, vault: Vault) -> None:
    """Erase what expired and old quarantine, batch by batch."""
    while True:
        with uow.transaction() as tx:
            erased, addresses = retention.erase_expired(tx, clock())
            quarantined = retention.old_quarantine(tx, vault, clock())
        retention.remove_blobs(vault, addresses)
        retention.remove_quarantined(vault, quarantined)
        # only a full batch may have left more behind (blobs are not documents: count these)
        if max(erased, len(quarantined)) < retention.BATCH:
            break
    vault.store.sweep_temporaries(older_than_seconds=3600)


def clear_abandoned_uploads(uow: UnitOfWork, clock: Clock, vault: Vault) -> None:
    """Close upload sessions idle or open too long and remove their parts, batch by batch."""
    while True:
        with uow.transaction() as tx:
            abandoned = retention.abandoned_uploads(tx, clock())
        retention.remove_staged(vault, abandoned)
        if len(abandoned) < retention.BATCH:
            break
