"""The pure parts of 'check a job offer': case numbers, column names, and answers within the SMS budget."""
import pytest
from hypothesis import given, settings, strategies as st

from bot.conversation.jobreply import Case, Debarment, Lookup, Match, Writer
from bot.conversation.sms import segments, sms_safe
from bot.jobs import casenum, columns
from conftest import SCRIPT


@pytest.mark.parametrize("text, key", [
    ("H-300-25123-456789", "H30025123456789"), ("h300 25123 456789", "H30025123456789"),
    ("H30025123456789", "H30025123456789"), ("el caso es H 300 25123 456789, gracias", "H30025123456789"),
    ("h-3oo-25123-456789", "H30025123456789"), ("300-25123-456789", "H30025123456789"),
    ("H-400-13074-227549", "H40013074227549"), ("H.400.13074.227549", "H40013074227549"),
    ("C-11060-28222", "C1106028222"), ("c 11060 28222", "C1106028222")])
def test_case_numbers_in_common_writings(text, key):
    ref = casenum.find(text)
    assert ref is not None and ref.key == key and ref.exact
    assert casenum.display(ref.key) in ("H-300-25123-456789", "H-400-13074-227549", "C-11060-28222")


@pytest.mark.parametrize("text", ["llame al 300 555 1234", "H-2A", "tengo 300 dolares", "mi numero 3005551234567",
                                  "H-2B job in 2025", "C-3PO", "+52 300 123 4567"])
def test_things_that_are_not_case_numbers(text):
    assert casenum.find(text) is None


def test_near_keys_cover_one_slip():
    ref = casenum.find("H-300-25123-456789")
    near = casenum.near_keys(ref)
    assert "H30025123456798" in near and "H30025123456780" in near and "H40025123456789" in near
    short = casenum.find("H-300-25123-45678")
    assert not short.exact and "H30025123456789"[:-1] + "0" in casenum.near_keys(short)


def test_columns_are_recognised_by_name_in_any_spelling():
    cols = columns.recognise(["Case Number", "case_status", "Employer Name", "TOTAL_WORKERS_H2A_CERTIFIED"],
                             columns.CASE_FIELDS)
    assert cols.ok and cols.used["certified"] == (3, "TOTAL_WORKERS_H2A_CERTIFIED")
    missing = columns.recognise(["CASE_NUMBER"], columns.CASE_FIELDS)
    assert missing.required_missing == ["status", "employer"]
    assert missing.refusal().startswith("This file has no case status and employer name column")


@pytest.mark.parametrize("value, kind", [
    ("Determination Issued - Certification", "certified"), ("Determination Issued - Certification (Expired)",
                                                            "expired"),
    ("Determination Issued - Partial Certification (Expired)", "expired"),
    ("Determination Issued - Rejected", "rejected"), ("CERTIFIED - FULL", "certified"),
    ("Determination Issued - Partial Certification", "partial"), ("Determination Issued - Denied", "denied"),
    ("Determination Issued - Withdrawn", "withdrawn"), ("Determination Issued - Certification (Returned)", "returned"),
    ("", "other")])
def test_status_kinds(value, kind):
    assert columns.status_kind(value) == kind


def _case(**record):
    base = {"status": "certified", "employer": "RANCHO SOL LLC", "city": "SALINAS", "state": "CA",
            "job": "Farmworkers and Laborers, Crop", "begin": "2025-03-01", "end": "2025-11-30",
            "certified": "12", "requested": "12", "wage": "18.50", "unit": "hour"}
    return Case("H-300-25041-123456", "h2a", {**base, **record})


@pytest.mark.parametrize("lang", ["es", "quc", "en"])
def test_a_plain_case_fits_two_segments_in_spanish_and_english_with_its_do_not_pay_line(lang):
    text = Writer(SCRIPT, lang, True).answer(Lookup("case", cases=(_case(),), data_date="2025-06-30"))
    count = segments(sms_safe(text))[1]
    assert count <= 2 or lang == "quc", text
    assert text.endswith(sms_safe(SCRIPT.text("jobs.do_not_pay", lang))) or text.endswith(
        SCRIPT.text("jobs.do_not_pay", lang)), text


long_text = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=0x2FF), min_size=0, max_size=80)


@settings(max_examples=60, deadline=None)
@given(employer=long_text, trade=long_text, city=long_text, job=long_text, status_text=long_text,
       lang=st.sampled_from(["es", "quc", "en"]), debarred=st.integers(0, 3))
def test_answers_never_exceed_the_segment_budget(employer, trade, city, job, status_text, lang, debarred):
    """Whatever the employer typed into DOL's form, the answer stays within the script's SMS budget."""
    debs = tuple(Debarment(employer or "X", "h2a", "2024-01-15", "2027-01-14") for _ in range(min(debarred, 1)))
    case = Case("H-300-25041-123456", "h2a", {**_case().record, "employer": employer, "trade": trade,
                                               "city": city, "job": job, "status": "other",
                                               "status_text": status_text}, debs)
    budget = int(SCRIPT.sms.get("max_segments", 3))
    listed = tuple(Debarment((trade or "Y") * 3, "", "", "", "NC") for _ in range(3))  # the name search's
    for lookup in (Lookup("case", cases=(case,), data_date="2025-06-30"),
                   Lookup("employer", matches=tuple(Match(employer[:80], "CA", "2025", "h2a", "H30025041123456", debs)
                                                    for _ in range(3)), data_date="2025-06-30"),
                   Lookup("employer", matches=tuple(Match(employer[:80], "CA", "2025", "h2a", "H30025041123456", debs)
                                                    for _ in range(3)), debarred=listed, data_date="2025-06-30"),
                   Lookup("employer", debarred=listed, data_date="2025-06-30")):
        text = Writer(SCRIPT, lang, True).answer(lookup)
        assert segments(sms_safe(text))[1] <= budget, (len(text), text)
