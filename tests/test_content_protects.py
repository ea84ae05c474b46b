"""Content that protects (issue 20): each ranked text against its fact row, the immigration-agents topic,
referrals that fit the person (places, nationality, state programs, the hotline first), SMS cost."""
import datetime
import re

import pytest

from bot.conversation.engine import Context, Inbound, State, step
from bot.conversation.rendering import render_node
from bot.conversation.pager import sms_pages
from bot.conversation.sms import segments, sms_safe
from conftest import SCRIPT

NOW = datetime.datetime(2026, 11, 24, 15, tzinfo=datetime.timezone.utc)
CIAM = "520-623-7874"
HOTLINE = "1-888-373-7888"


def text(tid, lang="es"):
    """Return a catalog text as written."""
    return SCRIPT.text(tid, lang)


def run(messages, state=None, lang="es", channel="whatsapp"):
    """Send messages in order (WhatsApp by default: the whole reply at once); return the last Result."""
    result = None
    state = state or State(lang=lang, node=SCRIPT.main)
    for message in messages:
        result = step(SCRIPT, state, Inbound(message, channel), Context(now=NOW))
        state = result.state
    return result


def option(node, goto):
    """Return the number (as text) of the option of node leading to goto."""
    return str(next(i for i, o in enumerate(SCRIPT.nodes[node].options, 1) if o.goto == goto))


def first_sms_page(node, lang):
    """Return the first SMS page a texter gets on entering node from the main menu."""
    result = run([option(SCRIPT.main, node)], lang=lang, channel="sms")
    return result.replies[0]


# -- 1 to 9: the ranked texts ---------------------------------------------------------------------

@pytest.mark.parametrize("lang", SCRIPT.languages)
def test_address_text_names_eoir_33_and_five_days(lang):
    """1. The form, the 5-day limit, the only way the court changes its records, letters to the old address."""
    address = text("asy.address", lang)
    assert "EOIR-33" in address and re.search(r"\b5\b", address) and "Respondent Access" in address
    assert re.search(r"vieja|old address|ojer", address)


def test_reopening_is_a_request_the_judge_decides_and_not_for_an_unreported_move():
    """2. "Any time if the notice never came" is qualified; the judge decides; legal help."""
    reopen = text("asy.reopen", "en")
    assert "the judge decides" in reopen and "did not give the court your new address" in reopen
    assert "legal help" in reopen
    assert "juez decide" in text("asy.reopen") and "no dio su nueva dirección" in text("asy.reopen")


@pytest.mark.parametrize("lang", SCRIPT.languages)
def test_asylum_deadline_is_on_the_first_asylum_page(lang):
    """3. The 1-year deadline is on the asylum topic's first SMS page, with narrow exceptions."""
    assert "asy.deadline" in SCRIPT.nodes["asylum"].text
    page = first_sms_page("asylum", lang)
    assert SCRIPT.text("asy.deadline", lang)[:40].replace("í", "i").replace("á", "a") in page
    assert "Mudarse o cambiar de trabajo no cuenta" in text("asy.deadline")
    assert "Moving or changing jobs does not count" in text("asy.deadline", "en")


def test_quitting_h2a_costs_the_trip_home_and_the_guarantee():
    """4. Why to talk to someone before quitting: the paid return trip and the 3/4 guarantee (655.122(n))."""
    for lang, trip in (("es", "viaje de regreso pagado"), ("en", "paid trip home")):
        before = text("ret.before_quit", lang)
        assert "H-2A" in before and trip in before and "3/4" in before
    assert "655.122(n)" in " ".join(SCRIPT.catalogs["es"]["ret.before_quit"].comments)


def test_h2b_fees_do_not_pay_and_the_boss_lawyer():
    """5. H-2B too; "do not pay", never "ask before you pay"; the boss's lawyer, not "your" lawyer."""
    es, en = text("rec.h2a"), text("rec.h2a", "en")
    assert "H-2B" in es and "no pague" in es and "abogado del patrón" in es and "su abogado" not in es
    assert "do not pay" in en and "before you pay" not in en and "H-2B" in en
    assert "S35" in " ".join(SCRIPT.catalogs["es"]["rec.h2a"].comments)


def test_the_federal_minimum_wage_rule_applies_everywhere():
    """6. FLSA everywhere first (S37); Arriaga's three states second."""
    es, en = text("pay.first_week"), text("pay.first_week", "en")
    assert es.index("todo EE.UU.") < es.index("Alabama") and en.index("everywhere") < en.index("Alabama")


