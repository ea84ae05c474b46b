"""Settings from the environment, checked at start-up."""
import os
import re
import secrets
import stat
from dataclasses import dataclass, fields

DAY = 86400
RATE_WINDOW = 60          # RATE_LIMIT counts messages in this many seconds
MAX_REDIS_TIMEOUT = 0.8   # with the webhook's 1-second Redis budget, keeps every answer under 2 seconds


_PRIVATE = set()  # folders make_private() walked in this process


class ConfigError(Exception):
    """A setting is missing or wrong; the message says which and what to do."""


@dataclass(frozen=True)
class Settings:
    """Every setting the app reads, with its default (see README, "Environment variables")."""

    APP_ENV: str = "development"
    SECRET_KEY: str = ""
    DATA_KEY: str = ""
    REDIS_URL: str = ""
    REDIS_PREFIX: str = "hb:"
    REDIS_CLUSTER: int = 0
    TWILIO_AUTH_TOKEN: str = ""
    TWILIO_ACCOUNT_SID: str = ""
    TWILIO_FROM: str = ""
    TWILIO_MESSAGING_SERVICE_SID: str = ""
    TWILIO_API_URL: str = ""
    TWILIO_TIMEOUT: float = 10.0
    TWILIO_MMS: int = 0  # 1: the helpline's SMS number can send MMS (Twilio's US and Canadian numbers can)
    PUBLIC_BASE_URL: str = ""
    TRUSTED_PROXIES: int = 0  # proxies in front whose X-Forwarded-* are believed (Heroku: 1)
    SCRIPT_DIR: str = ""
    SESSION_TTL: int = 3600
    LANGUAGE_TTL: int = 90 * DAY
    OPTOUT_TTL: int = 400 * DAY
    HANDOFF_TTL: int = 14 * DAY
    CLOSED_TTL: int = 7 * DAY
    DEDUPE_TTL: int = 2 * DAY
    REPLAY_TTL: int = 7 * DAY  # applied MessageSids remembered namelessly: a replay in it stores nothing
    REPLY_TTL: int = 60  # Twilio retries a webhook within 15 s of its first try (README: Twilio's retries)
    MAX_BODY_BYTES: int = 64 * 1024
    REDIS_TIMEOUT: float = 0.5
    SCRIPT_CHECK_SECONDS: float = 2.0
    RATE_LIMIT: int = 30
    AUDIT_TTL: int = 180 * DAY
    REPORTS_TTL: int = 365 * DAY
    ALERTS_TTL: int = 365 * DAY   # a subscription to alerts lasts this long after it was given (or renewed)
    ALERTS_RATE: float = 1.0      # alerts sent per second at most (0: as fast as Twilio answers)
    ALERTS_LEASE: int = 60        # seconds a sending job holds an alert; a dead worker's alert resumes after
    SPOOL_DIR: str = ""
    MODEL_CACHE: str = ""  # where trained understanding models are kept; empty: instance/models
    SPOOL_MAX_BYTES: int = 20 * 1024 * 1024
    LOGIN_HOURS: int = 12
    LOGIN_SLOTS: int = 1      # password checks (Argon2, ~0.2 s of CPU) at once per worker; more get 429
    METRICS_TOKEN: str = ""
    LOG_LEVEL: str = "INFO"
    LOG_FORMAT: str = ""  # "json" or "text"; empty: json in production, text in development

    @property
    def production(self):
        """Return True in production, where secrets are required."""
        return self.APP_ENV == "production"

    @property
    def log_format(self):
        """Return the log format: LOG_FORMAT, else JSON lines in production and readable lines elsewhere."""
        return self.LOG_FORMAT or ("json" if self.production else "text")

    @property
    def ttl(self):
        """Return the store's TTLs in seconds."""
        return {"session": self.SESSION_TTL, "language": self.LANGUAGE_TTL, "optout": self.OPTOUT_TTL,
                "handoff": self.HANDOFF_TTL, "closed": self.CLOSED_TTL, "dedupe": self.DEDUPE_TTL,
                "reply": self.REPLY_TTL, "audit": self.AUDIT_TTL, "rate": RATE_WINDOW,
                "reports": self.REPORTS_TTL, "replay": self.REPLAY_TTL, "words": self.LANGUAGE_TTL,
                "alerts": self.ALERTS_TTL}

    @property
    def twilio_sending(self):
        """Return True when outbound messages can go through Twilio's REST API."""
        return bool(self.TWILIO_ACCOUNT_SID and self.TWILIO_AUTH_TOKEN
                    and (self.TWILIO_FROM or self.TWILIO_MESSAGING_SERVICE_SID))


def _convert(name, kind, raw):
    """Return raw converted to kind, or raise ConfigError naming the setting."""
    if kind in (int, "int"):
        try:
            value = int(raw)
        except (TypeError, ValueError):
            raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
        if value < 0:
            raise ConfigError(f"{name} must not be negative, got {value}")
        return value
    if kind in (float, "float"):
        try:
            return float(raw)
        except (TypeError, ValueError):
            raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    return str(raw)


