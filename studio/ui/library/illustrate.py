"""Illustrate the article open in the Write tab: the text model proposes one prompt per section, the
writer edits them, the chosen image model draws, and each picture is placed under its heading.

Two steps, so that edits made while the pictures are drawn are kept: :func:`drawn` draws and attaches
the pictures (the placements wait in a ``gr.State``), then :func:`placed` puts them into the draft as it
is *now*. Which engine draws is the image router's choice (``ctx.images``). The handlers hooked by
:func:`connect` keep the names and argument order the studio's tests call them by.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import gradio as gr

from ...errors import InvalidInput
from ...illustrate import Proposal, illustrate, place_images, propose_prompts
from ...messages import Joined, Message
from ...validate import check_int
from ..common import guard, session_id, stop_event
from . import formatting as fmt
from .browse import PRIVATE
from .layout import GAN_NOTE, LibraryUI
from .store import keep_saving, owner_of


class Proposed(NamedTuple):
    proposals: list[list]  # rows [section number (from 1), heading, prompt]
    ill_status: str


class Drawn(NamedTuple):
    ill_pending: dict  # {"article_id", "placements"}: what step 2 places
    article_id: int
    ill_status: str
    base_vid: int


class Placed(NamedTuple):
    draft: str
    save_status: str
    ill_pending: None
    base_vid: int


# ---------------------------------------------------------------------- logic
def seed_of(value) -> int:
    """The form's seed: empty is -1 (random); else a whole number from -1 to 2**32 - 1.

    Raises:
        InvalidInput: ``seed`` out of range or not a whole number.
    """
    if value is None or value == "":
        return -1
    return check_int("seed", value, -1, 2**32 - 1)


def proposals_of(rows) -> list[Proposal]:
    """Rows ``[#, section, prompt]`` of the table to proposals (rows without a prompt are kept, and skipped
    later; a row without a usable number takes the next one)."""
    out: list[Proposal] = []
    for row in rows or []:
        if not row or len(row) < 3:
            continue
        try:
            index = int(float(row[0])) - 1
        except (TypeError, ValueError):
            index = len(out)
        out.append(Proposal(max(index, 0), str(row[1] or ""), str(row[2] or "")))
    return out


def proposal_rows(props: list[Proposal], gan: bool) -> Proposed:
    """The table's rows and the status line for proposed prompts (with the GAN's note when it draws)."""
    note = Message(GAN_NOTE) if gan else ""
    return Proposed([[p.section + 1, p.heading, p.prompt] for p in props],
                    Message("{p} proposed. {note}", p=fmt.plural(len(props), "prompt"), note=note))


def check_request(rows, model: str) -> list[Proposal]:
    """The proposals of an Illustrate request, checked.

    Raises:
        InvalidInput: no prompts (``prompts``) or no image model (``model``).
    """
    props = proposals_of(rows)
    if not props:
        raise InvalidInput("prompts", "are empty. Press “Propose prompts” first (or type one per section).")
    if not (model or "").strip():
        raise InvalidInput("model", "Choose an image model.")
    return props


def drawn_message(count: int, stopped: bool, uses_prompt: bool) -> str:
    """The status line after drawing ``count`` pictures."""
    p = fmt.plural(count, "picture")
    msg = (Message("Stopped after {p}; they were placed.", p=p) if stopped
           else Message("Made {p} and placed them under their sections.", p=p))
    return msg if uses_prompt else Joined(" ", [msg, Message("(The face GAN ignores prompts.)")])


def placed(lib, owner: str, pending, title: str, body: str, article_id, base) -> Placed | None:
    """Place the drawn pictures into the draft as it is now and save; None when nothing waits for this
    article (another one was opened meanwhile)."""
    if not pending or pending.get("article_id") != article_id:
        return None
    new_body = place_images(body or "", pending["placements"], title or "")
    r = keep_saving(lib, owner, title, new_body, article_id, base, note="illustrated")
    return Placed(new_body, fmt.save_message(r, r["updated"]), None, r["version_id"])


# ---------------------------------------------------------------------- events
def connect(ctx, ui: LibraryUI, write: dict) -> None:
    """Hook Propose prompts, Illustrate (draw, then place), Stop and the GAN's note."""
    lib, link = ctx.library, ui.link
    assert link is not None  # wire() links the Write tab before connecting

    @guard
    def propose(model, seed, title_value, body, request: gr.Request, voice="", progress=gr.Progress()):
        owner = owner_of(ctx, request)
        # the prompts are proposed in the voice chosen in the Write tab (none: the plain model)
        complete = functools.partial(ctx.text.complete, voice=voice or "", owner=owner)
        with stop_event(ctx, request, "illustrate") as stop:
            progress(0, desc="Reading the sections…")
            props = propose_prompts(complete, title_value or "", body or "", seed=seed_of(seed), stop=stop,
                                    progress=lambda i, n: progress(i / n, desc=Message("Proposed {i} of {n}", i=i, n=n)))
        return proposal_rows(props, ctx.images.is_gan(model))

    @guard
    def illustrate_step(rows, model, seed, title_value, body, aid, base, request: gr.Request,
                        progress=gr.Progress()):
        """Step 1: draw the pictures (attached to the article); the placements wait in a State."""
        owner = owner_of(ctx, request)
        props = check_request(rows, model)
        first = keep_saving(lib, owner, title_value, body, aid, base)
        aid = first["article_id"]
        with stop_event(ctx, request, "illustrate") as stop:
            generate, uses_prompt = ctx.images.generator(model, stop=stop)
            total = len([p for p in props if p.prompt.strip()])
            progress(0, desc=Message("Drawing {n} pictures…", n=total))
            result = illustrate(lib, owner, aid, title_value or "", body or "", props, generate,
                                seed=seed_of(seed), uses_prompt=uses_prompt, stop=stop,
                                progress=lambda i, n, heading: progress(i / n, desc=Message("Drew “{h}”", h=heading)))
        pending = {"article_id": aid, "placements": result.placements}
        return Drawn(pending, aid, drawn_message(len(result.images), result.stopped, uses_prompt),
                     first["version_id"])

    @guard
    def apply_step(pending, title_value, body, aid, base, request: gr.Request):
        """Step 2: place the pictures into the draft as it is *now* (edits made meanwhile are kept), save."""
        if not pending or pending.get("article_id") != aid:
            return gr.skip(), gr.skip(), None, gr.skip()
        return placed(lib, owner_of(ctx, request), pending, title_value, body, aid, base)

    def stop_illustrate(request: gr.Request):
        ctx.jobs.stop(session_id(request), "illustrate")

    write_voice = [write["voice"]] if write.get("voice") is not None else []
    ui.propose_btn.click(propose, [ui.ill_model, ui.ill_seed, link.title, link.draft] + write_voice,
                         ui.parts(*Proposed._fields), **PRIVATE).success(
        lambda: gr.update(interactive=True), None, ui.proposals, show_progress="hidden", queue=False, **PRIVATE)
    ui.illustrate_btn.click(
        illustrate_step, [ui.proposals, ui.ill_model, ui.ill_seed, link.title, link.draft, link.article_id,
                          link.base_vid], ui.parts(*Drawn._fields), **PRIVATE,
    ).then(apply_step, [ui.ill_pending, link.title, link.draft, link.article_id, link.base_vid],
           ui.parts(*Placed._fields), **PRIVATE)
    ui.ill_stop.click(stop_illustrate, None, None, **PRIVATE)