def test_the_three_quarter_guarantee_is_work_offered_over_the_whole_contract():
    """7. Offered, whole contract, the difference paid, offered hours count; H-2B not enforced now."""
    en = text("pay.guarantee", "en")
    for words in ("offer you work", "whole contract", "the difference", "Hours offered count", "not enforced now"):
        assert words in en


INTERNATIONAL = re.compile(r"\+\d{1,3} [\d-]+")
FREE = re.compile(r"\bgratis\b|\bfree\b|majun rajil", re.I)


def test_no_free_call_is_promised_with_an_international_number():
    """8. No sentence with a +52 number says the call is free; rec.cdm gives the number from Guatemala."""
    promised = {}
    for lang in SCRIPT.languages:
        for tid in SCRIPT.catalogs["es"]:
            for sentence in re.split(r"(?<=[.!?])\s+", SCRIPT.text(tid, lang)):
                if INTERNATIONAL.search(sentence) and FREE.search(sentence):
                    promised[f"{tid}.{lang}"] = sentence
    assert promised == {}
    assert "Guatemala" in text("rec.cdm") and "+52 55-5211-9397" in text("rec.cdm")


def test_the_free_call_check_can_fail():
    """The pattern catches "Llame gratis ... +52" (the old claim.from_home)."""
    old = "Llame gratis a CDM: 800-590-1773 desde México, +52 55-5211-9397 desde otro país."
    assert INTERNATIONAL.search(old) and FREE.search(old)


@pytest.mark.parametrize("tid, must, never", [
    ("asy.notario", ["no es abogado", "en blanco", "falsas"], []),
    ("ret.new_employer", ["petición"], ["una visa H-2 para usted"]),
    ("hou.tools", ["H-2B", "depósito"], []),
    ("pay.words", ["le deben pagar", "ciudad"], []),
    ("passport.crime", ["Con H-2A, el patrón no puede guardar"], []),
    ("inj.sent_home", ["Con H-2A", "seguro"], []),
    ("asy.other", ["suspensión de remoción"], ["suspensión de la deportación"]),
    ("rec.age", ["un tribunal dijo que la ley de EE.UU. no cubre"], []),
    ("rec.receipts", ["No pague más", "recibos", "CDM o WHD"], []),
])
def test_the_rest_of_the_ranked_texts(tid, must, never):
    """9. Each of the other texts says what its row says (Spanish, the source)."""
    said = text(tid)
    assert [m for m in must if m not in said] == [] and [n for n in never if n in said] == []


def test_kiche_fixes():
    """handoff.ack in K'iche' (no Kaqchikel richin); pay.words "kuya'"; dis.eeoc keeps sexual harassment."""
    assert "richin" not in text("handoff.ack", "quc") and "rech" in text("handoff.ack", "quc")
    assert "kuya'" in text("pay.words", "quc")
    assert "ach'akul" in text("dis.eeoc", "quc")  # the body: harassment of a sexual kind


# -- Immigration agents -----------------------------------------------------------------------------

@pytest.mark.parametrize("lang", SCRIPT.languages)
def test_immigration_agents_topic_is_one_step_from_the_main_menu(lang):
    """A main-menu option and its keyword lead to the topic; silence, papers, warrant, signing, free list."""
    assert run([option(SCRIPT.main, "immigration")], lang=lang).node == "immigration"
    keyword = SCRIPT.text("kw.immigration", lang).split(",")[0].strip()
    assert run([keyword], lang=lang).node == "immigration"
    whole = render_node(SCRIPT, "immigration", lang) + render_node(SCRIPT, "immigration_more", lang)
    for needed in ("I-94", "ICE", "justice.gov/eoir/list-pro-bono-legal-service-providers"):
        assert needed in whole
    assert all(segments(sms_safe(SCRIPT.text(t, lang), True))[0] == "GSM-7"
               for t in ("imm.silent", "imm.papers", "imm.home", "imm.sign"))


def test_immigration_texts_say_each_right():
    """Remain silent; carry visa and I-94; never lie; a judge's warrant, not an ICE form; sign nothing."""
    en = " ".join(text(t, "en") for t in ("imm.silent", "imm.papers", "imm.home", "imm.sign"))
    for words in ("remain silent", "I-94", "Never lie", "signed by a judge", "ICE form signed by ICE",
                  "Do not sign anything", "before you talk to a lawyer"):
        assert words in en


def test_immigration_referral_gives_the_free_list_and_ends_with_a_person():
    """The topic's referral: the free legal providers list, then the line about talking to a person."""
    reply = run([option(SCRIPT.main, "immigration"), option("immigration", "referral"), "Ohio"]).replies[0]
    assert "justice.gov/eoir/list-pro-bono-legal-service-providers" in reply
    assert text("referral.end_person") in reply


