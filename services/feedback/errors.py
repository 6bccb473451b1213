"""The feedback service's errors: each a code a portal can act on."""

from __future__ import annotations

from services.common.errors import ServiceError, service_error


@service_error("unknown_category", 404)
class UnknownCategory(ServiceError):
    """No category with that key for this kind (report or idea)."""


@service_error("invalid_answers", 400)
class InvalidAnswers(ServiceError):
    """Answers to the category's extra questions fail; details name each question."""


@service_error("location_outside_town", 400)
class LocationOutsideTown(ServiceError):
    """The location is not inside the town's boundary."""


@service_error("invalid_bbox", 400)
class InvalidBox(ServiceError):
    """A bounding box is not south,west,north,east with south < north and west < east."""


@service_error("too_many_photos", 400)
class TooManyPhotos(ServiceError):
    """More photos than FEEDBACK.max_photos."""


@service_error("photo_not_allowed", 400)
class PhotoNotAllowed(ServiceError):
    """A photo is not the caller's own, or not a photo (document type report_photo)."""


@service_error("rating_out_of_range", 400)
class RatingOutOfRange(ServiceError):
    """A rating's score is not a whole number from 1 to 5."""


@service_error("invitation_not_found", 404)
class InvitationNotFound(ServiceError):
    """No invitation to rate with that link or for that visit or case of the caller's."""


@service_error("invitation_expired", 410)
class InvitationExpired(ServiceError):
    """The rating link is older than FEEDBACK.rating_days."""


@service_error("already_rated", 409)
class AlreadyRated(ServiceError):
    """That visit or case has its rating; one each."""


@service_error("item_not_found", 404)
class ItemNotFound(ServiceError):
    """No such report or idea, or none the caller may see."""


@service_error("comment_not_found", 404)
class CommentNotFound(ServiceError):
    """No such comment, or none the caller may see."""


@service_error("not_an_idea", 409)
class NotAnIdea(ServiceError):
    """Only ideas take supports."""


@service_error("not_a_report", 409)
class NotAReport(ServiceError):
    """Only reports take "me too" and reopening."""


@service_error("already_supported", 409)
class AlreadySupported(ServiceError):
    """The caller supports this idea already; one support per citizen and idea."""


@service_error("support_limit_reached", 409)
class SupportLimitReached(ServiceError):
    """The caller used every support of the period; details say when the next is free."""


@service_error("already_counted", 409)
class AlreadyCounted(ServiceError):
    """The caller said "me too" on this report already, or it is their own."""


@service_error("item_closed", 409)
class ItemClosed(ServiceError):
    """The report or idea is closed (done, rejected, duplicate): it takes no supports."""


@service_error("duplicate_of_required", 400)
class DuplicateOfRequired(ServiceError):
    """A duplicate names the open report or idea it repeats (duplicate_of)."""


@service_error("cannot_merge", 409)
class CannotMerge(ServiceError):
    """A merge names the item itself, one of another kind, or keeps a duplicate."""


@service_error("reopen_window_passed", 409)
class ReopenWindowPassed(ServiceError):
    """A closed report may be reopened by its author only FEEDBACK.reopen_days after closing."""


@service_error("already_flagged", 409)
class AlreadyFlagged(ServiceError):
    """The caller flagged this already."""


@service_error("account_banned", 403)
class AccountBanned(ServiceError):
    """The account is banned from taking part; reading stays open."""


@service_error("too_many_submissions", 429)
class TooManySubmissions(ServiceError):
    """More reports, ideas and comments within an hour than FEEDBACK.submissions_per_hour."""


@service_error("unknown_jurisdiction", 404)
class UnknownJurisdiction(ServiceError):
    """Open311's jurisdiction_id names another town; the endpoint serves one."""
