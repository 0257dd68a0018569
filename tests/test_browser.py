"""The whole studio in headless Chromium (Debian's chromium, driven by Playwright):
write and watch text stream, Stop, make faces, restyle a photo, no console errors,
generated HTML shown as text. Screenshots of each tab go to test-artifacts/."""

from __future__ import annotations

import shutil
import time

import numpy as np
import pytest
from PIL import Image

from .conftest import ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [pytest.mark.slow, pytest.mark.browser,
              pytest.mark.skipif(CHROMIUM is None, reason="apt-get install chromium (test.sh does)")]
ARTIFACTS = ROOT / "test-artifacts"
# Browser noise that is not the studio's fault (no network for fonts, favicon).
VIEWPORT = {"width": 1400, "height": 900}
BENIGN = ("favicon", "net::ERR_", "Failed to load resource", "fonts.googleapis", "fonts.gstatic")


@pytest.fixture(scope="module")
def page(studio_server):
    from playwright.sync_api import sync_playwright

    url, _ctx = studio_server
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        pg = browser.new_page(viewport=VIEWPORT)  # a laptop screen: what must be in sight is checked in it
        pg.console_errors = []
        pg.on("console", lambda m: pg.console_errors.append(m.text) if m.type == "error" else None)
        pg.on("pageerror", lambda e: pg.console_errors.append(f"pageerror: {e}"))
        pg.goto(url)
        pg.wait_for_selector("#write-btn", timeout=300_000)
        yield pg
        browser.close()


def real_errors(pg) -> list[str]:
    return [e for e in pg.console_errors if not any(b in e for b in BENIGN)]


def in_view(pg, selector: str) -> bool:
    """Whether the element is inside the window without scrolling the page."""
    box = pg.locator(selector).bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= VIEWPORT["height"]


def reload_quietly(pg) -> None:
    """Reload and wait for the page; the old page's open connections are aborted by the reload itself
    (the browser, not the studio), so those console messages are not counted as errors."""
    seen = len(pg.console_errors)
    pg.reload()
    pg.wait_for_selector("#write-btn", timeout=300_000)
    time.sleep(1)
    noise = ("AbortError", "Connection errored out")
    pg.console_errors[seen:] = [e for e in pg.console_errors[seen:] if not any(n in e for n in noise)]


def draft_value(pg) -> str:
    return pg.locator("#draft textarea").input_value()


def test_write_streams_and_stop_stops(page):
    page.locator("#write-prompt textarea").fill("urban gardening for beginners")
    page.locator("#write-length input[type=number]").fill("1500")
    page.locator("#write-length input[type=number]").press("Enter")
    page.locator("#write-btn").click()
    # progress is in sight from the first moment (loading, planning), next to the buttons
    page.wait_for_function("/Loading|Planning|Writing|Waiting/.test((document.querySelector('#write-stats')?.innerText ?? ''))",
                           timeout=420_000)
    assert in_view(page, "#write-stats"), "the progress line is below the fold"
    page.screenshot(path=str(ARTIFACTS / "write-progress.png"))
    page.wait_for_function("document.querySelector('#draft textarea').value.length > 40", timeout=420_000)
    first = len(draft_value(page))
    page.wait_for_function(f"document.querySelector('#draft textarea').value.length > {first + 20}", timeout=300_000)
    page.screenshot(path=str(ARTIFACTS / "write-streaming.png"))
    # the text being written is in sight: the draft box follows the end of the text as it streams
    page.wait_for_function("(() => { const t = document.querySelector('#draft textarea');"
                           " return t.scrollHeight <= t.clientHeight + 2 ||"
                           " t.scrollTop + t.clientHeight >= t.scrollHeight - 40; })()", timeout=90_000)
    page.locator("#stop-btn").click()
    page.wait_for_function("(document.querySelector('#write-stats')?.innerText ?? '').includes('Stopped')", timeout=90_000)
    stopped = draft_value(page)
    time.sleep(2)
    assert draft_value(page) == stopped  # nothing more arrives after Stop
    assert "urban gardening" in stopped.lower() or "garden" in stopped.lower()
    page.screenshot(path=str(ARTIFACTS / "write-stopped.png"), full_page=True)
    assert not real_errors(page), real_errors(page)


