"""What the staff's script pages show: the menu tree, each message in every language with its SMS
cost and the checks' findings, grouped the way staff look for them. No Flask here."""
import re
from collections import defaultdict
from dataclasses import dataclass, field

from bot.conversation.checks import sms_report, text_ids
from bot.staff.edits import keyword_ids
from bot.conversation.rendering import render_node
from bot.conversation.sms import segments, sms_safe

_WHERE = re.compile(r"^(text|node|directory)\[([^\]]+)\](?:\.(.+))?$")
NODE_ROLES = ("found", "none", "end", "closed", "waiting", "closing")  # extra texts a node may name


def place(where):
    """Return (kind, key, rest) of a finding's or change's where, e.g. ("text", "main.intro", "quc").

    Places without a key (office_hours, script.start, globals[2]) give (their first word, None, None).
    """
    found = _WHERE.match(where or "")
    if found:
        return found.groups()
    return re.split(r"[.\[]", where or "", maxsplit=1)[0], None, None


def shown_value(value):
    """Return a changed value as one readable line: texts as they are, lists and mappings spelled out."""
    if value is None:
        return "-"
    if isinstance(value, dict) and set(value) == {"number", "kind", "from"}:  # a directory phone
        return f"{value['number']} ({value['kind']}, {value['from']})"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {shown_value(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return "; ".join(shown_value(v) for v in value) or "-"
    return str(value)


def finding_kind(problem):
    """Return which of the usual warnings about a text a finding is (the pages say those in the page's
    language): missing, stale, review, gsm, budget; "other" for the rest, shown as the checks word it.
    Kept in step with bot/conversation/checks.py's wording (tests/test_script_pages.py covers each)."""
    message = problem.message
    for kind, start in (("missing", "missing:"), ("stale", "stale:"), ("review", "not yet reviewed"),
                        ("gsm", "not GSM-7")):
        if message.startswith(start):
            return kind
    return "budget" if re.match(r"\d+ SMS segments \(budget \d+\)$", message) else "other"


@dataclass(frozen=True)
class Cell:
    """One message in one language: its own text, what texters get, its SMS cost and findings."""

    lang: str
    text: str                 # the language's own text ("" when missing)
    shown: str                # what texters get: the own text, else the fallback's
    fallback: str             # the language texters get instead when the text is missing, else None
    needs_review: bool
    stale: bool
    encoding: str = None      # SMS cost of what texters get (None for keywords)
    segments: int = 0
    odd: str = ""             # characters outside GSM-7
    problems: tuple = ()


@dataclass(frozen=True)
class Message:
    """One text id as a row: its role where it is used, and a Cell per language."""

    tid: str
    role: str                 # text, option, words, found, none, closed, waiting, closing, global, engine, label
    detail: str = ""          # the option's number, the global's target, the engine's role...
    keywords: bool = False
    cells: tuple = ()
    problems: tuple = ()      # findings about the text in every language (text[id])

    @property
    def findings(self):
        """Return how many findings the message has in all."""
        return len(self.problems) + sum(len(c.problems) for c in self.cells)


@dataclass(frozen=True)
class Option:
    """One option of a node: its number, where it leads, and its label's text id."""

    number: int
    label: str
    goto: str = None
    set_language: str = None


@dataclass(frozen=True)
class NodeView:
    """One node as its section on the tree page."""

    id: str
    type: str
    topic: str
    messages: tuple
    options: tuple
    problems: tuple           # node[id], node[id].options[n], node[id].<lang>
    sent: tuple = ()          # a menu as texters get it, one SMS per language: (lang, encoding, segments)


@dataclass
class TreeItem:
    """One line of the tree: a node, the nodes first met through its options (children), and those
    its options lead to that are shown elsewhere (links)."""

    id: str
    type: str
    findings: int = 0
    children: list = field(default_factory=list)
    links: list = field(default_factory=list)


class ScriptView:
    """A Script and its checks' findings, arranged for the pages."""

    def __init__(self, script, problems):
        self.script = script
        self.problems = list(problems)
        self.by_where = defaultdict(list)
        for problem in self.problems:
            self.by_where[problem.where].append(problem)
        self.costs = {(tid, lang): (enc, n, odd) for tid, lang, enc, n, odd in sms_report(script)}
        self.keyword_ids = keyword_ids({"spec": script.spec})
        self._nodes = {}
        self.errors = sum(1 for p in self.problems if p.level == "error")
        self.warnings = len(self.problems) - self.errors

    @property
    def languages(self):
        """Return the script's languages, the source language first."""
        return self.script.languages

    # -- messages ---------------------------------------------------------------------------------

    def cell(self, tid, lang):
        """Return the Cell of tid in lang."""
        script = self.script
        entry = script.catalogs.get(lang, {}).get(tid)
        own = entry.text if entry is not None else ""
        shown, used = script.resolve(tid, lang)
        cost = (None, 0, "") if tid in self.keyword_ids else self.costs.get((tid, lang), (None, 0, ""))
        return Cell(lang=lang, text=own, shown=shown, fallback=None if own else used,
                    needs_review=bool(entry is not None and own and entry.needs_review),
                    stale=bool(own and script.is_stale(tid, lang)), encoding=cost[0], segments=cost[1],
                    odd=cost[2], problems=tuple(self.by_where.get(f"text[{tid}].{lang}", ())))

    def message(self, tid, role="text", detail=""):
        """Return the Message row of tid."""
        return Message(tid=tid, role=role, detail=str(detail), keywords=tid in self.keyword_ids,
                       cells=tuple(self.cell(tid, lang) for lang in self.languages),
                       problems=tuple(self.by_where.get(f"text[{tid}]", ())))

    # -- nodes and the tree -----------------------------------------------------------------------

    def node(self, node_id):
        """Return the NodeView of a node: its texts, then each option's label and keywords."""
        if node_id not in self._nodes:
            self._nodes[node_id] = self._node(node_id)
        return self._nodes[node_id]

    def _node(self, node_id):
        """Build the NodeView of a node."""
        node = self.script.nodes[node_id]
        messages = [self.message(tid) for tid in node.text]
        messages += [self.message(node.texts[role], role) for role in NODE_ROLES
                     if isinstance(node.texts.get(role), str)]
        options = []
        for number, option in enumerate(node.options, start=1):
            target = option.goto or (self.script.main if option.set_language else None)
            options.append(Option(number, option.label, target, option.set_language))
            messages.append(self.message(option.label, "option", number))
            if option.words:
                messages.append(self.message(option.words, "words", number))
        problems = [p for where, found in self.by_where.items() if place(where)[:2] == ("node", node_id)
                    for p in found]
        sent = ()
        if node.type in ("menu", "language"):  # its texts and options go out as one message
            fold = self.script.sms.get("fold_accents", True)
            sent = tuple((lang, *segments(sms_safe(render_node(self.script, node_id, lang), fold)))
                         for lang in self.languages)
        return NodeView(id=node_id, type=node.type, topic=node.topic, messages=tuple(messages),
                        options=tuple(options), problems=tuple(problems), sent=sent)

    def node_findings(self, node_id):
        """Return how many findings a node and its messages have."""
        view = self.node(node_id)
        return len(view.problems) + sum(m.findings for m in view.messages)

    def tree(self):
        """Return the menu tree as TreeItems: from the start, then the nodes only global words reach,
        then any node nothing reaches (the checks call those errors)."""
        script, nodes, seen = self.script, self.script.nodes, set()

        def visit(node_id):
            seen.add(node_id)
            item = TreeItem(node_id, nodes[node_id].type, self.node_findings(node_id))
            for option in nodes[node_id].options:
                target = option.goto or (script.main if option.set_language else None)
                if target not in nodes:
                    continue
                if target in seen:
                    if target not in item.links:
                        item.links.append(target)
                else:
                    item.children.append(visit(target))
            return item

        roots = [script.start, script.main, script.stuck] + [g.goto for g in script.globals] + list(nodes)
        return [visit(node_id) for node_id in dict.fromkeys(roots) if node_id in nodes and node_id not in seen]

    def node_order(self):
        """Return the node ids in the order the tree first shows them."""
        order = []

        def walk(items):
            for item in items:
                order.append(item.id)
                walk(item.children)
        walk(self.tree())
        return order

    def sections(self):
        """Return [(NodeView, [(Message, node id where it was shown first, or None)])] in tree order:
        a text several nodes share (Back, More...) is shown in full once, then referred to."""
        shown, out = {}, []
        for node_id in self.node_order():
            view, rows = self.node(node_id), []
            for message in view.messages:
                rows.append((message, shown.get(message.tid)))
                shown.setdefault(message.tid, node_id)
            out.append((view, rows))
        return out

    def other_messages(self):
        """Return the texts used outside the nodes: global words, the engine's texts, directory labels."""
        script, in_nodes = self.script, set()
        for view in map(self.node, script.nodes):
            in_nodes.update(m.tid for m in view.messages)
        rows, done = [], set(in_nodes)
        for option in script.globals:
            if option.words not in done:
                rows.append(self.message(option.words, "global", option.goto or option.set_language
                                         or option.action or ""))
                done.add(option.words)
        for role, tid in script.engine_texts.items():
            if tid not in done:
                rows.append(self.message(tid, "engine", role))
                done.add(tid)
        for intent, tid in script.match_words.items():  # whole-message words: more, no
            if tid not in done:
                rows.append(self.message(tid, "sentence", intent))
                done.add(tid)
        for intent, tid in script.small_talk.items():
            if tid not in done:
                rows.append(self.message(tid, "engine", f"small talk: {intent}"))
                done.add(tid)
        rows += [self.message(tid, "label") for tid in text_ids(script) if tid not in done]
        return rows

    # -- one text ---------------------------------------------------------------------------------

    def usage(self, tid):
        """Return where a text is used: [(role, node id or None, detail)]."""
        script, out = self.script, []
        for node in script.nodes.values():
            if tid in node.text:
                out.append(("text", node.id, ""))
            out += [(role, node.id, "") for role in NODE_ROLES if node.texts.get(role) == tid]
            for number, option in enumerate(node.options, start=1):
                if option.label == tid:
                    out.append(("option", node.id, str(number)))
                if option.words == tid:
                    out.append(("words", node.id, str(number)))
        out += [("global", None, g.goto or g.set_language or g.action or "") for g in script.globals
                if g.words == tid]
        out += [("engine", None, role) for role, t in script.engine_texts.items() if t == tid]
        out += [("sentence", None, intent) for intent, t in script.match_words.items() if t == tid]
        return out

    def knows(self, tid):
        """Return True when tid is a text the script uses or a catalog holds."""
        return tid in set(text_ids(self.script)) or any(tid in c for c in self.script.catalogs.values())

    def directory_problems(self, entry_id):
        """Return the findings about one directory entry (its phones included)."""
        return [p for p in self.problems if place(p.where)[:2] == ("directory", entry_id)]
