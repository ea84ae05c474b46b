"""Volunteer and staff accounts: roles, languages spoken, Argon2id password hashes."""
import re
import secrets
import time
from dataclasses import asdict, dataclass, field

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

ROLES = ("volunteer", "staff", "reviewer")  # a reviewer checks the K'iche' texts, and sees nothing else
UI_LANGUAGES = ("es", "en")
SPOKEN = ("es", "quc", "en")
MIN_PASSWORD, MAX_PASSWORD = 10, 1024
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+[1-9]\d{6,14}$")
DEFAULT_HASHER = PasswordHasher()  # Argon2id with argon2-cffi's recommended cost (RFC 9106)
_hasher, _dummy_hash = DEFAULT_HASHER, None


def use_hasher(hasher):
    """Replace the password hasher (the tests use a cheaper Argon2id cost to run fast)."""
    global _hasher, _dummy_hash
    _hasher, _dummy_hash = hasher, None


def _dummy():
    """Return a hash verified when the email is unknown, so that takes as long as a wrong password."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = _hasher.hash("not a password of anyone")
    return _dummy_hash


class AccountError(ValueError):
    """An account cannot be created or changed; the message says why."""


@dataclass
class Account:
    """One person who may log in to the inbox (volunteer) or also to /admin (staff)."""

    email: str
    role: str = "volunteer"
    password: str = ""
    langs: list = field(default_factory=lambda: ["es"])
    ui_lang: str = "es"
    disabled: bool = False
    phone: str = ""          # encrypted; only for on-call SMS
    on_call: bool = False
    created: int = 0
    sessions: str = ""       # the token every valid session carries; a new one ends all old sessions

    @property
    def is_staff(self):
        """Return True for staff (who may also use /admin)."""
        return self.role == "staff"

    @property
    def is_reviewer(self):
        """Return True for a native reviewer of the K'iche' texts (no inbox, no texters' data)."""
        return self.role == "reviewer"

    def speaks(self, lang):
        """Return True when this person speaks a texter's language."""
        return lang in self.langs


def normalize_email(email):
    """Return the email lower-cased and stripped, or raise AccountError."""
    email = (email or "").strip().lower()
    if len(email) > 254 or not _EMAIL.match(email):
        raise AccountError(f"not an email address: {email!r}")
    return email


def check_password(password):
    """Raise AccountError when a password is too short or too long."""
    if len(password or "") < MIN_PASSWORD:
        raise AccountError(f"the password needs at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"the password may have at most {MAX_PASSWORD} characters")


class Accounts:
    """Accounts kept by the store; phone numbers encrypted with the app's keys."""

    def __init__(self, store, keys):
        """Keep accounts with store; keys encrypt volunteers' phone numbers."""
        self.store, self.keys = store, keys

    def get(self, email):
        """Return the Account for an email, or None."""
        try:
            email = normalize_email(email)
        except AccountError:
            return None
        record = self.store.user(email)
        if record is None:
            return None
        known = {k: v for k, v in record.items() if k in Account.__dataclass_fields__}
        return Account(**known)

    def all(self):
        """Return every account, sorted by email."""
        return sorted((self.get(email) for email in self.store.users()), key=lambda a: a.email)

    def add(self, email, role, password, langs=("es",), ui_lang=None, phone="", on_call=False):
        """Create an account, or raise AccountError saying what is wrong.

        Without ui_lang the pages speak the first language the person speaks with texters that the
        pages have (Spanish when none is)."""
        email = normalize_email(email)
        if role not in ROLES:
            raise AccountError(f"role must be one of {', '.join(ROLES)}")
        langs = list(dict.fromkeys(langs or ()))
        if not langs or any(lang not in SPOKEN for lang in langs):
            raise AccountError(f"languages must be among {', '.join(SPOKEN)}")
        if ui_lang is None:
            ui_lang = next((lang for lang in langs if lang in UI_LANGUAGES), "es")
        if ui_lang not in UI_LANGUAGES:
            raise AccountError(f"the page language must be one of {', '.join(UI_LANGUAGES)}")
        check_password(password)
        account = Account(email=email, role=role, password=_hasher.hash(password), langs=langs,
                          ui_lang=ui_lang, phone=self._phone(phone), on_call=bool(on_call and phone),
                          created=int(time.time()), sessions=secrets.token_hex(16))
        if not self.store.save_user(email, asdict(account), new=True):
            raise AccountError(f"{email} already has an account")
        return account

    def _phone(self, phone):
        """Return a volunteer's phone number encrypted, or '' for none."""
        phone = re.sub(r"[\s().-]", "", phone or "")
        if not phone:
            return ""
        if not _PHONE.match(phone):
            raise AccountError("the phone number must be in international form, like +15055550123")
        return self.keys.encrypt(phone)

    def phone_of(self, account):
        """Return an account's phone number in clear (for an on-call SMS), or ''."""
        return self.keys.decrypt(account.phone) or "" if account.phone else ""

    def update(self, account, **changes):
        """Save changes to an existing account and return it; a new role or a disable/enable ends its
        sessions (enabling too: a cookie from before the account was disabled must not come back)."""
        if any(name in changes and changes[name] != getattr(account, name) for name in ("role", "disabled")):
            changes["sessions"] = secrets.token_hex(16)
        for name, value in changes.items():
            setattr(account, name, value)
        self.store.save_user(account.email, asdict(account))
        return account

    def set_password(self, account, password):
        """Give an account a new password (checked for length); every session of it ends."""
        check_password(password)
        return self.update(account, password=_hasher.hash(password), sessions=secrets.token_hex(16))

    def set_role(self, account, role):
        """Change an account's role; every session of it ends."""
        if role not in ROLES:
            raise AccountError(f"role must be one of {', '.join(ROLES)}")
        return self.update(account, role=role)

    def end_sessions(self, account):
        """End every session of an account (logging out, or staff cutting a volunteer off)."""
        return self.update(account, sessions=secrets.token_hex(16))

    def session_id(self, account):
        """Return the id a session of this account carries: its email and its current session token."""
        if not account.sessions:
            self.end_sessions(account)  # an account from before session tokens: give it one
        return f"{account.email}|{account.sessions}"

    def by_session(self, session_id):
        """Return the active Account a session id belongs to, or None when its sessions were ended."""
        email, bar, token = (session_id or "").partition("|")
        account = self.get(email) if bar and token else None
        if account is None or account.disabled or not secrets.compare_digest(account.sessions, token):
            return None
        return account

    def verify(self, email, password, run=None):
        """Return the active Account whose password matches, or None (in about the same time either way).

        run(function, *args) computes the hashes (bot/web/verifying.py runs them off the event loop)."""
        run = run or (lambda function, *args: function(*args))
        account = self.get(email)
        candidate = account.password if account is not None else run(_dummy)
        try:
            run(_hasher.verify, candidate, password or "")
        except (VerificationError, InvalidHashError):
            return None
        if account is None or account.disabled:
            return None
        if _hasher.check_needs_rehash(account.password):
            self.update(account, password=run(_hasher.hash, password))
        return account
