"""The feedback routes: categories, reports and ideas with their supports, follows and
comments, ratings of visits and cases, the office's work and moderation, the public map and
Open311 GeoReport v2 (read only).

Each route calls one RPC of the feedback service, which owns every rule and checks the
caller's role again; the roles here describe the routes and refuse early. Tokens from
mailed links travel in POST bodies, never in URLs.
"""

from __future__ import annotations

from typing import Any

from services.common.challenges import ChallengeSpent
from services.common.context import ROLES
from services.common.identity import CITIZEN, OFFICE
from services.common.keyset import InvalidCursor
from services.common.rpc import RemoteService
from services.common.transitions import IllegalTransition
from services.feedback import answers
from services.feedback import errors as failures
from services.feedback import schemas as inputs
from services.gateway import feedback_schemas as schemas
from services.gateway.appointment_schemas import ChallengeView
from services.gateway.challenge import ProofOfWork
from services.gateway.errors import ChallengeFailed, ChallengeRequired
from services.gateway.http import SIGN_IN_OPTIONAL, api
from services.gateway.idempotency import idempotency_key, keyed_api
from services.gateway.open311 import FORMAT, endpoint_base, open311

PREFIX = "/api/v1/feedback"
ITEM = f"{PREFIX}/items/<uuid(strict=False):item_id>"
OPEN311 = f"{PREFIX}/open311/v2"
# what a moderator decides on: a report or idea (item), or a comment
_TARGET = '<any("item", "comment"):target_kind>/<uuid(strict=False):target_id>'
PARTICIPATION = "participation"

_SUBMISSION_ERRORS = (
    ChallengeRequired,
    ChallengeFailed,
    ChallengeSpent,
    failures.UnknownCategory,
    failures.InvalidAnswers,
    failures.AccountBanned,
    failures.TooManySubmissions,
)
_INVITATION_ERRORS = (failures.InvitationNotFound, failures.InvitationExpired)
_OPEN311_ERRORS = (failures.UnknownJurisdiction,)
_THE_ITEM = {200: "The report or idea, as the caller may see it now."}


