"""The portal's feedback pages: reports around town as a list, a report or idea with its
official answer and comments, filing a report and proposing an idea, supporting, following
and saying "me too", and rating a visit from the invitation's link.

Everything works without JavaScript: the list is a plain list with a category filter and
a link to the next page, the form asks for the category first (its extra questions
depend on it) and the place as an address (when an address search is configured) or as two
numbers, and every action is a POST form. With map tiles configured, a map shows the list's
reports and picks a report's place; it reads the list's items and fills the form's numbers,
so that nothing depends on it. The feedback
service owns every rule; the portal only checks that what a form needs is filled in, so
that all that is missing shows at once.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from services.common.errors import InvalidInput, ServiceError
from services.common.identity import CITIZEN
from services.common.rpc import RemoteService
from services.gateway.challenge import ProofOfWork
from services.gateway.errors import ChallengeFailed, ChallengeRequired
from services.portal import geocoding
from services.portal.pages import Visit, field_errors, page
from services.portal.rendering import Redirect, Rendered
from services.portal.settings import PortalConfig, PortalSettings
from services.portal.uploading import DocumentDataPlane, UploadRefused

FEEDBACK = "/feedback"
PHOTO_TYPE = "report_photo"
ITEM = f"{FEEDBACK}/items/<uuid(strict=False):item_id>"
PAGE_SIZE = 20
# what the form sends for a yes/no question
YES_NO = {"yes": True, "no": False}
# the codes an action on an item may be refused with, shown on the item's page
ITEM_REFUSALS = {
    "idempotency_key_reused",
    "already_counted",
    "already_supported",
    "support_limit_reached",
    "item_closed",
    "account_banned",
    "too_many_submissions",
    "not_a_report",
    "not_an_idea",
    "rate_limited",
}
# refusals of a submission that belong to one of the form's fields
SUBMISSION_FIELD = {
    "location_outside_town": "latitude",
    "unknown_category": "category",
    "challenge_failed": "altcha",
    "challenge_required": "altcha",
    "challenge_spent": "altcha",
}


class FeedbackPages:
    """Mixed into GatewayService, beside the JSON routes."""

    feedback = RemoteService("feedback")
    documents = RemoteService("documents")
    proof_of_work = ProofOfWork()
    data_plane = DocumentDataPlane()
    portal_settings = PortalConfig()

    # reading: the list, an item

    @page("GET", FEEDBACK)
    def reports_page(self, visit: Visit) -> Rendered:
        return self._feedback_list_page(visit, "report")

    @page("GET", f"{FEEDBACK}/ideas")
    def ideas_page(self, visit: Visit) -> Rendered:
        return self._feedback_list_page(visit, "idea")

    @page("GET", ITEM)
    def item_page(self, visit: Visit, item_id) -> Rendered:
        return self._feedback_item_page(visit, str(item_id))

    # taking part in an item

    @page("POST", f"{ITEM}/follow", roles=CITIZEN)
    def follow_page(self, visit: Visit, item_id) -> Rendered | Redirect:
        return self._feedback_act(visit, str(item_id), "feedback.followed", self._feedback_follow)

    @page("POST", f"{ITEM}/unfollow", roles=CITIZEN)
    def unfollow_page(self, visit: Visit, item_id) -> Rendered | Redirect:
        return self._feedback_act(
            visit, str(item_id), "feedback.unfollowed", self._feedback_unfollow
        )

    @page("POST", f"{ITEM}/me-too", roles=CITIZEN)
    def me_too_page(self, visit: Visit, item_id) -> Rendered | Redirect:
        return self._feedback_act(
            visit, str(item_id), "feedback.me_too_counted", self._feedback_me_too
        )

    @page("POST", f"{ITEM}/support", roles=CITIZEN)
    def support_page(self, visit: Visit, item_id) -> Rendered | Redirect:
        return self._feedback_act(visit, str(item_id), "feedback.supported", self._feedback_support)

    @page("POST", f"{ITEM}/comments", roles=CITIZEN)
    def comment_page(self, visit: Visit, item_id) -> Rendered | Redirect:
        body = visit.value("body")
        if not body:
            return self._feedback_item_page(
                visit, str(item_id), {"body": ["form.required"]}, status=400
            )
        try:
            key = visit.value("submission_key")[:100] or None
            self.feedback.comment(str(item_id), {"body": body}, idempotency_key=key)
        except InvalidInput:
            return self._feedback_item_page(
                visit, str(item_id), {"body": ["form.too_long"]}, status=400
            )
        except ServiceError as refused:
            if refused.code not in ITEM_REFUSALS:
                raise
            return self._feedback_item_page(visit, str(item_id), refusal=refused.code, status=409)
        visit.tell("feedback.commented")
        return Redirect(f"{FEEDBACK}/items/{item_id}#comments")

    # filing a report, proposing an idea

    @page("GET", f"{FEEDBACK}/report", roles=CITIZEN)
    def new_report_page(self, visit: Visit) -> Rendered:
        return self._feedback_new_page(visit, "report")

    @page("POST", f"{FEEDBACK}/report", roles=CITIZEN)
    def file_report_page(self, visit: Visit) -> Rendered | Redirect:
        return self._feedback_submit_page(visit, "report")

    @page("GET", f"{FEEDBACK}/ideas/new", roles=CITIZEN)
    def new_idea_page(self, visit: Visit) -> Rendered:
        return self._feedback_new_page(visit, "idea")

    @page("POST", f"{FEEDBACK}/ideas/new", roles=CITIZEN)
    def propose_idea_page(self, visit: Visit) -> Rendered | Redirect:
        return self._feedback_submit_page(visit, "idea")

    @page("GET", f"{ITEM}/sent", roles=CITIZEN)
    def sent_page(self, visit: Visit, item_id) -> Rendered:
        item = self.feedback.get_item(str(item_id), visit.session.language)
        return Rendered("feedback/sent.html", {"item": item})

    # rating a visit or case from the invitation's link

    @page("GET", f"{FEEDBACK}/rate")
    def rating_form_page(self, visit: Visit) -> Rendered:
        token = visit.value("token")
        invitation = self.feedback.rating_invitation(token)
        if invitation["rated"]:
            return Rendered("feedback/already_rated.html", {"invitation": invitation}, 409)
        return self._feedback_rating_page(token, invitation, {"score": "", "comment": ""}, {})

    @page("POST", f"{FEEDBACK}/rate")
    def rate_page(self, visit: Visit) -> Rendered:
        token = visit.value("token")
        entered = {"score": visit.value("score"), "comment": visit.value("comment")}
        invitation = self.feedback.rating_invitation(token)
        if invitation["rated"]:
            return Rendered("feedback/already_rated.html", {"invitation": invitation}, 409)
        if entered["score"] not in {"1", "2", "3", "4", "5"}:
            errors = {"score": ["feedback.rate.choose"]}
            return self._feedback_rating_page(token, invitation, entered, errors, status=400)
        try:
            rated = self.feedback.rate(
                {
                    "token": token,
                    "score": int(entered["score"]),
                    "comment": entered["comment"] or None,
                }
            )
        except InvalidInput:
            errors = {"comment": ["form.too_long"]}
            return self._feedback_rating_page(token, invitation, entered, errors, status=400)
        except ServiceError as refused:
            if refused.code != "already_rated":
                raise
            return Rendered("feedback/already_rated.html", {"invitation": invitation}, 409)
        return Rendered("feedback/rated.html", {"rating": rated})

    # helpers

    def _feedback_list_page(self, visit: Visit, kind: str) -> Rendered:
        language = visit.session.language
        categories = self._feedback_categories(language, kind)
        chosen = visit.value("category")
        chosen = chosen if chosen in categories else ""
        query = {"kind": kind, "limit": PAGE_SIZE, "category": chosen or None}
        if visit.value("bbox"):
            query["bbox"] = visit.value("bbox")
        if visit.value("cursor"):
            query["cursor"] = visit.value("cursor")
        found = self.feedback.public_map(query, language)
        more = None
        if found["next_cursor"]:
            asked = {
                "category": chosen,
                "bbox": visit.value("bbox"),
                "cursor": found["next_cursor"],
            }
            more = "?" + urlencode({name: value for name, value in asked.items() if value})
        return Rendered(
            "feedback/list.html",
            {
                "kind": kind,
                "items": found["items"],
                "categories": categories,
                "chosen": chosen,
                "more": more,
                "paged": bool(visit.value("cursor")),
                "map": self._feedback_map(visit.value("bbox")) if kind == "report" else None,
            },
        )

    def _feedback_item_page(
        self,
        visit: Visit,
        item_id: str,
        errors: dict[str, list[str]] | None = None,
        refusal: str | None = None,
        next_support: str | None = None,
        status: int = 200,
    ) -> Rendered:
        item = self.feedback.get_item(item_id, visit.session.language)
        comments = self.feedback.comments(item_id, None, 100)
        return Rendered(
            "feedback/item.html",
            {
                "item": item,
                "comments": comments["comments"],
                "errors": errors or {},
                "refusal": refusal,
                # past the support limit: the day the next support is free
                "next_support": next_support,
                "entered": {"body": visit.value("body")} if errors else {"body": ""},
                # a comment sent twice (a lost answer, a double click) is one comment
                "submission_key": str(uuid.uuid4()),
            },
            status=status,
        )

    def _feedback_act(self, visit: Visit, item_id: str, notice: str, action) -> Rendered | Redirect:
        try:
            action(item_id, visit.session.language)
        except ServiceError as refused:
            if refused.code not in ITEM_REFUSALS:
                raise
            details = refused.details if isinstance(refused.details, dict) else {}
            return self._feedback_item_page(
                visit,
                item_id,
                refusal=refused.code,
                next_support=details.get("next_support_at"),
                status=409,
            )
        visit.tell(notice)
        return Redirect(f"{FEEDBACK}/items/{item_id}")

    def _feedback_follow(self, item_id: str, language: str) -> None:
        self.feedback.follow(item_id, {"language": language})

    def _feedback_unfollow(self, item_id: str, language: str) -> None:
        self.feedback.unfollow(item_id, language)

    def _feedback_me_too(self, item_id: str, language: str) -> None:
        self.feedback.me_too(item_id, {"language": language})

    def _feedback_support(self, item_id: str, language: str) -> None:
        self.feedback.support(item_id, language)

    def _feedback_categories(self, language: str, kind: str) -> dict[str, dict[str, Any]]:
        return {
            category["key"]: category
            for category in self.feedback.categories(language)
            if category["kind"] == kind
        }

    def _feedback_new_page(self, visit: Visit, kind: str) -> Rendered:
        categories = self._feedback_categories(visit.session.language, kind)
        asked = visit.value("category")
        category = categories.get(asked)
        if category is None:
            # a category asked for by an old link or a changed list is named, not ignored
            return self._feedback_choose_page(kind, categories, unknown=bool(asked))
        blank = {name: "" for name in _fields(kind, category)}
        return self._feedback_form_page(
            kind, category, {**blank, "show_name": False, "photos": []}, {}
        )

    def _feedback_submit_page(self, visit: Visit, kind: str) -> Rendered | Redirect:
        categories = self._feedback_categories(visit.session.language, kind)
        category = categories.get(visit.value("category"))
        if category is None:
            return self._feedback_choose_page(kind, categories, unknown=True)
        entered = _entered(visit, kind, category)
        by_address = self.portal_settings.geocoder_configured
        submission, errors = _submission(entered, kind, category, visit.session.name, by_address)
        # no numbers, none wrong, an address typed: the address search finds the place
        from_address = (
            kind == "report"
            and submission.get("latitude") is None
            and bool(entered["place"])
            and not errors.keys() & {"latitude", "longitude"}
        )
        if from_address:
            errors |= self._feedback_locate(entered["place"], submission)
        if kind == "report":
            # a photo picked now is stored at once, so that it survives a form with errors
            errors |= self._feedback_keep_photo(visit, entered)
            submission["photos"] = [photo["id"] for photo in entered["photos"]]
        if kind == "report" and not errors and visit.value("nearby_seen") != "yes":
            nearby, errors = self._feedback_nearby(submission, visit.session.language)
            if nearby:
                return self._feedback_form_page(kind, category, entered, {}, nearby=nearby)
        refusal = None
        if not errors:
            try:
                challenge = self.proof_of_work.verify(visit.value("altcha") or None)
                submission |= {"challenge": challenge, "language": visit.session.language}
                key = visit.value("submission_key")[:100] or None
                if kind == "report":
                    made = self.feedback.submit_report(submission, idempotency_key=key)
                else:
                    made = self.feedback.submit_idea(submission, idempotency_key=key)
                return Redirect(f"{FEEDBACK}/items/{made['id']}/sent")
            except (ChallengeRequired, ChallengeFailed):
                errors = {"altcha": ["error.code.challenge_failed"]}
            except InvalidInput as refused:
                errors = {name: ["form.invalid"] for name in field_errors(refused)}
            except ServiceError as refused:
                errors = _refusal_at_field(refused)
                if not errors and refused.code not in ITEM_REFUSALS:
                    raise
                refusal = None if errors else refused.code
        if from_address and "latitude" in errors and "place" not in errors:
            # the numbers were found from the address: the address is what to correct
            errors.pop("latitude")
            errors["place"] = ["feedback.place.outside_town"]
        if "place" in errors and self.portal_settings.map_configured:
            # where a map is shown, the message offers it too
            errors["place"] = [
                f"{key}.map" if key.startswith("feedback.place.") else key
                for key in errors["place"]
            ]
        return self._feedback_form_page(kind, category, entered, errors, refusal, status=400)

    def _feedback_locate(self, place: str, submission: dict[str, Any]) -> dict[str, list[str]]:
        """The place's numbers from its address, into the submission; or why not."""
        try:
            latitude, longitude = geocoding.locate(
                self.portal_settings, place, self.feedback.town_area()
            )
        except geocoding.AddressNotFound:
            return {"place": ["feedback.place.not_found"]}
        except geocoding.GeocoderUnavailable:
            return {"place": ["feedback.place.unavailable"]}
        submission["latitude"], submission["longitude"] = latitude, longitude
        return {}

    def _feedback_map(self, bbox: str = "") -> dict[str, Any] | None:
        return map_settings(self.portal_settings, self.feedback.town_area, bbox)

    def _feedback_keep_photo(self, visit: Visit, entered: dict[str, Any]) -> dict[str, list]:
        """Upload the photo the form carries, if any, and add it to the ones kept."""
        upload = visit.request.files.get("photo")
        if upload is None or not upload.filename:
            return {}
        try:
            document = self.data_plane.upload(
                self.documents,
                upload.stream,
                {
                    "document_type": PHOTO_TYPE,
                    "title": upload.filename[:300],
                    "filename": upload.filename[:255],
                    "media_type": upload.mimetype or "application/octet-stream",
                    "language": visit.session.language,
                },
            )
        except (UploadRefused, ServiceError):
            return {"photo": ["feedback.photo.refused"]}
        entered["photos"].append({"id": document["document_id"], "name": upload.filename[:255]})
        return {}

    def _feedback_nearby(
        self, submission: dict[str, Any], language: str
    ) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
        """Open reports of the category close to the place, offered once before filing: the
        citizen may say "me too" there instead."""
        place = {name: submission[name] for name in ("category", "latitude", "longitude")}
        try:
            nearby = self.feedback.nearby_reports(place, language)
        except InvalidInput as refused:
            return [], {name: ["form.invalid"] for name in field_errors(refused)}
        if nearby:
            # one's own reports are not offered: nor the one this very form made, when it
            # is sent again after a lost answer
            own = {item["id"] for item in self.feedback.my_items(language)}
            nearby = [report for report in nearby if report["id"] not in own]
        return nearby, {}

    def _feedback_choose_page(
        self, kind: str, categories: dict[str, dict[str, Any]], unknown: bool
    ) -> Rendered:
        errors = {"category": ["feedback.choose.unknown"]} if unknown else {}
        return Rendered(
            "feedback/choose.html",
            {"kind": kind, "categories": categories, "errors": errors},
            status=400 if unknown else 200,
        )

    def _feedback_form_page(
        self, kind, category, entered, errors, refusal=None, nearby=None, status=200
    ) -> Rendered:
        return Rendered(
            "feedback/new.html",
            {
                "kind": kind,
                "category": category,
                "entered": entered,
                "errors": errors,
                "refusal": refusal,
                "nearby": nearby or [],
                "labels": {
                    f"answer-{question['key']}": question["label"]
                    for question in category["questions"]
                },
                "challenge": self.proof_of_work.issue(),
                "map": self._feedback_map() if kind == "report" else None,
                "by_address": self.portal_settings.geocoder_configured,
                # each drawing of the form its own key: the same form sent twice (a double
                # click, the back button) makes one report; a corrected form is a new request
                "submission_key": str(uuid.uuid4()),
            },
            status=status,
        )

    def _feedback_rating_page(self, token, invitation, entered, errors, status=200) -> Rendered:
        return Rendered(
            "feedback/rate.html",
            {"token": token, "invitation": invitation, "entered": entered, "errors": errors},
            status=status,
        )