def load_settings(environ=None, overrides=None, instance_path=None):
    """Return Settings from environ (default os.environ) and overrides, or raise ConfigError."""
    environ = os.environ if environ is None else environ
    values = {}
    for f in fields(Settings):
        if overrides and f.name in overrides:
            values[f.name] = _convert(f.name, f.type, overrides[f.name])
        elif environ.get(f.name, "") != "":
            values[f.name] = _convert(f.name, f.type, environ[f.name])
    settings = Settings(**values)
    if settings.SCRIPT_CHECK_SECONDS < 0:
        raise ConfigError("SCRIPT_CHECK_SECONDS must not be negative")
    if settings.APP_ENV not in ("production", "development"):
        raise ConfigError(f"APP_ENV must be production or development, got {settings.APP_ENV!r}")
    if settings.LOG_FORMAT not in ("", "json", "text"):
        raise ConfigError(f"LOG_FORMAT must be json or text, got {settings.LOG_FORMAT!r}")
    for name in ("SESSION_TTL", "LANGUAGE_TTL", "OPTOUT_TTL", "HANDOFF_TTL", "CLOSED_TTL", "DEDUPE_TTL",
                 "REPLY_TTL", "AUDIT_TTL", "ALERTS_TTL", "ALERTS_LEASE"):
        if getattr(settings, name) < 1:
            raise ConfigError(f"{name} must be at least 1 second")
    if settings.REPLAY_TTL < settings.DEDUPE_TTL:
        raise ConfigError(f"REPLAY_TTL must be at least DEDUPE_TTL ({settings.DEDUPE_TTL} seconds), "
                          f"got {settings.REPLAY_TTL}")
    if settings.REPORTS_TTL < DAY:
        raise ConfigError(f"REPORTS_TTL must be at least {DAY} seconds (one day), got {settings.REPORTS_TTL}")
    if not 0 < settings.REDIS_TIMEOUT <= MAX_REDIS_TIMEOUT:
        raise ConfigError(f"REDIS_TIMEOUT must be more than 0 and at most {MAX_REDIS_TIMEOUT} seconds "
                          f"(so a webhook answers within 2 seconds when Redis hangs), got {settings.REDIS_TIMEOUT}")
    if settings.ALERTS_RATE < 0:
        raise ConfigError(f"ALERTS_RATE must be 0 (no limit) or a positive number of messages a second, "
                          f"got {settings.ALERTS_RATE}")
    if settings.REDIS_CLUSTER not in (0, 1):
        raise ConfigError(f"REDIS_CLUSTER must be 0 or 1, got {settings.REDIS_CLUSTER}")
    if settings.TWILIO_MMS not in (0, 1):
        raise ConfigError(f"TWILIO_MMS must be 0 or 1 (1: the SMS number can send MMS), got {settings.TWILIO_MMS}")
    if settings.SPOOL_MAX_BYTES < 64 * 1024:
        raise ConfigError("SPOOL_MAX_BYTES must be at least 65536 (one message can take 20 KB)")
    if settings.LOGIN_HOURS < 1:
        raise ConfigError("LOGIN_HOURS must be at least 1")
    if not 1 <= settings.LOGIN_SLOTS <= 8:
        raise ConfigError(f"LOGIN_SLOTS must be between 1 and 8 (password checks at once per worker), "
                          f"got {settings.LOGIN_SLOTS}")
    if settings.TWILIO_TIMEOUT <= 0:
        raise ConfigError("TWILIO_TIMEOUT must be a positive number of seconds")
    if settings.PUBLIC_BASE_URL and not re.match(r"^https?://[^/\s]+(/\S*)?$", settings.PUBLIC_BASE_URL):
        raise ConfigError(f"PUBLIC_BASE_URL must look like https://bot.example.org, got {settings.PUBLIC_BASE_URL!r}")
    if settings.production:
        for name in ("SECRET_KEY", "DATA_KEY"):
            value = getattr(settings, name)
            if not value:
                raise ConfigError(f"{name} is required in production; generate one with "
                                  "python -c 'import secrets; print(secrets.token_urlsafe(32))'")
            if len(value) < 32 or len(set(value)) < 10:
                raise ConfigError(f"{name} is too weak: use at least 32 random characters")
        if settings.SECRET_KEY == settings.DATA_KEY:
            raise ConfigError("SECRET_KEY and DATA_KEY must differ: a leaked session key must not unlock numbers")
        if not settings.REDIS_URL:
            raise ConfigError("REDIS_URL is required in production: the embedded Redis is for development "
                              "only (one machine, no replica); use a managed Redis, e.g. redis://host:6379/0")
        return settings
    # Development: stable secrets kept under instance/, so restarts and workers agree.
    missing = {n: _dev_secret(instance_path, n) for n in ("SECRET_KEY", "DATA_KEY") if not getattr(settings, n)}
    return Settings(**{**{f.name: getattr(settings, f.name) for f in fields(Settings)}, **missing})


def _dev_secret(instance_path, name):
    """Return a development secret stored in instance/ (created on first use, readable by us alone)."""
    if not instance_path:
        return secrets.token_urlsafe(32)
    make_private(instance_path)
    path = os.path.join(instance_path, f"dev-{name.lower().replace('_', '-')}")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(secrets.token_urlsafe(32))
    except FileExistsError:
        pass
    with open(path, encoding="ascii") as fh:
        return fh.read().strip()


def make_private(folder):
    """Create folder if needed and make it and everything in it ours alone: folders 0700, files 0600.

    instance/ holds development secrets, the embedded Redis's data (numbers encrypted, bodies not)
    and the spool; an earlier version left some of them readable by every user of the machine.
    """
    os.makedirs(folder, mode=0o700, exist_ok=True)
    os.chmod(folder, 0o700)
    if folder in _PRIVATE:
        return
    _PRIVATE.add(folder)
    for root, folders, files in os.walk(folder):
        for name in folders:
            _chmod(os.path.join(root, name), 0o700)
        for name in files:
            _chmod(os.path.join(root, name), 0o600)


def _chmod(path, mode):
    """Set a path's mode unless it is gone or not ours (a file being replaced meanwhile)."""
    try:
        found = os.lstat(path).st_mode
        if not stat.S_ISLNK(found) and found & 0o777 != mode:
            os.chmod(path, mode)
    except (FileNotFoundError, PermissionError):
        pass
