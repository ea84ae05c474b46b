"""Words of messages the bot did not understand, for staff: counted in the step's commit, words only,
nothing with a digit, no link or address, and shown only once at least five texters used a word."""
import re

from bot.reports import unknown_words
from conftest import Texter

DAY = "2026-11-24"  # OPEN_HOURS's day in New York
ANTS = "el zacate esta muy alto y las hormigas pican"  # not understood; "hormigas" and "pican" no example has


def miss(app, number, text):
    """A Spanish texter at the main menu writes text, which the bot does not understand."""
    texter = Texter(app.test_client(), number)
    texter.send("hola")
    texter.send("1")
    reply = texter.send(text)
    assert reply[0].startswith("No entendi su mensaje"), reply


def test_words_show_only_after_five_texters_and_never_what_identifies(twilio_app, web):
    """Eight texters write "hormigas", four write "tlacoyo": only hormigas shows. Addresses, links, phone
    numbers and words with digits are never stored."""
    for n in range(8):
        miss(twilio_app, f"+1505555070{n}", ANTS)
    for n in range(4):
        miss(twilio_app, f"+1505555071{n}", "el tlacoyo de pedro@correo.com dice 555-123-4567 www.sitio.org xyz9 jaja")
    store = twilio_app.extensions["conversations"].store
    fields = store.report_days([DAY])[0]
    stored = " ".join(fields)
    for secret in ("pedro", "correo", "sitio", "555", "xyz", "4567"):
        assert secret not in stored
    assert any(f.startswith("nu:es:tlacoyo:") for f in fields)
    html = web("sam").get(f"/admin/reports?from={DAY}&to={DAY}").get_data(as_text=True)
    table = re.sub(r"\s+", " ", re.search(r'<table id="unknown-words">.*?</table>', html, re.S).group(0))
    assert '<td lang="es">hormigas</td><td>8</td>' in table and '<td lang="es">pican</td><td>8</td>' in table
    assert "tlacoyo" not in html
    csv = web("sam").get(f"/admin/reports.csv?from={DAY}&to={DAY}").get_data(as_text=True)
    assert "hormigas" not in csv and "tlacoyo" not in csv and "nu:" not in csv


def test_the_page_says_so_when_no_word_reached_the_threshold(twilio_app, web):
    """Below the threshold the section says nothing reached it."""
    miss(twilio_app, "+15055550720", ANTS)
    html = web("sam").get(f"/admin/reports?from={DAY}&to={DAY}").get_data(as_text=True)
    assert 'id="unknown-words-none"' in html and "hormigas" not in html


def test_safe_words_drop_links_addresses_digits_and_known_words():
    """Only unknown words of three letters or more, without digits, from outside links and addresses."""
    text = "Hola, mi troca Ford F150 www.x.com ana@y.org https://t.co/abc zacate 911 k'iche'"
    assert unknown_words.safe_words(text, {"troca", "ford", "zacate", "ana", "abc", "kiche", "mi"}) == \
        ["troca", "ford", "zacate", "kiche"]


def test_the_letter_depends_on_texter_and_word():
    """One texter's two words fall under unrelated letters, so they cannot be tied to each other."""
    letters = {unknown_words.bucket("h1", w) for w in ("zacate", "alto", "troca", "compa", "rancho", "pisca")}
    assert len(letters) > 1 and unknown_words.bucket("h1", "zacate") == unknown_words.bucket("h1", "zacate")


def test_top_words_counts_letters_not_occurrences():
    """One texter writing a word ten times is one letter: never enough to show."""
    totals = {"nu:es:zacate:a": 10, "nu:es:troca:a": 1, "nu:es:troca:b": 1, "nu:es:troca:c": 1,
              "nu:es:troca:d": 1, "nu:es:troca:e": 2, "topic:pay": 3}
    assert unknown_words.top_words(totals) == {"es": [("troca", 6, 5)]}
