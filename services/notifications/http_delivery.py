"""A POST to another system, its answer classified for the delivery log.

Any 2xx is delivered. 408, 429 and 5xx, a timeout or a refused connection are worth another
try; any other answer is a refusal.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.request import getproxies

import requests

from services.notifications.outcomes import DELIVERED, PERMANENT, TEMPORARY, Outcome

RETRYABLE = {408, 425, 429}
# one pool of kept-alive connections per process: a TLS handshake per delivery cost more
# than the delivery (sends run side by side, as many as the dispatcher's HTTP concurrency)
_SESSION = requests.Session()
_SESSION.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=16))
_SESSION.mount("https://", requests.adapters.HTTPAdapter(pool_maxsize=16))
# requests looks for proxy settings in the environment on every request, a fifth of a
# delivery's CPU: where none is set when the service starts, it need not look again
_SESSION.trust_env = bool(getproxies())


def post(url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> Outcome:
    try:
        answer = _SESSION.post(
            url, data=body, headers=dict(headers), timeout=timeout, allow_redirects=False
        )
    except requests.RequestException as error:
        return Outcome(TEMPORARY, f"no answer: {type(error).__name__}: {error}"[:1000])
    summary = f"{answer.status_code} {answer.text[:200]}".strip()
    if 200 <= answer.status_code < 300:
        return Outcome(DELIVERED, summary)
    if answer.status_code >= 500 or answer.status_code in RETRYABLE:
        return Outcome(TEMPORARY, summary)
    return Outcome(PERMANENT, summary)
