"""The parts of a long message the danger model also reads on their own.

A message trained on as a whole is read as a whole; but a texter's danger is often one sentence in the
middle of a long story about something else ("no me han pagado tres semanas ... y ahorita el mayordomo
anda con una pistola en la cocina"), where the rest of the story outweighs it. So the danger model also
reads each sentence, and each run of a few words of a long sentence without stops (voice-to-text), with
the sentence before it for context ("el año pasado en mi país. me golpearon" is still the past), and
the message's danger is the worst of them. The end of a message longer than the whole's reading
(features.MAX_WORDS) is read this way too.
"""
import re

from bot.conversation.understanding import features as feats

STOPS = re.compile(r"[.!?;\n\r]+|(?=\s(?:pero|but|and now|y ahora|ahorita|ahora mismo|right now|wakamik)\s)",
                   re.IGNORECASE)  # a stop, or just before a word that turns to now
WINDOW = 16       # a sentence longer than this is read in runs of STEP words, each with the run
STEP = 8          # ... before it
MIN_WORDS = 3     # a part shorter than this is read only with its neighbour
MAX_PARTS = 16    # at most this many parts: a longer message is read by its first and last ones
CONTEXT = True    # each part read with the part before it


def parts(text):
    """Return the folded parts of a message the danger model reads besides the whole (an empty list for a
    message of one short sentence, which the whole already is)."""
    pieces = []
    for sentence in STOPS.split(text or ""):
        found = feats.words(feats.fold(sentence)) if sentence.strip() else []
        if not found:
            continue
        if len(found) <= WINDOW:
            pieces.append(found)
        else:  # in runs of STEP words, each read with the one before it (WINDOW words, overlapping)
            pieces += [found[i:i + STEP] for i in range(0, len(found), STEP)]
    merged = []
    for piece in pieces:  # a piece too short to tell anything joins the one before it
        if merged and len(piece) < MIN_WORDS:
            merged[-1] = merged[-1] + piece
        else:
            merged.append(piece)
    if len(merged) < 2:
        return []
    out = [" ".join((merged[i - 1] + piece) if CONTEXT and i else piece) for i, piece in enumerate(merged)]
    if len(out) > MAX_PARTS:  # a very long message: its beginning and its end, where danger is told
        out = out[:MAX_PARTS // 2] + out[-(MAX_PARTS // 2):]
    return out
