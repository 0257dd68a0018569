"""Checking what the model wrote against the writer's facts (:class:`~studio.text.facts.FactSheet`).

:func:`check` runs on each finished reply or article section:

* a number, price, percentage or name that **contradicts** the sheet (a different count of the same thing,
  the one price the brief gives, a name spelt differently) is corrected in place to the writer's value
  when only one value of the sheet can be meant, and a note says so ("Changed 'two million signatures'
  to '2,300 signatures', as in your brief.");
* a number, date, time, name or quotation that is **not in** the sheet is marked for the writer to check
  (:class:`Mark`, with its character span): never deleted or changed. A quotation the writer did not give
  is always marked.

It knows what the rules of :mod:`.facts` find: not what a sentence claims (a wrong "the council approved"
passes), not facts written out without a number or a capital letter, and not Chinese names.
"""

from __future__ import annotations

import dataclasses
import difflib
import re

from ..messages import Message
from .facts import Fact, FactSheet, extract
from .topic import stem, terms

NUMERIC = ("number", "money", "percent")
QUOTES = "\"“”「」『』 ,"
SMALL = 10  # a number up to this that counts nothing, or only a part of the text, is not a fact ("two ways")
# what a small number counts when it is about the text or a how-to, not a claim ("3 steps", "five tips"): stems
GENERIC_COUNTS = frozenset(stem(w) for w in ["ways", "steps", "tips", "things", "reasons", "ideas", "examples", "times", "parts", "sections", "kinds", "types", "options", "questions", "points", "words", "sentences", "paragraphs", "lines", "hands", "eyes", "sides", "stages", "phases", "factors", "benefits", "keys", "lessons", "mistakes", "methods", "rules", "strategies", "tricks", "habits", "signs", "pieces", "items", "areas", "categories", "levels", "minutes", "seconds", "cups", "tablespoons", "teaspoons", "ingredients", "tools"])
# a count of time is a duration or a date said from today ("in two weeks", "2 weeks free"): never changed to the
# brief's other count of time ("three weeks"), only marked
TIME_UNITS = frozenset(stem(w) for w in ["days", "weeks", "months", "years", "hours", "minutes", "seconds", "decades", "nights"])
_LIST_MARK = re.compile(r"(?m)^\s*\d{1,2}[.)]\s")


@dataclasses.dataclass(frozen=True)
class Mark:
    """A fact of the new text that the writer should check: its span in the text, as written, and why."""

    start: int
    end: int
    text: str
    kind: str
    reason: str = "not in your brief"

    def shifted(self, by: int) -> Mark:
        return dataclasses.replace(self, start=self.start + by, end=self.end + by)

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclasses.dataclass
class Checked:
    """The text after :func:`check`: ``changes`` (notes on each correction) and ``marks`` (spans in ``text``)."""

    text: str
    changes: list[str] = dataclasses.field(default_factory=list)
    marks: list[Mark] = dataclasses.field(default_factory=list)


def _same_value(a: float, b: float) -> bool:
    return abs(a - b) <= max(1e-9, 0.005 * max(abs(a), abs(b)))


def matches(f: Fact, g: Fact) -> bool:
    """``f`` (new text) states the same value as ``g`` (the sheet): equal, an end of its range, or inside it."""
    if f.high is not None and g.high is not None:
        return _same_value(f.value, g.value) and _same_value(f.high, g.high)
    if g.high is not None:
        return g.value - 1e-9 <= f.value <= g.high + 1e-9
    if f.high is not None:
        return _same_value(f.value, g.value) or _same_value(f.high, g.value)
    return _same_value(f.value, g.value) or (f.kind != g.kind and _same_value(f.value * 100, g.value))


def _same_thing(f: Fact, g: Fact) -> bool:
    if f.kind != g.kind:
        return False
    if f.kind == "number":
        return bool(f.unit) and f.unit == g.unit
    return f.unit == g.unit


def dates_agree(a: str, b: str) -> bool:
    """Whether two dates ("2025-3-14", "?-6-30", "2026-?-?", "weekday:friday") can be the same day: the parts
    both give are equal, and they share at least one ("2026" does not agree with "June 30")."""
    if a.startswith("weekday:") or b.startswith("weekday:"):
        return a == b
    pairs = [(x, y) for x, y in zip(a.split("-"), b.split("-"), strict=False) if x != "?" and y != "?"]
    return bool(pairs) and all(x == y for x, y in pairs)


