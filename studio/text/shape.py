"""The shape an editor expects of an article: its kind (news, how-to, opinion, review, list), the parts
of that kind in order, and checks on each heading the model plans.

:func:`article_kind` reads the kind from the topic (and tone); :func:`kind_outline` gives its parts
("What happened", "Who said what", "Background", "What happens next" for news), used to ask the model
for headings and to fill a plan that has too few. :func:`heading_problem` refuses a heading that is the
model talking ("Here is the list of sections"), has brackets or a remark in them, gives a date or number
the brief did not, or puts "Introduction" or "Conclusion" anywhere but first or last.
:func:`person_rule` says who speaks: nobody says "I" in a neutral or formal how-to or news piece.
"""

from __future__ import annotations

import re

from ..messages import Message
from .cleanup import is_chatter
from .factcheck import NUMERIC, dates_agree, matches
from .facts import FactSheet, extract

KINDS = ("news", "how-to", "opinion", "review", "list", "general")

_KIND_RULES = [
    ("how-to", re.compile(r"\b(?:how to|how do|guide|step[- ]by[- ]step|tutorial|beginner'?s?|tips for|diy)\b|"
                          r"如何|怎么|怎样|指南|教程|入门", re.IGNORECASE)),
    ("review", re.compile(r"\b(?:review|reviewed|tested|hands[- ]on|verdict)\b|评测|测评|点评", re.IGNORECASE)),
    ("list", re.compile(r"^\s*(?:top\s+)?\d{1,2}\s+\w+|\b(?:top \d+|best \w+ (?:for|of)|ways to|reasons (?:to|why))\b|"
                        r"大理由|个方法", re.IGNORECASE)),
    ("opinion", re.compile(r"\b(?:why (?:we|you|i) (?:should|must|need)|should we|opinion|in defen[cs]e of|the case "
                           r"(?:for|against)|i think|we must)\b|观点|评论|为什么我们应该", re.IGNORECASE)),
    ("news", re.compile(r"\b(?:announce[sd]?|petition|council|launch(?:es|ed)?|opens?|opened|closes?|closed|said|"
                        r"says|according to|reported|signatures?|residents|mayor|police|minister|company|record|"
                        r"raised|election|will hold|event|festival|press release)\b|宣布|请愿|市政|居民|发布|举行|新闻",
                        re.IGNORECASE)),
]

KIND_PARTS = {
    "news": ["What happened", "Who said what", "Background", "What happens next"],
    "how-to": ["Why it matters", "What you need", "Step by step", "Mistakes to avoid", "Wrapping up"],
    "opinion": ["The argument", "The evidence", "The other side", "Where this leaves us"],
    "review": ["First impressions", "What works", "What falls short", "Who it is for", "The verdict"],
    "list": ["Why this list", "The picks", "How to choose", "The bottom line"],
}
KIND_PARTS_ZH = {
    "news": ["事件经过", "各方说法", "背景", "后续安排"],
    "how-to": ["为什么重要", "准备什么", "具体步骤", "常见误区", "小结"],
    "opinion": ["观点", "论据", "另一种看法", "结论"],
    "review": ["第一印象", "优点", "不足", "适合谁", "结论"],
    "list": ["为什么列这份清单", "清单", "如何选择", "总结"],
}
PART_HINT = {
    "news": "a news piece: the lede (who, what, when, where) first, then what happened, who said what, the "
            "background, and what happens next",
    "how-to": "a how-to: why it matters, what you need, the steps, mistakes to avoid, and a short wrap-up",
    "opinion": "an opinion piece: the argument, the evidence, the other side, and where this leaves us",
    "review": "a review: first impressions, what works, what falls short, who it is for, and the verdict",
    "list": "a list article: a short reason for the list, the items one by one, how to choose, and a close",
}


def article_kind(topic: str, tone: str = "neutral") -> str:
    """The kind of article ``topic`` asks for (one of :data:`KINDS`); "opinion" also for a persuasive tone."""
    head = " ".join((topic or "").split())[:400]
    for kind, rx in _KIND_RULES:
        if rx.search(head):
            return kind
    return "opinion" if tone == "persuasive" else "general"


