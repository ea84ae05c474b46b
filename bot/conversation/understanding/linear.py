"""A trained linear model as plain arrays: read a message, score its classes, say which features weighed.

Training (bot/conversation/understanding/training.py) fits scikit-learn's TfidfVectorizer and
LogisticRegression and keeps only what reading needs: the vocabulary, the idf weights, the coefficients
and intercepts. Reading computes what those objects compute (sublinear tf times idf, l2-normalised;
softmax of the linear scores), with numpy alone, so a web worker never imports scikit-learn and a
message costs tens of microseconds.
"""
import io
import json
import math
from collections import Counter

try:
    from _collections import _count_elements  # the C loop Counter counts with
except ImportError:  # pragma: no cover - as collections itself falls back
    def _count_elements(mapping, iterable):
        """Count iterable's elements into mapping."""
        for element in iterable:
            mapping[element] = mapping.get(element, 0) + 1

import numpy as np

from bot.conversation.understanding import features as feats

ANALYZERS = {"words": feats.features, "chars": feats.char_features}
_RUNS = {"words": feats.WORD_RUNS, "chars": feats.LETTER_RUNS}  # the runs each analyzer's words give
# Sublinear tf (1 + log count) of the counts a message has, as float32 as the vector holds them.
_TF = np.array([0.0] + [1.0 + math.log(c) for c in range(1, 4096)], dtype=np.float32)


class LinearModel:
    """Classes, vocabulary, idf and coefficients of one trained model."""

    def __init__(self, classes, vocabulary, idf, coef, intercept, analyzer="words"):
        """classes: names in column order; vocabulary: {feature: row}; coef: rows x classes."""
        self.classes = tuple(str(c) for c in classes)
        self.vocabulary = dict(vocabulary)
        self.idf = np.asarray(idf, dtype=np.float32)
        self.coef = np.asarray(coef, dtype=np.float32)
        self.intercept = np.asarray(intercept, dtype=np.float32)
        self.analyzer = analyzer
        self._features = ANALYZERS[analyzer]
        self.index = {name: i for i, name in enumerate(self.classes)}
        self._words = {}  # word -> (its row, its runs' rows): the words this model read recently

    def vector(self, folded, found=None):
        """Return (rows, values) of a folded message's tf-idf vector, l2-normalised (empty when unknown).

        found: the message's features when already computed (two models reading the same features)."""
        found = self._features(folded) if found is None else found
        # Counted in C, rows in the order first met (the order of the sums, so the scores stay the same).
        if isinstance(found, feats.Features) and found.kind is _RUNS[self.analyzer]:
            counts = self._counts(found)
        else:
            counts = Counter(map(self.vocabulary.get, found))
        counts.pop(None, None)
        if not counts:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        size = len(counts)
        rows = np.fromiter(counts, dtype=np.int64, count=size)
        many = np.fromiter(counts.values(), dtype=np.int64, count=size)
        try:
            tf = _TF.take(many)
        except IndexError:  # a feature met thousands of times (one very long word): as the table computes it
            tf = np.fromiter((1.0 + math.log(c) for c in counts.values()), dtype=np.float32, count=size)
        values = tf * self.idf.take(rows)
        norm = float(np.sqrt(np.dot(values, values)))
        if norm:
            values /= norm
        return rows, values

    def _counts(self, found):
        """Return {row: count} of found's rows (None for features not in the vocabulary), in found's order,
        each word's rows taken from those kept for the words this model read recently."""
        kept, get = self._words, self.vocabulary.get
        heads, inside = [], []
        for word in found.words:
            rows = kept.get(word)
            if rows is None:
                runs = feats._inside(word, found.kind)  # the same runs, in the same order, as in found
                rows = (get("w " + word), tuple(r for r in map(get, runs) if r is not None))
                if len(kept) >= feats.KEPT_WORDS:
                    kept.clear()
                kept[word] = rows
            heads.append(rows[0])
            inside += rows[1]
        heads += map(get, found.pairs)
        heads += inside
        heads += map(get, found.emoji)
        counts = {}
        _count_elements(counts, heads)  # Counter(heads)'s counting, in the order of the four parts
        return counts

    def probabilities(self, folded):
        """Return a numpy array of each class's probability for a folded message."""
        rows, values = self.vector(folded)
        return self.probabilities_of(rows, values)

    def probabilities_of(self, rows, values):
        """Return class probabilities for a vector from vector()."""
        # The ufuncs themselves (take, reduce, in place): the same arithmetic as coef[rows], max(), sum()
        # without their Python wrappers, which cost more than the sums on arrays this small.
        logits = self.intercept + (values @ self.coef.take(rows, axis=0) if len(rows) else 0.0)
        logits -= np.maximum.reduce(logits)
        exp = np.exp(logits, out=logits)
        exp /= np.add.reduce(exp)
        return exp

    def weighed(self, rows, values, name, most=6):
        """Return [(feature, weight)] that pushed a message towards class name most, strongest first."""
        if not len(rows) or name not in self.index:
            return []
        column = self.coef[rows]
        mean = np.add.reduce(column, axis=1) / column.shape[1]  # column.mean(axis=1), without its wrapper
        push = values * (column[:, self.index[name]] - mean)
        order = np.argsort(-push)[:most]
        inverse = self._inverse()
        return [(inverse[int(rows[i])], round(float(push[i]), 3)) for i in order if push[i] > 0]

    def _inverse(self):
        """Return the vocabulary row -> feature (built when an explanation is first asked for)."""
        if getattr(self, "_by_row", None) is None:
            self._by_row = {row: f for f, row in self.vocabulary.items()}
        return self._by_row

    def nbytes(self):
        """Return about how many bytes the arrays and vocabulary hold."""
        words = sum(len(f) + 50 for f in self.vocabulary) + 100 * len(self.vocabulary)
        return int(self.idf.nbytes + self.coef.nbytes + self.intercept.nbytes + words)

    # -- storage -----------------------------------------------------------------------------------

    def to_arrays(self, prefix):
        """Return {name: array} to save this model under prefix in an npz file."""
        features = sorted(self.vocabulary, key=self.vocabulary.get)
        meta = {"classes": list(self.classes), "analyzer": self.analyzer}
        return {f"{prefix}.meta": np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8),
                f"{prefix}.features": np.frombuffer("\n".join(features).encode(), dtype=np.uint8),
                f"{prefix}.idf": self.idf, f"{prefix}.coef": self.coef, f"{prefix}.intercept": self.intercept}

    @classmethod
    def from_arrays(cls, arrays, prefix):
        """Return the model saved by to_arrays() under prefix."""
        meta = json.loads(bytes(arrays[f"{prefix}.meta"]).decode())
        features = bytes(arrays[f"{prefix}.features"]).decode().split("\n")
        vocabulary = {f: i for i, f in enumerate(features)}
        return cls(meta["classes"], vocabulary, arrays[f"{prefix}.idf"], arrays[f"{prefix}.coef"],
                   arrays[f"{prefix}.intercept"], meta["analyzer"])


def save(models, extra):
    """Return the bytes of an npz file holding named models and a JSON-able dict extra."""
    arrays = {"extra": np.frombuffer(json.dumps(extra).encode(), dtype=np.uint8)}
    for name, model in models.items():
        arrays.update(model.to_arrays(name))
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def load(data, names):
    """Return ({name: LinearModel}, extra) from bytes made by save()."""
    with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
        loaded = {k: arrays[k] for k in arrays.files}
    extra = json.loads(bytes(loaded["extra"]).decode())
    return {name: LinearModel.from_arrays(loaded, name) for name in names}, extra
