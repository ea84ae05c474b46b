"""Referrals that depend on who and where: the state's own organisations first, nationality entries labelled."""
import datetime

import pytest

from bot.conversation import referrals
from bot.conversation.engine import Context, Inbound, State, step
from conftest import SCRIPT

NOW = datetime.datetime(2026, 11, 24, 15, tzinfo=datetime.timezone.utc)
PLACES = {"US-NC": {"country": "US"}, "US-TX": {"country": "US"}, "US": {"country": "US"},
          "MX": {"country": "MX"}, "GT": {"country": "GT"}}


def entry(eid, serves, topics=("pay",), **extra):
    """Return a directory entry for the selection tests."""
    return {"id": eid, "name": eid, "serves": list(serves), "topics": list(topics), **extra}


DIRECTORY = [entry("nc1", ["US-NC"]), entry("nc2", ["US-NC"]), entry("nc3", ["US-NC"]),
             entry("agency", ["US"]), entry("consulate", ["US", "MX"], nationality="MX"),
             entry("ngo", ["US", "MX", "GT"]), entry("asylum_only", ["US"], topics=["asylum"])]


def ids(found):
    return [e["id"] for e in found]


def test_state_entries_first_at_most_two_then_national_then_nationality():
    """Two of the state's entries, then national ones in file order; the consulate only if room is left."""
    assert ids(referrals.select(DIRECTORY, PLACES, "pay", "US-NC")) == ["nc1", "nc2", "agency", "ngo"]
    assert ids(referrals.select(DIRECTORY, PLACES, "pay", "US-TX")) == ["agency", "ngo", "consulate"]


def test_a_known_nationality_moves_its_entry_up_or_drops_it():
    """A Mexican texter gets the consulate right after the state's entries; a Guatemalan never gets it."""
    assert ids(referrals.select(DIRECTORY, PLACES, "pay", "US-NC", nationality="MX")) == [
        "nc1", "nc2", "consulate", "agency"]
    assert "consulate" not in ids(referrals.select(DIRECTORY, PLACES, "pay", "US-TX", nationality="GT"))


def test_only_entries_serving_the_place_and_topic():
    """Guatemala gets no U.S.-only or Mexico-only entry; a topic gets only entries giving that help."""
    assert ids(referrals.select(DIRECTORY, PLACES, "pay", "GT")) == ["ngo"]
    assert ids(referrals.select(DIRECTORY, PLACES, "asylum", "US-NC")) == ["asylum_only"]
    assert referrals.select(DIRECTORY, PLACES, "pay", None) == []


@pytest.mark.parametrize("place, first", [("US-NC", "lanc_farmworker"), ("US-FL", "frls_farmworkers"),
                                          ("US-WA", "njp_clear"), ("US-SC", "scls_migrant"),
                                          ("US-VA", "cvlas_farmworkers")])
def test_a_pay_referral_gives_the_states_organisation_first(place, first):
    """The shipped directory: a pay referral in these states starts with the state's legal aid."""
    assert SCRIPT.referrals("pay", place)[0]["id"] == first
    assert "whd" in ids(SCRIPT.referrals("pay", place))


def walk(lang, *messages):
    """Return the replies of a new texter in lang sending messages, one list per message."""
    state, out = State(lang=lang), []
    for text in ("menu",) + messages:
        result = step(SCRIPT, state, Inbound(text, channel="whatsapp"), Context(now=NOW))
        state = result.state
        out.append("\n".join(result.replies))
    return out


@pytest.mark.parametrize("lang, place, name", [
    ("es", "Carolina del Norte", "Legal Aid of North Carolina, Unidad de Trabajadores del Campo"),
    ("en", "Florida", "Florida Rural Legal Services, farmworker unit"),
    ("quc", "Washington", "Northwest Justice Project (CLEAR)"),
])
def test_a_texter_asking_about_pay_meets_the_state_organisation_first(lang, place, name):
    """Through the menus, by sentence-free choices: pay, find an organisation, the state's name."""
    pay = str(next(i for i, o in enumerate(SCRIPT.nodes["main"].options, 1) if o.goto == "pay"))
    find = str(next(i for i, o in enumerate(SCRIPT.nodes["pay"].options, 1) if o.goto == "referral"))
    reply = walk(lang, pay, find, place)[-1]
    lines = reply.splitlines()
    assert place in lines[0], reply  # the reply names the place understood (issue 12)
    first = next(line for line in lines if line.startswith("- "))
    assert first.startswith(f"- {name}:"), reply


