"""The feedback service's entrypoints: citizens rate, report, propose, support, comment and
follow; the office answers, moves items through their statuses and moderates; the public
reads the map and Open311."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from nameko.extensions import DependencyProvider
from sqlalchemy import select

from services.common import challenges, dead_letter_trail
from services.common import service as common
from services.common.context import Caller
from services.common.database import Transaction
from services.common.events import Event
from services.common.handlers import event_handler
from services.common.idempotency import Keyed, Once
from services.common.identity import CITIZEN, OFFICE, SIGNED_IN
from services.common.loading import load
from services.common.local_time import OFFICE_TIMEZONE
from services.common.rpc import RemoteService
from services.common.rpc_entrypoint import rpc
from services.common.timers import every
from services.feedback import (
    catalogue,
    figures,
    geo,
    items,
    merging,
    moderation,
    open311,
    participation,
    public_map,
    ratings,
    workflow,
)
from services.feedback.catalogue import TRANSITIONS, Town
from services.feedback.errors import (
    CannotMerge,
    CommentNotFound,
    IllegalTransition,
    ItemNotFound,
    UnknownCategory,
)
from services.feedback.models import ItemRow, SpentChallenge
from services.feedback.reach import reach_of
from services.feedback.schemas import (
    Ban,
    CommentInput,
    FiguresQuery,
    Flag,
    FollowInput,
    IdeaInput,
    MapQuery,
    MergeInput,
    Moderation,
    NearbyQuery,
    Open311Query,
    RatingInput,
    ReportInput,
    StatusChange,
    Text,
    WorklistQuery,
)
from services.feedback.settings import FeedbackSettings


# applications in these statuses are over: the citizen is invited to rate the case
def now() -> datetime:
    return datetime.now(UTC)


def language_of(language: str | None) -> str:
    return language if language in catalogue.LANGUAGES else "de"


class TownConfig(DependencyProvider):
    """The settings and the town (boundary, departments, categories), read and checked once
    at start: a mistake in town.yaml stops the service."""

    def setup(self) -> None:
        self.settings = FeedbackSettings.from_config()
        self.town = catalogue.load(self.settings.town_file)

    def get_dependency(self, worker_ctx) -> TownConfig:
        return self


class FeedbackService(dead_letter_trail.DeadLetterTrail, common.ServiceBase):
    name = "feedback"

    config = TownConfig()
    documents = RemoteService("documents")

    @property
    def settings(self) -> FeedbackSettings:
        return self.config.settings

    @property
    def town(self) -> Town:
        return self.config.town

    # invitations to rate: when a visit or a case is over

    @event_handler("appointments", "appointment_completed")
    def on_appointment_completed(self, event: Event) -> None:
        visit = event.payload
        self._invite(event, "visit", visit["appointment_id"], visit["service"], visit["location"])

    @event_handler("applications", "application_status_changed")
    def on_application_status_changed(self, event: Event) -> None:
        case = event.payload
        # the case's type decides what closes it; the event says so
        if case["closed"]:
            self._invite(event, "case", case["case_id"], case["application_type"], None)

    def _invite(self, event, subject_kind, subject_id, service, location) -> None:
        """Invite the citizen the event names to rate what it is about, once."""
        named = {key: event.payload[key] for key in ("citizen", "email", "language")}
        # both events name the service in the citizen's language, under their own keys
        service_name = event.payload.get("service_name") or event.payload["type_name"]
        subject = {
            "subject_kind": subject_kind,
            "subject_id": str(subject_id),
            "service": service,
            "service_name": service_name,
            "location": location,
            **named,
        }
        with self.db.transaction(handling=event) as tx:
            ratings.invite(tx, subject, self.settings, now())

    # ratings

    @rpc
    def rating_invitation(self, token: str) -> dict[str, Any]:
        """What the invitation's link asks to rate (for the rating page)."""
        with self.db.transaction() as tx:
            invitation = ratings.find_invitation(tx.session, self.caller, {"token": token}, now())
            return ratings.invitation_view(tx.session, invitation)

    @rpc
    def rate(self, rating: dict[str, Any]) -> dict[str, Any]:
        data = load(RatingInput, rating)
        score = ratings.checked_score(data["score"])
        with self.db.transaction() as tx:
            invitation = ratings.find_invitation(tx.session, self.caller, data, now())
            return ratings.rate(tx, invitation, score, data["comment"], now())

    # the town's categories

    @rpc
    def categories(self, language: str = "de") -> list[dict[str, Any]]:
        language = language_of(language)
        departments = self.town.departments
        return [category.view(language, departments) for category in self.town.categories.values()]

    @rpc
    def town_area(self) -> dict[str, Any]:
        """The town's name and the box around its boundary (south, west, north, east in
        degrees): where the portal's map opens and its address search looks."""
        box = geo.bounds(self.town.boundary)
        return {"name": self.town.name, **asdict(box)}

    # reports and ideas

    @rpc
    def nearby_reports(self, query: dict[str, Any], language: str = "de") -> list[dict[str, Any]]:
        """Open reports of the category close to a place: say "me too" instead of reporting
        the same thing again."""
        data = load(NearbyQuery, query)
        items.category_of(self.town, "report", data["category"])
        with self.db.transaction() as tx:
            rows = public_map.nearby(
                tx.session,
                data["category"],
                data["latitude"],
                data["longitude"],
                self.settings.nearby_meters,
            )
            return [public_map.marker(row, language_of(language)) for row in rows]

    @rpc(roles=CITIZEN)
    def submit_report(
        self, report: dict[str, Any], idempotency_key: str | None = None
    ) -> dict[str, Any]:
        caller = self.caller
        data = load(ReportInput, report)
        once = self._once(caller, "report", idempotency_key, data)
        if (earlier := once.earlier()) is not None:
            return earlier
        category = items.category_of(self.town, "report", data["category"])
        answers = category.checked_answers(data["answers"])
        items.checked_location(self.town, data["latitude"], data["longitude"])
        photos = items.checked_photos(data["photos"], self.documents.get_document, self.settings)
        return once.make(
            lambda tx: self._submit(tx, caller, "report", category, data, answers, photos)
        )

    @rpc(roles=CITIZEN)
    def submit_idea(
        self, idea: dict[str, Any], idempotency_key: str | None = None
    ) -> dict[str, Any]:
        caller = self.caller
        data = load(IdeaInput, idea)
        once = self._once(caller, "idea", idempotency_key, data)
        if (earlier := once.earlier()) is not None:
            return earlier
        category = items.category_of(self.town, "idea", data["category"])
        answers = category.checked_answers(data["answers"])
        return once.make(lambda tx: self._submit(tx, caller, "idea", category, data, answers, []))

    def _once(self, caller: Caller, kind: str, key: str | None, data: dict[str, Any]) -> Once:
        """A submission sent again with its key answers the first one's item: before its
        proof of work is found spent or the submission counted against the hourly limit. A
        retry may come with a new proof of work: it is no part of what is asked."""
        asked = {name: value for name, value in data.items() if name != "challenge"}
        return Once(
            self.db.transaction,
            Keyed.of(caller.subject, kind, key, asked),
            lambda tx, item_id: items.view(
                tx.session,
                caller,
                items.find(tx.session, caller, item_id),
                self.town,
                data["language"],
            ),
        )

    def _submit(self, tx: Transaction, caller, kind, category, data, answers, photos) -> str:
        moment = now()
        items.check_may_take_part(tx.session, caller, self.settings, moment)
        challenges.spend(tx.session, SpentChallenge, data["challenge"], moment)
        row = items.submit(tx, caller, kind, category, data, answers, photos, self.settings, moment)
        # the author follows from the start: they hear of every status and answer
        participation.follow(tx.session, caller, row, data["email"], data["language"], moment)
        return row.id

    @rpc
    def get_item(self, item_id: str, language: str = "de") -> dict[str, Any]:
        """A report or idea as the caller may see it (anyone may: the public view)."""
        with self.db.transaction() as tx:
            row = items.find(tx.session, self.caller, item_id)
            return items.view(tx.session, self.caller, row, self.town, language_of(language))

    @rpc
    def public_map(
        self, query: dict[str, Any] | None = None, language: str = "de"
    ) -> dict[str, Any]:
        """Visible reports (or ideas) in a bounding box, the newest first, a page at a time."""
        data = load(MapQuery, query or {})
        with self.db.transaction() as tx:
            rows, cursor = public_map.reports_in_box(
                tx.session, data, self.settings.max_map_results
            )
            return {
                "items": [public_map.marker(row, language_of(language)) for row in rows],
                "next_cursor": cursor,
            }

    @rpc(roles=CITIZEN)
    def my_items(self, language: str = "de") -> list[dict[str, Any]]:
        caller = self.caller
        with self.db.transaction() as tx:
            rows = tx.session.scalars(
                select(ItemRow)
                .where(ItemRow.author == caller.subject)
                .order_by(ItemRow.submitted_at.desc())
            )
            # the author's own list: their hidden ones too, marked
            return [
                public_map.marker(row, language_of(language)) | {"hidden": row.hidden}
                for row in rows
            ]

    @rpc(roles=CITIZEN)
    def me_too(self, item_id: str, follow: dict[str, Any] | None = None) -> dict[str, Any]:
        caller = self.caller
        data = load(FollowInput, follow or {})
        moment = now()
        with self.db.transaction() as tx:
            items.check_may_take_part(tx.session, caller, self.settings, moment, counted=False)
            row = items.find(tx.session, caller, item_id, lock=True)
            participation.me_too(tx.session, caller, row, data["email"], data["language"], moment)
            return items.view(tx.session, caller, row, self.town, data["language"])

    @rpc(roles=CITIZEN)
    def support(self, item_id: str, language: str = "de") -> dict[str, Any]:
        caller = self.caller
        moment = now()
        with self.db.transaction() as tx:
            items.check_may_take_part(tx.session, caller, self.settings, moment, counted=False)
            row = items.find(tx.session, caller, item_id, lock=True)
            participation.support(tx, caller, row, self.settings, moment)
            return items.view(tx.session, caller, row, self.town, language_of(language))

    @rpc(roles=SIGNED_IN)
    def follow(self, item_id: str, follow: dict[str, Any] | None = None) -> dict[str, Any]:
        caller = self.caller
        data = load(FollowInput, follow or {})
        with self.db.transaction() as tx:
            row = items.find(tx.session, caller, item_id)
            participation.follow(tx.session, caller, row, data["email"], data["language"], now())
            return items.view(tx.session, caller, row, self.town, data["language"])

    @rpc(roles=SIGNED_IN)
    def unfollow(self, item_id: str, language: str = "de") -> dict[str, Any]:
        caller = self.caller
        with self.db.transaction() as tx:
            row = items.find(tx.session, caller, item_id)
            participation.unfollow(tx.session, caller, row)
            return items.view(tx.session, caller, row, self.town, language_of(language))

    @rpc(roles=SIGNED_IN)
    def comment(
        self, item_id: str, comment: dict[str, Any], idempotency_key: str | None = None
    ) -> dict[str, Any]:
        caller = self.caller
        data = load(CommentInput, comment)
        once = Once(
            self.db.transaction,
            Keyed.of(caller.subject, "comment", idempotency_key, {"item_id": item_id, **data}),
            lambda tx, comment_id: participation.shown_comment(
                tx.session,
                caller,
                moderation.find_target(tx.session, caller, "comment", comment_id),
            ),
        )
        if (earlier := once.earlier()) is not None:
            return earlier

        def create(tx: Transaction) -> str:
            moment = now()
            items.check_may_take_part(tx.session, caller, self.settings, moment)
            row = items.find(tx.session, caller, item_id)
            return participation.add_comment(tx.session, caller, row, data["body"], moment).id

        return once.make(create)

    @rpc
    def comments(self, item_id: str, cursor: str | None = None, limit: int = 50) -> dict[str, Any]:
        with self.db.transaction() as tx:
            row = items.find(tx.session, self.caller, item_id)
            return participation.comments(
                tx.session, self.caller, row, cursor, max(1, min(limit, 200))
            )

    @rpc(roles=CITIZEN)
    def reopen(self, item_id: str, reason: dict[str, Any], language: str = "de") -> dict[str, Any]:
        caller = self.caller
        text = load(Text, reason)["text"]
        with self.db.transaction() as tx:
            row = items.find(tx.session, caller, item_id, lock=True)
            workflow.reopen(tx, caller, row, text, self.settings, now())
            return items.view(tx.session, caller, row, self.town, language_of(language))

    @rpc(roles=SIGNED_IN)
    def flag(self, target_kind: str, target_id: str, flag: dict[str, Any]) -> dict[str, Any]:
        caller = self.caller
        reason = load(Flag, flag)["reason"]
        moment = now()
        with self.db.transaction() as tx:
            items.check_may_take_part(tx.session, caller, self.settings, moment, counted=False)
            target = moderation.find_target(tx.session, caller, target_kind, target_id)
            moderation.flag(tx, caller, target, reason, self.settings.flags_to_hide, moment)
            return {"target_kind": target_kind, "target_id": target.id, "flagged": True}

    # the office

    @rpc(roles=OFFICE)
    def worklist(self, query: dict[str, Any] | None = None, language: str = "de") -> dict[str, Any]:
        """The items of the caller's departments (an admin's: all), the newest first."""
        data = load(WorklistQuery, query or {})
        with self.db.transaction() as tx:
            rows, cursor = public_map.worklist(tx.session, data, reach_of(self.caller))
            return {
                "items": [
                    public_map.marker(row, language_of(language))
                    | {
                        "department": row.department,
                        "flags": row.flags,
                        "hidden": row.hidden,
                        "exact_latitude": row.latitude,
                        "exact_longitude": row.longitude,
                    }
                    for row in rows
                ],
                "next_cursor": cursor,
            }

    @rpc(roles=OFFICE, errors=(ItemNotFound,))
    def office_item(self, item_id: str, language: str = "de") -> dict[str, Any]:
        """An item the caller works, as the office sees it: with its history, its moderation
        log, the duplicates merged into it and the statuses it may move to. Another
        department's is not found."""
        caller = self.caller
        with self.db.transaction() as tx:
            row = items.find_worked(tx.session, caller, item_id)
            shown = items.view(tx.session, caller, row, self.town, language_of(language))
            return shown | {
                "moderation": moderation.log_of(tx.session, row.id),
                "duplicates": items.duplicates_of(tx.session, row),
                "next_statuses": list(TRANSITIONS[row.status]),
            }

    @rpc(roles=OFFICE, errors=(ItemNotFound, CannotMerge, IllegalTransition))
    def merge(self, item_id: str, merge: dict[str, Any], language: str = "de") -> dict[str, Any]:
        """Merge the item, a duplicate, into the one it repeats (`into`): its followers,
        "me too"s and supports count there, and it is closed as a duplicate pointing at it.
        Both must be items the caller works. Answers the item kept."""
        caller = self.caller
        data = load(MergeInput, merge)
        with self.db.transaction() as tx:
            duplicate, kept = items.find_both_worked(tx.session, caller, item_id, str(data["into"]))
            merging.merge(tx, caller, duplicate, kept, data["answer"], now())
            return items.view(tx.session, caller, kept, self.town, language_of(language))

    @rpc(roles=OFFICE)
    def change_status(
        self, item_id: str, change: dict[str, Any], language: str = "de"
    ) -> dict[str, Any]:
        caller = self.caller
        data = load(StatusChange, change)
        with self.db.transaction() as tx:
            row = items.find_worked(tx.session, caller, item_id, lock=True)
            workflow.change_status(
                tx, caller, row, data["status"], data["answer"], data["duplicate_of"], now()
            )
            return items.view(tx.session, caller, row, self.town, language_of(language))

    @rpc(roles=OFFICE)
    def publish_answer(
        self,
        item_id: str,
        answer: dict[str, Any],
        language: str = "de",
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        caller = self.caller
        text = load(Text, answer)["text"]
        once = Once(
            self.db.transaction,
            Keyed.of(caller.subject, "answer", idempotency_key, {"item_id": item_id, "text": text}),
            lambda tx, answered: items.view(
                tx.session,
                caller,
                items.find(tx.session, caller, answered),
                self.town,
                language_of(language),
            ),
        )
        if (earlier := once.earlier()) is not None:
            return earlier

        def create(tx: Transaction) -> str:
            row = items.find_worked(tx.session, caller, item_id, lock=True)
            workflow.answer(tx, caller, row, text, now())
            return row.id

        return once.make(create)

    @rpc(roles=OFFICE)
    def moderation_queue(self) -> dict[str, Any]:
        """Hidden and flagged content of the items of the caller's departments."""
        with self.db.transaction() as tx:
            return moderation.queue(tx.session, reach_of(self.caller))

    @rpc(roles=OFFICE, errors=(ItemNotFound, CommentNotFound))
    def moderate(
        self, target_kind: str, target_id: str, decision: dict[str, Any], language: str = "de"
    ) -> dict[str, Any]:
        """Restore, hide or edit an item or a comment of an item the caller works."""
        caller = self.caller
        data = load(Moderation, decision)
        with self.db.transaction() as tx:
            target = moderation.find_moderated(tx.session, caller, target_kind, target_id)
            moderation.moderate(tx, caller, target, data, now())
            return moderation.target_view(
                tx.session, caller, target, self.town, language_of(language)
            )

    @rpc(roles=OFFICE)
    def ban(self, account: str, ban: dict[str, Any]) -> dict[str, Any]:
        caller = self.caller
        reason = load(Ban, ban)["reason"]
        with self.db.transaction() as tx:
            return moderation.ban(tx.session, caller, account, reason, now())

    @rpc(roles=OFFICE)
    def unban(self, account: str) -> None:
        with self.db.transaction() as tx:
            moderation.unban(tx.session, account)

    @rpc(roles=OFFICE)
    def bans(self) -> list[dict[str, Any]]:
        with self.db.transaction() as tx:
            return moderation.bans(tx.session)

    @rpc(roles=OFFICE)
    def figures(self, query: dict[str, Any] | None = None) -> dict[str, Any]:
        """Ratings of visits and cases, and the items of the caller's departments by category
        and status with the time to answer."""
        data = load(FiguresQuery, query or {})
        reach = reach_of(self.caller)
        moment = now()
        start, end = figures.window(
            data["since"], data["until"], moment.astimezone(OFFICE_TIMEZONE).date()
        )
        with self.db.transaction() as tx:
            return {
                "from": start.isoformat(),
                "to": end.isoformat(),
                "period": data["period"],
                "ratings": figures.ratings(tx.session, start, end, data["period"]),
                "items": figures.by_category_and_status(tx.session, start, end, reach),
                "time_to_answer": figures.time_to_answer(tx.session, start, end, reach),
            }

    # Open311 GeoReport v2 (read)

    @rpc
    def open311_services(
        self, language: str = "de", jurisdiction_id: str | None = None
    ) -> list[dict[str, Any]]:
        open311.check_jurisdiction(self.town, jurisdiction_id)
        return open311.services(self.town, open311.language(language))

    @rpc
    def open311_service(
        self, service_code: str, language: str = "de", jurisdiction_id: str | None = None
    ) -> dict[str, Any]:
        open311.check_jurisdiction(self.town, jurisdiction_id)
        category = open311.service_category(self.town, service_code)
        if category is None:
            raise UnknownCategory("There is no such service.", {"service_code": service_code})
        return open311.definition(category, open311.language(language))

    @rpc
    def open311_requests(
        self, query: dict[str, Any] | None = None, language: str = "de"
    ) -> list[dict[str, Any]]:
        data = load(Open311Query, query or {})
        open311.check_jurisdiction(self.town, data["jurisdiction_id"])
        language = open311.language(language)
        with self.db.transaction() as tx:
            if data["service_request_id"]:  # the spec's: ids override every other filter
                rows = public_map.requests_by_id(tx.session, data["service_request_id"])
            else:
                rows = public_map.requests(tx.session, open311.search(self.town, data, now()))
            return [open311.request(row, self.town, language) for row in rows]

    @rpc
    def open311_request(
        self, request_id: str, language: str = "de", jurisdiction_id: str | None = None
    ) -> list[dict[str, Any]]:
        open311.check_jurisdiction(self.town, jurisdiction_id)
        with self.db.transaction() as tx:
            rows = public_map.requests_by_id(tx.session, [request_id])
            if not rows:
                raise ItemNotFound("There is no such request.", {"service_request_id": request_id})
            return [open311.request(rows[0], self.town, open311.language(language))]

    @rpc
    def open311_discovery(self, endpoint_url: str) -> dict[str, Any]:
        return open311.discovery(self.town, endpoint_url)

    # housekeeping

    @every(interval=lambda: 3600.0)
    def forget_spent_challenges(self) -> None:
        moment = now()
        with self.db.transaction() as tx:
            challenges.forget_spent(
                tx.session,
                SpentChallenge,
                moment - challenges.SPENT_KEPT,
            )
