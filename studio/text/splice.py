"""Putting a rewrite of a selected part of the draft back in its place.

The model rewrites the selected words as a text of its own: it trims the
spaces around them and ends with a full stop. Dropped back into the draft
unchanged, a selected sentence without its full stop became "Thursday.." and
a selected phrase mid-sentence ended with a stray full stop. :func:`splice_rewrite`
fits the rewrite to the selection's edges; the text around the selection is
never changed.
"""

from __future__ import annotations

import re

_END = re.compile(r"[.!?…。！？]+[\"'”’)\]]*$")
_DOTS = re.compile(r"(?<!\.)\.\.(?!\.)")  # ".." but not an ellipsis "..."


def fit_rewrite(new: str, selected: str, after: str) -> str:
    """``new`` (the model's rewrite of ``selected``) fitted to the selection's edges.

    Args:
        new: the rewrite as the engine returned it.
        selected: the text the writer selected.
        after: the draft's text right after the selection.

    Returns:
        ``new`` with the selection's leading and trailing whitespace, a doubled full stop ("..",
        not "...") made single, and its closing full stop (or ! or ?) dropped when the draft
        already carries the sentence on after the selection (``after`` starts with punctuation,
        or, when the selection did not end a sentence, with a lower-case word).
    """
    core = _DOTS.sub(".", new.strip())
    if not core:
        return new
    lead = selected[: len(selected) - len(selected.lstrip())]
    trail = selected[len(selected.rstrip()):]
    ends_sentence = bool(_END.search(selected.rstrip()))
    nxt = after.lstrip(" \t")
    m = _END.search(core)
    if m and not ends_sentence and not trail.strip("\t ") and nxt:
        follows = nxt[:1]
        if follows in ".,;:!?…。！？，；：" or follows.islower():
            closers_match = re.search(r"[\"'”’)\]]*$", m.group(0))
            assert closers_match is not None  # the pattern matches any text (possibly empty)
            closers = closers_match.group(0)
            core = core[: m.start()] + closers
    return lead + core + trail


def splice_rewrite(base: str, start: int, end: int, new: str) -> str:
    """The draft ``base`` with ``base[start:end]`` (the selection) replaced by its rewrite ``new``,
    fitted with :func:`fit_rewrite`. Raises ``ValueError`` if ``0 <= start <= end <= len(base)`` fails."""
    if not 0 <= start <= end <= len(base):
        raise ValueError(f"selection {start}..{end} is outside a draft of {len(base)} characters")
    return base[:start] + fit_rewrite(new, base[start:end], base[end:]) + base[end:]
