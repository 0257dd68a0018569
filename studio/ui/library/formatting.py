"""How the Library tab words and lays out what the library holds: times, list rows, version labels,
the diff, the pictures strip, the details line and the status after a save. Plain functions of plain
data (no Gradio, no library access), so each is tested on its own."""

from __future__ import annotations

import html
import time
from pathlib import Path

from PIL import Image

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


def plural(count: int, noun: str) -> str:
    """``1 picture``, ``2 pictures``, ``1,200 words``."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def words_of(text: str) -> str:
    """``"20 words"``: :func:`studio.unitext.count_words` (the Write tab's count) of ``text``."""
    return plural(count_words(text or ""), "word")


def rows(items: list[dict]) -> list[list]:
    """The list's rows ``[id, title, updated (or trashed), words, excerpt]`` of :meth:`Library.list` items;
    an untitled article shows as "Untitled"."""
    return [[a["id"], a["title"] or "Untitled", when(a["deleted"] or a["updated"]), a["words"], a["snippet"]]
            for a in items]


def version_choices(versions: list[dict]) -> list[tuple[str, int]]:
    """Dropdown choices ``(label, version id)`` of an article's versions, newest first: numbered per article
    (``v3 · 14:03 · 120 words · restored v1 (current)``); autosave notes are not shown."""
    out = []
    for n, v in enumerate(versions):
        label = f"v{len(versions) - n} · {when(v['created'])} · {v['words']} words"
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
    where = " · **in the trash**" if article["deleted"] else ""
    return (f"**<bdi>{html.escape(article['title'] or 'Untitled')}</bdi>** · {words_of(article['body'])} · "
            f"{plural(len(article['images']), 'picture')} · {plural(len(versions), 'version')} · "
            f"updated {when(article['updated'])}{where}")


def save_message(r: dict, when_saved: float) -> str:
    """The status line after a save (:meth:`Library.save`'s dict): the time, and what the writer must know:
    another tab had saved a newer version (both are kept), or the article is in the trash."""
    msg = f"Saved {clock(when_saved)}"
    if r.get("conflict"):
        msg += (f". **Another tab or window had saved v{r.get('conflict_v') or r['conflict']} of this article meanwhile**; "
                "both are kept in its versions (Library tab → Versions) and the text here is now the newest.")
    if r.get("trashed"):
        msg += (". **This article is in the trash** (moved there from another tab or window); the text is kept "
                "there. Restore it from the trash in the Library tab to keep it in your library.")
    return msg


def not_saved(message: str) -> str:
    """The status line when a save was refused (``message`` is the engine's, escaped here)."""
    return f"**Not saved:** {html.escape(message)}"


def inside(path: Path, folder: Path | None) -> bool:
    """Whether ``path`` lies under ``folder`` (after resolving links); False when either cannot be resolved."""
    try:
        return folder is not None and Path(path).resolve().is_relative_to(Path(folder).resolve())
    except OSError:
        return False


def attached_message(title: str | None) -> str:
    """The status line after "Send to library" (a result attached to the article open in the Write tab)."""
    name = (title or "").strip()
    where = f"the article “{name}”" if name else "your untitled draft"
    return f"Saved to the library, attached to {where} (the text is unchanged)."
