"""Write the inputs of the golden transcripts in tests/golden from the shipped script.

Run `python tests/make_golden.py` after the menu changes shape, then `GOLDEN_UPDATE=1 python -m pytest
tests/test_golden.py` to record the replies, and read the diff before committing. Each transcript walks
every topic (with its "more" chain and a referral), the main menu's referral, the emergency, help and
language words, three misses, a handoff and its close, and a return after silence. Then texters' own words
(SENTENCES): a sentence about a topic, "more", a place inside a sentence, two topics in one sentence,
small talk, a person asked for in a sentence, the acknowledgement while waiting, MENU while waiting,
danger while waiting, while claimed, while a deletion is asked, as a first message and at the language
menu, "no" after BORRAR, and a first message in the texter's own words. Last, alerts (issue 25): the
word, the state asked ("Carolina", then "norte"), a renewal that asks nothing, and the word that ends them.
"""
import os
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from bot.conversation.script import load_script  # noqa: E402

SCRIPT = load_script(os.path.join(ROOT, "locales"))
PLACES = {"es": ["Carolina del Norte", "Florida", "Georgia", "NC", "Texas", "Michigan", "Nueva York", "Arizona", "California"],
          "en": ["North Carolina", "Florida", "Georgia", "NC", "Texas", "Michigan", "New York", "Arizona", "California"],
          "quc": ["Carolina del Norte", "Florida", "Georgia", "NC", "Texas", "Michigan", "Nueva York", "Arizona", "California"]}
WORDS = {"es": {"hello": "hola", "lang": "Español", "emergency": "EMERGENCIA", "help": "AYUDA", "language": "idioma",
                "menu": "MENÚ", "typo_place": "Carolina del Nrte", "other": "Inglés", "alerts": "ALERTAS",
                "alerts_stop": "BAJA", "side": "norte"},
         "en": {"hello": "hi", "lang": "english", "emergency": "EMERGENCY", "help": "help", "language": "LANGUAGE",
                "menu": "menu", "typo_place": "Nort Carolina", "other": "español", "alerts": "alerts",
                "alerts_stop": "STOP ALERTS", "side": "north"},
         "quc": {"hello": "", "lang": "kiche", "emergency": "k'ax", "help": "to'b'anik", "language": "ch'ab'al",
                 "menu": "cholb'al", "typo_place": "Carolina del Nrte", "other": "english", "alerts": "TZIJOL",
                 "alerts_stop": "maj tzijol", "side": "norte"}}
SENTENCES = {
    "es": {"topic": "mi patrón no me paga las horas extras", "more": "más", "place": "estoy en carolina del norte",
           "two": "me lastimé y me quieren mandar a mi país", "thanks": "gracias", "ok": "ok",
           "person": "necesito hablar con alguien", "waiting": "hola?", "danger_waiting": "me quieren matar",
           "claimed": "gracias por esperar", "danger_claimed": "911", "danger_delete": "ayuda urgente",
           "no": "no", "first": "no me pagan las horas extra", "first_danger": "EMERGENCIA!",
           "menu_danger": "911", "weak_place": "LA", "selfharm": "ya no quiero vivir, pienso en matarme",
           "medical": "mi compañero se cayó del techo y no se mueve",
           "poison": "nos echaron pesticida encima, me arde la piel y estoy vomitando",
           "past": "hace dos años me golpearon en mi país, ahora tengo mi corte de asilo", "speak": "prefiero español"},
    "en": {"topic": "my boss doesnt pay overtime", "more": "more", "place": "I'm in Yakima, Washington",
           "two": "I got hurt and they fired me", "thanks": "thanks", "ok": "ok",
           "person": "I need to talk to someone", "waiting": "hello?", "danger_waiting": "they are going to kill me",
           "claimed": "ok thank you", "danger_claimed": "emergency", "danger_delete": "help, a man is attacking me right now",
           "no": "no", "first": "I was fired", "first_danger": "911 help", "menu_danger": "emergency!",
           "weak_place": "in OK", "selfharm": "i want to end my life",
           "medical": "my coworker collapsed in the field and is not breathing",
           "poison": "they sprayed chemicals on us, my eyes burn and i cant breathe",
           "past": "last year in honduras a gang beat me, now i have my asylum court date", "speak": "i speak english"},
    "quc": {"topic": "man kinkitoj ta ri nupatron", "more": "ch'aqa' chik", "place": "in k'o pa Huehuetenango",
            "two": "xinsokotaj xuqujeʼ xinesax pa ri chak", "thanks": "maltyox", "ok": "utz",
            "person": "kwaj kinch'aw rik'in jun winaq", "waiting": "k'o jun winaq?", "danger_waiting": "kinkikamisaj",
            "claimed": "maltyox", "danger_claimed": "nim k'ax", "danger_delete": "chinto'o chanim",
            "no": "man", "first": "xinsokotaj pa ri chak", "first_danger": "911", "menu_danger": "nim k'ax",
            "weak_place": "Michoacán", "selfharm": "kwaj kinkamik, man kwaj ta chik kink'asi'",
            "medical": "jun wachi'l xtzaq, man kuxlan ta", "poison": "xkiya' pesticida chqij, kaporon ri nuch'akul",
            "past": "ojer xinkich'ay pa nutinamit, kamik k'o jun corte rech asilo", "speak": "k'iche' kinch'aw"},
}
NUMBER_FORMS = {"es": ["{n}", " {n}.", "#{n}"], "en": ["{n}", "{n}️⃣", "({n})"], "quc": ["{n}", "{n}.", "#{n}"]}


