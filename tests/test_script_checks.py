"""Each check of issue 5, on small changes to the shipped script (only ids every version has are used)."""
import datetime

import pytest

from bot.staff import edits
from bot.conversation.bundle import entry_dict, read_bundle
from bot.conversation.checks import check_script
from bot.conversation.script import build_script

TODAY = datetime.date(2026, 11, 24)


@pytest.fixture
def bundle():
    """Return a fresh copy of the shipped script as data."""
    return read_bundle("locales")


def problems(bundle, level=None, today=TODAY):
    """Return the checks' findings as strings."""
    found = check_script(build_script(bundle), today)
    return [str(p) for p in found if level is None or p.level == level]


def add_text(bundle, tid, texts):
    """Add a text id in several languages ({lang: text}), as current translations of the Spanish."""
    for lang, text in texts.items():
        bundle["catalogs"][lang][tid] = entry_dict(text, texts["es"])


def test_shipped_script_has_no_phone_or_keyword_errors(bundle):
    """The shipped numbers (233733, 911, 079, 001-520-...) and words pass."""
    assert problems(bundle, "error") == []


def test_same_keyword_twice_in_one_menu(bundle):
    """Two options of one menu answering to one word (accents and case aside) is an error naming both."""
    add_text(bundle, "kw.test_a", {"es": "ayuda legal, abogado", "en": "solicitorx"})
    add_text(bundle, "kw.test_b", {"es": "Abogádo", "en": "magistratex"})
    options = bundle["spec"]["nodes"]["main"]["options"]
    options[0]["words"], options[1]["words"] = "kw.test_a", "kw.test_b"
    errors = problems(bundle, "error")
    assert "error: node[main].es: keyword 'Abogádo' picks options 1 and 2 ('abogado' in es)" in errors
    assert not any("'magistratex'" in e or "'solicitorx'" in e for e in errors)


def test_same_keyword_in_another_language_of_the_chain(bundle):
    """A K'iche' word equal to a Spanish word of another option collides for K'iche' texters."""
    add_text(bundle, "kw.test_a", {"es": "tribunal"})
    add_text(bundle, "kw.test_b", {"es": "corte"})
    bundle["catalogs"]["quc"]["kw.test_b"] = entry_dict("tribunal", "corte")
    options = bundle["spec"]["nodes"]["main"]["options"]
    options[0]["words"], options[1]["words"] = "kw.test_a", "kw.test_b"
    errors = problems(bundle, "error")
    assert any(e.startswith("error: node[main].quc: keyword 'tribunal' picks options 1 and 2") for e in errors)


def test_placeholder_in_one_language_only(bundle):
    """A placeholder present in Spanish and missing in English is an error listing both sets."""
    bundle["catalogs"]["es"]["main.intro"]["text"] += " %(name)s"
    errors = problems(bundle, "error")
    assert any(e.startswith("error: text[main.intro]: placeholders differ between languages") and
               "es: ['name']" in e and "en: none" in e for e in errors)


@pytest.mark.parametrize("number, dial_from", [("1-866-487-924", "US"), ("12345678901234", "US"),
                                               ("call us", "US"), ("55-5211-939", "MX")])
def test_directory_number_phonenumbers_cannot_read(bundle, number, dial_from):
    """A directory number that is not a number where it is dialled from is an error naming the phone."""
    entry = bundle["directory"][0]
    entry["phones"] = [{"number": number, "kind": "call", "from": dial_from}]
    errors = problems(bundle, "error")
    assert any(e.startswith(f"error: directory[{entry['id']}].phones[1]: {number!r} is not a phone number")
               for e in errors), errors


@pytest.mark.parametrize("number, dial_from", [("911", "US"), ("233733", "US"), ("079", "MX"),
                                               ("001-520-623-7874", "MX"), ("(919) 555-1234", "US"),
                                               ("+502 2411 1234", "other"), ("800-590-1773", "MX")])
def test_short_codes_and_numbers_dialled_from_elsewhere_pass(bundle, number, dial_from):
    """Short codes known in the country, and numbers with their international prefix, are fine."""
    entry = bundle["directory"][0]
    entry["phones"] = [{"number": number, "kind": "text", "from": dial_from}]
    assert [p for p in problems(bundle) if "phones[1]" in p and entry["id"] in p] == []


def test_other_country_number_without_country_code_warns(bundle):
    """'from: other' written as a national number works only with a country code: a warning says it."""
    entry = bundle["directory"][0]
    entry.update(serves=["US", "MX"], phones=[{"number": "55-5211-9397", "kind": "call", "from": "other"}])
    found = problems(bundle)
    assert (f"warning: directory[{entry['id']}].phones[1]: '55-5211-9397' cannot be dialled as written from "
            "another country; write it with its country code: +52 55 5211 9397") in found


