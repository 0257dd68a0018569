"""Assemble the studio's Blocks: a header, one tab per kind of work, and the
cross-tab hooks ("Send to Style tab", "Insert into draft").

Each tab module has ``build(ctx) -> dict`` (run inside its ``gr.Tab``; returns
the components other tabs may need) and may have ``wire(ctx, parts)``, run
after every tab exists, where ``parts`` maps tab names to those dicts and
``parts["tabs"]`` is the ``gr.Tabs``.
"""

from __future__ import annotations

from pathlib import Path

import gradio as gr
from starlette.middleware import Middleware

from ..api import ApiRoutes
from . import i18n, image_tab, library, models_tab, repair_tab, style_tab, voice_tab, write_tab
from .common import session_id
from .facts_list import FACTS_JS
from .owners import OwnFilesOnly

ASSETS = Path(__file__).resolve().parent.parent / "assets"  # package data (pyproject.toml)
CSS_PATH = ASSETS / "studio.css"

TABS = [
    ("write", "Write", write_tab),
    ("image", "Image", image_tab),
    ("style", "Style", style_tab),
    ("repair", "Repair", repair_tab),
    ("library", "Library", library),
    ("voice", "Voice", voice_tab),
    ("models", "Models", models_tab),
]


def build_ui(ctx) -> gr.Blocks:
    """The whole studio as one ``gr.Blocks`` (not launched). ``ctx`` is a :class:`StudioContext`."""
    age = ctx.settings.temp_max_age
    # Gradio's temporary copies of uploads and results are deleted once they are `age` seconds old,
    # so a long-running studio does not fill the disk.
    with gr.Blocks(title="Studio", analytics_enabled=False, delete_cache=(max(1, min(600, age // 2)), age)) as demo:
        gr.HTML(i18n.SWITCH_HTML, elem_id="studio-lang", padding=False)
        gr.Markdown("# Studio\nWrite, illustrate and restyle, all in one place.", elem_id="studio-header")
        parts: dict = {}
        with gr.Tabs() as tabs:
            for key, label, module in TABS:
                with gr.Tab(label, id=key, elem_id=f"tab-{key}"):
                    parts[key] = module.build(ctx) or {}
        parts["tabs"] = tabs
        for _key, _label, module in TABS:
            wire = getattr(module, "wire", None)
            if wire is not None:
                wire(ctx, parts)

        def stop_all(request: gr.Request):
            ctx.jobs.stop(session_id(request), gone=True)  # the page was closed or reloaded

        demo.unload(stop_all)
    # a job that waits for the device says so on its page, for what and about how long (studio.locks)
    ctx.manager.on_wait = lambda message: i18n.Info(message, duration=8)
    # English and Chinese: labels for Gradio's front end, messages where each event answers (studio/ui/i18n)
    i18n.localize(demo)
    i18n.translate_events(demo)
    return demo


# Typing in the draft or title is saved after a short pause (the library's autosave). If the writer
# closes or reloads the page inside that pause, the browser asks first; the warning is off again as
# soon as the save line changes ("Saved 12:03:04").
# Gradio 6's text boxes send their "input" event on a key press only: a paste, a cut, a drag-and-drop,
# Backspace/Delete and Undo change the text without it, so the draft was not autosaved (a pasted draft was
# lost on reload) and the word count did not move. Every other change to a text field is announced the way
# typing is (a key press that inserts nothing; typing already has its own).
EDITS_ARE_INPUT_JS = """
<script>
document.addEventListener('input', (e) => {
  const t = e.target;
  if (!e.isTrusted || !t || !t.matches || !t.matches('textarea, input[type=text], input:not([type])')) return;
  if (e.inputType === 'insertText' || e.inputType === 'insertLineBreak') return;  // a key press of their own
  t.dispatchEvent(new KeyboardEvent('keypress', {bubbles: true}));
}, true);
</script>
"""

UNSAVED_WARNING_JS = """
<script>
(() => {
  let unsaved = false, savedText = null;
  const saveLine = () => document.querySelector('#save-status');
  document.addEventListener('input', (e) => {
    if (e.target.closest && e.target.closest('#draft, #title')) {
      unsaved = true;
      savedText = saveLine() ? saveLine().innerText : null;
    }
  }, true);
  setInterval(() => {
    if (unsaved && saveLine() && saveLine().innerText !== savedText) unsaved = false;
  }, 300);
  window.addEventListener('beforeunload', (e) => {
    if (unsaved) { e.preventDefault(); e.returnValue = ''; }
  });
  window.__studioUnsaved = () => unsaved;
})();
</script>
"""


def launch_kwargs(ctx) -> dict:
    """Keyword arguments for ``demo.launch`` that belong to the UI: the look (theme, CSS) and Gradio's own
    upload limit (``max_file_size``, from ``--max-upload-mb``: larger uploads are refused before they are
    stored; each field still checks its own limits)."""
    return {
        "theme": gr.themes.Soft(primary_hue="indigo", neutral_hue="slate"),
        "css_paths": [CSS_PATH] if CSS_PATH.exists() else None,
        "max_file_size": int(ctx.settings.max_upload_mb) * 1024 * 1024,
        "head": EDITS_ARE_INPUT_JS + UNSAVED_WARNING_JS + FACTS_JS + i18n.HEAD_JS,
        "i18n": i18n.I18N,
        # /v1 (OpenAI) and /sdapi/v1 (AUTOMATIC1111) for other tools, ahead of Gradio's routes (studio/api);
        # with --auth, a picture under --output-dir is served only to the user who made it (owners.py)
        "app_kwargs": {"middleware": [Middleware(ApiRoutes, ctx=ctx), Middleware(OwnFilesOnly, ctx=ctx),
                                      Middleware(i18n.EarlyLocale)]},
    }