def test_main_menu_referral_gives_whd_among_the_first_entries():
    """Without a topic, a worker anywhere in the U.S. gets WHD among the first three entries."""
    for place in ("US-TX", "US-NC", "US-FL", "US"):
        assert "whd" in ids(SCRIPT.referrals(None, place))[:3], place


@pytest.mark.parametrize("lang, label", [("es", "solo para personas de México"),
                                         ("en", "only for people from Mexico"),
                                         ("quc", "xaq rech ri winaq rech México")])
def test_the_mexican_consulate_is_labelled_and_never_given_in_guatemala(lang, label):
    """CIAM is shown with who it is for, in every language; Guatemala, Honduras and El Salvador never get it."""
    find = str(next(i for i, o in enumerate(SCRIPT.nodes["main"].options, 1) if o.goto == "referral"))
    reply = walk(lang, find, "Ohio")[-1]  # a state with no organisation of its own
    assert "520-623-7874" in reply and label in reply
    for place in ("GT", "HN", "SV"):
        assert "ciam" not in ids(SCRIPT.referrals("pay", place))


@pytest.mark.parametrize("place", ["US-NC", "US", "MX", "GT", "HN", "SV"])
def test_asylum_referral_starts_with_the_free_legal_help_list(place):
    """In the U.S. and for someone in Mexico, Guatemala, Honduras or El Salvador with a U.S. court case."""
    found = ids(SCRIPT.referrals("asylum", place))
    assert found[:1] == ["eoir_list"]  # EOIR's case-status line is gone until the fact sheet gives its number again


def test_honduras_and_el_salvador_are_places():
    """The referral question knows Honduras and El Salvador."""
    assert SCRIPT.match_place("honduras") == "HN"
    assert SCRIPT.match_place("el salvador") == "SV"


def test_directory_names_and_notes_in_each_language():
    """Every entry with a note has it in every language; names are given in Spanish and K'iche' (or are one
    name everywhere, like CDM's)."""
    for e in SCRIPT.directory:
        notes = e.get("hours") or {}
        assert not notes or set(notes) == set(SCRIPT.languages), e["id"]
        names = e.get("names") or {}
        assert not names or {"es", "quc"} <= set(names), e["id"]


@pytest.mark.parametrize("lang, note", [("es", "Si tiene un caso en una corte de inmigración de EE.UU."),
                                        ("en", "If you have a case in a U.S. immigration court")])
def test_someone_in_guatemala_with_a_court_case_gets_the_list_address(lang, note):
    """From the asylum topic, in Guatemala: the list's web address, with who it is for."""
    asylum = str(next(i for i, o in enumerate(SCRIPT.nodes["main"].options, 1) if o.goto == "asylum"))
    find = str(next(i for i, o in enumerate(SCRIPT.nodes["asylum"].options, 1) if o.goto == "referral"))
    reply = "\n".join(walk(lang, asylum, find, "Guatemala")[-1:])
    assert "justice.gov/eoir/list-pro-bono-legal-service-providers" in reply and note in reply


@pytest.mark.parametrize("place", ["HN", "SV"])
def test_honduras_and_el_salvador_get_the_asylum_entries_only(place):
    """No work organisation is verified there (CDM's sheet row does not say it helps there): a work topic
    finds nobody and the texter is offered a person; asylum gives the EOIR list."""
    assert SCRIPT.referrals("pay", place) == [] and SCRIPT.referrals(None, place) == []
    assert ids(SCRIPT.referrals("asylum", place)) == ["eoir_list"]


@pytest.mark.parametrize("lang, said, name", [
    ("es", "estoy en carolina del norte", "Legal Aid of North Carolina"),
    ("en", "I work in Florida", "Florida Rural Legal Services"),
    ("es", "trabajo en Yakima, Washington", "Northwest Justice Project")])
def test_a_place_named_on_a_topic_page_gives_that_topics_organisations_there(lang, said, name):
    """On the pay page, naming where one is gets the pay organisations for that state, naming the place."""
    pay = str(next(i for i, o in enumerate(SCRIPT.nodes["main"].options, 1) if o.goto == "pay"))
    reply = walk(lang, pay, said)[-1]
    assert reply.splitlines()[0] != SCRIPT.text("err.not_understood", lang), reply
    first = next(line for line in reply.splitlines() if line.startswith("- "))
    assert first.startswith(f"- {name}"), reply
