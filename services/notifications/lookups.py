"""What taking an event reads again and again, kept in each instance's memory: template
versions, the active webhook subscriptions, and citizens' preferences (or that they have
none).

Every change of one of these kinds bumps the kind's generation (generations.changed) in the same
transaction as the change. Taking an event reads the three generations first (one small
query, `Lookups.view`) and uses only what was kept under the generations it read; a kind
whose generation moved is loaded again. So an admin's new template version, a new or
removed subscription and a citizen's new choice apply from the next event on, at every
instance, and nothing is read twice while nothing changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.notifications import template_store
from services.notifications.catalogue import Catalogue
from services.notifications.generations import KINDS, PREFERENCES, SUBSCRIPTIONS, TEMPLATES
from services.notifications.models import GenerationRow, PreferenceRow, SubscriptionRow
from services.notifications.recipients import Preference
from services.notifications.rendering import TemplateText

# citizens whose preferences (or their absence) one instance keeps; past that it starts over
MAX_PREFERENCES = 10_000

# read straight from the driver, once per event: the same SQL for both databases, no
# values, and SQLAlchemy's statement machinery cost more than the query
_READ = f"SELECT kind, generation FROM {GenerationRow.__tablename__}"


@dataclass(frozen=True)
class Subscription:
    """An active webhook subscription, as taking an event matches it."""

    id: str
    event_types: frozenset[str]
    filters: Mapping[str, str]
    callback_url: str


class Lookups:
    """One instance's store, shared by its workers: each entry belongs to the generation
    it was read under; an older generation's entries go when a newer one is seen."""

    def __init__(self) -> None:
        self.newest = dict.fromkeys(KINDS, -1)
        self.templates: dict[tuple[str, str], TemplateText] = {}
        self.subscriptions: tuple[Subscription, ...] | None = None
        self.preferences: dict[str, Preference | None] = {}

    def view(self, session: Session) -> View:
        """What this transaction may use: read the generations, drop what they outdate."""
        read = dict.fromkeys(KINDS, 0)
        driver = session.connection().connection.dbapi_connection
        assert driver is not None, "a session's open connection has its driver connection"
        cursor = driver.cursor()
        try:
            cursor.execute(_READ)
            read.update((kind, generation) for kind, generation in cursor.fetchall())
        finally:
            cursor.close()
        for kind, generation in read.items():
            if generation > self.newest[kind]:
                self.newest[kind] = generation
                self._drop(kind)
        return View(self, session, read)

    def _drop(self, kind: str) -> None:
        if kind == TEMPLATES:
            self.templates = {}
        elif kind == SUBSCRIPTIONS:
            self.subscriptions = None
        else:
            self.preferences = {}


class View:
    """The store as one transaction sees it. A transaction that read an older generation
    than the store's newest (it began before a change another one has seen) neither uses
    nor keeps entries: it reads the database."""

    def __init__(self, lookups: Lookups, session: Session, generations: dict[str, int]) -> None:
        self.lookups = lookups
        self.session = session
        self.generations = generations

    def _current(self, kind: str) -> bool:
        return self.generations[kind] == self.lookups.newest[kind]

    def template(self, catalogue: Catalogue, name: str, language: str) -> TemplateText:
        """The newest version of a template in a language."""
        kept = self.lookups.templates.get((name, language)) if self._current(TEMPLATES) else None
        if kept is None:
            kept = template_store.current(self.session, catalogue, name, language)
            # asked again after the query: another worker may have seen a newer generation
            if self._current(TEMPLATES):
                self.lookups.templates[name, language] = kept
        return kept

    def subscriptions(self) -> tuple[Subscription, ...]:
        kept = self.lookups.subscriptions if self._current(SUBSCRIPTIONS) else None
        if kept is None:
            rows = self.session.scalars(
                select(SubscriptionRow)
                .where(SubscriptionRow.removed_at.is_(None))
                .order_by(SubscriptionRow.created_at)
            )
            kept = tuple(
                Subscription(
                    row.id, frozenset(row.event_types), dict(row.filters), row.callback_url
                )
                for row in rows
            )
            if self._current(SUBSCRIPTIONS):
                self.lookups.subscriptions = kept
        return kept

    def preferences(self, accounts: set[str]) -> dict[str, Preference]:
        """The preferences of those accounts that have set any."""
        kept = self.lookups.preferences if self._current(PREFERENCES) else {}
        known = {account: kept[account] for account in accounts if account in kept}
        missing = accounts - known.keys()
        if missing:
            rows = self.session.scalars(
                select(PreferenceRow).where(PreferenceRow.subject.in_(missing))
            )
            found = {row.subject: _preference(row) for row in rows}
            fresh = {account: found.get(account) for account in missing}
            known.update(fresh)
            if self._current(PREFERENCES):
                if len(self.lookups.preferences) + len(fresh) > MAX_PREFERENCES:
                    self.lookups.preferences = {}
                self.lookups.preferences.update(fresh)
        return {account: chosen for account, chosen in known.items() if chosen is not None}


def _preference(row: PreferenceRow) -> Preference:
    return Preference(
        language=row.language,
        email_on=row.email_on,
        sms_on=row.sms_on,
        inbox_on=row.inbox_on,
        email=row.email,
        phone=row.phone,
        non_essential=row.non_essential,
    )
