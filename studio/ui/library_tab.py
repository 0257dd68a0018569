"""The Library tab: the writer's articles, their versions and images, export
and import, Illustrate, and the hooks that keep the Write tab saved.

* **List and search** (SQLite FTS5), **open** into the Write tab, **rename**,
  **duplicate**, **delete** (after a confirmation, to the trash), **restore
  from the trash**, **empty the trash** (confirmed too).
* **Images** of the selected article; **versions**: pick two, see the diff,
  restore one (restoring adds a version, so it can be undone).
* **Export** Markdown (.zip), HTML or DOCX; **import** a .md or a Studio .zip.
* **Illustrate** the article open in the Write tab: the text model proposes one
  prompt per section, the writer edits them, the chosen image model draws.
* **Autosave** (wired in :func:`wire`): every edit of the Write tab's draft or
  title marks the session dirty; a 2-second ``gr.Timer`` saves once the text
  has been still for about two seconds (so also after each generation).
  Per-session ``gr.State`` only: no global per-user state.
* **Insert into draft** from the Image and Style tabs.
* API: ``/library_list``, ``/library_get``, ``/library_save``, ``/export``.

Every handler acts as the request's user (:func:`owner_of`).
"""

from __future__ import annotations

import functools
import html
import logging
import time
from pathlib import Path

import gradio as gr
from PIL import Image

from ..errors import InvalidInput, StudioError
from ..export import FORMATS, export_article, import_markdown
from ..illustrate import Proposal, illustrate, image_generator, place_images, propose_prompts
from ..library import LOCAL_OWNER, insert_block, markdown_image
from ..pictures import displayable
from ..unitext import count_words
from ..validate import check_int
from .common import guard, session_id, stop_event, user_name
from .components import any_choice_radio
from .owners import owns

log = logging.getLogger(__name__)

AUTOSAVE_QUIET_S = 2.0
"""Seconds without an edit before the draft is saved."""
TICK_S = 2.0

GAN_NOTE = ("**The face GAN ignores prompts**: it draws one face per section (the prompts are kept only to "
            "label the sections). Pick a diffusion model to illustrate what the prompts say.")

CURSOR_JS = """
(...args) => {
  const id = %s;
  const ta = id ? document.querySelector('#' + id + ' textarea') : null;
  let pos = -1;
  if (ta && typeof ta.selectionStart === 'number') {
    pos = Array.from(ta.value.slice(0, ta.selectionStart)).length;
  }
  return pos;
}
"""


# ---------------------------------------------------------------------- helpers
def owner_of(ctx, request: gr.Request | None) -> str:
    """The library owner of ``request``: the logged-in user, or ``"local"`` without ``--auth``.

    Raises:
        StudioError: ``--auth`` is on but the request carries no user.
    """
    name = user_name(request)
    if name:
        return name
    if ctx.settings.auth:
        raise StudioError("Please log in first.")
    return LOCAL_OWNER


def _clock(t: float | None) -> str:
    return time.strftime("%H:%M:%S", time.localtime(t)) if t else ""


def _when(t: float | None) -> str:
    if not t:
        return ""
    now = time.time()
    fmt = "%H:%M" if time.localtime(t)[:3] == time.localtime(now)[:3] else "%Y-%m-%d %H:%M"
    return time.strftime(fmt, time.localtime(t))


def _iso(t: float | None) -> str | None:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(t)) if t else None


def _rows(items: list[dict]) -> list[list]:
    return [[a["id"], a["title"] or "Untitled", _when(a["deleted"] or a["updated"]), a["words"], a["snippet"]]
            for a in items]


def _version_choices(versions: list[dict]) -> list[tuple[str, int]]:
    out = []
    for n, v in enumerate(versions):
        label = f"v{len(versions) - n} · {_when(v['created'])} · {v['words']} words"  # numbered per article
        if v["note"] and v["note"] != "autosave":
            label += f" · {v['note']}"
        if n == 0:
            label += " (current)"
        out.append((label, v["id"]))
    return out


def diff_html(diff: str) -> str:
    """A unified diff as escaped, coloured HTML (added lines green, removed red)."""
    if not diff:
        return "<p><em>These two versions are the same.</em></p>"
    lines = []
    for line in diff.split("\n"):
        color = ""
        if line.startswith("+++") or line.startswith("---"):
            color = "font-weight:600;"
        elif line.startswith("+"):
            color = "background:rgba(46,160,67,.18);"
        elif line.startswith("-"):
            color = "background:rgba(248,81,73,.18);"
        elif line.startswith("@@"):
            color = "color:#8250df;"
        lines.append(f'<span style="display:block;{color}">{html.escape(line) or "&nbsp;"}</span>')
    return ('<pre class="studio-diff" style="white-space:pre-wrap;font-size:0.85em;line-height:1.45;'
            'padding:0.6em;border-radius:6px;overflow-x:auto">' + "".join(lines) + "</pre>")


