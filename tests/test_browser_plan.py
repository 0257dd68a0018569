"""The Write tab's plan step in headless Chromium (issue #26, item 4): Plan first fills an editable box, the
edited plan is written under exactly its headings, and Write pressed while writing says so. The text engine
writes with a scripted backend (a little slowly), so the test is about the page, not a model."""

from __future__ import annotations

import time

import pytest

from .conftest import ARTIFACTS, CHROMIUM, launched_studio
from .test_plan_edit import SeededBackend

pytestmark = [pytest.mark.slow, pytest.mark.browser,
              pytest.mark.skipif(CHROMIUM is None, reason="apt-get install chromium (test.sh does)")]


class SlowSeeded(SeededBackend):
    def stream(self, prompt, params, stop, stats=None):
        for chunk in super().stream(prompt, params, stop, stats):
            time.sleep(0.1)
            yield chunk


def test_plan_first_edit_the_plan_and_write_from_it(browser, tiny_gguf, tmp_path):
    with launched_studio(tmp_path, "--text-model", str(tiny_gguf)) as (url, ctx):
        ctx.text.backend = lambda model="", voice="", owner="": SlowSeeded()
        ctx.text.retries = 0
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(url)
        page.wait_for_selector("#write-btn", timeout=300_000)
        assert page.locator("#plan-btn").is_visible() and not page.locator("#write-plan").is_visible()
        page.locator("#write-prompt textarea").fill("The council opens a community garden on Elm Street")
        page.locator("#write-length input[type=number]").fill("640")
        page.locator("#write-length input[type=number]").press("Enter")
        page.locator("#plan-btn").click()
        page.wait_for_function("(document.querySelector('#write-plan textarea')?.value ?? '')"
                               ".startsWith('What the council decided')", timeout=120_000)
        mine = ["Who said what", "Our own heading (with brackets)", "Introduction", "2024: the first season",
                "What happens next"]
        page.locator("#write-plan textarea").fill("\n".join(mine))
        page.screenshot(path=str(ARTIFACTS / "write-plan.png"))
        page.locator("#write-plan-btn").click()
        page.wait_for_function("(document.querySelector('#write-stats')?.innerText ?? '').includes('section')",
                               timeout=120_000)
        page.locator("#write-btn").click()  # while it writes
        page.wait_for_selector("text=Already writing — press Stop first, or wait.", timeout=30_000)
        page.wait_for_function("(document.querySelector('#write-stats')?.innerText ?? '').includes('Done')",
                               timeout=120_000)
        draft = page.locator("#draft textarea").input_value()
        assert [line[3:] for line in draft.splitlines() if line.startswith("## ")] == mine, draft
        page.close()
