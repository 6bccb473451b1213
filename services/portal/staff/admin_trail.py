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
                {
                    "name": name,
                    "before": _shown((change["before"] or {}).get(name)),
                    "after": _shown((change["after"] or {}).get(name)),
                }
                for name in change["changed_fields"]
            ],
        }
        for change in rows
    ]


def _shown(value: Any) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= SHOWN_LENGTH else text[: SHOWN_LENGTH - 1] + "…"
