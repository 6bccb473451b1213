"""The applications service's use cases: one function per RPC and per event it handles.

Each takes a command (a frozen dataclass beside it), the unit of work, the clock and the
ports it needs (the application types, the documents service), and opens its transactions
itself; the entrypoints in service.py load the input, build the command and call one.
"""

from services.applications.use_cases.casework import (
    AddNote,
    AnswerCase,
    AssignCase,
    DecideCase,
    MoveCase,
    add_note,
    answer_case,
    assign_case,
    decide_case,
    move_case,
    preview_decision,
)
from services.applications.use_cases.drafting import (
    GetDraft,
    MyDrafts,
    SaveDraft,
    get_draft,
    my_drafts,
    save_draft,
)
from services.applications.use_cases.notifying import NoteNotifications, note_notifications
from services.applications.use_cases.ports import Documents, Types
from services.applications.use_cases.reading import (
    GetCase,
    MyCases,
    ReadWorklist,
    get_case,
    my_cases,
    worklist,
)
from services.applications.use_cases.submitting import (
    SubmitApplication,
    submit_application,
    with_form_faults,
)

__all__ = [
    "AddNote",
    "AnswerCase",
    "AssignCase",
    "DecideCase",
    "Documents",
    "GetCase",
    "GetDraft",
    "MoveCase",
    "MyCases",
    "MyDrafts",
    "NoteNotifications",
    "ReadWorklist",
    "SaveDraft",
    "SubmitApplication",
    "Types",
    "add_note",
    "answer_case",
    "assign_case",
    "decide_case",
    "get_case",
    "get_draft",
    "move_case",
    "my_cases",
    "my_drafts",
    "note_notifications",
    "preview_decision",
    "save_draft",
    "submit_application",
    "with_form_faults",
    "worklist",
]
