"""Every DOL case status in the texter's language, P-400 wage numbers, piece rates and the "(or more)" after a
certified wage (issue 21)."""
import re

import pytest

import jobfiles as jf
from conftest import SCRIPT
from test_jobs import one, person
from bot.conversation.jobreply import Case, Lookup, Writer

STATUSES = {  # DOL's CASE_STATUS -> what the texter reads, per language
    "Determination Issued - Certification": ("certificado por DOL", "certified by DOL", "certificado rumal ri DOL"),
    "Determination Issued - Certification (Expired)": ("certificado por DOL; su periodo ya terminó",
                                                       "certified by DOL; its period is over",
                                                       "certificado rumal ri DOL; xk'is ri uq'ijol"),
    "Determination Issued - Partial Certification": ("certificado en parte por DOL", "partly certified by DOL",
                                                     "certificado jun pa'ch rumal ri DOL"),
    "Determination Issued - Denied": ("negado por DOL", "denied by DOL", "man xya' ta rumal ri DOL"),
    "Determination Issued - Rejected": ("rechazado por DOL", "rejected by DOL", "man xk'am ta rumal ri DOL"),
    "Determination Issued - Withdrawn": ("retirado (withdrawn)", "withdrawn", "xuesaj ri patrón"),
    "Determination Issued - Certification (Returned)": ("devuelto por DOL (returned)", "returned by DOL",
                                                        "xtzalij rumal ri DOL"),
}
CERTIFIED = ("Determination Issued - Certification", "Determination Issued - Certification (Expired)",
             "Determination Issued - Partial Certification")
PIECE_HEADERS = jf.H2A_HEADERS + ["PIECE_RATE_OFFER", "PIECE_RATE_UNIT"]


@pytest.fixture
def every_status(app, tmp_path):
    rows = [dict(jf.case(f"H-300-25041-10000{i}", status=status, employer=f"STATUS FARM {i}"),
                 PIECE_RATE_OFFER=0.85 if i == 0 else None, PIECE_RATE_UNIT="Bin" if i == 0 else None)
            for i, status in enumerate(STATUSES)]
    path = jf.write_xlsx(tmp_path / "H-2A_Disclosure_Data_FY2025_Q2.xlsx", PIECE_HEADERS, rows)
    result = app.test_cli_runner().invoke(args=["jobs", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "Statuses shown to texters as written" not in result.output  # every status is understood
    return app


@pytest.mark.parametrize("index, status", list(enumerate(STATUSES)))
def test_every_status_in_three_languages(every_status, index, status):
    for number, (lang, words) in enumerate(zip(("es", "en", "quc"), STATUSES[status])):
        texter = person(every_status, lang, "whatsapp", number=f"+150555507{index}{number}")
        reply = one(texter.send(f"H-300-25041-10000{index}"))
        assert reply.startswith(f"H-300-25041-10000{index} (H-2A): {words}."), (lang, reply)
        assert "Determination Issued" not in reply  # DOL's English never reaches a texter raw
        do_not_pay = SCRIPT.text("jobs.do_not_pay", lang)
        if status in CERTIFIED:
            assert reply.endswith(do_not_pay) and "$18.50" in reply, reply
            assert SCRIPT.text("jobs.wage", lang).split(")s")[-1] in reply  # "(o más)" / "(or more)"
        else:
            assert do_not_pay not in reply and "$18.50" not in reply and " workers" not in reply, reply


def test_the_certified_wage_is_a_floor_and_piece_rates_are_shown(every_status):
    es = one(person(every_status, "es", "whatsapp").send("H-300-25041-100000"))
    assert "$18.50 por hora (o más)" in es and "a destajo: $0.85 por Bin" in es, es
    en = one(person(every_status, "en", "whatsapp", number="+15055550780").send("H-300-25041-100000"))
    assert "$18.50 an hour (or more)" in en and "piece rate: $0.85 per Bin" in en, en
    quc = one(person(every_status, "quc", "whatsapp", number="+15055550781").send("H-300-25041-100000"))
    assert "chi jujun Bin: $0.85" in quc, quc


@pytest.mark.parametrize("lang, words", [
    ("es", "P-400-25010-777777 es un número de salario de DOL (prevailing wage), no el de una oferta"),
    ("en", "P-400-25010-777777 is a DOL wage determination number, not a job order's number"),
    ("quc", "P-400-25010-777777 are jun ajilab'al rech ri tojb'al, man are ta")])
def test_a_wage_determination_number_is_not_read_as_a_job(app, tmp_path, lang, words):
    # the H-2B case H-400-25010-777777 exists: "P-400-25010-777777" must not be answered with it
    path = jf.write_csv(tmp_path / "h2b.csv", jf.H2B_HEADERS, jf.SAMPLE_H2B)
    assert app.test_cli_runner().invoke(args=["jobs", "import", str(path), "--program", "h2b"]).exit_code == 0
    reply = one(person(app, lang, "whatsapp").send("P-400-25010-777777"))
    assert reply.startswith(words), reply
    assert "COASTAL CRAB" not in reply and "H-300-" in reply


@pytest.mark.parametrize("lang", ["es", "en", "quc"])
def test_no_answer_about_a_case_carries_a_spanish_month_or_word_in_kiche(lang):
    case = Case("H-300-25041-123456", "h2a", {"status": "certified", "employer": "RANCHO SOL LLC", "state": "CA",
                                              "begin": "2025-03-01", "end": "2025-11-30", "wage": "18.50",
                                              "unit": "hour"})
    text = Writer(SCRIPT, lang, False).answer(Lookup("case", cases=(case,), data_date="2025-06-30"))
    if lang == "quc":
        for spanish in ("caso", "datos", "empresa", "(denied)", "Rajawaxik"):
            assert spanish not in text, (spanish, text)
        assert not re.search(r"\d (ene|feb|mar|abr|may|jun|jul|ago|sep|oct|nov|dic)\b", text), text
        assert "urox ik'" in text and "ujulaj ik'" in text
    else:
        assert {"es": "1 mar-30 nov 2025", "en": "Mar 1-Nov 30, 2025"}[lang] in text


def test_a_wage_determination_number_as_the_very_first_message(app):
    from conftest import Texter
    texter = Texter(app.test_client(), number="+15055550790")
    reply = one(texter.send("can you check case P-400-25010-777777"))  # English job words
    assert reply.startswith("P-400-25010-777777 is a DOL wage determination number"), reply