def test_reload_brings_back_the_draft(page):
    """The draft was autosaved when the generation ended; a reload reopens it."""
    before = draft_value(page)
    assert before.strip()
    page.wait_for_function("(document.querySelector('#save-status')?.innerText ?? '').includes('Saved')", timeout=90_000)
    reload_quietly(page)
    page.wait_for_function("document.querySelector('#draft textarea').value.length > 0", timeout=420_000)
    assert draft_value(page) == before
    assert page.locator("#title textarea, #title input").first.input_value().strip()  # the article's title


def test_what_the_model_wrote_is_marked_and_disclosed(page, studio_server):
    """The save after a generation marks its text as the model's (issue #30); the Library's Export tab
    offers the disclosure sentence and highlights the model's text."""
    _url, ctx = studio_server
    draft = draft_value(page)
    found = [a for a in ctx.library.list("local") if ctx.library.get("local", a["id"])["body"] == draft]
    assert found, "the generated draft was not saved"
    origin = ctx.library.origin("local", found[0]["id"])
    assert origin["share"] > 0.9 and origin["models"], origin
    page.get_by_role("tab", name="Library").click()
    page.get_by_role("button", name="Refresh").click()
    page.locator("#library-table").get_by_text(found[0]["title"][:40]).locator("visible=true").first.click()
    page.get_by_role("tab", name="Export").click()
    page.wait_for_function("(document.querySelector('#library-disclosure textarea')?.value ?? '')"
                           ".includes('generated with')", timeout=60_000)
    page.locator("#library-origin").click()
    page.wait_for_function("document.querySelectorAll('#library-origin-view mark').length > 0", timeout=60_000)
    page.screenshot(path=str(ARTIFACTS / "library-origin.png"))
    page.get_by_role("tab", name="Write").click()


def test_html_in_the_draft_is_text(page):
    page.locator("#draft textarea").fill('<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>')
    page.locator("#draft textarea").press("End")
    time.sleep(1)
    assert page.evaluate("window.__xss === undefined")
    assert "<script>" in draft_value(page)
    page.locator("#undo-btn")  # exists
    page.locator("#draft textarea").fill("")


def test_a_fact_to_check_beside_the_draft_selects_its_place_when_clicked(page):
    """The list beside the draft (#26): a click on a fact selects its characters in the draft (UTF-16 spans)."""
    from studio.ui.facts_list import facts_html, marks_in_draft

    draft = "Notes 😀 first.\n\nThe group met. 76 volunteers helped, said Mayor John Carter."
    page.locator("#draft textarea").fill(draft)
    start = draft.index("76 volunteers")
    marks = marks_in_draft(draft, draft, [{"start": start, "end": start + 13, "text": "76 volunteers",
                                            "kind": "number", "reason": "not in your brief"}])
    page.evaluate("(html) => { const d = document.createElement('div'); d.id = 'facts-probe'; d.innerHTML = html; "
                  "document.querySelector('#write-facts').appendChild(d); }", facts_html(marks))
    page.locator("#facts-probe .studio-fact").click()
    sel = page.evaluate("(() => { const t = document.querySelector('#draft textarea'); "
                        "return t.value.substring(t.selectionStart, t.selectionEnd); })()")
    assert sel == "76 volunteers"
    page.evaluate("document.querySelector('#facts-probe').remove()")
    page.locator("#draft textarea").fill("")


def test_faces_gallery(page):
    page.get_by_role("tab", name="Image").click()
    page.wait_for_selector("#image-generate", timeout=90_000)
    count = page.locator("#image-count input[type=number]")
    count.fill("4")
    count.press("Enter")
    page.locator("#image-generate").click()
    page.wait_for_function("document.querySelectorAll('#image-gallery img').length >= 4", timeout=300_000)
    page.screenshot(path=str(ARTIFACTS / "image.png"), full_page=True)
    assert not real_errors(page), real_errors(page)


