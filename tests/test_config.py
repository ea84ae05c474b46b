"""Settings: production refuses to start without strong secrets; bad values are named."""
import pytest

from bot.config import ConfigError, load_settings

STRONG = "k3JvQ9xL2mZ8pR4tW7yB1nC6dF0gH5jS"


@pytest.mark.parametrize("env, message", [
    ({"APP_ENV": "production", "DATA_KEY": STRONG}, "SECRET_KEY is required"),
    ({"APP_ENV": "production", "SECRET_KEY": STRONG}, "DATA_KEY is required"),
    ({"APP_ENV": "production", "SECRET_KEY": STRONG, "DATA_KEY": "short"}, "DATA_KEY is too weak"),
    ({"APP_ENV": "production", "SECRET_KEY": "a" * 40, "DATA_KEY": STRONG}, "SECRET_KEY is too weak"),
    ({"APP_ENV": "production", "SECRET_KEY": STRONG, "DATA_KEY": STRONG}, "must differ"),
    ({"APP_ENV": "production", "SECRET_KEY": STRONG, "DATA_KEY": STRONG[::-1]}, "REDIS_URL is required"),
    ({"REDIS_TIMEOUT": "2"}, "REDIS_TIMEOUT must be more than 0 and at most 0.8"),
    ({"REDIS_TIMEOUT": "0"}, "REDIS_TIMEOUT must be more than 0"),
    ({"REDIS_CLUSTER": "2"}, "REDIS_CLUSTER must be 0 or 1"),
    ({"SPOOL_MAX_BYTES": "100"}, "SPOOL_MAX_BYTES must be at least"),
    ({"AUDIT_TTL": "0"}, "AUDIT_TTL must be at least 1 second"),
    ({"RATE_LIMIT": "-1"}, "RATE_LIMIT must not be negative"),
    ({"SESSION_TTL": "soon"}, "SESSION_TTL must be a whole number"),
    ({"SESSION_TTL": "0"}, "SESSION_TTL must be at least 1 second"),
    ({"APP_ENV": "staging"}, "APP_ENV must be production or development"),
])
def test_bad_settings_are_refused(env, message):
    """Each bad setting raises ConfigError saying which setting and why."""
    with pytest.raises(ConfigError, match=message):
        load_settings(environ=env)


def test_development_secrets_are_stable(tmp_path):
    """Without secrets in development, one is generated once under instance/ and reused."""
    first = load_settings(environ={}, instance_path=str(tmp_path))
    second = load_settings(environ={}, instance_path=str(tmp_path))
    assert first.DATA_KEY == second.DATA_KEY and len(first.DATA_KEY) >= 32
