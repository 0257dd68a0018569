"""The Voice tab in headless Chromium (#13): upload a file, train with a few steps, see the progress and
the before/after figures, find the voice in the list and in the Write tab, write with it, delete it.
The studio runs the tiny random LM. A screenshot goes to test-artifacts/voice-tab.png."""

from __future__ import annotations

import shutil

import pytest

from .conftest import ROOT, free_port
from .test_voice import writer_text

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [pytest.mark.slow, pytest.mark.browser,
              pytest.mark.skipif(CHROMIUM is None, reason="apt-get install chromium (test.sh does)")]
BENIGN = ("favicon", "net::ERR_", "Failed to load resource", "fonts.googleapis", "fonts.gstatic")


@pytest.fixture(scope="module")
def page(tmp_path_factory, tiny_lm_dir):
    from playwright.sync_api import sync_playwright

    import app as studio_app

    tmp = tmp_path_factory.mktemp("voice-ui")
    ctx, demo = studio_app.create_app([
        "--no-browser", "--port", str(free_port()), "--data-dir", str(tmp / "data"), "--output-dir",
        str(tmp / "out"), "--device", "cpu", "--offline", "--text-model", str(tiny_lm_dir)])
    studio_app.launch(ctx, demo, prevent_thread_lock=True, quiet=True)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            pg = browser.new_page(viewport={"width": 1400, "height": 900})
            pg.errors = []
            pg.on("console", lambda m: pg.errors.append(m.text) if m.type == "error" else None)
            pg.goto(f"http://127.0.0.1:{ctx.settings.port}/")
            pg.wait_for_selector("#write-btn", timeout=300_000)
            pg.tmp = tmp
            yield pg
            browser.close()
    finally:
        demo.close()


def test_train_a_voice_in_the_tab_and_write_with_it(page):
    essay = page.tmp / "essay.md"
    essay.write_text("# Spring\n\n" + writer_text(400, 2), encoding="utf-8")
    page.get_by_role("tab", name="Voice").click()
    page.locator("#voice-name input, #voice-name textarea").first.fill("Garden voice")
    page.locator("#voice-files input[type=file]").set_input_files(str(essay))
    page.get_by_text("Advanced").click()
    page.wait_for_function("(document.querySelector('#voice-plan')?.innerText ?? '').includes('words')", timeout=60_000)
    steps = page.get_by_label("Steps")
    steps.fill("12")
    steps.press("Tab")
    page.locator("#voice-train").click()
    page.wait_for_selector("#voice-progress", timeout=120_000)
    page.wait_for_function("(document.querySelector('#voice-result')?.innerText ?? '').includes('is ready')",
                           timeout=300_000)
    result = page.locator("#voice-result").inner_text()
    assert "held-out text" in result and "before" in result, result
    (ROOT / "test-artifacts").mkdir(exist_ok=True)
    page.screenshot(path=str(ROOT / "test-artifacts" / "voice-tab.png"), full_page=True)
    assert "Garden voice" in page.locator("#voice-table").inner_text()

    page.get_by_role("tab", name="Write").click()
    page.locator("#write-voice input").click()
    page.get_by_role("option", name="Garden voice").click()
    page.locator("#write-task input").click()
    page.get_by_role("option", name="Headline ideas").click()
    page.locator("#write-prompt textarea").fill("spring planting")
    page.locator("#write-btn").click()
    page.wait_for_function("(document.querySelector('#write-stats')?.innerText ?? '').includes('Done')", timeout=300_000)
    assert page.locator("#draft textarea").input_value().strip()
    assert "⚠️" not in page.locator("#write-status").inner_text()
    real = [e for e in page.errors if not any(b in e for b in BENIGN)]
    assert not real, real