def _name_known(f: Fact, sheet: FactSheet, source_low: str) -> bool:
    low = f.value
    if low in source_low:
        return True
    names = [g.value for g in sheet.of_kind("name")]
    if any(low in n or n in low for n in names):
        return True
    return all(w in source_low for w in re.findall(r"\w+", low))  # "Elm Street Library": its words are the brief's


def _misspelt(f: Fact, sheet: FactSheet) -> Fact | None:
    """The one name of the sheet that ``f`` is a misspelling of (as many words, 80% alike), or None."""
    words = f.value.split()
    pool = {g.value: g for g in sheet.of_kind("name") if len(g.value.split()) == len(words)}
    for g in sheet.of_kind("name"):  # single words of longer names: "Lopes" for "Lopez"
        for w in g.text.split():
            if len(words) == 1 and len(w) >= 4:
                pool.setdefault(w.lower(), Fact("name", w, g.start, g.start + len(w), w.lower()))
    near = [g for v, g in pool.items() if v != f.value and difflib.SequenceMatcher(None, v, f.value).ratio() >= 0.8
            and v[:1] == f.value[:1]]
    return near[0] if len(near) == 1 else None


def _verdict(f: Fact, sheet: FactSheet, source_low: str) -> tuple[str, Fact | None, str]:
    """("ok" | "fix" | "mark" | "skip", the sheet's fact for a fix, the reason for a mark)."""
    if f.kind in NUMERIC:
        same_kind = [g for g in sheet.facts if g.kind in NUMERIC]
        same_value = [g for g in same_kind if matches(f, g)]
        if any(not f.unit or not g.unit or f.unit == g.unit for g in same_value):
            return "ok", None, ""
        alike = [g for g in same_kind if _same_thing(f, g)]
        if f.kind == "number" and not alike and f.value <= SMALL and float(f.value).is_integer() and f.high is None \
                and (f.value <= 1 or not f.unit or f.unit in GENERIC_COUNTS):
            return "skip", None, ""  # "two ways", "3 steps", "one of them"; "three councillors" is a claim
        if same_value:  # "1.2 million miles" where the brief has "1.2 million trips"
            return "mark", None, Message("the brief gives this number for something else ({user_f})",
                                         user_f=", ".join(sorted({f"{g.text}{g.counted}" for g in same_value})))
        values = {(g.value, g.high) for g in alike}
        if len(values) == 1 and (f.kind != "number" or f.high is None) and f.unit not in TIME_UNITS:
            return "fix", alike[0], ""
        if alike:
            return "mark", None, Message("differs from your brief ({user_f})",
                                         user_f=", ".join(sorted({f"{g.text}{g.counted}" for g in alike})))
        return "mark", None, "not in your brief"
    if f.kind == "date":
        if any(dates_agree(f.value, g.value) for g in sheet.of_kind("date")):
            return "ok", None, ""
        return "mark", None, "not in your brief"
    if f.kind == "time":
        return ("ok", None, "") if any(g.value == f.value for g in sheet.of_kind("time")) else \
            ("mark", None, "not in your brief")
    if f.kind == "name":
        if _name_known(f, sheet, source_low):
            return "ok", None, ""
        wrong = _misspelt(f, sheet)
        return ("fix", wrong, "") if wrong else ("mark", None, "a name not in your brief")
    if f.kind == "quote":
        inner = f.value
        if inner and (inner in " ".join(re.findall(r"\w+", source_low)) or any(
                difflib.SequenceMatcher(None, inner, g.value).ratio() >= 0.9 for g in sheet.of_kind("quote"))):
            return "ok", None, ""
        return "mark", None, ("a quotation attributed to someone, not in your brief" if f.counted
                              else "a quotation not in your brief")
    return "skip", None, ""


def _checkable(text: str, f: Fact) -> bool:
    """Not a list number ("1. "), nor a name in a heading line (headings are Title Case)."""
    line_start = text.rfind("\n", 0, f.start) + 1
    line = text[line_start:text.find("\n", f.start) if "\n" in text[f.start:] else len(text)]
    if f.kind in NUMERIC and _LIST_MARK.match(text, line_start) and f.start - line_start <= 4 and \
            text[f.end:f.end + 1] in ".)":
        return False
    return not (f.kind == "name" and line.lstrip().startswith("#"))


