"""Privacy of citizens who write to the tipline: pseudonyms, encrypted reply addresses, masked NIKs.

- A chat id is stored as an HMAC-SHA256 keyed hash (the pseudonym): the same citizen is recognised
  (rate limits, /hapus, grouping) but the database alone cannot say who they are.
- To send an officer's verdict later the bot needs the chat id back, so it is kept encrypted (Fernet)
  only for citizens who agreed (/mulai), and only in the rows that need it.
- Both keys are derived (HKDF) from one secret in the environment variable named in config/tipline.yml.
- A 16-digit number (NIK or KK, possibly written in groups) is masked before anything is stored.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

NIK_MASK = "[NIK disamarkan]"
# 16 digits, optionally split by single spaces, dots or dashes ("6105 0123 4567 8901"), not part of a
# longer number.
_NIK = re.compile(r"(?<![\d])\d(?:[ .\-]?\d){15}(?![\d])")


def mask_nik(text: str) -> str:
    """Replace every NIK-like number (16 digits) with a marker; other numbers stay."""
    return _NIK.sub(NIK_MASK, text)


def _derive(secret: str, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(secret.encode("utf-8"))


class TipKeys:
    """The pseudonym and address keys of one deployment."""

    def __init__(self, secret: str) -> None:
        self._pseudonym_key = _derive(secret, b"monitor-tipline-pseudonym")
        self._fernet = Fernet(base64.urlsafe_b64encode(_derive(secret, b"monitor-tipline-address")))

    def pseudonym(self, channel: str, chat_id: str) -> str:
        message = f"{channel}:{chat_id}".encode()
        return hmac.new(self._pseudonym_key, message, hashlib.sha256).hexdigest()

    def seal(self, chat_id: str) -> str:
        return self._fernet.encrypt(chat_id.encode("utf-8")).decode("ascii")

    def open(self, sealed: str) -> str:
        try:
            return self._fernet.decrypt(sealed.encode("ascii")).decode("utf-8")
        except (InvalidToken, ValueError):
            raise ValueError("a stored reply address cannot be decrypted with this key") from None
