"""A local stand-in for Twilio's Messages API, so the real twilio client can be tested end to end.

It records every POST to /2010-04-01/Accounts/<sid>/Messages.json and answers as Twilio documents:
201 with the message resource, or an error status with Twilio's JSON error body. It also holds inbound
media (add_media gives a MediaUrl; GET answers its bytes to the account's credentials) and records every
DELETE of a media resource (.deleted), as Twilio's REST API deletes them. A message sent with a MediaUrl (a
voice reply) gets a media resource of its own, listed at .../Messages/<sid>/Media.json as Twilio lists
them; with fetch_outbound set, the fake first GETs the MediaUrl without credentials, as Twilio does, and
records what it got in the message's "fetched". Tests plan failures
(429, 5xx, 21610, 63016) and stalls (for timeouts), and can send the delivery status callbacks that
Twilio would send, signed with the auth token.
"""
import base64
import collections
import http.server
import json
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

from conftest import twilio_signature

ACCOUNT_SID = "AC" + "1" * 32
_PATH = re.compile(r"^/2010-04-01/Accounts/(AC\w+)/Messages\.json$")
ERRORS = {
    21610: "Attempt to send to unsubscribed recipient",
    63016: "Failed to send freeform message because you are outside the allowed window.",
    21211: "The 'To' number +15055550123 is not a valid phone number.",
    20429: "Too Many Requests",
}


