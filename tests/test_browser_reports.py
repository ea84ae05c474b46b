"""Browser test of the reports page: Debian's Chromium against a live gunicorn (see tests/test_browser.py)
reads the counts of a known mix of conversations in the SVG charts, on a desktop and on a phone."""
import datetime
import uuid
from zoneinfo import ZoneInfo

import pytest

from conftest import PASSWORD, PERSON
from test_browser import VIEWPORTS, chromium, live, text  # noqa: F401  (fixtures of that module)

pytestmark = pytest.mark.slow


def _value(page, chart, key):
    """Return the value written at the end of a bar of a bar chart."""
    return page.locator(f"svg#{chart} g.bar[data-key='{key}'] text.value").text_content()


def test_staff_read_the_known_counts_in_the_charts(live):
    """Three texters (two in Spanish, one in English; pay twice, recruitment once; one asks for a
    person), staff claim and answer in the browser, then the charts show exactly those counts."""
    base, browser = live["base"], live["browser"]
    numbers = ["+1505556" + str(uuid.uuid4().int)[:4] + str(i) for i in range(3)]
    for number, bodies in zip(numbers, (["hola", "1", "2"], ["hola", "3", "2", "menu", "1"],
                                        ["hola", "1", PERSON, "Necesito ayuda"])):
        for body in bodies:
            text(base, number, body)
    today = datetime.datetime.now(ZoneInfo("America/New_York")).date()  # the script's office time zone

    for viewport, first in (("desktop", True), ("phone", False)):
        context = browser.new_context(**VIEWPORTS[viewport])
        page = context.new_page()
        page.set_default_timeout(15000)
        problems = []
        page.on("console", lambda m: m.type == "error" and problems.append(m.text))
        page.on("response", lambda r: r.status >= 400 and problems.append(f"{r.status} {r.url}"))
        page.goto(base + "/login")
        page.fill("#email", "sam@example.org")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(base + "/inbox/")
        if first:  # claim the waiting texter and answer them
            page.get_by_role("button", name="Claim").click()
            page.wait_for_url(f"{base}/inbox/c/**")
            page.fill("#body", "Hello, this is Sam.")
            page.click("#send")
            live["fake"].wait_for(1)

        page.get_by_role("link", name="Reports").click()
        page.wait_for_url(f"{base}/admin/reports")
        page.get_by_role("link", name="Last 7 days").click()
        page.wait_for_url(f"{base}/admin/reports?from=*")
        assert page.locator("dd[data-figure='conversations']").text_content() == "3"
        assert page.locator("dd[data-figure='asked']").text_content() == "1"
        assert page.locator("dd[data-figure='claimed']").text_content() == "1"
        assert page.locator("dd[data-figure='answered']").text_content() == "1"

        today_column = page.locator(f"svg#over-time g.column").last
        assert today_column.get_attribute("data-total") == "3"
        assert today_column.locator("text.total").text_content() == "3"
        title = today_column.locator("title").text_content()
        assert "Spanish 2" in title and "English 1" in title
        assert page.locator("svg#over-time text.period").last.text_content() == \
            today.strftime("%-d %b")
        assert _value(page, "languages", "es") == "2" and _value(page, "languages", "en") == "1"
        assert _value(page, "topics", "pay") == "2" and _value(page, "topics", "recruitment") == "1"
        assert page.locator("svg#topics g.bar text.label").all_text_contents() == ["pay", "recruitment fees, fraud"]
        assert _value(page, "waits", "60") == "1 · 100%" and _value(page, "waits", "300") == "0"
        for chart in ("over-time", "languages", "topics", "waits"):
            box = page.locator(f"svg#{chart}").bounding_box()
            assert box["width"] > 300 and box["height"] > 30, chart

        csv_text = page.request.get(base + page.locator("#csv").get_attribute("href")).text()
        assert f"{today},topic,,,pay,2" in csv_text.splitlines()
        if viewport == "phone":  # nothing wider than a phone's screen
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert problems == []  # no script error, no CSP violation, no failed request
        context.close()