def number(node_id, goto):
    """Return the option number leading from node_id to goto."""
    for i, option in enumerate(SCRIPT.nodes[node_id].options, start=1):
        if option.goto == goto:
            return i
    raise KeyError((node_id, goto))


def tour(lang, channel):
    """Return the steps of one transcript."""
    words, forms = WORDS[lang], NUMBER_FORMS[lang]
    steps = [{"send": words["hello"], **({"media": True} if lang == "quc" else {})}, {"send": words["lang"]}]
    main = SCRIPT.main
    topics = [o.goto for o in SCRIPT.nodes[main].options if o.goto and SCRIPT.nodes[o.goto].type == "info"]
    for i, (topic, place) in enumerate(zip(topics, PLACES[lang])):
        steps.append({"send": forms[i % len(forms)].format(n=number(main, topic))})
        node = topic
        while nxt := next((o.goto for o in SCRIPT.nodes[node].options if o.label == "opt.more"), None):
            steps.append({"send": str(number(node, nxt))})
            node = nxt
        steps += [{"send": str(number(node, "referral"))}, {"send": place},
                  {"send": str(number("referral", main))}]
    # Check a job offer (issue 16): the recruitment topic's option, then a case number (the tours run
    # without DOL's data loaded: tests/test_jobs.py has the answers), then back to the menu
    steps += [{"send": str(number(main, "recruitment"))}, {"send": str(number("recruitment", "check_offer"))},
              {"send": "H-300-25041-123456"}, {"send": str(number("check_offer", main))}]
    referral = str(number(main, "referral"))
    steps += [{"send": referral}, {"send": "atlantis"}, {"send": words["typo_place"]}, {"send": "México"},
              {"send": "Guatemala"}, {"send": "Honduras"}, {"send": words["menu"]},
              {"send": words["emergency"]}, {"send": words["help"]}, {"send": words["language"]},
              {"send": words["other"]}, {"send": words["language"]}, {"send": words["lang"]},
              {"send": "mi prima tuvo bebe ayer"}, {"send": "xyzzy plugh"}, {"send": "se me perdio el cargador del celular"}, {"send": str(number(SCRIPT.stuck, "person"))},
              {"send": "necesito ayuda, mi patron tiene mi pasaporte"}, {"send": "STOP"}, {"close_handoff": True},
              {"send": words["hello"] or "hola"}, {"send": "START"}, {"expire_session": True}, {"send": "5"},
              {"send": str(number(main, "person"))}, {"send": "gracias"}, {"close_handoff": True}]
    return steps + own_words(lang)


def own_words(lang):
    """Return the steps where the texter writes in their own words (see the module docstring)."""
    say = SENTENCES[lang]
    delete = WORDS[lang].get("delete", "BORRAR")
    return [{"expire_session": True}, {"send": say["topic"]}, {"send": say["more"]},
            {"send": str(number("pay_more", "referral"))}, {"send": say["place"]},
            {"send": say["two"]}, {"send": say["thanks"]}, {"send": say["ok"]},
            {"send": str(number("asylum", "referral"))}, {"send": say["weak_place"]},
            {"send": say["person"]}, {"send": say["waiting"]}, {"send": "MENU"}, {"send": say["waiting"]},
            {"send": say["danger_waiting"]}, {"claim_handoff": True}, {"send": say["claimed"]},
            {"send": say["danger_claimed"]}, {"close_handoff": True},
            {"send": delete}, {"send": say["danger_delete"]}, {"send": delete}, {"send": say["no"]},
            {"send": delete}, {"send": "SI"}, {"send": say["first"]}, {"send": say["more"]},
            {"send": delete}, {"send": "SI"}, {"send": say["first_danger"]}, {"send": str(number("emergency", "person"))},
            {"send": delete}, {"send": "SI"}, {"send": WORDS[lang]["hello"] or "hola"}, {"send": say["menu_danger"]},
            # danger by kind (issue 19): self-harm, a medical emergency, poisoning; danger in the past gets
            # its topic with one line first; a statement of one's language sets it
            {"expire_session": True}, {"send": say["selfharm"]}, {"send": say["medical"]}, {"send": say["poison"]},
            {"send": say["past"]}, {"send": say["speak"]},
            # alerts by consent (issue 25)
            {"expire_session": True}, {"send": WORDS[lang]["alerts"]}, {"send": "Carolina"},
            {"send": WORDS[lang]["side"]}, {"expire_session": True}, {"send": WORDS[lang]["alerts"]},
            {"send": WORDS[lang]["alerts_stop"]}]


def main():
    """Write one transcript per language and channel."""
    for index, lang in enumerate(SCRIPT.languages):
        for channel in ("sms", "whatsapp"):
            path = os.path.join(ROOT, "tests", "golden", f"{lang}-{channel}.yaml")
            spec = {"channel": channel, "number": f"+1505555{index}{'1' if channel == 'sms' else '2'}00",
                    "steps": tour(lang, channel)}
            with open(path, "w", encoding="utf-8") as fh:
                yaml.safe_dump(spec, fh, allow_unicode=True, sort_keys=False)


if __name__ == "__main__":
    main()