def test_restyle_a_photo(page, tmp_path):
    photo = tmp_path / "photo.png"
    rng = np.random.default_rng(0)
    base = np.linspace(0, 255, 160 * 200 * 3).reshape(160, 200, 3)
    Image.fromarray(np.clip(base + rng.normal(0, 25, base.shape), 0, 255).astype(np.uint8)).save(photo)
    page.get_by_role("tab", name="Style").click()
    page.wait_for_selector("#style-run", timeout=90_000)
    page.locator("#style-content input[type=file]").set_input_files(str(photo))
    page.wait_for_selector("#style-content img", timeout=90_000)
    page.locator("#style-presets img").first.click()
    page.locator("#style-run").click()
    page.wait_for_function("document.querySelectorAll('#style-compare img').length >= 1", timeout=420_000)
    page.screenshot(path=str(ARTIFACTS / "style.png"), full_page=True)
    assert not real_errors(page), real_errors(page)


def test_library_tab_shows(page):
    page.get_by_role("tab", name="Library").click()
    time.sleep(2)
    page.screenshot(path=str(ARTIFACTS / "library.png"), full_page=True)
    assert not real_errors(page), real_errors(page)


def test_an_error_never_hides_the_draft(page):
    """A Write with an empty topic: the message shows next to the buttons, the draft stays visible,
    unchanged and clickable (no error panel over it). Undo is disabled while there is nothing to undo."""
    page.get_by_role("tab", name="Write").click()
    reload_quietly(page)  # a fresh page: nothing to undo yet
    # the reloaded page reopens the last article (an earlier test's): start a new one, so it cannot land later
    page.get_by_role("tab", name="Library").click()
    page.get_by_role("button", name="New article", exact=True).click()
    page.wait_for_function("document.querySelector('#draft textarea').value === ''", timeout=30_000)
    page.get_by_role("tab", name="Write").click()
    page.locator("#draft textarea").fill("My own paragraph stays.")
    assert page.locator("#undo-btn").is_disabled(), "Undo should be disabled with nothing to undo"
    assert "Nothing to undo" in page.locator("#undo-btn").inner_text()
    page.locator("#write-prompt textarea").fill("")
    page.locator("#write-btn").click()
    page.wait_for_function("(document.querySelector('#write-status')?.innerText ?? '').includes('Topic: is empty')",
                           timeout=90_000)
    assert in_view(page, "#write-status"), "the error is out of sight"
    time.sleep(1)
    page.screenshot(path=str(ARTIFACTS / "write-error.png"))
    assert page.locator("#draft textarea").is_visible()
    assert draft_value(page) == "My own paragraph stays."
    # clickable: Playwright refuses the click if another element (an error panel) would receive it
    page.locator("#draft textarea").click(timeout=10_000)
    page.keyboard.press("End")
    page.keyboard.type(" And more.")
    assert draft_value(page) == "My own paragraph stays. And more."
    assert "prompt:" not in page.locator("#write-status").inner_text()  # the label the writer sees
    page.locator("#draft textarea").fill("")


def test_repair_paints_a_mask_and_mends_the_picture(page, studio_server, tmp_path):
    """Paint a stroke over a picture in the Repair tab's editor; OpenCV (no model) fills it. The PNG
    keeps the picture's size and every pixel far from the stroke."""
    _url, ctx = studio_server
    y, x = np.mgrid[0:150, 0:200].astype(np.float64)
    picture = np.stack([120 + 60 * np.sin(x / 40), 60 + y, 90 + 40 * np.cos((x + y) / 60)], axis=2).astype(np.uint8)
    Image.fromarray(picture).save(tmp_path / "old-photo.png")
    before = set(ctx.settings.output_dir.glob("repair-*.png"))
    page.get_by_role("tab", name="Repair").click()
    page.wait_for_selector("#repair-run", timeout=30_000)
    assert "OpenCV" in page.locator("#repair-engine-note").inner_text()
    page.locator("#repair-picture input[type=file]").set_input_files(str(tmp_path / "old-photo.png"))
    page.wait_for_selector("#repair-picture img", timeout=30_000)
    canvas = page.locator("#repair-mask canvas").first
    canvas.wait_for(timeout=30_000)
    time.sleep(2)  # the editor draws the picture as its background
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    cy = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.4, cy)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.6, cy + 10, steps=25)
    page.mouse.up()
    page.locator("#repair-run").click()
    page.wait_for_function("(document.querySelector('#repair-status')?.innerText ?? '').includes('Repaired with OpenCV')",
                           timeout=120_000)
    page.wait_for_function("document.querySelectorAll('#repair-compare img').length >= 1", timeout=60_000)
    page.screenshot(path=str(ARTIFACTS / "repair.png"), full_page=True)
    made = sorted(set(ctx.settings.output_dir.glob("repair-*.png")) - before)
    assert len(made) == 1, f"expected one new repair PNG, found {made}"
    out = np.asarray(Image.open(made[0]).convert("RGB"))
    assert out.shape == picture.shape
    changed = np.any(out != picture, axis=2)
    assert changed.any(), "the painted stroke was not filled"
    rows = np.nonzero(changed.any(axis=1))[0]
    assert rows.max() - rows.min() < 100, "pixels far from the stroke changed"
    assert not changed[:20].any() and not changed[-20:].any()
    assert not real_errors(page), real_errors(page)


