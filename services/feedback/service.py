"""The feedback service's entrypoints: citizens rate, report, propose, support, comment and
follow; the office answers, moves items through their statuses and moderates; the public
reads the map and Open311. Each loads its input, builds the command and calls its use case
(services/feedback/use_cases)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from nameko.extensions import DependencyProvider

from services.applications import events as application_events
from services.appointments import events as appointment_events
from services.common import dead_letter_trail
from services.common import service as common
from services.common.events import Event
from services.common.handlers import event_handler
from services.common.identity import CITIZEN, OFFICE, SIGNED_IN
from services.common.loading import load
from services.common.rpc import RemoteService
from services.common.rpc_entrypoint import rpc
from services.common.timers import every
from services.common.transitions import IllegalTransition
from services.feedback import catalogue
from services.feedback.answers import (
    BanView,
    CategoryView,
    CommentPage,
    CommentView,
    FeedbackWorklist,
    Figures,
    FlagView,
    InvitationView,
    ItemView,
    MapPage,
    Marker,
    ModeratedView,
    ModerationQueue,
    MyItem,
    OfficeItemView,
    Open311Definition,
    Open311Discovery,
    Open311Request,
    Open311Service,
    RatingView,
    TownArea,
)
from services.feedback.catalogue import Town
from services.feedback.errors import CannotMerge, CommentNotFound, ItemNotFound
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
from services.feedback.use_cases import moderation as moderating
from services.feedback.use_cases import office, reading, submissions
from services.feedback.use_cases import open311 as georeport
from services.feedback.use_cases import participation as taking_part
from services.feedback.use_cases import ratings as rating_cases
from services.feedback.use_cases.setting import Setting


# the service's clock: a test pins it (tests/support/clock.py)
def now() -> datetime:
    return datetime.now(UTC)


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

    @property
    def setting(self) -> Setting:
        return Setting(self.settings, self.town)

    # invitations to rate: when a visit or a case is over

    # Retry policy of both: an invitation refuses nothing (a visit or case invited before is
    # skipped, a payload out of shape is dead-lettered on receipt), so no refusal is
    # permanent; a fault of the database is retried with the default back-off.
    @event_handler(appointment_events.APPOINTMENT_COMPLETED, permanent=())
    def on_appointment_completed(self, event: Event) -> None:
        rating_cases.invite(rating_cases.visit_completed(event), self.db, now, self.setting)

    @event_handler(application_events.APPLICATION_STATUS_CHANGED, permanent=())
    def on_application_status_changed(self, event: Event) -> None:
        if (command := rating_cases.case_closed(event)) is not None:
            rating_cases.invite(command, self.db, now, self.setting)

    # ratings

    @rpc(answers=InvitationView)
    def rating_invitation(self, token: str) -> dict[str, Any]:
        """What the invitation's link asks to rate (for the rating page)."""
        command = rating_cases.ShowInvitation(self.caller, token)
        return rating_cases.rating_invitation(command, self.db, now)

    @rpc(answers=RatingView)
    def rate(self, rating: dict[str, Any]) -> dict[str, Any]:
        command = rating_cases.Rate(self.caller, load(RatingInput, rating))
        return rating_cases.rate(command, self.db, now)

    # the town's categories

    @rpc(answers=CategoryView, many=True)
    def categories(self, language: str = "de") -> list[dict[str, Any]]:
        return reading.categories(language, self.setting)

    @rpc(answers=TownArea)
    def town_area(self) -> dict[str, Any]:
        """The town's name and the box around its boundary (south, west, north, east in
        degrees): where the portal's map opens and its address search looks."""
        return reading.town_area(self.setting)

    # reports and ideas

    @rpc(answers=Marker, many=True)
    def nearby_reports(self, query: dict[str, Any], language: str = "de") -> list[dict[str, Any]]:
        """Open reports of the category close to a place: say "me too" instead of reporting
        the same thing again."""
        command = reading.Nearby(load(NearbyQuery, query), language)
        return reading.nearby_reports(command, self.db, self.setting)

    @rpc(roles=CITIZEN, answers=ItemView)
    def submit_report(
        self, report: dict[str, Any], idempotency_key: str | None = None
    ) -> dict[str, Any]:
        command = submissions.Submit(
            self.caller, "report", load(ReportInput, report), idempotency_key
        )
        return submissions.submit(command, self.db, now, self.setting, self.documents.get_document)

    @rpc(roles=CITIZEN, answers=ItemView)
    def submit_idea(
        self, idea: dict[str, Any], idempotency_key: str | None = None
    ) -> dict[str, Any]:
        command = submissions.Submit(self.caller, "idea", load(IdeaInput, idea), idempotency_key)
        return submissions.submit(command, self.db, now, self.setting, self.documents.get_document)

    @rpc(answers=ItemView)
    def get_item(self, item_id: str, language: str = "de") -> dict[str, Any]:
        """A report or idea as the caller may see it (anyone may: the public view)."""
        command = submissions.GetItem(self.caller, item_id, language)
        return submissions.get_item(command, self.db, self.setting)

    @rpc(answers=MapPage)
    def public_map(
        self, query: dict[str, Any] | None = None, language: str = "de"
    ) -> dict[str, Any]:
        """Visible reports (or ideas) in a bounding box, the newest first, a page at a time."""
        command = reading.PublicMap(load(MapQuery, query or {}), language)
        return reading.show_map(command, self.db, self.setting)

    @rpc(roles=CITIZEN, answers=MyItem, many=True)
    def my_items(self, language: str = "de") -> list[dict[str, Any]]:
        return reading.my_items(reading.MyItems(self.caller, language), self.db)

    @rpc(roles=CITIZEN, answers=ItemView)
    def me_too(self, item_id: str, follow: dict[str, Any] | None = None) -> dict[str, Any]:
        data = load(FollowInput, follow or {})
        command = taking_part.MeToo(self.caller, item_id, data["email"], data["language"])
        return taking_part.me_too(command, self.db, now, self.setting)

    @rpc(roles=CITIZEN, answers=ItemView)
    def support(self, item_id: str, language: str = "de") -> dict[str, Any]:
        command = taking_part.Support(self.caller, item_id, language)
        return taking_part.support(command, self.db, now, self.setting)

    @rpc(roles=SIGNED_IN, answers=ItemView)
    def follow(self, item_id: str, follow: dict[str, Any] | None = None) -> dict[str, Any]:
        data = load(FollowInput, follow or {})
        command = taking_part.Follow(self.caller, item_id, data["email"], data["language"])
        return taking_part.follow(command, self.db, now, self.setting)

    @rpc(roles=SIGNED_IN, answers=ItemView)
    def unfollow(self, item_id: str, language: str = "de") -> dict[str, Any]:
        command = taking_part.Unfollow(self.caller, item_id, language)
        return taking_part.unfollow(command, self.db, self.setting)

    @rpc(roles=SIGNED_IN, answers=CommentView)
    def comment(
        self, item_id: str, comment: dict[str, Any], idempotency_key: str | None = None
    ) -> dict[str, Any]:
        data = load(CommentInput, comment)
        command = taking_part.AddComment(self.caller, item_id, data, idempotency_key)
        return taking_part.add_comment(command, self.db, now, self.setting)

    @rpc(answers=CommentPage)
    def comments(self, item_id: str, cursor: str | None = None, limit: int = 50) -> dict[str, Any]:
        command = taking_part.Comments(self.caller, item_id, cursor, limit)
        return taking_part.comments(command, self.db)

    @rpc(roles=CITIZEN, answers=ItemView)
    def reopen(self, item_id: str, reason: dict[str, Any], language: str = "de") -> dict[str, Any]:
        command = taking_part.Reopen(self.caller, item_id, load(Text, reason)["text"], language)
        return taking_part.reopen(command, self.db, now, self.setting)

    @rpc(roles=SIGNED_IN, answers=FlagView)
    def flag(self, target_kind: str, target_id: str, flag: dict[str, Any]) -> dict[str, Any]:
        reason = load(Flag, flag)["reason"]
        command = taking_part.Flag(self.caller, target_kind, target_id, reason)
        return taking_part.flag(command, self.db, now, self.setting)

    # the office

    @rpc(roles=OFFICE, answers=FeedbackWorklist)
    def worklist(self, query: dict[str, Any] | None = None, language: str = "de") -> dict[str, Any]:
        """The items of the caller's departments (an admin's: all), the newest first."""
        command = office.Worklist(self.caller, load(WorklistQuery, query or {}), language)
        return office.worklist(command, self.db)

    @rpc(roles=OFFICE, errors=(ItemNotFound,), answers=OfficeItemView)
    def office_item(self, item_id: str, language: str = "de") -> dict[str, Any]:
        """An item the caller works, as the office sees it: with its history, its moderation
        log, the duplicates merged into it and the statuses it may move to. Another
        department's is not found."""
        command = office.OfficeItem(self.caller, item_id, language)
        return office.office_item(command, self.db, self.setting)

    @rpc(roles=OFFICE, errors=(ItemNotFound, CannotMerge, IllegalTransition), answers=ItemView)
    def merge(self, item_id: str, merge: dict[str, Any], language: str = "de") -> dict[str, Any]:
        """Merge the item, a duplicate, into the one it repeats (`into`): its followers,
        "me too"s and supports count there, and it is closed as a duplicate pointing at it.
        Both must be items the caller works. Answers the item kept."""
        command = office.Merge(self.caller, item_id, load(MergeInput, merge), language)
        return office.merge(command, self.db, now, self.setting)

    @rpc(roles=OFFICE, answers=ItemView)
    def change_status(
        self, item_id: str, change: dict[str, Any], language: str = "de"
    ) -> dict[str, Any]:
        command = office.ChangeStatus(self.caller, item_id, load(StatusChange, change), language)
        return office.change_status(command, self.db, now, self.setting)

    @rpc(roles=OFFICE, answers=ItemView)
    def publish_answer(
        self,
        item_id: str,
        answer: dict[str, Any],
        language: str = "de",
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        text = load(Text, answer)["text"]
        command = office.PublishAnswer(self.caller, item_id, text, language, idempotency_key)
        return office.publish_answer(command, self.db, now, self.setting)

    @rpc(roles=OFFICE, answers=ModerationQueue)
    def moderation_queue(self) -> dict[str, Any]:
        """Hidden and flagged content of the items of the caller's departments."""
        return moderating.queue(moderating.Queue(self.caller), self.db)

    @rpc(roles=OFFICE, errors=(ItemNotFound, CommentNotFound), answers=ModeratedView)
    def moderate(
        self, target_kind: str, target_id: str, decision: dict[str, Any], language: str = "de"
    ) -> dict[str, Any]:
        """Restore, hide or edit an item or a comment of an item the caller works."""
        data = load(Moderation, decision)
        command = moderating.Moderate(self.caller, target_kind, target_id, data, language)
        return moderating.moderate(command, self.db, now, self.setting)

    @rpc(roles=OFFICE, answers=BanView)
    def ban(self, account: str, ban: dict[str, Any]) -> dict[str, Any]:
        command = moderating.Ban(self.caller, account, load(Ban, ban)["reason"])
        return moderating.ban(command, self.db, now)

    @rpc(roles=OFFICE)
    def unban(self, account: str) -> None:
        moderating.unban(moderating.Unban(account), self.db)

    @rpc(roles=OFFICE, answers=BanView, many=True)
    def bans(self) -> list[dict[str, Any]]:
        return moderating.bans(self.db)

    @rpc(roles=OFFICE, answers=Figures)
    def figures(self, query: dict[str, Any] | None = None) -> dict[str, Any]:
        """Ratings of visits and cases, and the items of the caller's departments by category
        and status with the time to answer."""
        command = office.Figures(self.caller, load(FiguresQuery, query or {}))
        return office.figures(command, self.db, now)

    # Open311 GeoReport v2 (read)

    @rpc(answers=Open311Service, many=True)
    def open311_services(
        self, language: str = "de", jurisdiction_id: str | None = None
    ) -> list[dict[str, Any]]:
        return georeport.services(georeport.Services(language, jurisdiction_id), self.setting)

    @rpc(answers=Open311Definition)
    def open311_service(
        self, service_code: str, language: str = "de", jurisdiction_id: str | None = None
    ) -> dict[str, Any]:
        command = georeport.Service(service_code, language, jurisdiction_id)
        return georeport.service(command, self.setting)

    @rpc(answers=Open311Request, many=True)
    def open311_requests(
        self, query: dict[str, Any] | None = None, language: str = "de"
    ) -> list[dict[str, Any]]:
        command = georeport.Requests(load(Open311Query, query or {}), language)
        return georeport.requests(command, self.db, now, self.setting)

    @rpc(answers=Open311Request, many=True)
    def open311_request(
        self, request_id: str, language: str = "de", jurisdiction_id: str | None = None
    ) -> list[dict[str, Any]]:
        command = georeport.Request(request_id, language, jurisdiction_id)
        return georeport.request(command, self.db, self.setting)

    @rpc(answers=Open311Discovery)
    def open311_discovery(self, endpoint_url: str) -> dict[str, Any]:
        return georeport.discovery(endpoint_url, self.setting)

    # housekeeping

    @every(interval=lambda: 3600.0)
    def forget_spent_challenges(self) -> None:
        submissions.forget_spent_challenges(self.db, now)
