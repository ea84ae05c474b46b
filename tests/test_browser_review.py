"""Browser test of the K'iche' review (issue 20): Playwright drives Debian's Chromium against a live
gunicorn and a real Redis. A native reviewer approves a K'iche' text and comments on another, sees the
count go up, cannot open the inbox; staff see the count on the script pages and publish; the published
version has the text without its needs-review flag.
"""
import re

import pytest

from bot.staff.service import PUBLISHED
from conftest import PASSWORD
from test_browser import chromium, live, log_in, page  # noqa: F401 - the same live server fixtures

pytestmark = pytest.mark.slow
REVIEWER = "rita@example.org"
APPROVED, COMMENTED = "main.intro", "opt.person"


def reviewed(locator):
    """Return (n, total) from a "Reviewed n of total." line."""
    n, total = re.search(r"(\d+) of (\d+)", locator.inner_text()).groups()
    return int(n), int(total)


def test_reviewer_approves_a_kiche_text_and_staff_publish_it(live, page):
    """Approve, see the count go up, comment, no inbox; staff see the same count and publish."""
    base, app = live["base"], live["app"]
    accounts = app.extensions["accounts"]
    if accounts.get(REVIEWER) is None:
        accounts.add(REVIEWER, "reviewer", PASSWORD, langs=["quc", "es"], ui_lang="en")
    log_in(page, base, REVIEWER, "/review/")
    before, total = reviewed(page.locator("#review-count"))
    assert total > 50 and before < total
    article = page.locator(f'[id="t-{APPROVED}"]')
    assert "Chatz'ib'aj" in article.locator("textarea").input_value()  # the K'iche' beside
    assert "Elija un número" in article.inner_text() and "Pick a number" in article.inner_text()
    article.locator("button.approve").click()
    page.get_by_text("Approved in the draft. Staff publish it.").wait_for()
    assert reviewed(page.locator("#review-count")) == (before + 1, total)
    assert page.locator(f'[id="t-{APPROVED}"]').count() == 0  # no longer awaiting review

    note = page.locator(f'[id="note-{COMMENTED}"]')
    note.fill("Chatch'aw ruk' jun winaq: utz")
    page.locator(f'[id="t-{COMMENTED}"] form:has([name=note]) button').click()
    page.get_by_text("Comment saved in the draft.").wait_for()
    assert "Chatch'aw ruk' jun winaq: utz" in page.locator(f'[id="t-{COMMENTED}"]').inner_text()

    assert page.goto(base + "/inbox/").status == 403  # a reviewer never sees texters' conversations
    page.problems.clear()

    staff = live["browser"].new_context().new_page()
    staff.set_default_timeout(15000)
    log_in(staff, base, "sam@example.org", "/admin/script/")
    assert reviewed(staff.locator("#reviewed-count")) == (before + 1, total)
    staff.click("nav.subnav >> text=Publish")
    staff.fill("#note", "K'iche' reviewed by Rita")
    staff.click("#publish")
    staff.wait_for_url(base + "/admin/script/history")
    staff.get_by_text("Published version").first.wait_for()
    published = app.extensions["scripts"].script(PUBLISHED)
    assert not published.catalogs["quc"][APPROVED].needs_review
    assert published.catalogs["quc"][COMMENTED].needs_review
    assert any("utz" in note for note in published.catalogs["quc"][COMMENTED].notes)
    staff.context.close()
