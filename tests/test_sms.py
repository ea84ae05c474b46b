"""GSM-7 and UCS-2 segment arithmetic, and SMS-safe text."""
import pytest

from bot.conversation.sms import non_gsm7_chars, segments, sms_safe


@pytest.mark.parametrize("text, expected", [
    ("", ("GSM-7", 0)), ("a" * 160, ("GSM-7", 1)), ("a" * 161, ("GSM-7", 2)), ("a" * 306, ("GSM-7", 2)),
    ("a" * 307, ("GSM-7", 3)), ("€" * 80, ("GSM-7", 1)), ("€" * 81, ("GSM-7", 2)),
    ("a" * 152 + "€", ("GSM-7", 1)), ("a" * 159 + "€" + "a", ("GSM-7", 2)),
    ("á" * 70, ("UCS-2", 1)), ("á" * 71, ("UCS-2", 2)), ("á" * 134, ("UCS-2", 2)), ("á" * 135, ("UCS-2", 3)),
    ("\U0001f600" * 35, ("UCS-2", 1)), ("\U0001f600" * 36, ("UCS-2", 2)),
    ("ñé¿¡ü" * 10, ("GSM-7", 1)),
])
def test_segments(text, expected):
    """Segments follow 160/153 (GSM-7, extension characters count two) and 70/67 (UCS-2)."""
    assert segments(text) == expected


def test_sms_safe_replaces_typography_and_folds_accents():
    """Curly quotes, dashes, the modifier apostrophe and á í ó ú become GSM-7."""
    text = "K\u02bciche\u02bc \u201cHola\u201d \u2014 informaci\u00f3n\u2026 \u00bfqu\u00e9?"
    safe = sms_safe(text)
    assert safe == "K'iche' \"Hola\" - informacion... ¿qué?"
    assert non_gsm7_chars(safe) == []
    assert sms_safe("información", fold_accents=False) == "información"
    assert non_gsm7_chars("información ’") == ["ó", "’"]