def check(text: str, sheet: FactSheet) -> Checked:
    """``text`` with its contradictions of ``sheet`` corrected, and its facts that are not in it marked."""
    source_low = " ".join(sheet.source.lower().split())
    fixes: list[tuple[Fact, Fact]] = []
    for f in extract(text):
        if _checkable(text, f):
            verdict, right, _ = _verdict(f, sheet, source_low)
            if verdict == "fix" and right is not None:
                fixes.append((f, right))
    changes: list[str] = []
    out = text
    for f, right in sorted(fixes, key=lambda p: -p[0].start):
        new = right.text
        out = out[:f.start] + new + out[f.end:]
        shown_old = (f.text + f.counted).strip() if f.kind == "number" else f.text
        shown_new = (new + f.counted).strip() if f.kind == "number" else new
        changes.insert(0, Message("Changed '{a}' to '{b}', as in your brief.", a=shown_old, b=shown_new))
    marks = []
    for f in extract(out):
        if _checkable(out, f):
            verdict, _, reason = _verdict(f, sheet, source_low)
            if verdict == "mark":
                shown = (f.text + f.counted).rstrip() if f.kind == "number" and f.counted.strip() else f.text
                marks.append(Mark(f.start, f.start + len(shown), shown, f.kind, reason))
    return Checked(out, changes, marks)


def marks_note(marks: list[Mark], limit: int = 8) -> str:
    """One note listing the marked facts with their spans, e.g. 'Check 2 facts that are not in your brief
    (marked beside the draft, with where they are): "76 volunteers" (120–132), "Mayor Ann Lee" (300–313).'"""
    n = len(marks)
    shown = ", ".join(f"\"{m.text.strip(QUOTES)}\" ({m.start}–{m.end})" for m in marks[:limit])
    if n > limit:
        return Message("Check {num_n} facts that are not in your brief (marked beside the draft, with where they "
                       "are): {user_f} and {num_m} more.", num_n=n, user_f=shown, num_m=n - limit)
    if n != 1:
        return Message("Check {num_n} facts that are not in your brief (marked beside the draft, with where they "
                       "are): {user_f}.", num_n=n, user_f=shown)
    return Message("Check {num_n} fact that is not in your brief (marked beside the draft, with where they are): "
                   "{user_f}.", num_n=n, user_f=shown)



def check_request_text(req, text: str, offset: int = 0) -> Checked:
    """:func:`check` of ``text`` (new text of request ``req``) against the facts of the request's own text
    (topic or draft, keywords, audience, outline, the writer's plan), its marks shifted by ``offset`` (where ``text`` starts in
    what the writer sees). Nothing is checked when ``req.check_facts`` is off or the task is an outline."""
    if not getattr(req, "check_facts", True) or req.task == "outline" or not text.strip():
        return Checked(text)
    checked = check(text, FactSheet.of(req.prompt, req.keywords, req.audience, req.outline,
                                       *(getattr(req, "plan", None) or [])))
    checked.marks = [m.shifted(offset) for m in checked.marks]
    return checked


# ---------------------------------------------------------------------- the brief's facts the text left out
# a sentence ends at . ! ? before a capital or a digit, or after a word of 3 letters or more before a lower-case
# letter (a notice typed in lower case: "to 21 March. the gym stays open"), never inside "p.m. at"
_SENTENCE = re.compile(r"[^\n]+?(?:(?<=[.!?])(?=\s+[\"“'‘(]?[A-Z0-9])|(?<=[A-Za-z0-9]{3}[.!?])(?=\s+[a-z])|[。！？]|\n|$)")
_GREETING = re.compile(r"(?i)^(?:hi|hello|hey|dear)\b[^,.!?]{0,30},\s*")


def _stated(g: Fact, facts: list[Fact], low: str) -> bool:
    """Whether a text whose facts are ``facts`` (``low``: its words, lower case) states the sheet's fact ``g``;
    a name counts as stated by its last word ("Lopez" for "Maria Lopez")."""
    if g.kind in NUMERIC:
        return any(f.kind in NUMERIC and matches(f, g) for f in facts)
    if g.kind == "date":
        return any(f.kind == "date" and dates_agree(f.value, g.value) and f.value.count("?") <= g.value.count("?")
                   for f in facts)
    if g.kind == "time":
        return any(f.kind == "time" and f.value == g.value for f in facts)
    last = g.value.split()[-1] if g.value.split() else ""
    return g.value in low or (len(last) >= 3 and re.search(rf"\b{re.escape(last)}\b", low) is not None)


def missing_facts(text: str, brief: str) -> list[Fact]:
    """The facts of ``brief`` (quotations aside: a text may say them in its own words) that ``text`` does not
    state in any form ("2300" states "2,300"; "May 12" states "12 May"), in the brief's order."""
    facts, low = extract(text), " ".join(text.lower().split())
    return [g for g in FactSheet.of(brief).facts if g.kind != "quote" and not _stated(g, facts, low)]


