"""The `APPLICATIONS` configuration section."""

from __future__ import annotations

from dataclasses import dataclass

from services.common.settings import from_section


@dataclass(frozen=True)
class ApplicationsSettings:
    # the gateway's public address: each type's form schema is served under it, and a
    # case's FIT-Connect-shaped metadata names it there
    api_url: str = "http://127.0.0.1:8000"

    @classmethod
    def from_config(cls) -> ApplicationsSettings:
        return from_section(cls, "APPLICATIONS")