def test_number_in_a_text_is_read_and_lone_numbers_are_not(bundle):
    """A phone number in a text that is valid nowhere is an error; years, citations, 911 are not checked."""
    text = bundle["catalogs"]["en"]["main.intro"]["text"]
    bundle["catalogs"]["en"]["main.intro"]["text"] = text + " Call 1-800-321-674 or 911 (20 CFR 655.120, 2026)."
    errors = problems(bundle, "error")
    assert errors == ["error: text[main.intro].en: '1-800-321-674' is not a phone number phonenumbers can "
                      "read in US, GT, HN, MX, SV; check the digits or write it with its country code (+...)"]


def test_outside_gsm7_names_the_characters(bundle):
    """An SMS text outside GSM-7 is a warning naming each character; á only when accents are kept."""
    bundle["catalogs"]["en"]["main.intro"]["text"] += " façade ☎"
    bundle["catalogs"]["es"]["main.intro"]["text"] = "Menú — elija"
    found = problems(bundle, "warning")
    assert any(p.startswith("warning: text[main.intro].en: not GSM-7 in SMS because of 'ç' (U+00E7 LATIN "
                            "SMALL LETTER C WITH CEDILLA), '☎' (U+260E BLACK TELEPHONE)") for p in found)
    assert not any(p.startswith("warning: text[main.intro].es: not GSM-7") for p in found)  # ú folded, — replaced
    bundle["spec"]["sms"]["fold_accents"] = False
    found = problems(bundle, "warning")
    assert any(p.startswith("warning: text[main.intro].es: not GSM-7 in SMS because of 'ú' (U+00FA LATIN "
                            "SMALL LETTER U WITH ACUTE):") for p in found)


def test_stale_translation_warns(bundle):
    """A Spanish text changed after its translations were made leaves them stale."""
    edits.set_text(bundle, "main.intro", "es", "Un menú distinto. Responda con un número:")
    found = problems(bundle, "warning")
    for lang in ("quc", "en"):
        assert (f"warning: text[main.intro].{lang}: stale: the Spanish source changed since this translation "
                "was made") in found
    edits.set_text(bundle, "main.intro", "en", "A different menu. Reply with a number:")
    assert not any(p.startswith("warning: text[main.intro].en: stale") for p in problems(bundle))


def test_kiche_not_reviewed_warns_until_marked(bundle):
    """A K'iche' text carries needs-review (a warning) until someone marks it reviewed."""
    edits.set_text(bundle, "main.intro", "quc", "Nab'e cholb'al.")
    assert "warning: text[main.intro].quc: not yet reviewed by a native speaker" in problems(bundle)
    edits.mark_reviewed(bundle, "main.intro", "quc")
    assert "warning: text[main.intro].quc: not yet reviewed by a native speaker" not in problems(bundle)


def test_directory_entry_not_checked_for_a_year_warns(bundle):
    """An entry last checked over a year ago is a warning naming the date; a recent one is not."""
    entry = bundle["directory"][0]
    entry["checked"] = "2025-11-01"
    assert (f"warning: directory[{entry['id']}]: last checked 2025-11-01, over a year ago"
            in problems(bundle, today=TODAY))
    entry["checked"] = "2026-01-01"
    assert not any(f"directory[{entry['id']}]: last checked" in p for p in problems(bundle, today=TODAY))


def test_cli_check_exits_1_on_errors(tmp_path, app):
    """`flask script check` exits 1 and names the phone when a directory number is unreadable."""
    import shutil

    import yaml
    folder = tmp_path / "locales"
    shutil.copytree("locales", folder)
    path = folder / "directory.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["entries"][0]["phones"] = [{"number": "1-866-487-924", "kind": "call", "from": "US"}]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["script", "check", "--dir", str(folder), "--quiet"])
    assert result.exit_code == 1 and "is not a phone number phonenumbers can read" in result.output


def test_an_intent_leading_nowhere_and_examples_with_unknown_labels_are_reported(bundle):
    """The understanding section's targets must exist; an example's label must be one the script answers."""
    bundle["spec"]["understand"]["intents"]["pay"]["goto"] = "nowhere"
    bundle["examples"]["es"]["intents"]["payy"] = ["no me pagan"]
    assert "error: understand.intents.pay: leads to unknown node 'nowhere'" in problems(bundle, "error")
    assert "warning: examples.es.intents.payy: unknown label 'payy'" in problems(bundle, "warning")


def test_an_option_that_changes_number_inside_a_topic_is_reported(bundle):
    """Moving "more information" first on one page makes the other options change number: a warning."""
    options = bundle["spec"]["nodes"]["pay"]["options"]
    options.insert(0, options.pop())
    found = [p for p in problems(bundle, "warning") if p.startswith("warning: node[pay_more]")]
    assert found and "option opt.referral is 1 here but 2 on pay, the page before" in found[0]