def test_a_reload_loses_nothing(page, studio_server):
    """Reloading during a generation keeps what was streamed (saved when the connection drops); the
    topic and settings come back; this browser's pictures come back; typing not yet saved is flagged,
    so the page asks before leaving."""
    _url, ctx = studio_server
    page.get_by_role("tab", name="Write").click()
    page.locator("#write-prompt textarea").fill("bees on city roofs")
    page.locator("#write-length input[type=number]").fill("700")
    page.locator("#write-length input[type=number]").press("Enter")
    page.locator("#draft textarea").fill("")
    page.locator("#write-btn").click()
    page.wait_for_function("document.querySelector('#draft textarea').value.length > 120", timeout=420_000)
    streamed = draft_value(page)
    # the page going away stops the generation, and its text is kept as after Stop (its section ended and
    # checked): the title and the first heading are as streamed
    head = "\n\n".join(streamed.split("\n\n")[:2])
    reload_quietly(page)
    page.wait_for_function("document.querySelector('#write-prompt textarea').value === 'bees on city roofs'",
                           timeout=90_000)
    assert page.locator("#write-length input[type=number]").input_value() == "700"

    def saved_stream() -> bool:  # saved when the studio learns the page went away (seconds, on a busy machine)
        bodies = [ctx.library.get("local", a["id"])["body"] for a in ctx.library.list("local")]
        return any(b.startswith(head) and len(b) > len(head) for b in bodies)

    deadline = time.monotonic() + 120
    while not saved_stream() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert saved_stream(), "the text streamed before the reload was lost"
    # and the reloaded page reopens the article with that text, not its older version
    page.wait_for_function(f"document.querySelector('#draft textarea').value.startsWith({head!r})",
                           timeout=90_000)

    page.get_by_role("tab", name="Image").click()
    page.wait_for_function("document.querySelectorAll('#image-gallery img').length >= 4", timeout=90_000)
    page.screenshot(path=str(ARTIFACTS / "image-after-reload.png"))

    page.get_by_role("tab", name="Write").click()
    page.locator("#draft textarea").click()
    page.keyboard.press("End")
    page.keyboard.type(" A last line.")
    assert page.evaluate("window.__studioUnsaved()"), "unsaved typing is not flagged"
    page.wait_for_function("!window.__studioUnsaved()", timeout=90_000)  # autosaved a moment later


def test_a_pasted_draft_is_counted_and_autosaved(page, studio_server):
    """Gradio 6 sends a text box's input event on key presses only; a paste (or a cut) must count and autosave
    the draft like typing does (it was lost on reload)."""
    _url, ctx = studio_server
    page.get_by_role("tab", name="Library").click()
    page.get_by_role("button", name="New article", exact=True).click()
    page.wait_for_function("document.querySelector('#draft textarea').value === ''", timeout=30_000)
    page.get_by_role("tab", name="Write").click()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.locator("#draft textarea").click()
    page.evaluate("() => navigator.clipboard.writeText('Trams climb the hills of Lisbon, twenty-eight of them.')")
    page.keyboard.press("Control+V")
    page.wait_for_function("document.querySelector('#draft textarea').value.includes('Lisbon')", timeout=30_000)

    def saved() -> bool:
        return any(ctx.library.get("local", a["id"])["body"].startswith("Trams climb")
                   for a in ctx.library.list("local", "Lisbon"))

    deadline = time.monotonic() + 90
    while not saved() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert saved(), "the pasted draft was not autosaved"