def _gallery(images: list[dict]) -> list[tuple[Image.Image, str]]:
    out = []
    for img in images:
        try:
            with Image.open(img["path"]) as im:
                im.load()
                pic = displayable(im).copy()  # as every export shows it (16-bit scans too)
        except OSError:
            continue
        prompt = img["params"].get("prompt") or img["params"].get("illustrates") or ""
        out.append((pic, f"{img['name']}" + (f" — {prompt[:80]}" if prompt else "")))
    return out


def _public_image(img: dict) -> dict:
    return {k: img[k] for k in ("id", "name", "ref", "width", "height", "params")} | {"created": _iso(img["created"])}


def _inside(path: Path, folder: Path | None) -> bool:
    try:
        return folder is not None and Path(path).resolve().is_relative_to(Path(folder).resolve())
    except OSError:
        return False


def image_models(ctx) -> list[str]:
    """Image models offered to Illustrate: the diffusion models available now (they follow the
    prompts), then the face GAN (always there; it ignores prompts)."""
    models = []
    try:
        models += ctx.diffusion.offered()[0]
    except Exception:  # noqa: BLE001 - an engine that is not ready must not break the tab
        log.debug("no diffusion models", exc_info=True)
    try:
        models.append(ctx.gan.default_model())
    except Exception:  # noqa: BLE001
        log.debug("no GAN", exc_info=True)
    return list(dict.fromkeys(models)) or [ctx.settings.image_model]


def _is_gan(model: str) -> bool:
    from ..image.gan import is_gan_ref

    return is_gan_ref(model or "")