def kind_outline(kind: str, sections: int, lang: str | None = None) -> list[str]:
    """The parts of ``kind`` as ``sections`` headings: the first and last parts stay, middle ones are dropped
    or (for more sections) none is invented; [] for "general"."""
    parts = (KIND_PARTS_ZH if lang == "zh" else KIND_PARTS).get(kind, [])
    if not parts or sections <= 0:
        return []
    if sections >= len(parts):
        return list(parts)
    if sections == 1:
        return parts[:1]
    return parts[: sections - 1] + parts[-1:]


_BRACKETS = re.compile(r"[\[\](){}<>]|【|】|（|）")
_META = re.compile(r"\b(?:here (?:is|are)|list of|sections?|headers?|headings?|subheadings?|outline|title|paragraph|"
                   r"this (?:article|piece|post)|brief sentence|word count|words\b|respective|placeholder|as an ai|"
                   r"i will|i'll|i am|i'm|let me|sure)\b", re.IGNORECASE)
_OPENERS = re.compile(r"^(?:introduction|intro|overview|引言|概述)\b", re.IGNORECASE)
_CLOSERS = re.compile(r"^(?:conclusion|conclusions|summary|final thoughts|in conclusion|wrapping up|wrap-up|"
                      r"the verdict|结语|总结|结论)\b", re.IGNORECASE)


def heading_problem(heading: str, sheet: FactSheet, index: int, count: int) -> str | None:
    """Why a planned heading cannot stand (None when it can): the model talking, brackets, a date or number
    not in the brief (``sheet``), an opener not first or a closer not last."""
    h = heading.strip()
    if not h or is_chatter(h) or _META.search(h):
        return "is the model talking, not a heading"
    if _BRACKETS.search(h) or h.endswith(":") or len(h.split()) > 12 or h.startswith("#"):
        return "has brackets or a remark"
    for f in extract(h):
        if f.kind in NUMERIC and not any(matches(f, g) for g in sheet.facts if g.kind in NUMERIC):
            return "gives a number the brief does not"
        if f.kind in ("date", "time") and not any(dates_agree(f.value, g.value) if f.kind == "date"
                                                  else f.value == g.value for g in sheet.of_kind(f.kind)):
            return "gives a date the brief does not"
    if _OPENERS.match(h) and index != 0:
        return "puts an introduction out of place"
    if _CLOSERS.match(h) and index != count - 1:
        return "puts a conclusion out of place"
    return None


def person_rule(kind: str, tone: str) -> str:
    """The prompt's line on who speaks: no "I" in a neutral or formal how-to or news piece; "" otherwise."""
    if kind in ("news", "how-to", "review", "list") and tone in ("neutral", "formal"):
        return (" Write in the third person (a how-to may address the reader as 'you'); never write 'I', 'me', "
                "'my' or 'we', and never talk about yourself.")
    return ""


def planned_outline(raw_headings: list[str], sheet: FactSheet, kind: str, sections: int,
                    fallback: list[str]) -> tuple[list[str], list[str]]:
    """``sections`` headings: the model's where they pass :func:`heading_problem` at their place, else the
    kind's part for that place (or a ``fallback`` heading). Returns ``(outline, headings left out)``."""
    parts = kind_outline(kind, sections)
    if len(parts) < sections:  # more sections than the kind has parts: generic ones in the middle
        middle = [h for h in fallback[1:-1] if h not in parts]
        parts = parts[:-1] + middle[: sections - len(parts)] + parts[-1:] if parts else fallback
    out: list[str] = []
    dropped: list[str] = []
    for i in range(sections):
        used = {h.lower() for h in out}
        h = raw_headings[i] if i < len(raw_headings) else None
        if h is not None and h.lower() not in used and heading_problem(h, sheet, i, sections) is None:
            out.append(h)
            continue
        if h is not None:
            dropped.append(h)
        pool = ([parts[i]] if i < len(parts) else []) + list(parts) + list(fallback)
        fill = next((p for p in pool if p.lower() not in used and heading_problem(p, sheet, i, sections) is None),
                    None)
        if fill:
            out.append(fill)
    return out, dropped


