"""Sentences for staff with a message id: the English template and its named details, kept apart.

The checks, edits and PO files word their findings and refusals as N_("template %(detail)s", detail=...):
the value is the English sentence (what the command line prints, what tests compare), and it keeps its
template and details so that a page can show it in its own language (bot/web/wording.py's say()
looks the template up in the pages' catalog). `pybabel extract -k N_` collects every template, so a new
sentence is in the catalog, and the catalog's test fails until it is translated. Pure: no Flask.
"""


class Message(str):
    """An English sentence that remembers its template and details (a str everywhere else). A detail may be
    a list (of words, numbers or Messages): it is said as its items joined with ", "."""

    def __new__(cls, template, **params):
        shown = {name: listed(value) for name, value in params.items()}
        text = template % shown if params else template.replace("%%", "%")
        self = super().__new__(cls, text)
        self.template, self.params = template, params
        return self

    def __reduce__(self):
        return (_rebuild, (self.template, self.params))


def listed(value):
    """Return a list detail as its items joined with ", " (any other detail as it is)."""
    return ", ".join(map(str, value)) if isinstance(value, (list, tuple)) else value


def _rebuild(template, params):
    """Return a Message again (pickling and copying keep the template)."""
    return Message(template, **params)


N_ = Message
