"""What every use case reads of the configuration: the settings and the town."""

from __future__ import annotations

from dataclasses import dataclass

from services.feedback.catalogue import LANGUAGES, Town
from services.feedback.settings import FeedbackSettings


@dataclass(frozen=True)
class Setting:
    settings: FeedbackSettings
    town: Town


def language_of(language: str | None) -> str:
    return language if language in LANGUAGES else "de"