def test_an_export_shows_one_title_the_current_one(page, studio_server):
    """A generated article starts with its own '# heading'; after a rename the export shows only the new title."""
    _url, ctx = studio_server
    a = ctx.library.create("local", "Old heading", "# Old heading\n\n## Part one\n\nText of part one.")
    ctx.library.save("local", a["id"], "Renamed title", "# Old heading\n\n## Part one\n\nText of part one.")
    page.get_by_role("tab", name="Library").click()
    page.get_by_role("button", name="Refresh").click()
    page.locator("#library-table").get_by_text("Renamed title").locator("visible=true").first.click()
    page.get_by_role("tab", name="Export").click()
    page.locator("#library-export-format").get_by_text("html", exact=True).click()
    page.locator("#library-export").click()
    link = page.locator("#library-export-file a").first
    link.wait_for(timeout=90_000)
    html = page.request.get(link.get_attribute("href")).text()
    page.screenshot(path=str(ARTIFACTS / "library-export.png"))
    import re

    assert re.findall(r"<h1[^>]*>(.*?)</h1>", html) == ["Renamed title"]
    assert "Old heading" not in html


def test_library_listen_then_export_the_narrated_video(page, studio_server):
    """A writer opens the Library, presses Listen on an illustrated article (the player plays, the progress says
    which sentence), then exports it as mp4 and gets the video."""
    from PIL import Image

    _url, ctx = studio_server
    a = ctx.library.create("local", "Red notes", "x")
    ref = ctx.library.attach_image("local", a["id"], Image.new("RGB", (320, 240), (200, 30, 30)))["ref"]
    ctx.library.save("local", a["id"], "Red notes", f"# Red notes\n\n## Red\n\n![red]({ref})\n\nRed is warm. It glows.")
    page.get_by_role("tab", name="Library").click()
    page.get_by_role("button", name="Refresh").click()
    page.locator("#library-table").get_by_text("Red notes").locator("visible=true").first.click()
    page.locator("#library-listen-tab-button, [role=tab]:has-text('Listen')").first.click()
    page.locator("#library-listen").click()
    page.wait_for_function("/Sentence \\d+ of \\d+|Done/.test(document.querySelector('#library-listen-progress')"
                           ".innerText)", timeout=90_000)
    page.locator("#library-listen-stop").click()
    page.get_by_role("tab", name="Export").click()
    page.locator("#library-export-format").get_by_text("mp4", exact=True).click()
    page.locator("#library-export").click()
    link = page.locator("#library-export-file a[href$='.mp4']").first
    link.wait_for(timeout=180_000)
    video = page.request.get(link.get_attribute("href")).body()
    page.screenshot(path=str(ARTIFACTS / "library-listen-video.png"))
    assert video[4:8] == b"ftyp" and len(video) > 10_000
    vtt = page.locator("#library-export-vtt a[href$='.vtt']").first
    vtt.wait_for(timeout=30_000)
    assert page.request.get(vtt.get_attribute("href")).text().startswith("WEBVTT")


def test_write_tab_listen_reads_the_draft(page, studio_server):
    """Listen under the draft reads it aloud: the progress names the sentences; Stop listening ends it."""
    page.get_by_role("tab", name="Write").click()
    page.locator("#draft textarea").fill("First sentence of the draft. Second sentence. Third sentence here.")
    page.locator("#write-listen-box").get_by_text("Listen (the whole draft").click()
    page.locator("#write-listen").click()
    # the title (an article opened by an earlier test) is read first, as a heading: 3 sentences, or 4
    page.wait_for_function("/Sentence \\d+ of [34]|Done: [34]/.test(document.querySelector('#write-listen-progress')"
                           ".innerText)", timeout=90_000)
    page.locator("#write-listen-stop").click()
    page.screenshot(path=str(ARTIFACTS / "write-listen.png"))