class FeedbackRoutes:
    """Mixed into GatewayService."""

    feedback = RemoteService("feedback")
    # the appointment routes' provider: the service has one `proof_of_work`, whichever
    # mixin names it, and one key to sign and check challenges with
    proof_of_work = ProofOfWork()

    @api("GET", f"{PREFIX}/categories", query=schemas.LanguageQuery, response=schemas.CategoryList)
    def feedback_categories(self, request, query: dict[str, Any]) -> dict[str, Any]:
        """The categories of reports and ideas, each with its extra questions.

        Answer a category's questions in a submission's `answers`, under their keys.
        """
        return {"categories": self.feedback.categories(query["language"])}

    # not rate-limited: a challenge costs one HMAC to issue (see the appointment routes)
    @api("GET", f"{PREFIX}/challenge", response=ChallengeView)
    def feedback_challenge(self, request) -> dict[str, Any]:
        """A proof-of-work challenge (ALTCHA) to solve before reporting or proposing.

        Point the ALTCHA widget's `challengeurl` here; its solution goes into the
        submission's `altcha` field and is good for one submission, until its expiry.
        """
        return self.proof_of_work.issue()

    @keyed_api(
        "POST",
        f"{PREFIX}/reports",
        roles=CITIZEN,
        rate_limit=PARTICIPATION,
        body=schemas.ReportRequest,
        response=answers.ItemView,
        responses={201: "The report, as its author sees it."},
        errors=(
            *_SUBMISSION_ERRORS,
            failures.LocationOutsideTown,
            failures.TooManyPhotos,
            failures.PhotoNotAllowed,
        ),
    )
    def submit_report(self, request, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Report a problem at a place in town: a broken streetlight, a pothole, litter.

        Needs a solved challenge (`altcha`). The place must be inside the town; photos are
        the caller's own uploads of type report_photo. The public sees the report without
        the account, with the place blurred and without photos; the author follows it.
        Ask GET /reports/nearby first: the same problem may be reported already.

        A report sent again with its `Idempotency-Key` answers the first report, even though
        its challenge is spent by then (one solved anew does as well).
        """
        challenge = self.proof_of_work.verify(body.pop("altcha", None))
        return 201, self.feedback.submit_report(
            {**body, "challenge": challenge}, idempotency_key=idempotency_key(request)
        )

    @keyed_api(
        "POST",
        f"{PREFIX}/ideas",
        roles=CITIZEN,
        rate_limit=PARTICIPATION,
        body=schemas.IdeaRequest,
        response=answers.ItemView,
        responses={201: "The idea, as its author sees it."},
        errors=_SUBMISSION_ERRORS,
    )
    def submit_idea(self, request, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Propose an idea for the town; other citizens support it.

        Needs a solved challenge (`altcha`). An idea sent again with its `Idempotency-Key`
        answers the first idea, even though its challenge is spent by then.
        """
        challenge = self.proof_of_work.verify(body.pop("altcha", None))
        return 201, self.feedback.submit_idea(
            {**body, "challenge": challenge}, idempotency_key=idempotency_key(request)
        )

    @api(
        "GET",
        f"{PREFIX}/reports/nearby",
        query=schemas.NearbyReportsQuery,
        response=schemas.NearbyReports,
        errors=(failures.UnknownCategory,),
    )
    def nearby_reports(self, request, query: dict[str, Any]) -> dict[str, Any]:
        """Open reports of a category close to a place, the closest first.

        Offer them before a citizen reports: saying "me too" counts them in instead.
        """
        language = query.pop("language")
        return {"reports": self.feedback.nearby_reports(query, language)}

    # not rate-limited: map apps read it all day, and it is benchmarked
    @api(
        "GET",
        f"{PREFIX}/map",
        query=schemas.MapQuery,
        response=answers.MapPage,
        dump_response=False,
        errors=(failures.InvalidBox, InvalidCursor),
    )
    def feedback_map(self, request, query: dict[str, Any]) -> dict[str, Any]:
        """Reports (or ideas) on the public map, in a bounding box, the newest first.

        `bbox` is south,west,north,east in degrees; filter by `kind`, `category` and
        `status`; page with `cursor`, the `next_cursor` of the page before. A marker shows
        no name, no account and the place blurred.
        """
        language = query.pop("language")
        return self.feedback.public_map(query, language)

    @api(
        "GET",
        f"{PREFIX}/items/mine",
        roles=CITIZEN,
        query=schemas.LanguageQuery,
        response=schemas.MyItems,
    )
    def my_feedback_items(self, request, query: dict[str, Any]) -> dict[str, Any]:
        """The caller's reports and ideas, the newest first, hidden ones included."""
        return {"items": self.feedback.my_items(query["language"])}

    @api(
        "GET",
        ITEM,
        roles=SIGN_IN_OPTIONAL,
        query=schemas.LanguageQuery,
        response=answers.ItemView,
        errors=(failures.ItemNotFound,),
    )
    def get_feedback_item(self, request, item_id, query: dict[str, Any]) -> dict[str, Any]:
        """A report or idea with its status and official answer.

        Anyone sees the public view: no account, the place blurred, no photos, nothing
        hidden. Its author also sees the exact place and the photos; the office sees
        everything, with the history.
        """
        return self.feedback.get_item(str(item_id), query["language"])

    @api(
        "POST",
        f"{ITEM}/me-too",
        roles=CITIZEN,
        rate_limit=PARTICIPATION,
        body=inputs.FollowInput,
        response=answers.ItemView,
        responses=_THE_ITEM,
        errors=(
            failures.ItemNotFound,
            failures.NotAReport,
            failures.ItemClosed,
            failures.AlreadyCounted,
            failures.AccountBanned,
        ),
    )
    def say_me_too(self, request, body: dict[str, Any], item_id) -> dict[str, Any]:
        """Say "me too" on an open report: counted once, and the caller follows it.

        News of it go to `email` (or the account's preferences), in `language`.

        Safe to retry: "me too" counts once; saying it again is refused (409
        `already_counted`) and changes nothing.
        """
        return self.feedback.me_too(str(item_id), body)

    @api(
        "POST",
        f"{ITEM}/supports",
        roles=CITIZEN,
        rate_limit=PARTICIPATION,
        query=schemas.LanguageQuery,
        response=answers.ItemView,
        responses={201: "Supported; the idea, with its supports."},
        errors=(
            failures.ItemNotFound,
            failures.NotAnIdea,
            failures.ItemClosed,
            failures.AlreadySupported,
            failures.SupportLimitReached,
            failures.AccountBanned,
        ),
    )
    def support_idea(self, request, item_id, query: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Support an open idea: once per idea, and a limited number per period.

        Past the limit the answer is `support_limit_reached`, its details saying when the
        next support is free.

        Safe to retry: a support counts once; supporting again is refused (409
        `already_supported`) and changes nothing.
        """
        return 201, self.feedback.support(str(item_id), query["language"])

    @api(
        "PUT",
        f"{ITEM}/follow",
        roles=ROLES,
        body=inputs.FollowInput,
        response=answers.ItemView,
        responses=_THE_ITEM,
        errors=(failures.ItemNotFound,),
    )
    def follow_item(self, request, body: dict[str, Any], item_id) -> dict[str, Any]:
        """Follow a report or idea: its news go to `email` (or the account's preferences).

        Following again changes the address and language.
        """
        return self.feedback.follow(str(item_id), body)

    @api(
        "DELETE",
        f"{ITEM}/follow",
        roles=ROLES,
        query=schemas.LanguageQuery,
        response=answers.ItemView,
        responses=_THE_ITEM,
        errors=(failures.ItemNotFound,),
    )
    def unfollow_item(self, request, item_id, query: dict[str, Any]) -> dict[str, Any]:
        """Stop following a report or idea; no more news of it."""
        return self.feedback.unfollow(str(item_id), query["language"])

    @api(
        "GET",
        f"{ITEM}/comments",
        roles=SIGN_IN_OPTIONAL,
        query=schemas.CommentsQuery,
        response=answers.CommentPage,
        errors=(failures.ItemNotFound, InvalidCursor),
    )
    def item_comments(self, request, item_id, query: dict[str, Any]) -> dict[str, Any]:
        """The comments on a report or idea, oldest first, a page at a time.

        Page with `cursor`, the `next_cursor` of the page before. Hidden comments show to
        their authors and the office only.
        """
        return self.feedback.comments(str(item_id), query["cursor"], query["limit"])

    @keyed_api(
        "POST",
        f"{ITEM}/comments",
        roles=ROLES,
        rate_limit=PARTICIPATION,
        body=inputs.CommentInput,
        response=answers.CommentView,
        responses={201: "The comment; the public never sees who wrote it."},
        errors=(failures.ItemNotFound, failures.AccountBanned, failures.TooManySubmissions),
    )
    def comment_on_item(self, request, body: dict[str, Any], item_id) -> tuple[int, dict]:
        """Comment on a report or idea. The office's comments show as the office's."""
        return 201, self.feedback.comment(
            str(item_id), body, idempotency_key=idempotency_key(request)
        )

    @api(
        "POST",
        f"{ITEM}/reopen",
        roles=CITIZEN,
        body=schemas.FeedbackText,
        query=schemas.LanguageQuery,
        response=answers.ItemView,
        responses=_THE_ITEM,
        errors=(
            failures.ItemNotFound,
            failures.NotAReport,
            IllegalTransition,
            failures.ReopenWindowPassed,
        ),
    )
    def reopen_report(
        self, request, body: dict[str, Any], item_id, query: dict[str, Any]
    ) -> dict[str, Any]:
        """Reopen one's own closed report, saying why: it goes back into review.

        Only within FEEDBACK.reopen_days of its closing; later, report it anew.

        Safe to retry: a reopened report is open, and reopening it again is refused (409
        `illegal_transition`) and changes nothing.
        """
        return self.feedback.reopen(str(item_id), body, query["language"])

    @api(
        "POST",
        f"{ITEM}/flags",
        roles=ROLES,
        rate_limit=PARTICIPATION,
        body=inputs.Flag,
        response=answers.FlagView,
        responses={201: "Flagged; a moderator will look at it."},
        errors=(failures.ItemNotFound, failures.AlreadyFlagged, failures.AccountBanned),
    )
    def flag_item(self, request, body: dict[str, Any], item_id) -> tuple[int, dict[str, Any]]:
        """Flag a report or idea as abusive, personal, spam, off topic or illegal.

        After a few flags it is hidden until a moderator decides.

        Safe to retry: a flag counts once; flagging again is refused (409
        `already_flagged`) and changes nothing.
        """
        return 201, self.feedback.flag("item", str(item_id), body)

    @api(
        "POST",
        f"{PREFIX}/comments/<uuid(strict=False):comment_id>/flags",
        roles=ROLES,
        rate_limit=PARTICIPATION,
        body=inputs.Flag,
        response=answers.FlagView,
        responses={201: "Flagged; a moderator will look at it."},
        errors=(
            failures.CommentNotFound,
            failures.ItemNotFound,
            failures.AlreadyFlagged,
            failures.AccountBanned,
        ),
    )
    def flag_comment(self, request, body: dict[str, Any], comment_id) -> tuple[int, dict]:
        """Flag a comment; after a few flags it is hidden until a moderator decides.

        Safe to retry: a flag counts once; flagging again is refused (409
        `already_flagged`) and changes nothing.
        """
        return 201, self.feedback.flag("comment", str(comment_id), body)

    @api(
        "POST",
        f"{PREFIX}/ratings/invitation",
        body=schemas.RatingToken,
        response=answers.InvitationView,
        errors=_INVITATION_ERRORS,
    )
    def rating_invitation(self, request, body: dict[str, Any]) -> dict[str, Any]:
        """What an invitation's link asks to rate: the visit or case, and whether it is rated.

        Send the `token` of the link in the invitation mail.

        Safe to retry: it only reads (a POST keeps the token out of URLs and logs).
        """
        return self.feedback.rating_invitation(body["token"])

    @api(
        "POST",
        f"{PREFIX}/ratings",
        roles=SIGN_IN_OPTIONAL,
        rate_limit=PARTICIPATION,
        body=schemas.RatingRequest,
        response=answers.RatingView,
        responses={201: "The rating; it keeps no account."},
        errors=(*_INVITATION_ERRORS, failures.RatingOutOfRange, failures.AlreadyRated),
    )
    def rate(self, request, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Rate a visit or a case from 1 (bad) to 5 (very good), once.

        With the invitation link's `token`; or signed in, naming the visit (appointment)
        or case one was invited to rate (`subject_kind`, `subject_id`). A score that is
        not a whole number from 1 to 5 is `rating_out_of_range`.

        Safe to retry: a visit or case is rated once; rating it again is refused (409
        `already_rated`) and changes nothing.
        """
        return 201, self.feedback.rate(body)

    # the office

    @api(
        "GET",
        f"{PREFIX}/worklist",
        roles=OFFICE,
        query=schemas.FeedbackWorklistQuery,
        response=answers.FeedbackWorklist,
        errors=(InvalidCursor,),
    )
    def feedback_worklist(self, request, query: dict[str, Any]) -> dict[str, Any]:
        """The office's reports and ideas, by kind, category, department or status.

        The newest first, hidden ones included; `open_only=true` leaves out closed ones.
        Page with `cursor`, the `next_cursor` of the page before.
        """
        language = query.pop("language")
        return self.feedback.worklist(query, language)

    @api(
        "POST",
        f"{ITEM}/status",
        roles=OFFICE,
        body=schemas.StatusChangeRequest,
        query=schemas.LanguageQuery,
        response=answers.ItemView,
        responses=_THE_ITEM,
        errors=(failures.ItemNotFound, IllegalTransition, failures.DuplicateOfRequired),
    )
    def change_item_status(
        self, request, body: dict[str, Any], item_id, query: dict[str, Any]
    ) -> dict[str, Any]:
        """Move a report or idea to another status, with an official answer if given.

        A duplicate names the report or idea it repeats (`duplicate_of`). The author and
        the followers are told.

        Safe to retry: no status moves to itself, so the same move again is refused (409
        `illegal_transition`) and changes nothing.
        """
        return self.feedback.change_status(str(item_id), body, query["language"])

    @keyed_api(
        "POST",
        f"{ITEM}/answers",
        roles=OFFICE,
        body=schemas.FeedbackText,
        query=schemas.LanguageQuery,
        response=answers.ItemView,
        responses=_THE_ITEM,
        errors=(failures.ItemNotFound,),
    )
    def answer_item(
        self, request, body: dict[str, Any], item_id, query: dict[str, Any]
    ) -> dict[str, Any]:
        """Publish the office's official answer, keeping the status.

        It replaces the answer before; the author and the followers are told.
        """
        return self.feedback.publish_answer(
            str(item_id), body, query["language"], idempotency_key=idempotency_key(request)
        )

    @api("GET", f"{PREFIX}/moderation", roles=OFFICE, response=answers.ModerationQueue)
    def moderation_queue(self, request) -> dict[str, Any]:
        """What waits for a moderator: flagged or hidden reports, ideas and comments."""
        return self.feedback.moderation_queue()

    @api(
        "POST",
        f"{PREFIX}/moderation/{_TARGET}",
        roles=OFFICE,
        query=schemas.LanguageQuery,
        body=inputs.Moderation,
        response=answers.ModeratedView,
        errors=(failures.ItemNotFound, failures.CommentNotFound),
    )
    def moderate(
        self, request, body: dict[str, Any], target_kind: str, target_id, query: dict[str, Any]
    ) -> dict[str, Any]:
        """Decide on a report, idea or comment: restore it, hide it, or edit it.

        An edit keeps the text it replaced in the moderation log; restoring or editing
        makes it visible again and its flags count afresh.

        Safe to retry: the same decision again leaves the content as it is (the log notes
        it once more).
        """
        return self.feedback.moderate(target_kind, str(target_id), body, query["language"])

    @api("GET", f"{PREFIX}/bans", roles=OFFICE, response=schemas.BanList)
    def list_bans(self, request) -> dict[str, Any]:
        """The accounts banned from taking part (they still read)."""
        return {"bans": self.feedback.bans()}

    @api(
        "PUT",
        f"{PREFIX}/bans/<account>",
        roles=OFFICE,
        body=inputs.Ban,
        response=answers.BanView,
    )
    def ban_account(self, request, body: dict[str, Any], account: str) -> dict[str, Any]:
        """Ban an account from reporting, proposing, commenting, supporting and flagging.

        Safe to retry: banning it again keeps the first ban.
        """
        return self.feedback.ban(account, body)

    @api(
        "DELETE",
        f"{PREFIX}/bans/<account>",
        roles=OFFICE,
        responses={204: "Lifted (or there was none)."},
    )
    def unban_account(self, request, account: str) -> tuple[int, None]:
        """Lift an account's ban."""
        self.feedback.unban(account)
        return 204, None

    @api(
        "GET",
        f"{PREFIX}/figures",
        roles=OFFICE,
        query=schemas.FiguresQuery,
        response=answers.Figures,
    )
    def feedback_figures(self, request, query: dict[str, Any]) -> dict[str, Any]:
        """How visits and cases are rated, per service, location and period; how many
        reports and ideas are in each category and status; how long answers take.

        Between the local days `from` (a year back unless given) and `to` (today), by
        `period` (month or week).
        """
        return self.feedback.figures(query)

    # Open311 GeoReport v2, read only: the shapes its clients read, as JSON or XML

    @open311(
        f"{OPEN311}/discovery.{FORMAT}",
        root="discovery",
        response=answers.Open311Discovery,
    )
    def open311_discovery(self, request, format: str) -> dict[str, Any]:
        """Open311 service discovery: where the GeoReport v2 endpoint is, in which formats,
        and when its services last changed (`changeset`).

        The endpoint's address is GATEWAY.public_url, or the one the request came to.
        """
        return self.feedback.open311_discovery(endpoint_base(request) + OPEN311)

    @open311(
        f"{OPEN311}/services.{FORMAT}",
        root="services",
        query=schemas.Open311Query,
        items=answers.Open311Service,
        responses={200: "The services, as GeoReport v2 lists them."},
        errors=_OPEN311_ERRORS,
    )
    def open311_services(self, request, format: str, query: dict[str, Any]) -> list[dict]:
        """Open311: the report categories, as services.

        `metadata` is true where a service has attributes (its extra questions).
        """
        return self.feedback.open311_services(query["language"], query["jurisdiction_id"])

    @open311(
        f"{OPEN311}/services/<service_code>.{FORMAT}",
        root="service_definition",
        query=schemas.Open311Query,
        response=answers.Open311Definition,
        errors=(*_OPEN311_ERRORS, failures.UnknownCategory),
    )
    def open311_service(
        self, request, service_code: str, format: str, query: dict[str, Any]
    ) -> dict[str, Any]:
        """Open311: a service's definition, its extra questions as attributes.

        A choice's values carry their names in the language asked for.
        """
        return self.feedback.open311_service(
            service_code, query["language"], query["jurisdiction_id"]
        )

    @open311(
        f"{OPEN311}/requests.{FORMAT}",
        root="service_requests",
        query=schemas.Open311RequestsQuery,
        items=answers.Open311Request,
        responses={200: "The requests, as GeoReport v2 lists them; [] when none match."},
        errors=(*_OPEN311_ERRORS, failures.InvalidBox),
    )
    def open311_requests(self, request, format: str, query: dict[str, Any]) -> list[dict]:
        """Open311: public reports as service requests, the newest first, at most 1000.

        `service_request_id` (comma-separated) names requests and overrides every other
        filter. Otherwise filter by `service_code` and `status` (open, closed; each
        comma-separated) and the time of submission: `start_date` and `end_date` span at
        most 90 days, the last 90 unless either is given. `bbox` (south,west,north,east)
        is ours. No name, no account, the place blurred, nothing hidden.
        """
        language = query.pop("language")
        return self.feedback.open311_requests(query, language)

    @open311(
        f"{OPEN311}/requests/<request_id>.{FORMAT}",
        root="service_requests",
        query=schemas.Open311Query,
        items=answers.Open311Request,
        responses={200: "A list of the one request, as GeoReport v2 has it."},
        errors=(*_OPEN311_ERRORS, failures.ItemNotFound),
    )
    def open311_request(
        self, request, request_id: str, format: str, query: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Open311: one public report as a service request, in a list of one."""
        return self.feedback.open311_request(
            request_id, query["language"], query["jurisdiction_id"]
        )
