"""The one address Twilio fetches a volunteer's voice reply from: /twilio/media/<token>, with no login (the
inbox's own files, so it lives here; its address says who fetches it).

The token is the texter's pseudonym and the file's id, encrypted and signed (Fernet, a key of its own derived
from DATA_KEY), so it can be neither guessed nor altered nor read; it names one file and no other, and it
expires LINK_SECONDS after the reply was sent (Twilio fetches the file at once). Once the thread is gone
(closed and CLOSED_TTL passed, or BORRAR) the file is gone and the address answers 404 like any bad token.
"""
from cryptography.fernet import InvalidToken
from flask import Blueprint, abort, current_app, make_response

bp = Blueprint("voice_link", __name__, url_prefix="/twilio")
LINK_SECONDS = 3600
PURPOSE = b"voice-link"
_EXTENSIONS = {"audio/ogg": "ogg", "audio/mp4": "m4a", "audio/mpeg": "mp3", "audio/amr": "amr"}


def _cipher():
    """Return the cipher of voice links (its key derived from DATA_KEY for this purpose alone)."""
    return current_app.extensions["conversations"].keys.cipher(PURPOSE)


def token_for(h, file_id, cipher=None):
    """Return the token naming texter h's kept file file_id."""
    return (cipher or _cipher()).encrypt(f"{h} {file_id}".encode()).decode()


def read_token(token, cipher=None, seconds=LINK_SECONDS):
    """Return (pseudonym, file id) of a token made within seconds, or None."""
    try:
        h, _, file_id = (cipher or _cipher()).decrypt(token.encode(), ttl=seconds).decode().partition(" ")
    except (InvalidToken, UnicodeError, ValueError):
        return None
    return (h, file_id) if h and file_id else None


def link(base_url):
    """Return a function (h, file id) -> the absolute address Twilio fetches the file from."""
    base = base_url.rstrip("/")
    cipher = _cipher()
    return lambda h, file_id: f"{base}/twilio/media/{token_for(h, file_id, cipher)}"


@bp.get("/media/<token>")
def voice(token):
    """Answer the file a valid, unexpired token names (Twilio's fetch), else 404."""
    found = read_token(token[:400])
    kept = current_app.extensions["conversations"].store.kept_file(*found) if found else None
    if kept is None:
        abort(404)
    kind, data = kept
    response = make_response(data)
    response.headers["Content-Type"] = kind
    response.headers["Content-Disposition"] = f'inline; filename="voice.{_EXTENSIONS.get(kind, "bin")}"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response
