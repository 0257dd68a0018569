"""The Write tab's list of facts to check, beside the draft, and its one-line summary of the notes.

The engine marks each number, date, name or quotation of the new text that is not in the writer's own
text (:mod:`studio.text.factcheck`); :func:`facts_html` lists them, each a button that selects its
characters in the draft (:data:`FACTS_JS`, one listener on the page, so the list can be redrawn at will).
Spans come from the engine in the generated text; :func:`marks_in_draft` moves them to where that text
sits in the draft (after the writer's text, or inside it for a rewrite) and counts them in UTF-16 code
units, as the browser's ``setSelectionRange`` does.
"""

from __future__ import annotations

import html
import re

from ..messages import Joined, Message
from .common import as_param

# a click on a fact selects its span in the draft and scrolls it into view
FACTS_JS = """<script>
document.addEventListener('click', (e) => {
  const b = e.target.closest && e.target.closest('[data-fact-start]');
  if (!b) return;
  e.preventDefault();
  const ta = document.querySelector('#draft textarea');
  if (!ta) return;
  const s = parseInt(b.dataset.factStart, 10), t = parseInt(b.dataset.factEnd, 10);
  ta.focus();
  ta.setSelectionRange(s, t);
  const lines = ta.value.slice(0, s).split('\\n').length;
  const lh = parseFloat(getComputedStyle(ta).lineHeight) || 20;
  ta.scrollTop = Math.max(0, (lines - 3) * lh);
});
</script>
"""

TITLE = "To check: facts not in your brief"


def _utf16(text: str, i: int) -> int:
    return len(text[:i].encode("utf-16-le")) // 2


def marks_in_draft(draft: str, generated: str, marks: list[dict]) -> list[dict]:
    """``marks`` (spans in ``generated``) as spans in ``draft``, in UTF-16 code units (``ustart``/``uend``).
    A mark whose text is not at its place any more is looked for near it, else left out."""
    offset = draft.rfind(generated) if generated else -1
    out = []
    for m in marks or []:
        s = (offset if offset >= 0 else 0) + int(m["start"])
        e = s + (int(m["end"]) - int(m["start"]))
        if draft[s:e] != m["text"]:
            found = draft.find(m["text"])
            if found < 0:
                continue
            s, e = found, found + len(m["text"])
        out.append({**m, "start": s, "end": e, "ustart": _utf16(draft, s), "uend": _utf16(draft, e)})
    return out


def facts_html(marks: list[dict]) -> str:
    """The list beside the draft: one button per marked fact (its text and why), empty for none. A fact is the
    draft's own text: ``translate="no"`` keeps it as it is in every language (:func:`~.i18n.translate_html`)."""
    if not marks:
        return ""
    items = "".join(
        f'<li><button type="button" class="studio-fact" translate="no" data-fact-start="{m["ustart"]}" '
        f'data-fact-end="{m["uend"]}">{html.escape(m["text"])}</button> '
        f'<span class="studio-fact-why">{html.escape(m.get("reason", ""))}</span></li>' for m in marks)
    return f'<div class="studio-facts"><p><strong>{TITLE}</strong></p><ol>{items}</ol></div>'


_REWRITTEN = re.compile(r"writing (?:it )?again|best reply is kept|attempt closest")
_CHANGED = re.compile(r"(?:^|: )Changed '")
_CHECK = re.compile(r"^Check (\d+) facts?")


def notes_summary(notes: list[str]) -> str:
    """One line that says what Studio did, e.g. "Facts corrected: 1 · Facts to check: 4 · Written again: 2"."""
    changed = sum(bool(_CHANGED.search(n)) for n in notes)
    check = sum(int(m.group(1)) for m in (_CHECK.match(n) for n in notes) if m)
    again = sum(bool(_REWRITTEN.search(n)) for n in notes)
    other = len(notes) - changed - again - sum(bool(_CHECK.match(n)) for n in notes)
    parts = [(changed, Message("Facts corrected: {num_n}", num_n=changed)),
             (check, Message("Facts to check: {num_n}", num_n=check)),
             (again, Message("Written again: {num_n}", num_n=again)),
             (other, Message("Other notes: {num_n}", num_n=other))]
    return Joined(" · ", [text for n, text in parts if n])


def notes_md(notes: list[str]) -> str:
    """The notes as a list; more than three get a one-line summary first, the list behind a click."""
    listing = Joined("\n", [Message("- {m}", m=as_param(n)) for n in notes])
    if len(notes) <= 3:
        return listing
    return Joined("\n", [notes_summary(notes), "", "<details>", Message("<summary>All notes</summary>"), "", listing,
                         "", "</details>"])
