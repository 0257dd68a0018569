"""The Models tab in headless Chromium (issue #27): download the tiny GGUF from the loopback Hub stand-in,
watch the progress bar move (and still there after a page reload), make it the default, and write with it after a restart."""

from __future__ import annotations

import pytest

from .conftest import free_port
from .test_browser import ARTIFACTS, CHROMIUM, VIEWPORT
from .test_hub import REF, gguf_bytes, online, stand_in  # noqa: F401 - fixtures

pytestmark = [pytest.mark.slow, pytest.mark.browser,
              pytest.mark.skipif(CHROMIUM is None, reason="apt-get install chromium (test.sh does)")]


def _launch(data):
    import app as studio_app

    ctx, demo = studio_app.create_app(["--no-browser", "--port", str(free_port()), "--data-dir", str(data),
                                       "--device", "cpu"])
    studio_app.launch(ctx, demo, prevent_thread_lock=True, quiet=True)
    return ctx, demo, f"http://127.0.0.1:{ctx.settings.port}"


def _progress(pg) -> float:
    return pg.evaluate("Number(document.querySelector('#models-progress progress')?.value ?? -1)")


def test_download_in_the_models_tab_then_write_with_it_after_a_restart(stand_in, tmp_path, monkeypatch):  # noqa: F811
    from playwright.sync_api import sync_playwright

    monkeypatch.delenv("STUDIO_TEXT_MODEL", raising=False)
    ARTIFACTS.mkdir(exist_ok=True)
    stand_in.rate = 1_000_000  # about 15 s for the 14 MB file
    data = tmp_path / "data"
    ctx, demo, url = _launch(data)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        pg = browser.new_page(viewport=VIEWPORT)
        try:
            pg.goto(url)
            pg.wait_for_selector("#write-btn", timeout=300_000)
            pg.get_by_role("tab", name="Models").click()
            pg.locator("#models-ref textarea").fill(REF)
            pg.locator("#models-download").click()
            pg.wait_for_function("document.querySelector('#models-progress progress') !== null", timeout=60_000)
            first = _progress(pg)
            pg.wait_for_function(f"Number(document.querySelector('#models-progress progress')?.value ?? 101) > {first}",
                                 timeout=60_000)
            pg.screenshot(path=str(ARTIFACTS / "models-progress.png"))
            pg.reload()  # the download runs in the studio: a reloaded page finds it still going
            pg.wait_for_selector("#write-btn", timeout=300_000)
            pg.get_by_role("tab", name="Models").click()
            pg.wait_for_function("document.querySelector('#models-progress progress') !== null || "
                                 "(document.querySelector('#models-progress')?.innerText ?? '').includes('Downloaded')",
                                 timeout=60_000)
            pg.wait_for_function("(document.querySelector('#models-progress')?.innerText ?? '').includes('Downloaded')",
                                 timeout=120_000)
            pg.locator("#models-ref textarea").fill(REF)  # the reloaded page's form is empty
            pg.locator("#models-default").click()
            pg.wait_for_function("(document.querySelector('#models-status')?.innerText ?? '').includes('default')",
                                 timeout=60_000)
        finally:
            demo.close()
        ctx, demo, url = _launch(data)
        try:
            assert ctx.settings.text_model == REF
            pg.goto(url)
            pg.wait_for_selector("#write-btn", timeout=300_000)
            pg.locator("#write-prompt textarea").fill("a garden in spring")
            pg.locator("#write-btn").click()
            pg.wait_for_function("document.querySelector('#draft textarea').value.length > 10", timeout=300_000)
            pg.screenshot(path=str(ARTIFACTS / "models-write-after-restart.png"))
            assert ctx.text.is_loaded(REF), "the Write tab wrote with the downloaded default model"
        finally:
            demo.close()
            browser.close()
