"""Clean-up of what a small model wrote: drop its chatter, keep the writing.

Small instruct models wrap their text in remarks to the user ("Here's the
revised version of your introduction:", "I hope this helps!", "Sure!",
"As an AI…", "I'll take it from here.") and notes about their own edits. This
module removes such lines from the *generated* text only, and conservatively:

* a line is dropped only when it matches one of the patterns below as a whole
  remark (most patterns are anchored at the line's start);
* a framing prefix ("Here's a headline: …", "Sure! …") is cut from a line that
  carries real text after it, keeping that text;
* a line that also appears in ``protect`` (the writer's draft or topic) is
  never touched, so text the writer typed, or that the model quotes from it,
  stays byte for byte. The engine never passes the writer's draft through
  :func:`clean` at all (``continue`` keeps it apart).

Nothing else is rewritten: no paragraph is dropped for being off topic (the
engine writes such a section again instead, see ``engine.py``).
"""

from __future__ import annotations

import dataclasses
import re

_I = re.IGNORECASE
_TEXT_NOUNS = (r"(?:revised|rewritten|updated|improved|edited|polished|sample|draft|version|headlines?|headline ideas|"
               r"article|product description|description|ad copy|advert\w*|copy|outline|summary|continuation|"
               r"rewrite|prompts?|introduction|text|paragraph|suggestions?)")

# Whole lines that are remarks to the user or about the text itself.
_LINE = [re.compile(p, _I) for p in (
    r"^(?:sure|certainly|of course|absolutely|okay|ok|got it|great question)\s*[!.,:]*\s*$",
    r"^(?:sure|certainly|of course|absolutely)[!,.]\s+(?:here(?:'s|’s| is| are)|i'?ll|i can|i will|let me)\b"
    r"[^.!?]*(?:[:.!]\s*)?$",
    r"^here(?:'s|’s| is| are)\b.{0,100}?\b" + _TEXT_NOUNS + r"\b[^.!?:]*[:.!]?\s*$",
    r"^(?:i )?hope (?:this|that|it) (?:helps|is helpful|was helpful|is useful|meets|works|gives you)\b.*$",
    r"^i hope you (?:enjoy|like|find|found|enjoyed|liked) (?:this|my|it|these)\s*(?:article|post|text|piece|"
    r"description|rewrite|version|headlines?|ideas|suggestions?|helpful|useful)?[!.]*\s*$",
    r"^(?:please )?(?:let me know|feel free to (?:ask|reach out|let me know|contact me))\b.*$",
    r"^(?:as an ai|i am an ai|i'm an ai)\b.*$",
    r"^.{0,40}\bas an ai(?: language model)?\b.*$",
    r"^i(?:'ll| will) (?:take it from here|continue|write|provide|help|be happy|revise|now)\b.*$",
    r"^i(?:'ve| have) (?:revised|rewritten|rewrote|made|added|kept|included|written|edited|updated|changed|"
    r"adjusted|aimed|tried to|created|expanded|shortened|removed|replaced|kept)\b.*$",
    r"^i(?:'d| would) (?:love|be happy|be glad) to\b.*$",
    # notes on its own edits: "I made several changes to enhance clarity…", "I rephrased certain sections…"
    r"^i (?:made|revised|rewrote|added|changed|edited|used|rephrased|kept|removed|replaced|adjusted|tried|corrected|"
    r"improved|updated|expanded|shortened|simplified|aimed)\b.{0,80}\b(?:changes?|edits?|revisions?|clarity|grammar|"
    r"flow|readability|tone|sentences?|paragraphs?|sections?|(?:the|this|your) text|version|wording|phrases?|"
    r"transitions?|transitional|punctuation|quotation marks|structure)\b.*$",
    r"^(?:thanks|thank you) for\b.*$",
    r"^(?:awesome|great|nice|wonderful|excellent|amazing|good) (?:article|post|text|work|job|piece|writing|"
    r"question|request)\b.*$",
    r"^(?:the following|below) (?:is|are)\b.*$",
    r"^(?:in )?this (?:revised|rewritten|updated|edited|improved|polished|new|formal|shorter) "
    r"(?:version|text|draft|rewrite)\b.*$",
    r"^(?:your|the|this) (?:article|text|introduction|draft|essay|paragraph|writing|piece|sentence|passage|post|"
    r"section|version|rewrite|summary|headline)\b.{0,80}\b(?:effectively|conveys|captures|is (?:well|clear|engaging|"
    r"great|good))\b.*$",
    r"^(?:this|the) (?:text|article|passage|version|summary|rewrite)\b.{0,120}\b(?:has been (?:made|edited|"
    r"rewritten|revised|shortened|condensed)|more concise|while (?:maintaining|keeping))\b.*$",
    r"^(?:notes?|explanations?|changes(?: made)?|revisions?|edits)\s*:?\s*$",
    # a bare label over the reply ("Summary:", "Rewritten text:"); "Headline: Find your calm" is text
    r"^(?:summary|rewritten text|rewritten version|rewrite|continuation|ad copy|advertisement|product description|"
    r"headline ideas|formal version|casual version)\s*:\s*$",
    # comments on the reply itself: "The above advertisement uses a persuasive tone…"
    r"^(?:the )?above (?:advertisement|ad|ad copy|copy|text|article|description|summary|rewrite|headlines?|version|"
    r"paragraph|post)\b.*$",
    r"^(?:this|the) (?:advertisement|ad copy|product description|summary|rewrite|rewritten text) (?:uses|is written|"
    r"was written|follows|aims|tells the|employs|adopts|highlights|includes)\b.*$",
    # advice to the writer about the reply: "Including bold headlines makes it easy for readers to scan…",
    # 'You could use "First Class Free" instead of "free."'
    r"^(?:using|including|adding) (?:bold|short|clear|a|the)\b.{0,60}\b(?:headlines?|tone|call to action|"
    r"formatting|bullet points)\b.{0,80}\breaders?\b.*$",
    r"^you (?:could|can|might|may) (?:also )?(?:use|add|try|write|say) [\"“'‘].+[\"”'’] instead of\b.*$",
    r"^(?:word count|words?)\s*:\s*\d+\W*$",
    r"^\(?\s*(?:approx\.?|about|around|word count:?)?\s*\d+\s+words\s*\)?\.?$",
    r"^(?:end of (?:article|text|description)|the end)\W*$",
    # a signature of the model's own: "Text completed by the AI." (seen at the end of a Continue)
    r"^(?:\(?\s*)?(?:this )?(?:text|article|story|continuation|post|content) (?:was )?(?:completed|written|generated|"
    r"continued|produced) by (?:the |an )?(?:ai|assistant|language model|model)\b.*$",
    # a closing addressed to the writer: "I'm ready to assist you now. Please go ahead and share your article…"
    r"^i(?:'m| am) (?:ready|here|happy|glad|available) to (?:assist|help)\b.*$",
    r"^please (?:go ahead and )?(?:share|provide|send|paste|give me)\b.{0,80}\b(?:article|text|content|draft|"
    r"details|topic|information)\b.*$",
    r"^(?:```|~~~)\w*$",
)]
# A framing prefix before real text on the same line: "Here's a headline: Bake Your Way…".
_PREFIX = [re.compile(p, _I) for p in (
    r"^(?:sure|certainly|of course|absolutely)!\s+",
    r"^here(?:'s|’s| is| are)\b[^:\n]{0,100}?\b" + _TEXT_NOUNS + r"\b[^:\n]*:\s+(?=\S)",
)]
# Whole sentences of chatter inside a longer line (only unmistakable ones).
_SENTENCE = re.compile(
    r"(?:^|(?<=[.!?]\s))(?:i hope (?:this|that) helps|let me know if[^.!?]*|i'?ll take it from here|"
    r"as an ai(?: language model)?,? [^.!?]*|(?:awesome|great) (?:article|post)!?(?: i'?d love to[^.!?]*)?)"
    r"[.!?]*\s*", _I)