# ---------------------------------------------------------------------- build
def build(ctx) -> dict:
    """The Library tab's components (inside its ``gr.Tab``). Returns the parts other tabs use."""
    lib = ctx.library

    gr.Markdown("Your articles are saved automatically while you write. Search them, open one in the Write tab, "
                "see its versions and pictures, and export it.")
    with gr.Accordion("Illustrate the article open in the Write tab", open=False):
        gr.Markdown("1. **Propose prompts**: the language model suggests one picture per section (from the ## "
                    "headings and their text).\n2. Edit the prompts in the table; clear a prompt to skip its "
                    "section.\n3. **Illustrate**: each picture is drawn, added to the article's images and placed "
                    "under its section heading.")
        models = image_models(ctx)
        with gr.Row():
            ill_model = gr.Dropdown(models, value=models[0], label="Image model", allow_custom_value=True, scale=3)
            ill_seed = gr.Number(-1, label="Seed (-1 = random)", precision=0, minimum=-1, scale=1)
            propose_btn = gr.Button("Propose prompts", scale=1)
        gan_note = gr.Markdown(GAN_NOTE, visible=_is_gan(models[0]))
        proposals = gr.Dataframe(
            headers=["#", "Section", "Prompt"], datatype=["number", "str", "str"], type="array",
            # editable once prompts are proposed (an empty editable table would invite a CSV drop)
            interactive=False, static_columns=[0, 1], wrap=True, label="Prompts (editable once proposed)",
            column_widths=["6%", "24%", "70%"], value=[],
        )
        with gr.Row():
            illustrate_btn = gr.Button("Illustrate", variant="primary")
            ill_stop = gr.Button("Stop", variant="stop")
        ill_status = gr.Markdown("")
        ill_pending = gr.State(None)

    with gr.Row(equal_height=True):
        search = gr.Textbox(label="Search", placeholder="Words from the title or the text", scale=4)
        show_trash = gr.Checkbox(label="Show the trash", value=False, scale=1)
        refresh_btn = gr.Button("Refresh", scale=1)
        new_btn = gr.Button("New article", scale=1)
    table = gr.Dataframe(
        headers=["ID", "Title", "Updated", "Words", "Excerpt"], datatype=["number", "str", "str", "number", "str"],
        type="array", interactive=False, wrap=True, max_height=420, label="Articles",
        column_widths=["7%", "28%", "14%", "9%", "42%"], value=[], elem_id="library-table",
    )
    selected = gr.State(None)
    info = gr.Markdown("Select an article in the list.")
    with gr.Row():
        open_btn = gr.Button("Open in the Write tab", variant="primary")
        duplicate_btn = gr.Button("Duplicate")
        delete_btn = gr.Button("Move to trash", variant="stop")
        untrash_btn = gr.Button("Restore from trash", visible=False)
        empty_btn = gr.Button("Empty the trash", visible=False, variant="stop")
    with gr.Row(visible=False) as confirm_row:
        confirm_text = gr.Markdown("")
        confirm_yes = gr.Button("Yes, move it to the trash", variant="stop")
        confirm_no = gr.Button("Cancel")
    with gr.Row(visible=False) as empty_row:
        gr.Markdown("**Delete every article in the trash for good?** This cannot be undone.")
        empty_yes = gr.Button("Yes, empty the trash", variant="stop")
        empty_no = gr.Button("Cancel")
    with gr.Row(equal_height=True):
        rename_box = gr.Textbox(label="Title", scale=4)
        rename_btn = gr.Button("Rename", scale=1)

    with gr.Tabs():
        with gr.Tab("Pictures"):
            gallery = gr.Gallery(label="Pictures of this article", columns=4, height="auto", format="png",
                                 interactive=False)
        with gr.Tab("Versions"):
            with gr.Row():
                version_a = gr.Dropdown([], label="Version", info="The one to see or restore")
                version_b = gr.Dropdown([], label="Compare with")
            with gr.Row():
                diff_btn = gr.Button("Show the differences")
                restore_btn = gr.Button("Restore this version")
            diff_view = gr.HTML("")
        with gr.Tab("Export"):
            with gr.Row(equal_height=True):
                export_id = gr.Number(None, label="Article", precision=0, visible="hidden")
                export_format = any_choice_radio(list(FORMATS), value="md", label="Format",
                                                 info="md: Markdown zip with an images/ folder · html: one "
                                                      "self-contained page · docx: Word document",
                                                 elem_id="library-export-format")
                export_btn = gr.Button("Export", variant="primary", elem_id="library-export")
            export_file = gr.File(label="Download", interactive=False, elem_id="library-export-file")
        with gr.Tab("Import"):
            import_file = gr.File(label="A .md file, or a .zip exported by Studio", file_types=[".md", ".zip", ".txt"])
            import_btn = gr.Button("Import as a new article")
    lib_status = gr.Markdown("")

    # ----- list / select -------------------------------------------------------------
    @guard
    def refresh(query, trash, request: gr.Request):
        items = lib.list(owner_of(ctx, request), query or "", trash=bool(trash))
        return _rows(items)

    def details(article_id, request):
        """Outputs for a selected article (or none)."""
        empty = ("Select an article in the list.", gr.update(value=""), [], gr.update(choices=[], value=None),
                 gr.update(choices=[], value=None), None, "")
        if article_id is None:
            return empty
        owner = owner_of(ctx, request)
        try:
            a = lib.get(owner, article_id)
        except InvalidInput:
            return empty
        versions = lib.versions(owner, article_id)
        choices = _version_choices(versions)
        where = " · **in the trash**" if a["deleted"] else ""
        # <bdi> keeps a right-to-left title from reordering the rest of the line
        text = (f"**<bdi>{html.escape(a['title'] or 'Untitled')}</bdi>** · {words_of(a['body'])} · "
                f"{_n(len(a['images']), 'picture')} · {_n(len(versions), 'version')} · "
                f"updated {_when(a['updated'])}{where}")
        return (text, gr.update(value=a["title"]), _gallery(a["images"]),
                gr.update(choices=choices, value=choices[1][1] if len(choices) > 1 else choices[0][1]),
                gr.update(choices=choices, value=choices[0][1]), article_id, "")

    detail_outputs = [info, rename_box, gallery, version_a, version_b, export_id, diff_view]

    @guard
    def on_select(evt: gr.SelectData, request: gr.Request):
        row = evt.row_value or []
        try:
            article_id = int(float(row[0])) if row and row[0] not in (None, "") else None
        except (TypeError, ValueError):
            article_id = None
        return (article_id, *details(article_id, request))

    @guard
    def on_trash_toggle(query, trash, request: gr.Request):
        return (refresh(query, trash, request), None, *details(None, request),
                gr.update(visible=not trash), gr.update(visible=not trash), gr.update(visible=bool(trash)),
                gr.update(visible=bool(trash)), gr.update(visible=False), gr.update(visible=False))

    list_inputs = [search, show_trash]

    @guard
    def on_search(query, trash, sel, request: gr.Request):
        """The list for ``query``; says so when nothing matches, and forgets a selection the list no longer shows."""
        rows = refresh(query, trash, request)
        note = f"No article matches “{html.escape(query.strip())}”." if not rows and (query or "").strip() else ""
        if sel is not None and sel not in {int(r[0]) for r in rows}:
            return (rows, None, *details(None, request), note)
        return (rows, gr.skip(), *[gr.skip()] * len(detail_outputs), note)

    search_outputs = [table, selected, *detail_outputs, lib_status]
    search.submit(on_search, [*list_inputs, selected], search_outputs, api_visibility="private")
    search.change(on_search, [*list_inputs, selected], search_outputs, trigger_mode="always_last",
                  show_progress="hidden", api_visibility="private")
    refresh_btn.click(refresh, list_inputs, table, api_visibility="private")
    table.select(on_select, None, [selected, *detail_outputs], api_visibility="private")
    show_trash.change(on_trash_toggle, list_inputs,
                      [table, selected, *detail_outputs, open_btn, delete_btn, untrash_btn, empty_btn, confirm_row,
                       empty_row], api_visibility="private")

    # ----- rename / duplicate / delete / trash ----------------------------------------
    @guard
    def rename(article_id, title, query, trash, request: gr.Request):
        if article_id is None:
            raise InvalidInput("article", "Select an article in the list first.")
        lib.rename(owner_of(ctx, request), article_id, title)
        return (refresh(query, trash, request), *details(article_id, request))

    @guard
    def duplicate(article_id, query, trash, request: gr.Request):
        if article_id is None:
            raise InvalidInput("article", "Select an article in the list first.")
        copy = lib.duplicate(owner_of(ctx, request), article_id)
        return (refresh(query, trash, request), copy["id"], *details(copy["id"], request))

    @guard
    def ask_delete(article_id, request: gr.Request):
        if article_id is None:
            raise InvalidInput("article", "Select an article in the list first.")
        a = lib.get(owner_of(ctx, request), article_id)
        return gr.update(visible=True), f"Move **{html.escape(a['title'] or 'Untitled')}** to the trash?"

    @guard
    def untrash(article_id, query, trash, request: gr.Request):
        if article_id is None:
            raise InvalidInput("article", "Select an article in the trash first.")
        lib.untrash(owner_of(ctx, request), article_id)
        return (refresh(query, trash, request), None, *details(None, request), "Restored from the trash.")

    @guard
    def empty_trash(query, trash, request: gr.Request):
        n = lib.empty_trash(owner_of(ctx, request))
        return (refresh(query, trash, request), None, *details(None, request), gr.update(visible=False),
                f"Deleted {n} article{'s' if n != 1 else ''} for good.")

    rename_btn.click(rename, [selected, rename_box, *list_inputs], [table, *detail_outputs], api_visibility="private")
    duplicate_btn.click(duplicate, [selected, *list_inputs], [table, selected, *detail_outputs],
                        api_visibility="private")
    delete_btn.click(ask_delete, [selected], [confirm_row, confirm_text], api_visibility="private")
    confirm_no.click(lambda: gr.update(visible=False), None, confirm_row, api_visibility="private")
    untrash_btn.click(untrash, [selected, *list_inputs], [table, selected, *detail_outputs, lib_status],
                      api_visibility="private")
    empty_btn.click(lambda: gr.update(visible=True), None, empty_row, api_visibility="private")
    empty_no.click(lambda: gr.update(visible=False), None, empty_row, api_visibility="private")
    empty_yes.click(empty_trash, list_inputs, [table, selected, *detail_outputs, empty_row, lib_status],
                    api_visibility="private")

    # ----- versions ----------------------------------------------------------------------
    @guard
    def show_diff(article_id, a, b, request: gr.Request):
        if article_id is None or a is None or b is None:
            raise InvalidInput("version", "Select an article and two of its versions first.")
        return diff_html(lib.diff(owner_of(ctx, request), article_id, a, b))

    diff_btn.click(show_diff, [selected, version_a, version_b], diff_view, api_visibility="private")

    # ----- export / import -------------------------------------------------------------------
    @guard
    def export(article_id: float | None, format: str, request: gr.Request) -> str:  # noqa: A002 - API name
        """Export an article of the library as md (a .zip with images/), html or docx. Returns the file."""
        if article_id is None:
            raise InvalidInput("article_id", "Select an article in the list first.")
        notes: list[str] = []
        path = export_article(lib, owner_of(ctx, request), check_int("article_id", article_id, 1, 2**63 - 1),
                              format, notes=notes)
        for note in notes:
            gr.Warning(note)
        return str(path)

    export_btn.click(export, [export_id, export_format], export_file, api_name="export")

    @guard
    def do_import(file, query, trash, request: gr.Request):
        if not file:
            raise InvalidInput("file", "Choose a .md file or a .zip first.")
        a = import_markdown(lib, owner_of(ctx, request), getattr(file, "name", file))
        return (refresh(query, trash, request), a["id"], *details(a["id"], request),
                f"Imported **<bdi>{html.escape(a['title'])}</bdi>** with {_n(len(a['images']), 'picture')}.")

    import_btn.click(do_import, [import_file, *list_inputs], [table, selected, *detail_outputs, lib_status],
                     api_visibility="private")

    # ----- API ------------------------------------------------------------------------------
    @guard
    def library_list(query: str = "", trash: bool = False, request: gr.Request = None) -> list[dict]:
        """The caller's articles, newest first, or those matching `query` (title, text, tags) best first.
        Each item: id, title, tags, created, updated (ISO 8601), words, snippet. `trash=True` lists the trash."""
        items = lib.list(owner_of(ctx, request), query or "", trash=bool(trash))
        return [{**a, "created": _iso(a["created"]), "updated": _iso(a["updated"]), "deleted": _iso(a["deleted"])}
                for a in items]

    @guard
    def library_get(article_id: int, version_id: int | None = None, request: gr.Request = None) -> dict:
        """One of the caller's articles: id, title, body (Markdown), tags, created, updated, images
        (name, ref, width, height, params), versions (id, created, title, words, note) and version_id (the
        newest version: pass it to /library_save as base_version). With `version_id`, title, body and
        version_id are those of that version."""
        owner = owner_of(ctx, request)
        a = lib.get(owner, article_id)
        out = {**a, "created": _iso(a["created"]), "updated": _iso(a["updated"]), "deleted": _iso(a["deleted"]),
               "images": [_public_image(i) for i in a["images"]],
               "versions": [{**v, "created": _iso(v["created"])} for v in lib.versions(owner, article_id)]}
        if version_id is not None:
            v = lib.version(owner, article_id, version_id)
            out.update(title=v["title"], body=v["body"], version_id=v["id"])
        return out

    @guard
    def library_save(title: str, body: str, article_id: int | None = None, tags: str | None = None,
                     base_version: int | None = None, request: gr.Request = None) -> dict:
        """Save title and body (Markdown) to the caller's article `article_id`, or to a new article when it is
        None. Adds a version when the text changed. `base_version`: the version_id your text is based on (from
        /library_get or the last save); when the article has a newer version, the save is refused with a
        message saying so, instead of overwriting it. Returns article_id, version_id, changed, created, updated,
        conflict (None) and trashed (True when the article is in the trash: it stays there)."""
        if article_id is None and not (title or "").strip() and not (body or "").strip():
            raise gr.Error("title and body: both are empty. Give a title or some text to save.")
        r = lib.save(owner_of(ctx, request), article_id, title, body, tags, base_version=base_version)
        return {**r, "updated": _iso(r["updated"])}

    gr.api(library_list, api_name="library_list")
    gr.api(library_get, api_name="library_get")
    gr.api(library_save, api_name="library_save")

    # ----- Illustrate ---------------------------------------------------------------------
    ill_model.change(lambda m: gr.update(visible=_is_gan(m)), ill_model, gan_note, api_visibility="private")

    return {
        "table": table, "selected": selected, "search": search, "show_trash": show_trash, "info": info,
        "refresh_btn": refresh_btn, "new_btn": new_btn, "open_btn": open_btn, "confirm_yes": confirm_yes,
        "confirm_row": confirm_row, "restore_btn": restore_btn, "version_a": version_a, "version_b": version_b,
        "detail_outputs": detail_outputs, "details": details, "refresh": refresh, "status": lib_status,
        "ill_model": ill_model, "ill_seed": ill_seed, "propose_btn": propose_btn,
        "proposals": proposals, "illustrate_btn": illustrate_btn, "ill_stop": ill_stop, "ill_status": ill_status,
        "ill_pending": ill_pending, "export_id": export_id, "export_format": export_format,
        "export_btn": export_btn, "export_file": export_file,
    }


