"""The portal's one cookie: the session, encrypted and signed, kept by the browser.

Nothing is stored on the server, so any gateway instance serves any page. The cookie holds
who signed in (as the identity provider said), the chosen language, the form token that
every form sends back (CSRF) and when the session was last used; it is HttpOnly,
SameSite=Lax, Secure behind TLS, and has no other company: the portal sets no other cookie.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from dataclasses import asdict, dataclass, field, replace

from cryptography.fernet import Fernet, InvalidToken

from services.common.identity import Caller
from services.common.language import LANGUAGES
from services.portal.settings import PortalSettings

COOKIE = "rathaus_session"


@dataclass(frozen=True)
class Session:
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    language: str = "de"
    subject: str | None = None
    role: str | None = None
    departments: tuple[str, ...] = ()
    name: str | None = None
    # what a sign-in under way must find again when the identity provider sends it back
    pending_sign_in: dict | None = None
    # a short note for the next page ("Your appointment is cancelled.")
    notice: str | None = None
    used_at: float = 0.0

    @property
    def caller(self) -> Caller:
        return Caller(self.subject, self.role, tuple(self.departments), self.name)

    @property
    def signed_in(self) -> bool:
        return self.subject is not None

    def signed_in_as(self, caller: Caller) -> Session:
        """The session of `caller`, with a new form token: nothing from before carries over."""
        return Session(
            language=self.language,
            subject=caller.subject,
            role=caller.role,
            departments=caller.departments,
            name=caller.name,
        )

    def signed_out(self) -> Session:
        return Session(language=self.language)

    def with_language(self, language: str) -> Session:
        return replace(self, language=language) if language in LANGUAGES else self

    def with_notice(self, notice: str | None) -> Session:
        return replace(self, notice=notice)


def masked_csrf(token: str) -> str:
    """The form token as a page carries it: XORed with a fresh random pad that travels in
    front of it. Pages are compressed, and a secret that reads the same in every page
    would leak through the compressed length beside text an attacker chooses (BREACH)."""
    secret = token.encode()
    pad = secrets.token_bytes(len(secret))
    return base64.urlsafe_b64encode(pad + _xor(pad, secret)).decode()


def csrf_matches(sent: str, token: str) -> bool:
    """Whether a form sent back the session's token, masked by any page."""
    try:
        raw = base64.urlsafe_b64decode(sent.encode())
    except (ValueError, UnicodeEncodeError):
        return False
    half = len(raw) // 2
    if not raw or len(raw) != 2 * half:
        return False
    return secrets.compare_digest(_xor(raw[:half], raw[half:]), token.encode())


def _xor(left: bytes, right: bytes) -> bytes:
    return bytes(a ^ b for a, b in zip(left, right, strict=True))


class SessionCodec:
    def __init__(self, settings: PortalSettings) -> None:
        key = base64.b64decode(settings.session_key)
        self._fernet = Fernet(base64.urlsafe_b64encode(key))
        self.idle_seconds = settings.session_idle_minutes * 60
        self.secure = settings.secure_cookies

    def load(self, cookie: str | None, now: float | None = None) -> tuple[Session, bool]:
        """The session a cookie holds, and whether a signed-in one has just run out."""
        now = time.time() if now is None else now
        if not cookie:
            return Session(), False
        try:
            data = json.loads(self._fernet.decrypt(cookie.encode()))
            session = Session(**{**data, "departments": tuple(data.get("departments", ()))})
        except (InvalidToken, ValueError, TypeError):
            return Session(), False
        if now - session.used_at > self.idle_seconds:
            return session.signed_out(), session.signed_in
        return session, False

    def dump(self, session: Session, now: float | None = None) -> str:
        used = replace(session, used_at=time.time() if now is None else now)
        return self._fernet.encrypt(json.dumps(asdict(used)).encode()).decode()

    def cookie_options(self) -> dict:
        return {
            "httponly": True,
            "samesite": "Lax",
            "secure": self.secure,
            "path": "/",
        }
