"""Export what the writer sees (issue #31): in the draft, a line break starts a new line, and models write
paragraphs one per line, with single line breaks. Markdown would join such lines into one paragraph, so
before rendering each line of a plain paragraph becomes a paragraph of its own, unless it is clearly a
wrapped line of the same sentence (the line before ends mid-sentence and this one goes on in lower case).
Lists, tables, quotes, code and hard breaks (two spaces at the end of a line) are left as they are."""

from __future__ import annotations

import re

_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_STRUCTURE = re.compile(r"^\s{0,3}([-*+]\s|\d+[.)]\s|>|\||#{1,6}(\s|$))|^\s{4,}|^\t|^\s{0,3}([-*_]\s*){3,}$")
_ENDS_SENTENCE = re.compile(r"[.!?:;。！？：；…)\]\"”’*_`]\s*$")
_GOES_ON = re.compile(r"^\s*[a-z(,;–—-]")


def _plain(line: str) -> bool:
    return bool(line.strip()) and not _STRUCTURE.match(line)


def _wrapped(before: str, line: str) -> bool:
    """Whether ``line`` continues the sentence of ``before`` (a text wrapped by hand or by a program)."""
    return not _ENDS_SENTENCE.search(before) and bool(_GOES_ON.match(line))


def as_seen(body: str) -> str:
    """``body`` with a blank line between two plain lines that the draft shows as separate paragraphs."""
    out: list[str] = []
    fenced = False
    for line in (body or "").split("\n"):
        if _FENCE.match(line):
            fenced = not fenced
        elif not fenced and out and _plain(line) and _plain(out[-1]) and not out[-1].endswith("  ") \
                and not _wrapped(out[-1], line):
            out.append("")
        out.append(line)
    return "\n".join(out)


__all__ = ["as_seen"]
