"""The town as configured: its boundary, departments, categories and how it answers Open311
(town.yaml), checked at start, and the statuses every report and idea moves through."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from nameko.exceptions import ConfigurationError

from services.common.language import LANGUAGES
from services.common.transitions import Transitions
from services.feedback.errors import InvalidAnswers

HERE = Path(__file__).parent
KINDS = ("report", "idea")
QUESTION_TYPES = ("text", "choice", "boolean", "number")

INITIAL = "submitted"
CLOSED = ("done", "rejected", "duplicate")
# where the office may move an item from each status
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "submitted": ("in_review", "accepted", "done", "rejected", "duplicate"),
    "in_review": ("accepted", "done", "rejected", "duplicate"),
    "accepted": ("done", "rejected"),
    "done": ("in_review",),
    "rejected": ("in_review",),
    "duplicate": ("in_review",),
}
# the office's moves as a table; a move it does not hold is refused as illegal_transition
MOVES = Transitions.of("report or idea", TRANSITIONS)
# where an author's reopening takes a closed report
REOPENED = "in_review"
# the author's one move: a closed report back to review
REOPENING = Transitions.of("report", {status: (REOPENED,) for status in CLOSED})
_STATUS_NAMES: dict[str, dict[str, str]] = {
    "submitted": {"de": "Eingegangen", "en": "Submitted"},
    "in_review": {"de": "In Prüfung", "en": "In review"},
    "accepted": {"de": "Angenommen", "en": "Accepted"},
    "done": {"de": "Erledigt", "en": "Done"},
    "rejected": {"de": "Abgelehnt", "en": "Rejected"},
    "duplicate": {"de": "Bereits gemeldet", "en": "Duplicate"},
}
# a report accepted is being worked on: the citizen reads "in progress"
_REPORT_STATUS_NAMES = {**_STATUS_NAMES, "accepted": {"de": "In Bearbeitung", "en": "In progress"}}
STATUSES = tuple(_STATUS_NAMES)
OPEN = tuple(status for status in STATUSES if status not in CLOSED)


# what the answers to a yes/no question are called
_YES_NO: dict[str, dict[str, str]] = {
    "true": {"de": "Ja", "en": "Yes"},
    "false": {"de": "Nein", "en": "No"},
}


def status_names(kind: str, status: str) -> dict[str, str]:
    return (_REPORT_STATUS_NAMES if kind == "report" else _STATUS_NAMES)[status]


@dataclass(frozen=True)
class Question:
    key: str
    label: dict[str, str]
    type: str
    required: bool
    # a choice question's answers, each with its name per language
    choice_names: Mapping[str, dict[str, str]]

    @property
    def choices(self) -> tuple[str, ...]:
        return tuple(self.choice_names)

    def problem_with(self, value: Any) -> str | None:
        """What is wrong with an answer, or None."""
        if self.type == "text":
            ok = isinstance(value, str) and 0 < len(value) <= 500
            return None if ok else "Not a text of 1 to 500 characters."
        if self.type == "choice":
            return None if value in self.choices else f"One of {list(self.choices)}."
        if self.type == "boolean":
            return None if isinstance(value, bool) else "Not true or false."
        number = isinstance(value, int | float) and not isinstance(value, bool)
        return None if number else "Not a number."

    def options(self, language: str) -> list[tuple[str, str]]:
        """The answers a choice or yes/no question offers, as text, each with its name; none
        for a text or number question."""
        names = _YES_NO if self.type == "boolean" else self.choice_names
        return [(value, names[value][language]) for value in names]

    def view(self, language: str) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label[language],
            "type": self.type,
            "required": self.required,
            "choices": list(self.choices),
            # what a form shows for each choice, in the language asked
            "choice_names": {value: names[language] for value, names in self.choice_names.items()},
        }


@dataclass(frozen=True)
class Category:
    key: str
    kind: str
    names: dict[str, str]
    department: str
    questions: tuple[Question, ...]

    def checked_answers(self, answers: Mapping[str, Any]) -> dict[str, Any]:
        """The answers to this category's questions; every problem named, per question."""
        known = {question.key: question for question in self.questions}
        problems = {
            key: ["Not a question of this category."] for key in answers if key not in known
        }
        for question in self.questions:
            if question.key not in answers or answers[question.key] is None:
                if question.required:
                    problems[question.key] = ["Missing answer to a required question."]
                continue
            problem = question.problem_with(answers[question.key])
            if problem:
                problems[question.key] = [problem]
        if problems:
            raise InvalidAnswers(
                "Some answers to the category's questions are not acceptable.", problems
            )
        return {key: value for key, value in answers.items() if value is not None}

    def view(self, language: str, departments: Mapping[str, dict[str, str]]) -> dict[str, Any]:
        return {
            "key": self.key,
            "kind": self.kind,
            "name": self.names[language],
            "department": self.department,
            "department_name": departments[self.department][language],
            "questions": [question.view(language) for question in self.questions],
        }


