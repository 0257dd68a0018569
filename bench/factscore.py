"""Fact scores for the benches (#26): the briefs rich in numbers, names and dates, and how a text keeps them.

For one output of one brief:
  * kept      share of the brief's facts (numbers, money, percentages, dates, times, names) whose value the text
              states (any way of writing it: "2,300", "2300", "two thousand three hundred");
  * contra    contradictions left: a number, price or name of the text that the rules of
              studio/text/factcheck.py would correct (the same thing counted differently) and that is not marked;
  * marked    of the facts the text made up, the share marked for the writer: against the hand-labelled list in
              ``LABELS`` (facts not in the brief, read off the saved output of that brief, model and seed) when
              there is one, else against what the checker itself finds (``auto``: 100% by construction, printed
              so that nobody mistakes it for a measurement).

The scores use the same extraction rules as the checker: a fact the rules cannot see (a claim without a number or
a capital letter) is not counted either way. The hand labels are the independent part.
"""

from __future__ import annotations

import json
from pathlib import Path

from studio.text.factcheck import NUMERIC, _checkable, _verdict, dates_agree, matches
from studio.text.facts import FactSheet, extract

LABELS_PATH = Path(__file__).resolve().parent / "fact_labels.json"

PETITION = ("News: Residents of Springfield gathered 2,300 signatures in three weeks to keep the Elm Street library "
            "open. Maria Lopez, who leads the Friends of Elm Street Library, will hand the petition to the city "
            "council on March 14, 2025. The council plans to close the library on June 30 to save $180,000 a year.")
LAMP = ("Lumo 2 desk lamp by Brightway: 1200 lumens, three colour temperatures, USB-C charging, a 10-hour battery. "
        "Launch price $49 until May 5.")
FESTIVAL = ("Announce the Riverside Jazz Festival: Saturday, August 9, 2025, 2 p.m. to 10 p.m. at Riverside Park. "
            "Twelve bands play. Tickets cost $25; children under 12 go free.")
BIKES = ("The city's bike-share scheme recorded 1.2 million trips in 2024, up 18% from 2023. The busiest station, "
         "Central Square, saw 96,000 trips. The council will add 40 stations and 500 bikes by June 2025, at a cost "
         "of $3.5 million. Mayor Ana Ruiz said the scheme had cut short car journeys in the centre.")
NOTICE = ("hi all, the pool at Oakwood Leisure Centre shuts for repairs from 3 March to 21 March. the gym stays "
          "open 6am to 10pm. members get 2 weeks free added to their membership. questions to Sam Patel at the desk.")
ZH_NEWS = ("新闻：阳光社区的居民在三周内收集了二千三百个签名，要求保留榆树街图书馆。组织者李娜将于2025年3月14日"
           "把请愿书交给市议会。市议会计划在6月30日关闭图书馆，每年节省18万元。")


def kinds_of(sheet: FactSheet) -> list:
    """The brief's facts that count for "kept" (quotes aside: a text may paraphrase them)."""
    return [f for f in sheet.facts if f.kind != "quote"]


def _present(g, facts: list, low: str) -> bool:
    if g.kind in NUMERIC:
        return any(f.kind in NUMERIC and matches(f, g) for f in facts)
    if g.kind == "date":
        return any(f.kind == "date" and dates_agree(f.value, g.value) and f.value.count("?") <= g.value.count("?")
                   for f in facts)
    if g.kind == "time":
        return any(f.kind == "time" and f.value == g.value for f in facts)
    return g.value in low


def fact_scores(brief_text: str, text: str, marks: list[dict], labels: list[str] | None) -> dict:
    """The fact scores of ``text`` (the generated part) for a brief whose own text is ``brief_text``."""
    sheet = FactSheet.of(brief_text)
    facts = extract(text)
    low = " ".join(text.lower().split())
    wanted = kinds_of(sheet)
    kept = [g.text for g in wanted if _present(g, facts, low)]
    spans = [(m["start"], m["end"]) for m in marks]
    source_low = " ".join(sheet.source.lower().split())

    def marked(start: int, end: int) -> bool:
        return any(s < end and start < e for s, e in spans)

    contra, invented = [], []
    for f in facts:
        if not _checkable(text, f):
            continue
        verdict, _, reason = _verdict(f, sheet, source_low)
        if verdict == "fix" and not marked(f.start, f.end):
            contra.append(f.text)
        if verdict == "mark":
            invented.append((f.text, f.start, f.end))
    out = {"facts": len(wanted), "kept": len(kept), "missing": [g.text for g in wanted if g.text not in kept],
           "contra": len(contra), "contra_list": contra}
    if labels is not None:
        found = [lab for lab in labels if lab in text]
        hit = [lab for lab in found if marked(text.index(lab), text.index(lab) + len(lab))]
        out.update(found=len(found), marked=len(hit), unmarked=[lab for lab in found if lab not in hit],
                   labelled=True)
    else:
        out.update(found=len(invented), marked=sum(marked(s, e) for _, s, e in invented), labelled=False)
    return out


def load_labels() -> dict:
    return json.loads(LABELS_PATH.read_text(encoding="utf-8")) if LABELS_PATH.exists() else {}


def labels_for(name: str, model: str, seed: int, labels: dict | None = None) -> list[str] | None:
    """The hand-labelled facts not in the brief for this brief, model and seed; None when not labelled."""
    labels = load_labels() if labels is None else labels
    return labels.get(f"{name}|{model}|{seed}")
