"""Browser test of a proposal from the inbox thread: the Propose button sits in the polled thread and
submits the one form outside it (HTML's form attribute), which only a real browser shows to work."""
import uuid

import pytest

from conftest import PERSON
from test_browser import chromium, live, log_in, page, text  # noqa: F401 - the same live server fixtures

pytestmark = pytest.mark.slow
MESSAGE = "mi compa dice que el bodoque no suelta lo de la quincena"


def test_volunteer_proposes_from_the_thread_and_staff_rejects(live, page):
    """Ana opens the reading beside the texter's message, proposes pay; Sam sees it and rejects it."""
    base = live["base"]
    number = "+1505555" + str(uuid.uuid4().int)[:4]
    for body in ("hola", "1", PERSON, MESSAGE):
        text(base, number, body)
    h = live["keys"].pseudonym(number)
    log_in(page, base)
    page.goto(f"{base}/inbox/c/{h}")
    details = page.locator("details.understood").last
    assert not details.locator("pre.why").is_visible()  # collapsed
    details.locator("summary").click()
    assert "pesaron" in details.locator("pre.why").inner_text()  # the trace in the page's language
    details.locator("select").select_option("intents.pay")
    details.locator("button", has_text="Proponer").click()
    page.wait_for_url(f"{base}/inbox/c/{h}#msg-*")
    assert "Propuesto" in page.locator(".flash").first.inner_text()
    store = live["app"].extensions["conversations"].store
    (found,) = store.proposals()
    assert found["text"] == MESSAGE and found["label"] == "intents.pay" and found["by"] == "ana"
    staff = page.context.browser.new_context().new_page()
    log_in(staff, base, "sam@example.org", "/admin/script/examples/")
    assert MESSAGE in staff.locator(f"#proposal-{found['id']} textarea").input_value()
    staff.locator(f"#proposal-{found['id']} button", has_text="Reject").click()
    staff.wait_for_url(f"{base}/admin/script/examples/#proposals")
    assert store.proposals() == []
    assert page.problems == []