class FakeTwilio:
    """Record messages and answer like Twilio; plan() queues special answers for the next requests."""

    def __init__(self, token, account_sid=ACCOUNT_SID):
        self.token, self.account_sid = token, account_sid
        self.requests, self.messages = [], []
        self.media, self.deleted, self.fetched = {}, [], []
        self.fetch_outbound = False
        self._plan = collections.deque()
        self._lock = threading.Lock()
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def do_POST(self):
                fake._handle(self)

            def do_GET(self):
                fake._media(self, delete=False)

            def do_DELETE(self):
                fake._media(self, delete=True)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def close(self):
        """Stop the server."""
        self.server.shutdown()
        self.server.server_close()

    def plan(self, *answers):
        """Queue answers for the next requests: ("error", http_status, code), ("stall", seconds)."""
        with self._lock:
            self._plan.extend(answers)

    def reset(self):
        """Forget recorded requests, media and planned answers."""
        with self._lock:
            self.requests.clear()
            self.messages.clear()
            self._plan.clear()
            self.media.clear()
            self.deleted.clear()
            self.fetched.clear()
            self.fetch_outbound = False

    def add_media(self, content_type, data, message_sid=None):
        """Hold a file as Twilio holds an inbound message's media; return its MediaUrl (Twilio's host)."""
        message_sid = message_sid or "MM" + uuid.uuid4().hex
        path = f"/2010-04-01/Accounts/{self.account_sid}/Messages/{message_sid}/Media/ME{uuid.uuid4().hex}"
        with self._lock:
            self.media[path] = (content_type, data)
        return "https://api.twilio.com" + path

    def _media(self, handler, delete):
        expected = "Basic " + base64.b64encode(f"{self.account_sid}:{self.token}".encode()).decode()
        path = handler.path[:-len(".json")] if delete and handler.path.endswith(".json") else handler.path
        if handler.headers.get("Authorization") != expected:
            return self._reply(handler, 401, {"code": 20003, "message": "Authenticate", "status": 401})
        listing = path.split("?")[0]
        if not delete and listing.endswith("/Media.json"):  # a message's media list
            prefix = listing[:-len(".json")] + "/"
            with self._lock:
                found = [p for p in self.media if p.startswith(prefix)]
            return self._reply(handler, 200, {"media_list": [{"sid": p.rsplit("/", 1)[1], "uri": p + ".json"}
                                                             for p in found], "page": 0})
        with self._lock:
            held = self.media.get(path)
            if delete:
                self.deleted.append(path)
                self.media.pop(path, None)
            elif held:
                self.fetched.append(path)
        if held is None:
            return self._reply(handler, 404, {"code": 20404, "message": "Not found", "status": 404})
        if delete:
            handler.send_response(204)
            handler.end_headers()
            return None
        handler.send_response(200)
        handler.send_header("Content-Type", held[0])
        handler.send_header("Content-Length", str(len(held[1])))
        handler.end_headers()
        handler.wfile.write(held[1])
        return None

    def _reply(self, handler, status, payload):
        body = json.dumps(payload).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        try:
            handler.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test)

    def _handle(self, handler):
        length = int(handler.headers.get("Content-Length") or 0)
        form = {k: v[0] for k, v in urllib.parse.parse_qs(handler.rfile.read(length).decode(),
                                                          keep_blank_values=True).items()}
        match = _PATH.match(handler.path)
        expected = "Basic " + base64.b64encode(f"{self.account_sid}:{self.token}".encode()).decode()
        with self._lock:
            self.requests.append({"path": handler.path, "form": form})
            answer = self._plan.popleft() if self._plan else None
        if not match or match.group(1) != self.account_sid:
            return self._reply(handler, 404, {"code": 20404, "message": "The requested resource was not found",
                                              "status": 404})
        if handler.headers.get("Authorization") != expected:
            return self._reply(handler, 401, {"code": 20003, "message": "Authenticate", "status": 401})
        if answer and answer[0] == "stall":
            time.sleep(answer[1])
        elif answer and answer[0] == "error":
            _, status, code = answer
            return self._reply(handler, status, {"code": code, "message": ERRORS.get(code, "Error"),
                                                 "more_info": f"https://www.twilio.com/docs/errors/{code}",
                                                 "status": status})
        if not form.get("To") or not (form.get("Body") or form.get("ContentSid") or form.get("MediaUrl")):
            return self._reply(handler, 400, {"code": 21602, "message": "Message body is required.", "status": 400})
        sid = ("MM" if form.get("MediaUrl") else "SM") + uuid.uuid4().hex
        fetched = self._fetch(form["MediaUrl"]) if form.get("MediaUrl") and self.fetch_outbound else None
        message = {"sid": sid, "account_sid": self.account_sid, "to": form["To"],
                   "from": form.get("From"), "messaging_service_sid": form.get("MessagingServiceSid"),
                   "body": form.get("Body", ""), "status": "queued", "num_segments": "1",
                   "api_version": "2010-04-01",
                   "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json"}
        with self._lock:
            self.messages.append({**message, "form": form, "fetched": fetched})
            if form.get("MediaUrl"):
                path = f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}/Media/ME{uuid.uuid4().hex}"
                self.media[path] = (fetched or {}).get("type") or "audio/ogg", (fetched or {}).get("data") or b""
        self._reply(handler, 201, message)

    @staticmethod
    def _fetch(url):
        """GET a MediaUrl without credentials, as Twilio does; return its status, type and bytes."""
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                return {"status": response.status, "type": response.headers.get("Content-Type"),
                        "disposition": response.headers.get("Content-Disposition"), "data": response.read()}
        except urllib.error.HTTPError as exc:
            return {"status": exc.code, "type": None, "data": b""}

    def callback(self, message, status):
        """POST a signed delivery status callback for a recorded message, as Twilio would."""
        url = message["form"]["StatusCallback"]
        fields = {"MessageSid": message["sid"], "MessageStatus": status, "To": message["to"],
                  "From": message["from"] or "", "AccountSid": self.account_sid, "ApiVersion": "2010-04-01"}
        request = urllib.request.Request(url, data=urllib.parse.urlencode(fields).encode(), headers={
            "X-Twilio-Signature": twilio_signature(self.token, url, fields)})
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status

    def wait_for(self, count, timeout=10):
        """Wait until at least count messages were accepted; return them."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count:
            assert time.monotonic() < deadline, f"expected {count} messages, got {len(self.messages)}"
            time.sleep(0.05)
        return list(self.messages)
