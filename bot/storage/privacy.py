"""Texters' numbers: pseudonyms for keys and logs, encryption where a number must be kept."""
import base64
import hashlib
import hmac
import re

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_NOT_DIGITS = re.compile(r"[^\d+]")


def _derive(data_key, purpose):
    """Derive a 32-byte key for one purpose from DATA_KEY."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"helpline-bot", info=purpose).derive(
        data_key.encode("utf-8"))


def bare_number(address):
    """Return a Twilio address without its channel prefix: 'whatsapp:+1 555…' -> '+1555…'."""
    address = (address or "").strip()
    if ":" in address:
        address = address.split(":", 1)[1]
    return _NOT_DIGITS.sub("", address)


class Keys:
    """Pseudonymise and encrypt texters' numbers with keys derived from DATA_KEY."""

    def __init__(self, data_key):
        """Derive the pseudonym and encryption keys."""
        self._data_key = data_key
        self._pseudonyms = hmac.new(_derive(data_key, b"pseudonym"), digestmod=hashlib.sha256)  # copied per number
        self._fernet = self.cipher(b"number-encryption")

    def cipher(self, purpose):
        """Return a Fernet cipher with a key of its own derived from DATA_KEY for purpose (bytes)."""
        return Fernet(base64.urlsafe_b64encode(_derive(self._data_key, purpose)))

    def pseudonym(self, address):
        """Return the stable 16-character pseudonym of a number (the same on SMS and WhatsApp)."""
        mac = self._pseudonyms.copy()
        mac.update(bare_number(address).encode())
        return base64.urlsafe_b64encode(mac.digest()[:12]).decode()

    def encrypt(self, address):
        """Return the number encrypted (with its channel prefix) for a later reply."""
        return self._fernet.encrypt(address.encode()).decode()

    def decrypt(self, token):
        """Return the number encrypted by encrypt(), or None when it cannot be read."""
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except (InvalidToken, ValueError):
            return None


def short_name(pseudonym):
    """Return the short name volunteers and logs see for a texter (never the number)."""
    return "T-" + pseudonym[:6].upper().replace("-", "X").replace("_", "Y")