def _entered(visit: Visit, kind: str, category: dict[str, Any]) -> dict[str, Any]:
    """The form's values as typed, to show again."""
    entered: dict[str, Any] = {name: visit.value(name) for name in _fields(kind, category)}
    entered["show_name"] = visit.value("show_name") == "yes"
    # photos stored by an earlier try of the form: their ids and file names, in pairs
    ids, names = visit.form.get("photo_ids", []), visit.form.get("photo_names", [])
    entered["photos"] = [{"id": i, "name": n} for i, n in zip(ids, names, strict=False)]
    return entered


def _fields(kind: str, category: dict[str, Any]) -> list[str]:
    """The form's text fields: the category's questions as `answer-<key>`."""
    names = ["title", "description"]
    if kind == "report":
        names += ["place", "latitude", "longitude"]
    return names + [f"answer-{question['key']}" for question in category["questions"]]


def _submission(
    entered: dict[str, Any],
    kind: str,
    category: dict[str, Any],
    author: str | None,
    by_address: bool = False,
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """What the service is sent, and what is missing or not a number: all at once.

    With `by_address` (an address search configured), a report whose numbers are both left
    empty takes its place from the address instead: the numbers stay None here.
    """
    errors: dict[str, list[str]] = {}
    for name in ("title", "description"):
        if not entered[name]:
            errors[name] = ["form.required"]
    description = entered["description"]
    submission: dict[str, Any] = {
        "category": category["key"],
        "title": entered["title"],
        # the public sees the sign-in's name only when the citizen says so
        "anonymous": not entered["show_name"],
    }
    if entered["show_name"] and author:
        submission["name"] = author[:80]
    if kind == "report":
        numbers = bool(entered["latitude"] or entered["longitude"])
        for name in ("latitude", "longitude"):
            submission[name], problem = _number(entered[name], required=numbers or not by_address)
            if problem:
                errors[name] = [problem]
        if by_address and not numbers and not entered["place"]:
            errors["place"] = ["feedback.place.missing"]
        if entered["place"]:
            # the service keeps no address: the place's words lead the description
            description = f"{entered['place']}\n\n{description}"
    submission["description"] = description
    answers: dict[str, Any] = {}
    for question in category["questions"]:
        name = f"answer-{question['key']}"
        answer, problem = _answer(question, entered[name])
        if problem:
            errors[name] = [problem]
        elif answer is not None:
            answers[question["key"]] = answer
    submission["answers"] = answers
    return submission, errors


def _answer(question: dict[str, Any], typed: str) -> tuple[Any, str | None]:
    if not typed:
        return None, ("form.required" if question["required"] else None)
    if question["type"] == "boolean":
        return YES_NO.get(typed), (None if typed in YES_NO else "form.invalid")
    if question["type"] == "number":
        return _number(typed, required=question["required"])
    return typed, None


def _number(typed: str, required: bool) -> tuple[float | None, str | None]:
    if not typed:
        return None, ("form.required" if required else None)
    try:
        return float(typed.replace(",", ".")), None
    except ValueError:
        return None, "feedback.form.not_a_number"


def map_settings(
    settings: PortalSettings, town_area: Callable[[], dict[str, Any]], bbox: str = ""
) -> dict[str, Any] | None:
    """What the feedback map (the `map` macro) needs, or None without map tiles: the tiles,
    whose they are, and where it opens (the asked box, else the town: `town_area` asks the
    feedback service, only when a map is shown)."""
    if not settings.map_configured:
        return None
    area = town_area()
    opens = [area["south"], area["west"], area["north"], area["east"]]
    return {
        "tiles": settings.tile_url,
        "attribution": settings.tile_attribution,
        "bounds": bbox if _box(bbox) else ",".join(str(edge) for edge in opens),
    }


def _box(text: str) -> bool:
    """Whether the text is a box as the list takes it: south,west,north,east in degrees."""
    try:
        south, west, north, east = (float(edge) for edge in text.split(","))
    except ValueError:
        return False
    return -90 <= south < north <= 90 and -180 <= west < east <= 180


def _refusal_at_field(refused: ServiceError) -> dict[str, list[str]]:
    """A refusal shown at the field it concerns (the answers at their questions)."""
    if refused.code == "invalid_answers":
        return {f"answer-{key}": ["form.invalid"] for key in field_errors(refused)}
    field = SUBMISSION_FIELD.get(refused.code)
    return {field: [f"error.code.{refused.code}"]} if field else {}