_QUOTED = re.compile(r"\"[^\"\n]*\"|“[^”\n]*”|「[^」\n]*」")
_FIRST_PERSON = re.compile(r"\bI(?:'m|’m|'ve|’ve|'d|’d|'ll|’ll)?\b|\b(?i:me|my|mine|myself)\b")
_ROMAN_I = re.compile(r"\b(?:War|Part|Phase|Chapter|Volume|Act|Book|Stage|Level|Type|Class|Section|Henry|Elizabeth|"
                      r"Charles|James|George|William|Mary|Louis|Peter)\s+$")
_HEDGE = re.compile(r"^(?:I (?:think|believe|feel|guess|would say|must say|have to say|find)(?: that)?|In my (?:opinion|"
                    r"view|experience)|Personally|To me|For me),?\s+(?=\w)", re.IGNORECASE)
_WE_CHATTER = re.compile(r"^(?:we(?:'re|’re| are)|we(?:'ve|’ve| have) been)\s+(?:so\s+|very\s+|really\s+)?(?:thrilled|"
                         r"excited|happy|pleased|delighted|glad|proud|honou?red)\b", re.IGNORECASE)
_SENTENCES = re.compile(r"(?<=[.!?…])\s+")
NEUTRAL_TASKS = ("article", "summarize", "product_description", "rewrite")


def speaks_as_i(text: str) -> bool:
    """Whether ``text`` says "I", "me" or "my" outside quotations (not the Roman "I" of "World War I")."""
    plain = _QUOTED.sub(lambda m: " " * len(m.group(0)), text)
    return any(not (m.group(0) == "I" and _ROMAN_I.search(plain[max(0, m.start() - 12):m.start()]))
               for m in _FIRST_PERSON.finditer(plain))


def neutral_voice(task: str, kind: str, tone: str, writer_text: str) -> bool:
    """Whether a reply should not say "I": a neutral or formal article (not an opinion piece), summary, product
    description or rewrite, when the writer's own text does not say "I" either."""
    return tone in ("neutral", "formal") and task in NEUTRAL_TASKS and not (task == "article" and kind == "opinion") \
        and not speaks_as_i(writer_text)


def drop_first_person(text: str) -> tuple[str, list[str]]:
    """``text`` without the model talking about itself in a neutral piece: a hedge ("I think", "In my view,")
    is cut from its sentence, another sentence that says "I", "me" or "my" outside a quotation, or that opens
    "We're thrilled…", is left out. Headings stay; a text that would be left empty comes back unchanged.
    Returns ``(text, sentences left out)``."""
    dropped: list[str] = []
    out: list[str] = []
    for line in text.split("\n"):
        if not line.strip() or line.lstrip().startswith("#"):
            out.append(line)
            continue
        bullet = re.match(r"^\s*(?:[-*•>]|\d{1,2}[.)])?\s*", line)  # always matches (all of it is optional)
        lead = bullet.group(0) if bullet else ""
        kept = []
        for sent in _SENTENCES.split(line[len(lead):]):
            hedge = _HEDGE.match(sent)
            if hedge and not speaks_as_i(sent[hedge.end():]):
                sent = sent[hedge.end()][:1].upper() + sent[hedge.end() + 1:]
            if speaks_as_i(sent) or _WE_CHATTER.match(sent):
                dropped.append(sent.strip())
                continue
            kept.append(sent)
        if kept:
            out.append(lead + " ".join(kept))
    result = re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip("\n")
    if not dropped or not re.search(r"\w", re.sub(r"(?m)^\s*#.*$", "", result)):
        return text, []
    return result, dropped


def first_person_note(dropped: list[str]) -> str:
    """The note on :func:`drop_first_person` for the writer."""
    first = dropped[0] if len(dropped[0]) <= 60 else dropped[0][:57] + "…"
    if len(dropped) == 1:
        return Message("Left out {num_n} sentence where the model talked about itself in a neutral piece (\"{h}\").",
                       num_n=1, h=first)
    return Message("Left out {num_n} sentences where the model talked about itself in a neutral piece (such as "
                   "\"{h}\").", num_n=len(dropped), h=first)