# ---------------------------------------------------------------------- wire
def words_of(text: str) -> str:
    """``"20 words"``: :func:`studio.unitext.count_words` (the Write tab's count) of ``text``."""
    return _n(count_words(text or ""), "word")


def _n(count: int, noun: str) -> str:
    """``1 picture``, ``2 pictures``."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def save_message(r: dict, when: float) -> str:
    """The status line after a save (:meth:`Library.save`'s dict): the time, and what the writer must know:
    another tab had saved a newer version (both are kept), or the article is in the trash."""
    msg = f"Saved {_clock(when)}"
    if r.get("conflict"):
        msg += (f". **Another tab or window had saved version #{r['conflict']} of this article meanwhile**; "
                "both are kept in its versions (Library tab → Versions) and the text here is now the newest.")
    if r.get("trashed"):
        msg += (". **This article is in the trash** (moved there from another tab or window); the text is kept "
                "there. Restore it from the trash in the Library tab to keep it in your library.")
    return msg


def browser_secret(ctx) -> str:
    """A per-installation secret (kept in the data folder) for values stored in the browser,
    so they survive a restart of the studio."""
    path = Path(ctx.settings.data_dir) / ".browser-secret"
    try:
        return path.read_text().strip()
    except OSError:
        import secrets

        from ..files import atomic_write_bytes

        value = secrets.token_hex(32)
        try:
            atomic_write_bytes(path, value.encode())
        except OSError:
            pass
        return value


def wire(ctx, parts: dict) -> None:
    """Hook the library to the Write, Image and Style tabs (autosave, open, restore,
    Insert into draft, Illustrate). Skips any hook whose components are missing."""
    lib = ctx.library
    me = parts.get("library") or {}
    write = parts.get("write") or {}
    tabs = parts.get("tabs")
    draft, title, article_id = write.get("draft"), write.get("title"), write.get("article_id")
    if not me or draft is None or title is None or article_id is None:
        log.warning("Library: the Write tab lacks draft/title/article_id; autosave and open are off.")
        return
    # Created here, at the page's root and outside every tab, so that they are always mounted: the
    # timer ticks and the hidden number's change event fires whichever tab is shown.
    status = write.get("save_status")
    if status is None:
        status = gr.Markdown("", elem_id="library-save-status", elem_classes="studio-note")
    edited_at = gr.State(0.0)  # time of the last edit of the draft or title (this session)
    base_vid = gr.State(None)  # the version the open draft is based on (opened or last saved by this tab)
    saved_upto = gr.State(0.0)  # the edit time the last autosave covered
    save_request = gr.Number(0, visible="hidden", label="autosave", elem_id="library-autosave")
    cursor = gr.Number(-1, visible="hidden", label="cursor", elem_id="library-cursor")
    timer = gr.Timer(TICK_S)
    me.update(base_vid=base_vid)
    me.update(edited_at=edited_at, saved_upto=saved_upto, save_request=save_request, cursor=cursor, timer=timer,
              save_status=status)
    refresh, details = me["refresh"], me["details"]
    list_inputs = [me["search"], me["show_trash"]]
    private = {"api_visibility": "private"}

    def keep_saving(owner, title_value, body, aid, base, note="autosave") -> dict:
        """Save this tab's draft based on version ``base``: never silently over a newer version (both are
        kept, :func:`save_message` says so), never out of the trash."""
        return lib.save(owner, aid, title_value or "", body or "", create_missing=True, note=note,
                        base_version=base if aid is not None else None, keep_both=True)

    # ----- autosave ---------------------------------------------------------------------
    def mark():
        return time.time()

    # Only the writer's own edits wait for the quiet moment: a streaming generation changes the draft many
    # times and is saved once, when it ends (after_generation), so versions stay meaningful (one per
    # generation, per pause in typing, per restore or insert). Undo is an edit too.
    for box in (draft, title):
        box.input(mark, None, edited_at, trigger_mode="always_last", show_progress="hidden", queue=False,
                  **private)
    if write.get("undo_event") is not None:
        write["undo_event"].then(mark, None, edited_at, show_progress="hidden", queue=False, **private)

    def tick(edited, saved):
        if edited and edited > (saved or 0) and time.time() - edited >= AUTOSAVE_QUIET_S:
            return edited
        return gr.skip()

    timer.tick(tick, [edited_at, saved_upto], save_request, show_progress="hidden", queue=False, **private)

    def autosave(request_value, title_value, body, aid, base, request: gr.Request):
        try:
            if aid is None and not (title_value or "").strip() and not (body or "").strip():
                return request_value, aid, gr.skip(), base
            r = keep_saving(owner_of(ctx, request), title_value, body, aid, base)
            return (request_value, r["article_id"],
                    save_message(r, r["updated"] if r["changed"] else time.time()), r["version_id"])
        except StudioError as exc:
            return gr.skip(), aid, f"**Not saved:** {html.escape(exc.message)}", base

    save_request.change(autosave, [save_request, title, draft, article_id, base_vid],
                        [saved_upto, article_id, status, base_vid], show_progress="hidden", concurrency_limit=None,
                        **private)

    def after_generation(edited, title_value, body, aid, base, request: gr.Request):
        """Save as soon as a generation ends (the timer would do it a moment later)."""
        try:
            if aid is None and not (title_value or "").strip() and not (body or "").strip():
                return gr.skip(), aid, gr.skip(), base
            r = keep_saving(owner_of(ctx, request), title_value, body, aid, base, note="generated")
            return edited, r["article_id"], save_message(r, time.time()), r["version_id"]
        except StudioError as exc:
            return gr.skip(), aid, f"**Not saved:** {html.escape(exc.message)}", base

    # every way of generating (Write, Enter in the topic, Continue, Regenerate) saves when it ends
    for event in write.get("generation_events", []):
        event.then(after_generation, [edited_at, title, draft, article_id, base_vid],
                   [saved_upto, article_id, status, base_vid], show_progress="hidden", **private)

    # ----- keep the list fresh: on page load and whenever a tab is chosen ------------------
    def fill(query, trash, request: gr.Request):
        try:
            return refresh(query, trash, request)
        except gr.Error:
            return gr.skip()

    if tabs is not None:
        tabs.select(fill, list_inputs, me["table"], show_progress="hidden", **private)
    root = gr.context.Context.root_block
    if root is not None:
        root.load(fill, list_inputs, me["table"], show_progress="hidden", **private)

    # ----- a reload (or a crashed tab) brings back the article that was open --------------------
    last_open = gr.BrowserState(None, storage_key="studio-open-article", secret=browser_secret(ctx))
    article_id.change(lambda aid: aid, article_id, last_open, show_progress="hidden", **private)

    def reopen(stored, body, title_value, aid, request: gr.Request):
        nothing = (gr.skip(),) * 5
        if stored is None or aid is not None or (body or "").strip() or (title_value or "").strip():
            return nothing
        try:
            # a generation into this article may still be ending (the page was reloaded mid-stream):
            # wait for it to save what it streamed, so the reopened draft has it
            ctx.jobs.wait_written(int(stored), timeout=30)
            a = lib.get(owner_of(ctx, request), int(stored))
        except (StudioError, TypeError, ValueError):
            return nothing
        if a["deleted"]:
            return nothing
        return (a["body"], a["title"], a["id"], f"Reopened where you left off ({_clock(time.time())})",
                a["version_id"])

    if root is not None:
        reopened = root.load(reopen, [last_open, draft, title, article_id], [draft, title, article_id, status, base_vid],
                  show_progress="hidden", **private)

    def save_now(owner, title_value, body, aid, base=None):
        """Save the open draft before it is replaced (so the last seconds of typing are kept)."""
        if aid is None and not (title_value or "").strip() and not (body or "").strip():
            return aid
        return keep_saving(owner, title_value, body, aid, base)["article_id"]

    # ----- open / new / delete / restore ---------------------------------------------------
    goto_write = gr.update(selected="write")  # an update, not a new component (a Tabs built here would join the page)
    tab_out = [tabs] if tabs is not None else []

    @guard
    def open_article(sel, title_value, body, aid, base, request: gr.Request):
        if sel is None:
            raise InvalidInput("article", "Select an article in the list first.")
        owner = owner_of(ctx, request)
        if sel != aid:
            save_now(owner, title_value, body, aid, base)
        a = lib.get(owner, sel)
        if a["deleted"]:
            raise InvalidInput("article", "This article is in the trash. Restore it first.")
        return (a["body"], a["title"], a["id"], f"Opened {_clock(time.time())}", a["version_id"],
                *([goto_write] if tab_out else []))

    opened = me["open_btn"].click(open_article, [me["selected"], title, draft, article_id, base_vid],
                         [draft, title, article_id, status, base_vid, *tab_out], **private)

    @guard
    def new_article(title_value, body, aid, base, request: gr.Request):
        save_now(owner_of(ctx, request), title_value, body, aid, base)
        return ("", "", None, "New article", None, *([goto_write] if tab_out else []))

    started = me["new_btn"].click(new_article, [title, draft, article_id, base_vid],
                        [draft, title, article_id, status, base_vid, *tab_out], **private)

    @guard
    def confirm_delete(sel, aid, query, trash, request: gr.Request):
        if sel is None:
            raise InvalidInput("article", "Select an article in the list first.")
        lib.delete(owner_of(ctx, request), sel)
        closing = sel == aid
        return (refresh(query, trash, request), None, *details(None, request), gr.update(visible=False),
                "" if closing else gr.skip(), "" if closing else gr.skip(), None if closing else gr.skip(),
                None if closing else gr.skip(), "Moved to the trash. Tick “Show the trash” to restore it.")

    deleted = me["confirm_yes"].click(confirm_delete, [me["selected"], article_id, *list_inputs],
                            [me["table"], me["selected"], *me["detail_outputs"], me["confirm_row"], draft, title,
                             article_id, base_vid, me["status"]], **private)

    @guard
    def restore_version(sel, version_id, aid, query, trash, request: gr.Request):
        if sel is None or version_id is None:
            raise InvalidInput("version", "Select an article and the version to restore first.")
        owner = owner_of(ctx, request)
        lib.restore_version(owner, sel, version_id)
        a = lib.get(owner, sel)
        is_open = sel == aid
        return (refresh(query, trash, request), *details(sel, request),
                a["body"] if is_open else gr.skip(), a["title"] if is_open else gr.skip(),
                a["version_id"] if is_open else gr.skip(),
                f"Restored v{lib.version_number(sel, version_id)}" + (" into the Write tab." if is_open else "."))

    restored = me["restore_btn"].click(restore_version, [me["selected"], me["version_a"], article_id, *list_inputs],
                            [me["table"], *me["detail_outputs"], draft, title, base_vid, me["status"]], **private)

    # ----- the Write tab's word count follows every change made from here --------------------------
    stats_box = write.get("stats")

    def follow_stats(event) -> None:
        if stats_box is not None and event is not None:
            from .write_tab import stats_line

            event.then(lambda body: stats_line(None, body), draft, stats_box, show_progress="hidden", queue=False,
                       **private)

    for event in (opened, started, deleted, restored, reopened if root is not None else None):
        follow_stats(event)

    # ----- Insert into draft ---------------------------------------------------------------------
    # only the request's user's own pictures (never the library's folder: it holds every user's pictures)

    def make_insert(source: str):
        @guard
        def insert(path, title_value, body, aid, pos, base, request: gr.Request):
            if not path:
                raise InvalidInput("image", "Make or select a picture first.")
            if not owns(ctx, request, path):
                raise InvalidInput("image", "Only pictures made in this studio can be inserted.")
            owner = owner_of(ctx, request)
            first = keep_saving(owner, title_value, body, aid, base)
            aid = first["article_id"]
            img = lib.attach_image(owner, aid, path)
            alt = img["params"].get("prompt") or ("styled picture" if source == "style" else "picture")
            new_body = insert_block(body or "", markdown_image(img["ref"], alt),
                                    int(pos) if isinstance(pos, (int, float)) and pos >= 0 else None)
            r = keep_saving(owner, title_value, new_body, aid, first["version_id"], note="inserted a picture")
            gr.Info("The picture was added to the draft.")
            return new_body, aid, save_message({**r, "conflict": first["conflict"] or r["conflict"]}, r["updated"]), \
                r["version_id"]

        return insert

    draft_id = getattr(draft, "elem_id", None)
    cursor_js = CURSOR_JS % (repr(draft_id) if draft_id else "null")
    for key, path_key, source in (("image", "selected_path", "image"), ("style", "result_path", "style")):
        other = parts.get(key) or {}
        if other.get("insert_btn") is None or other.get(path_key) is None:
            continue
        inserted = other["insert_btn"].click(None, None, cursor, js=cursor_js, **private).then(
            make_insert(source), [other[path_key], title, draft, article_id, cursor, base_vid],
            [draft, article_id, status, base_vid], **private)
        follow_stats(inserted)

    # ----- Illustrate -----------------------------------------------------------------------------
    @guard
    def propose(model, seed, title_value, body, request: gr.Request, voice="", progress=gr.Progress()):
        owner = owner_of(ctx, request)
        # the prompts are proposed in the voice chosen in the Write tab (none: the plain model)
        complete = functools.partial(ctx.text.complete, voice=voice or "", owner=owner)
        with stop_event(ctx, request, "illustrate") as stop:
            progress(0, desc="Reading the sections…")
            props = propose_prompts(complete, title_value or "", body or "", seed=_seed(seed), stop=stop,
                                    progress=lambda i, n: progress(i / n, desc=f"Proposed {i} of {n}"))
        note = GAN_NOTE if _is_gan(model) else ""
        return [[p.section + 1, p.heading, p.prompt] for p in props], f"{_n(len(props), 'prompt')} proposed. {note}"

    write_voice = [write["voice"]] if write.get("voice") is not None else []
    me["propose_btn"].click(propose, [me["ill_model"], me["ill_seed"], title, draft] + write_voice,
                            [me["proposals"], me["ill_status"]], **private).success(
        lambda: gr.update(interactive=True), None, me["proposals"], show_progress="hidden", queue=False, **private)

    @guard
    def illustrate_step(rows, model, seed, title_value, body, aid, base, request: gr.Request,
                        progress=gr.Progress()):
        """Step 1: draw the pictures (attached to the article); the placements wait in a State."""
        owner = owner_of(ctx, request)
        props = _proposals(rows)
        if not props:
            raise InvalidInput("prompts", "are empty. Press “Propose prompts” first (or type one per section).")
        if not (model or "").strip():
            raise InvalidInput("model", "Choose an image model.")
        first = keep_saving(owner, title_value, body, aid, base)
        aid = first["article_id"]
        with stop_event(ctx, request, "illustrate") as stop:
            generate, uses_prompt = image_generator(ctx, model, stop=stop)
            total = len([p for p in props if p.prompt.strip()])
            progress(0, desc=f"Drawing {total} pictures…")
            result = illustrate(lib, owner, aid, title_value or "", body or "", props, generate,
                                seed=_seed(seed), uses_prompt=uses_prompt, stop=stop,
                                progress=lambda i, n, heading: progress(i / n, desc=f"Drew “{heading}”"))
        pending = {"article_id": aid, "placements": result.placements}
        msg = (f"Stopped after {_n(len(result.images), 'picture')}; they were placed." if result.stopped
               else f"Made {_n(len(result.images), 'picture')} and placed them under their sections.")
        if not uses_prompt:
            msg += " (The face GAN ignores prompts.)"
        return pending, aid, msg, first["version_id"]

    @guard
    def apply_step(pending, title_value, body, aid, base, request: gr.Request):
        """Step 2: place the pictures into the draft as it is *now* (edits made meanwhile are kept), save."""
        if not pending or pending.get("article_id") != aid:
            return gr.skip(), gr.skip(), None, gr.skip()
        owner = owner_of(ctx, request)
        new_body = place_images(body or "", pending["placements"], title_value or "")
        r = keep_saving(owner, title_value, new_body, aid, base, note="illustrated")
        return new_body, save_message(r, r["updated"]), None, r["version_id"]

    me["illustrate_btn"].click(
        illustrate_step, [me["proposals"], me["ill_model"], me["ill_seed"], title, draft, article_id, base_vid],
        [me["ill_pending"], article_id, me["ill_status"], base_vid], **private,
    ).then(apply_step, [me["ill_pending"], title, draft, article_id, base_vid],
           [draft, status, me["ill_pending"], base_vid], **private)

    def stop_illustrate(request: gr.Request):
        ctx.jobs.stop(session_id(request), "illustrate")

    me["ill_stop"].click(stop_illustrate, None, None, **private)


def _seed(value) -> int:
    if value is None or value == "":
        return -1
    return check_int("seed", value, -1, 2**32 - 1)


def _proposals(rows) -> list[Proposal]:
    """Rows ``[#, section, prompt]`` of the table to proposals (rows without a prompt are kept, and skipped later)."""
    out = []
    for row in rows or []:
        if not row or len(row) < 3:
            continue
        try:
            index = int(float(row[0])) - 1
        except (TypeError, ValueError):
            index = len(out)
        out.append(Proposal(max(index, 0), str(row[1] or ""), str(row[2] or "")))
    return out


__all__ = ["build", "wire", "owner_of", "diff_html", "image_models"]
