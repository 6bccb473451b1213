"""What the use cases call outside the unit of work, as the types a test fakes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

# wakes this instance's dispatcher: messages wait to be sent
Kick = Callable[[], None]
# calls a webhook's callback once, signed, and refuses unless it answers 2xx:
# (url, secret, timeout in seconds, now)
CallbackTest = Callable[[str, str, float, datetime], None]