@dataclass(frozen=True)
class Open311:
    """How the town answers Open311 GeoReport v2 clients."""

    # the jurisdiction_id a client may send: the town's web address without www
    jurisdiction_id: str
    # when the services (categories) or their definitions last changed: clients refresh
    # what they cached when it moves
    changeset: datetime
    # whom to ask about the endpoint, in words
    contact: str


@dataclass(frozen=True)
class Town:
    name: str
    boundary: tuple[tuple[float, float], ...]
    departments: dict[str, dict[str, str]]
    categories: dict[str, Category]
    open311: Open311


def load(path: str = "") -> Town:
    """The town from `path` (town.yaml beside this module when empty); mistakes stop the start."""
    source = Path(path) if path else HERE / "town.yaml"
    try:
        raw = yaml.safe_load(source.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ConfigurationError(f"{source}: {error}") from None
    where = str(source)
    try:
        return _town(raw, where)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise ConfigurationError(f"{where}: malformed ({error!r})") from None


def _town(raw: dict[str, Any], where: str) -> Town:
    boundary = tuple((float(lat), float(lon)) for lat, lon in raw["boundary"])
    if len(boundary) < 3:
        raise ConfigurationError(f"{where}: the boundary needs at least three points.")
    departments = {
        key: _names(names, f"{where}: department {key}")
        for key, names in raw["departments"].items()
    }
    categories = {
        key: _category(key, spec, departments, f"{where}: category {key}")
        for key, spec in raw["categories"].items()
    }
    return Town(str(raw["name"]), boundary, departments, categories, _open311(raw["open311"]))


def _open311(raw: dict[str, Any]) -> Open311:
    changeset = datetime.fromisoformat(str(raw["changeset"]))
    if changeset.tzinfo is None:
        raise ValueError("open311.changeset needs its UTC offset")
    return Open311(str(raw["jurisdiction_id"]).lower(), changeset, str(raw["contact"]))


def _category(
    key: str, spec: dict[str, Any], departments: Mapping[str, Any], where: str
) -> Category:
    if spec["kind"] not in KINDS:
        raise ConfigurationError(f"{where}: kind is one of {KINDS}.")
    if spec["department"] not in departments:
        raise ConfigurationError(f"{where}: unknown department {spec['department']!r}.")
    questions = []
    for entry in spec.get("questions") or ():
        if entry["type"] not in QUESTION_TYPES:
            raise ConfigurationError(f"{where}: question type is one of {QUESTION_TYPES}.")
        choices = _choices(entry.get("choices") or {}, f"{where}: question {entry['key']}")
        if (entry["type"] == "choice") != bool(choices):
            raise ConfigurationError(f"{where}: choices belong to choice questions, and only.")
        questions.append(
            Question(
                key=str(entry["key"]),
                label=_names(entry["label"], f"{where}: question {entry['key']}"),
                type=entry["type"],
                required=bool(entry.get("required", False)),
                choice_names=choices,
            )
        )
    return Category(
        key=key,
        kind=spec["kind"],
        names=_names(spec["name"], where),
        department=spec["department"],
        questions=tuple(questions),
    )


def _choices(choices: Mapping[str, Any], where: str) -> dict[str, dict[str, str]]:
    """Each choice with its names: a list of bare keys would show keys to citizens."""
    if not isinstance(choices, Mapping):
        raise ConfigurationError(f"{where}: choices map each key to its names (de, en).")
    return {str(key): _names(names, f"{where}: choice {key}") for key, names in choices.items()}


def _names(names: Mapping[str, str], where: str) -> dict[str, str]:
    missing = [language for language in LANGUAGES if not names.get(language)]
    if missing:
        raise ConfigurationError(f"{where}: names missing in {missing}.")
    return {language: str(names[language]) for language in LANGUAGES}
