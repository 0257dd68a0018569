"""The Library tab's layout: small builders for its parts, collected in one :class:`LibraryUI`.

Handlers name what they change by these attribute names (``{"table": rows, "info": text}``);
:meth:`LibraryUI.show` turns such a dict into Gradio's ``{component: value}`` and :meth:`LibraryUI.parts`
lists the components an event may change. The Write tab's parts (draft, title, ...) and the autosave's own
(created by :func:`studio.ui.library.wire`) join as :attr:`LibraryUI.link`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import gradio as gr

from ...export import FORMATS
from .. import listen
from ..components import any_choice_radio

GAN_NOTE = ("**The face GAN ignores prompts**: it draws one face per section (the prompts are kept only to "
            "label the sections). Pick a diffusion model to illustrate what the prompts say.")
DETAILS = ("info", "rename_box", "gallery", "version_a", "version_b", "export_id", "diff_view", "disclosure",
           "origin_view")
"""What shows the selected article (see :func:`studio.ui.library.browse.details`)."""


@dataclasses.dataclass
class WriteLink:
    """The Write tab's parts the library works on, and the autosave's own (made at the page's root)."""

    draft: Any
    title: Any
    article_id: Any
    save_status: Any  # the Write tab's "Saved 12:03:04" line
    base_vid: Any  # gr.State: the version the open draft is based on
    edited_at: Any  # gr.State: time of the writer's last edit
    saved_upto: Any  # gr.State: the edit time the last save covered
    save_request: Any  # hidden gr.Number: its change saves
    cursor: Any  # hidden gr.Number: the draft's cursor (characters), -1 for none
    timer: Any
    tabs: Any = None  # the page's gr.Tabs (to switch to the Write tab)
    notes: Any = None  # the Write tab's notes on the last generation (emptied when another article opens)
    facts: Any = None  # and its list of facts to check


@dataclasses.dataclass
class LibraryUI:
    """Every component of the Library tab, by name."""

    # Illustrate
    ill_model: Any
    ill_seed: Any
    propose_btn: Any
    gan_note: Any
    proposals: Any
    illustrate_btn: Any
    ill_stop: Any
    ill_status: Any
    ill_pending: Any
    # the list
    search: Any
    show_trash: Any
    refresh_btn: Any
    new_btn: Any
    table: Any
    selected: Any
    info: Any
    # acting on the selected article
    open_btn: Any
    duplicate_btn: Any
    delete_btn: Any
    untrash_btn: Any
    empty_btn: Any
    confirm_row: Any
    confirm_text: Any
    confirm_yes: Any
    confirm_no: Any
    empty_row: Any
    empty_yes: Any
    empty_no: Any
    rename_box: Any
    rename_btn: Any
    # pictures, versions, export, import
    gallery: Any
    version_a: Any
    version_b: Any
    diff_btn: Any
    restore_btn: Any
    diff_view: Any
    export_id: Any
    export_format: Any
    export_btn: Any
    export_api: Any  # a hidden button that carries the /export endpoint (its two inputs)
    export_file: Any
    disclosure: Any
    origin_btn: Any
    origin_view: Any
    import_file: Any
    import_btn: Any
    lib_status: Any
    link: WriteLink | None = None
    listen: Any = None  # the Listen tab's controls (studio.ui.listen.ListenUI)
    export_transcript: Any = None  # the WebVTT transcript of an mp3 or mp4 export

    def part(self, name: str):
        """The component called ``name`` here or in :attr:`link`."""
        if name in self.__dataclass_fields__ and name != "link":
            return getattr(self, name)
        if self.link is not None and hasattr(self.link, name):
            return getattr(self.link, name)
        raise KeyError(name)

    def parts(self, *names: str) -> list:
        """The components called ``names``, in that order (an event's outputs)."""
        return [self.part(n) for n in names]

    def show(self, result: dict[str, Any]) -> dict:
        """``{name: value}`` to Gradio's ``{component: value}`` (components not named stay as they are;
        ``gr.skip()`` when nothing changes)."""
        if not result:
            return gr.skip()
        return {self.part(name): value for name, value in result.items()}


def _illustrate_panel(models: list[str], gan_first: bool) -> dict:
    with gr.Accordion("Illustrate the article open in the Write tab", open=False):
        gr.Markdown("1. **Propose prompts**: the language model suggests one picture per section (from the ## "
                    "headings and their text).\n2. Edit the prompts in the table; clear a prompt to skip its "
                    "section.\n3. **Illustrate**: each picture is drawn, added to the article's images and placed "
                    "under its section heading.")
        with gr.Row():
            ill_model = gr.Dropdown(models, value=models[0], label="Image model", allow_custom_value=True, scale=3)
            ill_seed = gr.Number(-1, label="Seed (-1 = random)", precision=0, minimum=-1, scale=1)
            propose_btn = gr.Button("Propose prompts", scale=1)
        gan_note = gr.Markdown(GAN_NOTE, visible=gan_first)
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
    return dict(ill_model=ill_model, ill_seed=ill_seed, propose_btn=propose_btn, gan_note=gan_note,
                proposals=proposals, illustrate_btn=illustrate_btn, ill_stop=ill_stop, ill_status=ill_status,
                ill_pending=ill_pending)


def _list_panel() -> dict:
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
    return dict(search=search, show_trash=show_trash, refresh_btn=refresh_btn, new_btn=new_btn, table=table,
                selected=selected, info=info)


def _actions() -> dict:
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
    return dict(open_btn=open_btn, duplicate_btn=duplicate_btn, delete_btn=delete_btn, untrash_btn=untrash_btn,
                empty_btn=empty_btn, confirm_row=confirm_row, confirm_text=confirm_text, confirm_yes=confirm_yes,
                confirm_no=confirm_no, empty_row=empty_row, empty_yes=empty_yes, empty_no=empty_no,
                rename_box=rename_box, rename_btn=rename_btn)


def _versions_tab() -> dict:
    with gr.Row():
        version_a = gr.Dropdown([], label="Version", info="The one to see or restore")
        version_b = gr.Dropdown([], label="Compare with")
    with gr.Row():
        diff_btn = gr.Button("Show the differences")
        restore_btn = gr.Button("Restore this version")
    diff_view = gr.HTML("")
    return dict(version_a=version_a, version_b=version_b, diff_btn=diff_btn, restore_btn=restore_btn,
                diff_view=diff_view)


def _export_tab() -> dict:
    with gr.Row(equal_height=True):
        export_id = gr.Number(None, label="Article", precision=0, visible="hidden")
        # any value reaches the engine's check, which names the allowed formats (the /export API uses it)
        export_format = any_choice_radio(list(FORMATS), value="md", label="Format",
                                         info="md: Markdown zip with an images/ folder · html: one self-contained "
                                              "page · docx: Word document · mp3: the article read aloud, with "
                                              "chapters · mp4: a narrated video of its pictures",
                                         elem_id="library-export-format")
        export_btn = gr.Button("Export", variant="primary", elem_id="library-export")
        export_api = gr.Button("Export", visible=False)  # carries the /export API (its two inputs)
    export_file = gr.File(label="Download", interactive=False, elem_id="library-export-file")
    export_transcript = gr.File(label="Transcript (WebVTT)", interactive=False, elem_id="library-export-vtt")
    gr.Markdown("mp3 and mp4 take a while: the article is read aloud first (about a sixth of its "
                "length on this computer). A WebVTT transcript (.vtt) comes with them.",
                elem_classes="studio-note")
    # how it was made (issue #30): the sentence the export carries, which the writer may reword
    disclosure = gr.Textbox(label="What the export says about AI", lines=2, max_lines=4, elem_id="library-disclosure",
                            info="Studio's sentence from what the model wrote; reword it if you like. Empty: "
                                 "Studio's sentence.")
    origin_btn = gr.Button("Show what the model wrote", size="sm", elem_id="library-origin")
    origin_view = gr.HTML("", elem_id="library-origin-view")
    return dict(export_id=export_id, export_format=export_format, export_btn=export_btn, export_api=export_api,
                export_file=export_file, export_transcript=export_transcript,
                disclosure=disclosure, origin_btn=origin_btn, origin_view=origin_view)


def _detail_tabs(voices: list[str]) -> dict:
    with gr.Tabs():
        with gr.Tab("Listen", elem_id="library-listen-tab"):
            listen_ui = listen.build(voices, "library")
        with gr.Tab("Pictures"):
            gallery = gr.Gallery(label="Pictures of this article", columns=4, height="auto", format="png",
                                 interactive=False)
        with gr.Tab("Versions"):
            versions = _versions_tab()
        with gr.Tab("Export"):
            export = _export_tab()
        with gr.Tab("Import"):
            import_file = gr.File(label="A .md file, or a .zip exported by Studio", file_types=[".md", ".zip", ".txt"])
            import_btn = gr.Button("Import as a new article")
    return dict(gallery=gallery, **versions, **export, import_file=import_file, import_btn=import_btn,
                listen=listen_ui)


def build_layout(models: list[str], gan_first: bool, voices: Sequence[str] = ()) -> LibraryUI:
    """The tab's components, inside its ``gr.Tab``. ``models``: the Illustrate image models (the first is
    chosen); ``gan_first``: whether that one is the face GAN (its note shows); ``voices``: for Listen."""
    gr.Markdown("Your articles are saved automatically while you write. Search them, open one in the Write tab, "
                "see its versions and pictures, and export it.")
    illustrate = _illustrate_panel(models, gan_first)
    listing = _list_panel()
    actions = _actions()
    details = _detail_tabs(list(voices))
    lib_status = gr.Markdown("")
    return LibraryUI(**illustrate, **listing, **actions, **details, lib_status=lib_status)
