"""One-time codes that hand a login's session token from the page to the server's cookie route.

The Streamlit script (dashboards/ui.py) issues a code after a login; the browser posts it to
SESSION_PATH (dashboards/server.py), which answers with the HttpOnly cookie. Both run in one process and
import this module under the same name, so they share the table below.
"""

from __future__ import annotations

import secrets
import threading
import time

COOKIE_NAME = "monitor_session"
SESSION_PATH = "/api/sesi"
CODE_SECONDS = 60

# One-time codes → (session token, max age in seconds, expiry). The page script and this route run in
# the same process; the lock guards the dict between Streamlit's script threads and the event loop.
_codes: dict[str, tuple[str, int, float]] = {}
_lock = threading.Lock()


def issue_code(token: str, max_age: int) -> str:
    """A single-use code the browser trades for the HttpOnly cookie carrying `token`."""
    code = secrets.token_urlsafe(24)
    now = time.monotonic()
    with _lock:
        for stale in [c for c, (_, _, expiry) in _codes.items() if expiry < now]:
            del _codes[stale]
        _codes[code] = (token, max_age, now + CODE_SECONDS)
    return code


def redeem_code(code: str) -> tuple[str, int] | None:
    with _lock:
        entry = _codes.pop(code, None)
    if entry is None or entry[2] < time.monotonic():
        return None
    return entry[0], entry[1]