def add_missing_facts(text: str, brief: str, limit: int = 3, inserts: list | None = None) -> tuple[str, list[str], list[str]]:
    """``text`` with the brief's own sentences that hold the facts it left out (at most ``limit`` sentences; a
    label before a colon, "News:", is left out of a sentence), each put where it fits (:func:`_place`): at the
    end of the paragraph that talks most about the same thing. Returns ``(text, the sentences added, the facts
    they hold)``; ``text`` unchanged when nothing is missing. ``inserts`` gets ``(position, length)`` of each
    insertion, so that marks after it can be moved (:func:`shift_marks`)."""
    missing = missing_facts(text, brief)
    spans = [(m.start(), m.end()) for m in _SENTENCE.finditer(brief) if m.group(0).strip()]
    added: list[str] = []
    covered: list[str] = []
    for g in missing:
        s, e = next(((s, e) for s, e in spans if s <= g.start < e), (None, None))
        if s is None:
            continue
        colon = brief.rfind(": ", s, g.start)
        sentence = _GREETING.sub("", " ".join(brief[colon + 2 if colon >= 0 else s:e].split()))
        sentence = sentence[:1].upper() + sentence[1:]
        if sentence in added or len(added) < limit:
            covered.append(g.text)
            if sentence not in added:
                added.append(sentence)
    for sentence in added:
        text = _place(text, sentence, inserts if inserts is not None else [])
    return text, added, covered


def _blocks(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of the prose paragraphs of Markdown ``text`` a sentence can close: not a heading or a
    list, ending with a whole sentence."""
    out = []
    for m in re.finditer(r"(?:[^\n]+\n?)+", text):
        block = m.group(0).rstrip()
        last = block.rsplit("\n", 1)[-1].lstrip()
        if re.match(r"(?:#{1,6}|[-*•>]|\d{1,2}[.)])\s", last) or not re.search(r"[.!?。！？\"”')）]$", block):
            continue
        out.append((m.start(), m.start() + len(block)))
    return out


def _place(text: str, sentence: str, inserts: list) -> str:
    """``text`` with ``sentence`` at the end of the paragraph that shares most of its words (rarer words count
    more; on a tie, or when none is shared, the earliest), or at the end when ``text`` has no such paragraph."""
    blocks = _blocks(text)
    cjk = bool(re.search(r"[\u4e00-\u9fff]", sentence[:1]))
    if not blocks:
        out = text.rstrip() + ("\n\n" if text.strip() else "") + sentence + "\n"
        inserts.append((len(text.rstrip()), len(out) - len(text)))
        return out
    want = terms(sentence)
    have = [terms(text[s:e]) for s, e in blocks]
    share = {t: sum(t in h for h in have) for t in want}
    scores = [sum(1 / share[t] for t in want & h) for h in have]
    _, end = blocks[max(range(len(blocks)), key=lambda i: (scores[i], -i))]
    piece = ("" if cjk or text[end - 1:end] in "。！？" else " ") + sentence
    inserts.append((end, len(piece)))
    return text[:end] + piece + text[end:]


def shift_marks(marks: list[Mark], inserts: list[tuple[int, int]]) -> list[Mark]:
    """``marks`` moved past the text inserted at each ``(position, length)`` (in the order inserted)."""
    out = list(marks)
    for pos, n in inserts:
        out = [m.shifted(n) if m.start >= pos else m for m in out]
    return out


def missing_facts_note(added: list[str], covered: list[str]) -> str:
    """The note on :func:`add_missing_facts` for the writer."""
    return Message("The text left out {user_f} of your brief, so your own words for them were added where they fit: "
                   "\"{user_s}\" Work them into the text as you like.", user_f=", ".join(covered),
                   user_s=" ".join(added))


KEEP_FACTS_TASKS = ("article", "rewrite", "product_description")  # a summary may leave details out


def keep_request_facts(req, text: str, marks: list[Mark] | None = None) -> tuple[str, list[str], list[Mark]]:
    """:func:`add_missing_facts` for request ``req`` (its brief or draft is ``req.prompt``): ``(text, notes,
    marks)``, ``marks`` (spans in ``text``) moved past what was added. Nothing is added when ``req.check_facts``
    is off or the task is not one of :data:`KEEP_FACTS_TASKS`."""
    marks = list(marks or [])
    if not getattr(req, "check_facts", True) or req.task not in KEEP_FACTS_TASKS or not text.strip():
        return text, [], marks
    inserts: list[tuple[int, int]] = []
    text, added, covered = add_missing_facts(text, req.prompt, inserts=inserts)
    return text, [missing_facts_note(added, covered)] if added else [], shift_marks(marks, inserts)
