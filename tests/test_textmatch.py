"""Reading numbers and words the many ways texters write them."""
import pytest

from bot.conversation.textmatch import WordMatcher, build_number_words, normalize, read_number

ALL = build_number_words(["es", "en", "quc"])


@pytest.mark.parametrize("text", ["2", " 2.", "#2", "dos", "two", "keb'", "keb’", "kebʼ", "2️⃣", "２", "Opción 2",
                                  "DOS!", "(2)", "segundo"])
def test_two_in_every_form(text):
    """Every way of writing two reads as 2."""
    assert read_number(normalize(text), ALL) == 2


@pytest.mark.parametrize("text", ["", "hola", "22 de mayo", "2 3", "-"])
def test_not_numbers(text):
    """Text that is not one option number reads as None."""
    assert read_number(normalize(text), ALL) is None


@pytest.mark.parametrize("text, target", [("MENÚ", "menu"), ("menu", "menu"), ("Mneu", "menu"), ("menuu", "menu"),
                                          ("AYUDA", "help"), ("ayda", "help"), ("Idoma", "lang"),
                                          ("LANGUAGE", "lang"), ("lenguage", "lang"), ("xyz", None),
                                          ("me", None), ("ayudame por favor", None)])
def test_global_words_with_typos(text, target):
    """Accents and case never matter; one typo is forgiven in words of four letters or more."""
    matcher = WordMatcher([("menu", "menu"), ("menú", "menu"), ("ayuda", "help"), ("idioma", "lang"),
                           ("language", "lang")])
    assert matcher.match(normalize(text)) == target


def test_ties_are_not_guessed():
    """A typo as close to two different words matches neither."""
    matcher = WordMatcher([("casa", 1), ("cosa", 2)])
    assert matcher.match(normalize("cesa")) is None
