"""The Models tab's lines and tables (issue #27, a new user's pass): a failed download is shown as failed with
its reason (not as one more download), the Recommended table fits a laptop's 1366 px window (no Reference
column; a click on a row gives its reference), and the lines are messages by id (issue #24)."""

from __future__ import annotations

import time
import types

import gradio as gr
import pytest

from studio import hub
from studio.errors import ModelUnavailable
from studio.hub_download import Download
from studio.settings import Settings
from studio.ui import models_tab
from studio.ui.i18n import translate
from studio.ui.parts import Parts

from .conftest import ARTIFACTS, CHROMIUM, free_port


def _ctx(jobs):
    return types.SimpleNamespace(downloads=types.SimpleNamespace(all=lambda: jobs, base_speed=None))


def test_a_failed_download_is_shown_as_failed_with_its_reason():
    reason = ModelUnavailable("'{ref}' is not on the Hub (or it is private). Check the name.", ref="org/Nope-GGUF").message
    jobs = [Download("org/Done-GGUF:a.gguf", total=10, done=10, state="done"),
            Download("org/Nope-GGUF", state="failed", message=reason)]
    view = models_tab.progress_view(_ctx(jobs))
    done, failed = view.split("</div>")[:2]
    assert done == "<div class='studio-download'><b>org/Done-GGUF:a.gguf</b> · Downloaded."
    assert "studio-download-failed" in failed and "Downloaded" not in failed
    assert failed.endswith("<b>org/Nope-GGUF</b> · Failed: 'org/Nope-GGUF' is not on the Hub (or it is private). Check the name.")
    zh = translate(view, "zh")
    assert "已下载。" in zh and "失败：“org/Nope-GGUF”不在 Hub 上（或是私有的）。请检查名称。" in zh


def test_a_running_download_shows_its_bar_and_time_left_by_id():
    job = Download("org/Run-GGUF:r.gguf", total=2_000_000_000, done=500_000_000, started=time.monotonic() - 5)
    view = models_tab.progress_view(_ctx([job]))
    assert "<progress max='100' value='25'" in view and " s left" in view
    assert " 秒" in translate(view, "zh") and "org/Run-GGUF:r.gguf" in translate(view, "zh")


def test_the_recommended_table_has_no_reference_column_and_a_row_gives_its_reference():
    rows = models_tab.recommended_rows("text")
    assert "Reference" not in models_tab.RECOMMENDED_HEADERS
    assert all(len(r) == len(models_tab.RECOMMENDED_HEADERS) for r in rows)
    assert not any(":" in str(c) and "/" in str(c) for r in rows for c in r)  # no Hub reference in a cell
    refs = [r["ref"] for r in hub.recommended("text")]
    assert [models_tab.recommended_ref("text", i) for i in range(len(rows))] == refs


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="apt-get install chromium (test.sh does)")
def test_the_recommended_table_fits_a_1366_px_window(browser, tmp_path):
    settings = Settings(device="cpu", data_dir=tmp_path / "data", output_dir=tmp_path / "out", offline=True).validate()
    ctx = types.SimpleNamespace(settings=settings, downloads=types.SimpleNamespace(all=list, base_speed=None))
    with gr.Blocks() as demo, gr.Tab("Models"):
        w = Parts()
        models_tab._layout(w, ctx)
        models_tab._connect(ctx, w)
    demo.launch(server_port=free_port(), prevent_thread_lock=True, quiet=True)
    try:
        page = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
        page.goto(demo.local_url)
        page.wait_for_selector("#models-recommended table", timeout=120_000)
        for kind in ("text", "diffusion", "speech"):
            if kind != "text":
                page.locator("#models-kind label").nth(["text", "diffusion", "speech"].index(kind)).click()
                time.sleep(1.5)
            sideways = page.evaluate("""() => [...document.querySelectorAll('#models-recommended *')]
                .filter(e => e.scrollWidth > e.clientWidth + 1 && ['auto', 'scroll'].includes(getComputedStyle(e).overflowX))
                .map(e => [e.tagName, e.className, e.scrollWidth, e.clientWidth])""")
            box = page.locator("#models-recommended table").first.bounding_box()
            page.screenshot(path=str(ARTIFACTS / f"models-recommended-1366-{kind}.png"), full_page=True)
            assert not sideways, f"{kind}: the Recommended table scrolls sideways at 1366 px: {sideways}"
            assert box is not None and box["x"] + box["width"] <= 1366, box
            # a click on a row puts its Hub reference (no longer a column) in the Model box
            page.locator("#models-recommended [data-testid='cell-1-0']").click()
            ref = hub.recommended(kind)[1]["ref"]
            page.wait_for_function(f"document.querySelector('#models-ref textarea').value === {ref!r}",
                                   timeout=30_000)
    finally:
        demo.close()
