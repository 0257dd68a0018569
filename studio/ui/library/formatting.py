"""How the Library tab words and lays out what the library holds: times, list rows, version labels,
the diff, the pictures strip, the details line and the status after a save. Plain functions of plain
data (no Gradio, no library access), so each is tested on its own."""

from __future__ import annotations

import html
import time
from pathlib import Path

from PIL import Image

from ...messages import Joined, Message
from ...pictures import displayable
from ...unitext import count_words


def clock(t: float | None) -> str:
    """``"14:03:07"``: the local time of ``t`` (seconds since the epoch); ``""`` for none."""
    return time.strftime("%H:%M:%S", time.localtime(t)) if t else ""


def when(t: float | None) -> str:
    """``"2026-03-01 14:03"``: the date and local time of ``t`` (the Library's Updated column); ``""`` for none."""
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(t)) if t else ""


def iso(t: float | None) -> str | None:
    """``t`` as ISO 8601 with the local offset (the API's dates); None for none."""
    return time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(t)) if t else None


# each noun's messages, one and many
NOUNS = {"word": (lambda n: Message("{num_n} word", num_n=n), lambda n: Message("{num_n} words", num_n=n)),
         "picture": (lambda n: Message("{num_n} picture", num_n=n), lambda n: Message("{num_n} pictures", num_n=n)),
         "version": (lambda n: Message("{num_n} version", num_n=n), lambda n: Message("{num_n} versions", num_n=n)),
         "prompt": (lambda n: Message("{num_n} prompt", num_n=n), lambda n: Message("{num_n} prompts", num_n=n))}


def plural(count: int, noun: str) -> Message:
    """``1 picture``, ``2 pictures``, ``1,200 words`` (``noun``: one of :data:`NOUNS`)."""
    one, many = NOUNS[noun]
    return (one if count == 1 else many)(f"{count:,}")


def words_of(text: str) -> str:
    """``"20 words"``: :func:`studio.unitext.count_words` (the Write tab's count) of ``text``."""
    return plural(count_words(text or ""), "word")


def rows(items: list[dict]) -> list[list]:
    """The list's rows ``[id, title, updated (or trashed), words, excerpt]`` of :meth:`Library.list` items;
    an untitled article shows as "Untitled"."""
    return [[a["id"], a["title"] or Message("Untitled"), when(a["deleted"] or a["updated"]), a["words"], a["snippet"]]
            for a in items]


def version_choices(versions: list[dict]) -> list[tuple[str, int]]:
    """Dropdown choices ``(label, version id)`` of an article's versions, newest first: numbered per article
    (``v3 · 14:03 · 120 words · restored v1 (current)``); autosave notes are not shown."""
    out = []
    for n, v in enumerate(versions):
        label: str = Message("v{n} · {t} · {w} words", n=len(versions) - n, t=when(v["created"]), w=v["words"])
        if v["note"] and v["note"] != "autosave":
            label = Joined(" · ", [label, v["note"]])
        if n == 0:
            label = Message("{n} (current)", n=label)
        out.append((label, v["id"]))
    return out


def diff_html(diff: str) -> str:
    """A unified diff as escaped, coloured HTML (added lines green, removed red)."""
    if not diff:
        return Joined("", ["<p><em>", Message("These two versions are the same."), "</em></p>"])
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


def gallery(images: list[dict]) -> list[tuple[Image.Image, str]]:
    """``(picture, caption)`` of an article's images as every export shows them (16-bit scans too);
    the caption is the name and the start of its prompt. A file that cannot be read is left out."""
    out = []
    for img in images:
        try:
            with Image.open(img["path"]) as im:
                im.load()
                pic = displayable(im).copy()
        except OSError:
            continue
        prompt = img["params"].get("prompt") or img["params"].get("illustrates") or ""
        out.append((pic, f"{img['name']}" + (f" — {prompt[:80]}" if prompt else "")))
    return out


def public_image(img: dict) -> dict:
    """An image record as the API shows it: no server path; ``created`` in ISO 8601."""
    return {k: img[k] for k in ("id", "name", "ref", "width", "height", "params")} | {"created": iso(img["created"])}


def details_line(article: dict, versions: list[dict]) -> str:
    """The line under the list for the selected article: title, words, pictures, versions, when updated,
    and whether it is in the trash. The title is escaped and isolated (``<bdi>``), so a right-to-left title
    does not reorder the rest of the line."""
    title = "**<bdi>" + html.escape(article["title"] or "Untitled") + "</bdi>**"  # the writer's words
    parts = [title, words_of(article["body"]), plural(len(article["images"]), "picture"),
             plural(len(versions), "version"), Message("updated {t}", t=when(article["updated"]))]
    return Joined(" · ", parts + [Message("**in the trash**")] * bool(article["deleted"]))


def save_message(r: dict, when_saved: float) -> str:
    """The status line after a save (:meth:`Library.save`'s dict): the time, and what the writer must know:
    another tab had saved a newer version (both are kept), or the article is in the trash."""
    t = clock(when_saved)
    if r.get("conflict"):
        msg: str = Message("Saved {t}. **Another tab or window had saved v{n} of this article meanwhile**; both are kept "
                      "in its versions (Library tab → Versions) and the text here is now the newest.",
                      t=t, n=r.get("conflict_v") or r["conflict"])
        if r.get("trashed"):
            msg = Joined("", [msg, Message(". **This article is in the trash** (moved there from another tab or "
                                           "window); the text is kept there. Restore it from the trash in the "
                                           "Library tab to keep it in your library.")])
        return msg
    if r.get("trashed"):
        return Message("Saved {t}. **This article is in the trash** (moved there from another tab or window); the "
                       "text is kept there. Restore it from the trash in the Library tab to keep it in your library.",
                       t=t)
    return Message("Saved {t}", t=t)


def not_saved(message: str) -> str:
    """The status line when a save was refused (``message`` is the engine's, escaped here)."""
    escaped = html.escape(message)
    # the engine's message keeps its id where escaping changes nothing; else it is matched as English
    m = message if escaped == message and isinstance(message, (Message, Joined)) else Joined("", [escaped])
    return Message("**Not saved:** {m}", m=m)


def inside(path: Path, folder: Path | None) -> bool:
    """Whether ``path`` lies under ``folder`` (after resolving links); False when either cannot be resolved."""
    try:
        return folder is not None and Path(path).resolve().is_relative_to(Path(folder).resolve())
    except OSError:
        return False


def attached_message(title: str | None) -> str:
    """The status line after "Send to library" (a result attached to the article open in the Write tab)."""
    name = (title or "").strip()
    where = Message("the article “{t}”", t=name) if name else Message("your untitled draft")
    return Message("Saved to the library, attached to {w} (the text is unchanged).", w=where)