def test_asylum_referrals_end_with_a_person():
    """No phone line gives free legal help: an asylum referral says so and offers a person."""
    reply = run([option(SCRIPT.main, "asylum"), option("asylum", "referral"), "Texas"]).replies[0]
    assert reply.index("justice.gov/eoir/list-pro-bono") < reply.index(text("referral.end_person"))
    pay = run([option(SCRIPT.main, "pay"), option("pay", "referral"), "Texas"]).replies[0]
    assert text("referral.end_person") not in pay


# -- Places and nationality ---------------------------------------------------------------------------

@pytest.mark.parametrize("message, nationality", [
    ("soy de Guatemala", "GT"), ("vengo de Huehuetenango", "GT"), ("I am from Honduras", "HN"),
    ("I'm from El Salvador", "SV"), ("can they send me back to mexico", "MX"), ("soy chapín", "GT"),
    ("me quieren regresar a mi país, Guatemala", "GT"), ("somos de Michoacán", "MX"),
])
def test_where_they_come_from_is_not_where_they_are(message, nationality):
    """Origin words give a nationality, never the place of the referral."""
    found = SCRIPT.whereabouts(message)
    assert found.where is None and found.nationality == nationality
    assert SCRIPT.find_place(message) is None


def test_origin_and_place_in_one_message():
    """"soy de Guatemala y trabajo en Florida": Guatemalan, in Florida."""
    found = SCRIPT.whereabouts("soy de Guatemala y trabajo en Florida")
    assert (found.where.code, found.nationality) == ("US-FL", "GT")


def test_a_place_in_the_first_message_is_not_asked_again():
    """A state named at the start is kept: the referral later gives its organisations at once."""
    first = run(["trabajo en carolina del norte y tengo una pregunta"])
    assert first.state.where == "US-NC"
    result = run([SCRIPT.main and "menu", option(SCRIPT.main, "pay"), option("pay", "referral")], state=first.state)
    assert result.node == "referral" and "(800) 777-5869" in result.replies[0]
    assert ("referral", {"topic": "pay", "entries": ["lanc_farmworker", "ncjc_workers", "whd", "cdm"],
                         "place": "US-NC"}) in result.events


def test_a_place_wins_over_a_language_word_at_the_place_prompt():
    """"Quiché" at the place prompt names the department; elsewhere it still picks K'iche'."""
    at_prompt = run([option(SCRIPT.main, "referral"), "Quiché"])
    assert at_prompt.state.lang == "es" and at_prompt.state.place == "GT"
    assert run(["Quiché"]).state.lang == "quc"


@pytest.mark.parametrize("message", ["Carolina", "estoy en carolina"])
def test_carolina_alone_asks_north_or_south(message):
    """"Carolina" alone is no state: the texter is asked which, and "norte" answers it."""
    asked = run([option(SCRIPT.main, "referral"), message])
    assert asked.replies == [text("referral.carolina")] and asked.node == "referral"
    answered = run(["norte"], state=asked.state)
    assert answered.state.place == "US-NC" and "(800) 777-5869" in answered.replies[0]
    on_topic = run([option(SCRIPT.main, "pay"), message])
    assert on_topic.replies == [text("referral.carolina")] and on_topic.node == "referral"


def test_only_where_they_come_from_at_the_place_prompt_asks_where_they_are_now():
    """"soy de Guatemala" at the place prompt: their nationality is kept, and they are asked where they are."""
    result = run([option(SCRIPT.main, "referral"), "soy de Guatemala"])
    assert result.replies == [text("referral.where_now")] and result.state.nationality == "GT"


@pytest.mark.parametrize("nationality", ["GT", "HN", "SV"])
@pytest.mark.parametrize("topic", ["general", "pay", "recruitment", "injury", "retaliation", "trafficking"])
def test_central_americans_never_get_the_mexican_consular_line(nationality, topic):
    """Guatemalans, Hondurans and Salvadorans get their own consulate guidance, never CIAM."""
    ids = [e["id"] for e in SCRIPT.referrals(topic, "US-TX", nationality)]
    assert "ciam" not in ids and f"{nationality.lower()}_consulates" in ids
    assert "ciam" in [e["id"] for e in SCRIPT.referrals(topic, "US-OH")]  # unknown nationality: labelled


def test_a_guatemalan_conversation_gets_no_mexican_line():
    """Said in words: the reply has the Guatemalan consulates' guidance and no CIAM number."""
    state = run(["soy guatemalteco"]).state
    reply = run([option(SCRIPT.main, "referral"), "Ohio"], state=state).replies[0]
    assert CIAM not in reply and "minex.gob.gt" in reply
    honduran = run(["soy de Honduras", option(SCRIPT.main, "referral"), "Ohio"]).replies[0]
    assert CIAM not in honduran and text("referral.end_person") in honduran  # no verified number: a person


