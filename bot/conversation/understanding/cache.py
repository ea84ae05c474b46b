"""Trained models cached by the hash of what they were trained from: in memory, and in a folder.

The same examples and texts always give the same models (training is deterministic), so a model is
named by that hash and the code's FORMAT. A web worker loads what another process already trained (a
file in the cache folder, written whole by rename) instead of training again; in memory, each process
keeps the few newest. The folder is set once by the app (MODEL_CACHE, default instance/models); without
one, models are kept in memory only.
"""
import fcntl
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
        job = _job(examples, language_texts)
        subprocess.Popen([sys.executable, "-m", "bot.conversation.understanding.cache", _folder["path"], job],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True, env=_child_env())
    except OSError as exc:
        log.warning("cannot start training the understanding model (%s)", type(exc).__name__)
        return False
    log.info("training the understanding model in the background")
    return True


def understander(examples, language_texts, apart=True):
    """Return the Understander for a bundle's examples and the script's texts per language (None when
    there is too little to train on).

    Models neither in memory nor in the cache folder are trained by a process of their own, which
    writes them to the folder, and loaded from there (apart=False, or without a folder: trained here):
    a web worker never imports scikit-learn nor holds training's arrays, so it stays at the memory of
    the models it reads (README: Speed, memory and SMS cost)."""
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
        if models is None and apart:
            models, extra = _trained_apart(key, examples, language_texts) or (None, None)
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


def _trained_apart(key, examples, language_texts):
    """Train a key's models in a process of their own, which writes them to the cache folder; wait for
    it and return (models, extra) read from the folder, or None (no folder, or the training failed: the
    caller trains in place). Workers starting together wait for one training, then all read it."""
    path = _path(key)
    if path is None:
        return None
    started = time.monotonic()
    try:
        with open(path + ".training", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed, or its process ends
            found = _read(key)
            if found is not None:
                return found  # another process trained them meanwhile
            job = _job(examples, language_texts)
            subprocess.run([sys.executable, "-m", "bot.conversation.understanding.cache", _folder["path"], job],
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, env=_child_env(),
                           timeout=LOCK_SECONDS, check=False)
            found = _read(key)
    except (OSError, subprocess.SubprocessError) as exc:
        log.warning("cannot train the understanding model in a process of its own (%s)", type(exc).__name__)
        return None
    if found is not None:
        log.info("understanding models trained by a process of their own in %.1f s", time.monotonic() - started)
    return found


def _job(examples, language_texts):
    """Write what a training process trains from to a job file in the cache folder; return its path."""
    fd, job = tempfile.mkstemp(dir=_folder["path"], suffix=".job")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump({"examples": examples, "language_texts": language_texts}, fh, ensure_ascii=False)
    return job


def _child_env():
    """Return the environment of a training process: this one's, able to import this package."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    paths = [root] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}


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
        understander(data["examples"], data["language_texts"], apart=False)
    finally:
        os.unlink(job)
        key = _key(data["examples"], data["language_texts"])
        try:
            os.unlink(_path(key) + ".lock")
        except OSError:
            pass


if __name__ == "__main__":
    _main(sys.argv[1], sys.argv[2])
