"""The "Changes" list each administration page shows: a service's audit trail, made
readable (who, when, what, and each changed field before and after)."""

from __future__ import annotations

import json
from typing import Any

# a value longer than this is cut in the list: the whole stays in the trail
SHOWN_LENGTH = 300


def shown_changes(trail: dict[str, Any]) -> list[dict[str, Any]]:
    rows = sorted(trail["changes"], key=lambda change: change["at"], reverse=True)
    return [
        {
            "at": change["at"],
            "who": change["actor_name"] or change["actor"],
            "subject": change["actor"],
            "entity": change["entity"],
            "key": change["key"],
            "action": change["action"],
            "fields": [
                _field(name, (change["before"] or {}).get(name), (change["after"] or {}).get(name))
                for name in change["changed_fields"]
            ],
        }
        for change in rows
    ]


def _field(name: str, before: Any, after: Any) -> dict[str, Any]:
    """A changed field as the list shows it. A long list (a service's documents, a
    location's closed days) cut at the same length before and after would hide what changed:
    then the entries both have are left out and counted (`same`), and the others shown."""
    same = 0
    if (
        isinstance(before, list)
        and isinstance(after, list)
        and max(len(_text(before)), len(_text(after))) > SHOWN_LENGTH
    ):
        kept = [item for item in before if item in after]
        same = len(kept)
        before = [item for item in before if item not in kept] or None
        after = [item for item in after if item not in kept] or None
    return {"name": name, "before": _shown(before), "after": _shown(after), "same": same}


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _shown(value: Any) -> str:
    if value is None:
        return ""
    text = _text(value)
    return text if len(text) <= SHOWN_LENGTH else text[: SHOWN_LENGTH - 1] + "…"
