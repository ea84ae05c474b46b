"""Media at Twilio: a texter's photos, PDFs and voice notes, read from the webhook's fields, fetched for a
volunteer through the app (with the account's credentials, within size and type limits); and the copies
Twilio keeps of volunteers' voice replies. Both are deleted at Twilio once the thread is gone (a background
sweep; BORRAR makes it due at once), and so are the files the app keeps itself (bot/storage/files.py)."""
import logging
import re
import threading
import time
import weakref

import requests

log = logging.getLogger(__name__)
MAX_MEDIA = 10                  # Twilio sends at most ten files with a message
MAX_BYTES = 16 * 1024 * 1024    # WhatsApp's limit for media; MMS is smaller
# A MediaUrl as Twilio sends it; only its path is kept (the host is always Twilio's API).
_MEDIA_URL = re.compile(r"^https://api\.twilio\.com(/2010-04-01/Accounts/AC[0-9a-f]{32}/Messages/(?:MM|SM)[0-9a-f]{32}"
                        r"/Media/ME[0-9a-f]{32})$")
# The media list of a message the app sent (a voice reply): every file in it is deleted.
_MESSAGE_MEDIA = re.compile(r"^/2010-04-01/Accounts/AC[0-9a-f]{32}/Messages/(?:MM|SM)[0-9a-f]{32}/Media$")
SWEEP_EVERY = 60
LOCAL = "local:"  # a file the app keeps itself (bot/storage/files.py)


def attachments(form):
    """Return ((path, content type), ...) of a webhook's media, skipping anything not from Twilio."""
    try:
        count = max(0, min(int(form.get("NumMedia") or 0), MAX_MEDIA))
    except ValueError:
        return ()
    found = []
    for i in range(count):
        match = _MEDIA_URL.match(form.get(f"MediaUrl{i}") or "")
        kind = (form.get(f"MediaContentType{i}") or "").strip().lower()[:100]
        if match:
            found.append((match.group(1), kind))
    return tuple(found)


class TooLarge(Exception):
    """The file is larger than MAX_BYTES."""


class MediaClient:
    """Fetch and delete media at Twilio with the account's credentials."""

    def __init__(self, account_sid, auth_token, api_url="", timeout=10):
        self.base = (api_url or "https://api.twilio.com").rstrip("/")
        self.auth, self.timeout = (account_sid, auth_token), timeout

    def fetch(self, path):
        """Return (content type, bytes) of one file; raise TooLarge, or requests' errors."""
        with requests.get(self.base + path, auth=self.auth, timeout=self.timeout, stream=True) as response:
            response.raise_for_status()
            if int(response.headers.get("Content-Length") or 0) > MAX_BYTES:
                raise TooLarge()
            data = bytearray()
            for chunk in response.iter_content(64 * 1024):
                data += chunk
                if len(data) > MAX_BYTES:
                    raise TooLarge()
            return response.headers.get("Content-Type", ""), bytes(data)

    def delete(self, path):
        """Delete one file at Twilio, or every file of a sent message (path ending in /Media); return True
        when they are gone (deleted now, or already)."""
        if _MESSAGE_MEDIA.match(path):
            return self._delete_all(path)
        response = requests.delete(self.base + path + ".json", auth=self.auth, timeout=self.timeout)
        return response.status_code in (204, 404)

    def _delete_all(self, path):
        """Delete every file Twilio lists for one sent message (one page of 50 is more than a message has)."""
        response = requests.get(self.base + path + ".json", params={"PageSize": 50}, auth=self.auth,
                                timeout=self.timeout)
        if response.status_code == 404:
            return True
        response.raise_for_status()
        files = [m.get("uri", "") for m in response.json().get("media_list") or ()]
        gone = True
        for uri in files:
            if uri.startswith(path + "/ME") and uri.endswith(".json"):
                gone = self.delete(uri[:-len(".json")]) and gone
        return gone


def sweep(store, client, now=None):
    """Delete at Twilio the media of threads that are gone, and the files the app kept for them; look
    again later at the others (a kept file lives on with its renewed thread). Without Twilio settings
    (client None) Twilio's files wait for a sweep that has them.

    Return how many files were deleted."""
    now = time.time() if now is None else now
    deleted = 0
    for h, path in store.media_due(now):
        left = store.thread_left(h)
        if left > 0:
            if path.startswith(LOCAL):
                store.files_extend(h, left)
            store.media_later(h, path, now + left + 1)
            continue
        if path.startswith(LOCAL):
            store.files_drop_all(h)
            gone = True
        elif client is None:
            gone = False
        else:
            try:
                gone = client.delete(path)
            except (requests.RequestException, ValueError):
                gone = False
        if gone:
            store.media_done(h, path)
            deleted += 1
        else:
            # Twilio busy or unreachable: try again in 5 minutes (without Twilio settings, in an hour)
            store.media_later(h, path, now + (300 if client is not None else 3600))
    if deleted:
        log.info("media deleted", extra={"count": deleted})
    return deleted


class Sweeper:
    """Sweeps one store every SWEEP_EVERY seconds (one process at a time, by a Redis lock). Every Sweeper
    of a process shares one daemon thread (tests make many apps; a deployment makes one per worker)."""

    _all = weakref.WeakSet()
    _thread = None
    _lock = threading.Lock()

    def __init__(self, store, client, every=SWEEP_EVERY):
        self.store, self.client, self.every = store, client, every

    def start(self):
        """Register this store with the process's sweeping thread (started once)."""
        with Sweeper._lock:
            Sweeper._all.add(self)
            if Sweeper._thread is None:
                Sweeper._thread = threading.Thread(target=Sweeper._run, name="media-sweep", daemon=True)
                Sweeper._thread.start()

    def round(self):
        """Sweep once if no other process is sweeping this store now."""
        try:
            if self.store.redis.set(f"{self.store.prefix}media-sweep", "1", nx=True, ex=max(self.every - 5, 1)):
                sweep(self.store, self.client)
        except Exception as exc:  # noqa: BLE001 - Redis away: the next round tries again
            log.warning("media sweep failed: %s", type(exc).__name__)

    @staticmethod
    def _run():
        while True:
            time.sleep(SWEEP_EVERY)
            for sweeper in list(Sweeper._all):
                sweeper.round()
