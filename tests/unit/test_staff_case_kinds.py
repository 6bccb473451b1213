"""The staff's case pages keep the application types a short while per language."""

from services.portal.staff.cases_kinds import RecentKinds


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Applications:
    def __init__(self) -> None:
        self.asked: list[str] = []

    def application_types(self, language: str) -> list[dict]:
        self.asked.append(language)
        return [{"key": "hundesteuer", "name": f"dog tax ({language}, {len(self.asked)})"}]


def test_pages_within_the_fresh_time_ask_for_the_types_once_per_language():
    clock, applications = Clock(), Applications()
    recent = RecentKinds(fresh_seconds=60, clock=clock)

    first = recent.of("de", applications.application_types)
    clock.now += 59
    again = recent.of("de", applications.application_types)
    english = recent.of("en", applications.application_types)

    assert again is first
    assert first["hundesteuer"]["name"] == "dog tax (de, 1)"
    assert english["hundesteuer"]["name"] == "dog tax (en, 2)"
    assert applications.asked == ["de", "en"]


def test_types_older_than_the_fresh_time_are_asked_for_again():
    clock, applications = Clock(), Applications()
    recent = RecentKinds(fresh_seconds=60, clock=clock)
    recent.of("de", applications.application_types)

    clock.now += 60
    renewed = recent.of("de", applications.application_types)

    assert renewed["hundesteuer"]["name"] == "dog tax (de, 2)"
    assert applications.asked == ["de", "de"]
