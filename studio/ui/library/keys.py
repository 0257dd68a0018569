"""The Library tab's "API keys" panel: each user makes and revokes their own keys for Studio's
OpenAI API (``/v1``) and AUTOMATIC1111 API (``/sdapi/v1``) (see :mod:`studio.api_keys`).

The handlers are plain functions of the key store and the owner; a new key is shown once.
"""

from __future__ import annotations

import datetime

import gradio as gr

from ..common import guard
from ..i18n import Verbatim
from .store import owner_of

INTRO = ("Other tools (Open WebUI, SillyTavern, the openai Python client, AUTOMATIC1111 clients) can use "
         "Studio's models at `/v1` (the OpenAI API) and `/sdapi/v1` (AUTOMATIC1111's API) on this address. "
         "When Studio asks for a login, each call needs one of your keys (`Authorization: Bearer KEY`), and "
         "what it makes is yours. A key is shown once, when it is made.")


def key_rows(keys: list[dict]) -> list[list]:
    """The table rows: name, first characters, when it was made."""
    return [[k["name"], k["start"] + "…", datetime.datetime.fromtimestamp(k["created"]).strftime("%Y-%m-%d %H:%M")]
            for k in keys]


def key_choices(keys: list[dict]) -> list[tuple[str, str]]:
    # the writer's name for the key, never translated
    return [(Verbatim(f"{k['name']} ({k['start']}…)"), k["id"]) for k in keys]


def listed(store, owner: str) -> dict:
    keys = store.list(owner)
    return {"table": key_rows(keys), "choice": gr.update(choices=key_choices(keys), value=None)}


def create(store, owner: str, name: str) -> dict:
    """Make a key; the answer shows it once."""
    key, _record = store.create(owner, name)
    return {**listed(store, owner), "new_key": gr.update(value=key, visible=True),
            "status": "Key made. Copy it now: Studio does not show it again."}


def revoke(store, owner: str, key_id: str | None) -> dict:
    if not key_id:
        return {"status": "Choose a key to revoke first."}
    done = store.revoke(owner, key_id)
    return {**listed(store, owner), "new_key": gr.update(value="", visible=False),
            "status": "Key revoked: tools that use it are refused from now on." if done else "No such key."}


def build(ctx) -> None:
    """The panel (inside the Library tab) and its events."""
    with gr.Accordion("API keys", open=False) as panel:
        gr.Markdown(INTRO)
        with gr.Row(equal_height=True):
            name = gr.Textbox(label="Key name", placeholder="e.g. Open WebUI on my laptop", scale=3)
            create_btn = gr.Button("Make a key", scale=1)
        new_key = gr.Textbox(label="Your new key", interactive=False, visible=False, buttons=["copy"],
                             elem_id="api-new-key")
        table = gr.Dataframe(headers=["Name", "Starts with", "Made"], datatype=["str", "str", "str"], type="array",
                             interactive=False, value=[], label="Your keys")
        with gr.Row(equal_height=True):
            choice = gr.Dropdown([], label="Key", scale=3)
            revoke_btn = gr.Button("Revoke", variant="stop", scale=1)
        status = gr.Markdown("")
    parts = {"table": table, "choice": choice, "new_key": new_key, "status": status}

    def show(result: dict) -> dict:
        return {parts[k]: v for k, v in result.items()}

    @guard
    def on_open(request: gr.Request):
        return show(listed(ctx.api_keys, owner_of(ctx, request)))

    @guard
    def on_create(key_name, request: gr.Request):
        return show(create(ctx.api_keys, owner_of(ctx, request), key_name))

    @guard
    def on_revoke(key_id, request: gr.Request):
        return show(revoke(ctx.api_keys, owner_of(ctx, request), key_id))

    outs = [table, choice, new_key, status]
    panel.expand(on_open, None, outs, api_visibility="private")
    create_btn.click(on_create, name, outs, api_visibility="private")
    revoke_btn.click(on_revoke, choice, outs, api_visibility="private")
