"""Trained models cached by the hash of what they were trained from: in memory, and in a folder.

The same examples and texts always give the same models (training is deterministic), so a model is
named by that hash and the code's FORMAT. A web worker loads what another process already trained (a
file in the cache folder, written whole by rename) instead of training again; in memory, each process
keeps the few newest. The folder is set once by the app (MODEL_CACHE, default instance/models); without
one, models are kept in memory only.
"""
import json
import logging
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import OrderedDict

from bot.conversation.understanding import linear, training
from bot.conversation.understanding.examples import fingerprint, flatten
from bot.conversation.understanding.reader import Understander

FORMAT = "u2"            # change when features, training or storage change: older files are not read
KEPT = 4                 # models kept in memory per process
LOCK_SECONDS = 300       # a background training older than this is taken for dead
NAMES = ("intent", "danger", "language")

log = logging.getLogger(__name__)
_memory = OrderedDict()
_lock = threading.Lock()
_folder = {"path": os.environ.get("MODEL_CACHE") or None}


def set_folder(path):
    """Keep trained models in path (created, private) from now on; None keeps them in memory only."""
    if path:
        os.makedirs(path, mode=0o700, exist_ok=True)
    _folder["path"] = path or None


def _key(examples, language_texts):
    """Return the cache key of what a model is trained from."""
    return f"{FORMAT}-{fingerprint(examples, sorted((l, sorted(t)) for l, t in language_texts.items()))}"


def ready(examples, language_texts):
    """Return True when the models for these examples can be had without training in this process:
    in memory, in the cache folder, or when there is no folder (training is then done in place)."""
    key = _key(examples, language_texts)
    path = _path(key)
    return key in _memory or path is None or os.path.exists(path)


def train_detached(examples, language_texts):
    """Start training these examples' models in a process of their own, which writes them to the cache
    folder (a web worker keeps serving meanwhile); do nothing when one is already training them."""
    key = _key(examples, language_texts)
    path = _path(key)
    if path is None or os.path.exists(path):
        return False
    lock = path + ".lock"
    try:
        if time.time() - os.path.getmtime(lock) < LOCK_SECONDS:
            return False  # another process is training these
    except OSError:
        pass
    try:
        with open(lock, "w") as fh:
            fh.write(str(os.getpid()))
        fd, job = tempfile.mkstemp(dir=_folder["path"], suffix=".job")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"examples": examples, "language_texts": language_texts}, fh, ensure_ascii=False)
        subprocess.Popen([sys.executable, "-m", "bot.conversation.understanding.cache", _folder["path"], job],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True)
    except OSError as exc:
        log.warning("cannot start training the understanding model (%s)", type(exc).__name__)
        return False
    log.info("training the understanding model in the background")
    return True


def understander(examples, language_texts):
    """Return the Understander for a bundle's examples and the script's texts per language (None when
    there is too little to train on)."""
    key = _key(examples, language_texts)
    with _lock:
        if key in _memory:
            _memory.move_to_end(key)
            return _memory[key]
        flat = flatten(examples)
        if not trainable(flat, language_texts):
            _memory[key] = None
            return None
        models, extra = _read(key) or (None, None)
        if models is None:
            models, extra = training.train(flat, language_texts)
            extra["key"] = key
            log.info("understanding models trained from %d examples in %.1f s", len(flat), extra["seconds"])
            _write(key, models, extra)
        made = Understander(models, extra, flat)
        _memory[key] = made
        while len(_memory) > KEPT:
            _memory.popitem(last=False)
        return made


def trainable(flat, language_texts):
    """Return True when there is enough to train on: two intents, two danger classes, two languages."""
    languages = {e.lang for e in flat} | {lang for lang, texts in language_texts.items() if texts}
    return (len({e.intent for e in flat if e.intent}) >= 2 and len({e.danger for e in flat}) >= 2
            and len(languages) >= 2)


def _path(key):
    """Return the cache file of a key, or None without a folder."""
    return os.path.join(_folder["path"], f"{key}.npz") if _folder["path"] else None


def _read(key):
    """Return (models, extra) from the cache folder, or None."""
    path = _path(key)
    if not path or not os.path.exists(path):
        return None
    try:
        with open(path, "rb") as fh:
            return linear.load(fh.read(), NAMES)
    except (OSError, ValueError, KeyError) as exc:
        log.warning("a cached understanding model cannot be read (%s): training again", type(exc).__name__)
        return None


def _write(key, models, extra):
    """Write models to the cache folder, whole or not at all."""
    path = _path(key)
    if not path:
        return
    try:
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            fh.write(linear.save(models, extra))
        os.replace(tmp, path)
    except OSError as exc:
        log.warning("the understanding model cannot be cached (%s)", type(exc).__name__)


def _main(folder, job):
    """Train the models described by a job file into folder, then remove the job and its lock."""
    set_folder(folder)
    with open(job, encoding="utf-8") as fh:
        data = json.load(fh)
    try:
        understander(data["examples"], data["language_texts"])
    finally:
        os.unlink(job)
        key = _key(data["examples"], data["language_texts"])
        try:
            os.unlink(_path(key) + ".lock")
        except OSError:
            pass


if __name__ == "__main__":
    _main(sys.argv[1], sys.argv[2])