@dataclasses.dataclass
class Cleaned:
    """The cleaned text and the lines (or parts of lines) that were removed, in order."""

    text: str
    removed: list[str]


def _norm(line: str) -> str:
    return " ".join(line.split()).strip()


def _markup(line: str) -> str:
    """The line without list markers, Markdown emphasis and quotes, for matching only."""
    s = re.sub(r"^\s*(?:[-*•>]+|\d{1,2}[.)])\s*", "", line)
    s = s.replace("**", "").replace("__", "").strip().strip("\"'“”‘’").strip()
    return _norm(s)


def is_chatter(line: str) -> bool:
    """True if the whole ``line`` is a remark to the user or about the text (see the module docstring)."""
    s = _markup(line)
    return bool(s) and any(p.match(s) for p in _LINE)


def clean(text: str, protect: str = "") -> Cleaned:
    """``text`` (generated) without chatter lines, framing prefixes and chatter sentences.

    Args:
        text: what the model wrote (never the writer's draft).
        protect: the writer's text (draft, topic); a line found in it is kept as it is.

    Returns:
        :class:`Cleaned`; runs of blank lines left by removed lines are squeezed to one, and the
        text is stripped of blank lines at both ends. Text with nothing to remove comes back unchanged
        except for that trimming.
    """
    mine = {_norm(ln) for ln in (protect or "").splitlines() if ln.strip()}
    out: list[str] = []
    removed: list[str] = []

    def drop(m: re.Match) -> str:
        removed.append(m.group(0).strip())
        return ""

    for line in (text or "").split("\n"):
        if not line.strip() or _norm(line) in mine:
            out.append(line)
            continue
        if is_chatter(line):
            removed.append(line.strip())
            continue
        new = line
        lead_match = re.match(r"^(\s*(?:[-*•]|\d{1,2}[.)])?\s*(?:\*\*)?)", new)
        assert lead_match is not None  # every part of the pattern is optional: it matches any line
        lead = lead_match.group(1)
        body = new[len(lead):]
        for p in _PREFIX:
            m = p.match(body)
            if m:
                removed.append(m.group(0).strip())
                body = body[m.end():]
        new = lead + body
        kept = _SENTENCE.sub(drop, new)
        if kept != new and kept.strip():
            new = kept.rstrip()
        elif kept != new:  # the whole line was chatter sentences
            continue
        out.append(new)
    squeezed: list[str] = []
    for line in out:
        if not line.strip() and squeezed and not squeezed[-1].strip():
            continue
        squeezed.append(line)
    while squeezed and not squeezed[0].strip():
        squeezed.pop(0)
    while squeezed and not squeezed[-1].strip():
        squeezed.pop()
    return Cleaned("\n".join(squeezed), removed)