@pytest.mark.parametrize("state, web", [
    ("US-CA", "crla.org"), ("US-TX", "trla.org"), ("US-KY", "trla.org"), ("US-TN", "trla.org"),
    ("US-AL", "trla.org"), ("US-GA", "farmworkerrights.org"), ("US-NY", "wjcny.org"), ("US-AZ", "clsaz.org"),
    ("US-CO", "coloradolegalservices.org"), ("US-MI", "farmworkerlaw.org"),
])
def test_states_with_a_program_but_no_verified_phone_get_it_first(state, web):
    """The state's program, by name with its web address, before the national agencies."""
    entries = SCRIPT.referrals("pay", state)
    local = [e for e in entries if "US" not in e["serves"]]
    assert any(e.get("web") == web for e in local) and entries.index(local[-1]) < len(local)


@pytest.mark.parametrize("state", ["US-NC", "US-FL", "US-OH", "US-TX"])
def test_the_trafficking_hotline_comes_first(state):
    """The 24/7 hotline before the state's part-time lines (LANC's helpline opens two afternoons)."""
    assert SCRIPT.referrals("trafficking", state)[0]["id"] == "trafficking_hotline"
    reply = run([option(SCRIPT.main, "passport"), option("passport", "referral"), state.split("-")[1]]).replies[0]
    lines = [line for line in reply.split("\n") if line.startswith("- ")]
    assert HOTLINE in lines[0]


# -- SMS cost -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", SCRIPT.languages)
@pytest.mark.parametrize("node", ["passport", "asylum", "recruitment", "pay", "immigration"])
def test_no_topic_page_is_a_bare_menu(lang, node):
    """A topic's options share a page with its text: no SMS page is only the menu."""
    state = run([option(SCRIPT.main, node)], lang=lang, channel="sms").state
    pages = [run([option(SCRIPT.main, node)], lang=lang, channel="sms").replies[0]]
    while state.more:
        result = run(["mas"], state=state, lang=lang, channel="sms")
        state = result.state
        pages.append(result.replies[0])
    choose = SCRIPT.text("menu.choose", lang)[:10]
    assert [p for p in pages if p.lstrip().startswith(choose[:6])] == []


@pytest.mark.parametrize("lang", SCRIPT.languages)
def test_check_a_job_offer_is_on_the_first_recruitment_page(lang):
    """Every option of the recruitment topic, "Check a job offer" too, without asking for more."""
    page = first_sms_page("recruitment", lang)
    label = SCRIPT.text("jobs.opt_check", lang)
    assert label.replace("á", "a").replace("ó", "o") in page and segments(page)[1] <= 3


def test_options_first_never_costs_a_page():
    """The pager puts the options on the first page only when the reply takes no more pages."""
    long_texts = ["A" * 150 + ".", "B " * 100 + ".", "C " * 100 + "."]
    menu = "Reply with a number:\n1. One\n2. Two"
    with_menu = sms_pages(long_texts + [menu], 3, "(Write MORE)")
    assert menu in with_menu[0] and len(with_menu) == len(sms_pages(long_texts + ["x\ny"], 3, "(Write MORE)"))


@pytest.mark.parametrize("nationality", ["GT", "HN", "SV"])
@pytest.mark.parametrize("topic", ["asylum", "immigration"])
def test_no_consulate_for_someone_who_may_flee_their_government(nationality, topic):
    """Asylum and immigration-agent referrals never send a person to their own country's consulate."""
    ids = [e["id"] for e in SCRIPT.referrals(topic, "US-TX", nationality)]
    assert ids[0] == "eoir_list" and not [i for i in ids if i.endswith("_consulates") or i == "ciam"]


@pytest.mark.parametrize("message", ["OK", "LA", "trabajo en la montaña", "gracias"])
def test_a_word_that_looks_like_a_place_is_not_remembered(message):
    """"OK" is small talk and "montaña" a mountain: neither is kept as where the texter is."""
    assert run([message]).state.where is None


def test_a_referral_names_the_place_as_the_texter_wrote_it():
    """A remembered place is said back in the texter's words ("Carolina del Norte", not "North Carolina")."""
    result = run(["hola", "1", "vivo en Carolina del Norte"])  # read as asking for an organisation there
    assert result.node == "referral" and result.state.where
    assert result.replies[0].startswith(SCRIPT.text("referral.place", "es", place="Carolina del Norte"))
