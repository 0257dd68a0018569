"""Blind comparison (#26): the same briefs through Studio and through one raw llama.cpp call on the same model.

Each brief is written twice with the same seed: by Studio's TextEngine (plan, checks, fact check...) and by one
plain chat call to the same backend ("Write ... about: <brief>"). The two texts are saved as A and B in a shuffled
order (the key in key.json), for an editor to read blind, and scored by an editor-like rubric the bench can compute,
each score a "goodness" from 0 to 1 (higher is better):

  kept        share of the brief's facts the text states (bench/factscore.py)
  no_contra   1 / (1 + contradictions of the brief left, neither corrected nor marked)
  no_invent   1 / (1 + facts not in the brief left unmarked: numbers, dates, names, quotations)
  headings    share of ## headings that pass Studio's heading checks (articles; 1 when there are none to judge)
  no_loops    1 - share of repeated sentences
  whole       1 when the text ends with a whole sentence
  no_chatter  1 / (1 + lines addressed to the writer)
  no_I        1 / (1 + "I"/"my" in a neutral news piece, how-to or summary)
  length      1 - |words / asked - 1| (at least 0)

It prints each score for Studio and raw and Studio ÷ raw (above 1: Studio better). The rubric uses the bench's
own chatter patterns and the checker's extraction rules, so it cannot see everything an editor sees.

    PYTHONPATH=. .venv/bin/python bench/blind.py [--text-model smollm2-135m-instruct] [--only lamp-product,...]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import threading
import time
from pathlib import Path

from bench.factscore import fact_scores
from bench.quality import BRIEFS, RESULTS, Brief, chatter_lines, make_engine, request_for, sentence_repeat
from studio.text.facts import FactSheet
from studio.text.shape import heading_problem
from studio.text.topic import words

BLIND = ["petition-news", "lamp-product", "festival-event", "bikes-summary", "pool-rewrite", "garden-article",
         "starter-product", "walking-summary"]
RUBRIC = ["kept", "no_contra", "no_invent", "headings", "no_loops", "whole", "no_chatter", "no_I", "length"]
ASK = {"article": "Write an article of about {n} words about: {p}", "summarize": "Summarize in about {n} words:\n\n{p}",
       "rewrite": "Rewrite this in a {tone} tone:\n\n{p}",
       "product_description": "Write a product description of about {n} words for: {p}",
       "ad_copy": "Write ad copy for: {p}", "headlines": "Write 10 headlines about: {p}"}


def raw_call(engine, brief: Brief, seed: int) -> str:
    """One plain chat call to the same model and backend, with the same sampling, no Studio steps."""
    from studio.text.backends import SamplingParams
    from studio.text.prompts import SYSTEM

    req = request_for(brief, seed).validated()
    backend = engine.backend()
    user = ASK[brief.task].format(n=brief.length_words, p=brief.prompt, tone=brief.tone)
    if brief.keywords:
        user += f"\nKeywords: {brief.keywords}"
    prompt = backend.render([{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}])
    room = backend.context_size - backend.count_tokens(prompt)
    params = SamplingParams(req.temperature, req.top_p, req.top_k, req.repetition_penalty,
                            max(1, min(room, int(brief.length_words * 1.6) + 40)), 0, req.seed)
    return "".join(backend.stream(prompt, params, threading.Event())).strip()


def studio_call(engine, brief: Brief, seed: int) -> tuple[str, list[dict]]:
    last = None
    for last in engine.stream(request_for(brief, seed)):  # noqa: B007 - the last event is the result
        pass
    return last.text, list(last.marks)


def rubric(brief: Brief, text: str, marks: list[dict]) -> dict:
    """The rubric's scores of one text (see the module's docstring)."""
    f = fact_scores(f"{brief.prompt}\n{brief.keywords}", text, marks, None)
    sheet = FactSheet.of(brief.prompt, brief.keywords)
    heads = [h.strip() for h in re.findall(r"^\s{0,3}#{2,6}\s+(.+)$", text, re.MULTILINE)]
    ok_heads = sum(heading_problem(h, sheet, i, len(heads)) is None for i, h in enumerate(heads))
    body = text.rstrip()
    n = len(words(body))
    personal = len(re.findall(r"\b(?:I|I'm|I've|my|me)\b", body)) if brief.tone in ("neutral", "formal") else 0
    return {
        "kept": f["kept"] / f["facts"] if f["facts"] else 1.0,
        "no_contra": 1 / (1 + f["contra"]),
        "no_invent": 1 / (1 + f["found"] - f["marked"]),
        "headings": ok_heads / len(heads) if heads else 1.0,
        "no_loops": 1 - sentence_repeat(body),
        "whole": 1.0 if re.search(r"[.!?。！？…\"”)]$", body) else 0.0,
        "no_chatter": 1 / (1 + len(chatter_lines(body, brief.prompt))),
        "no_I": 1 / (1 + personal),
        "length": max(0.0, 1 - abs(n / brief.length_words - 1)) if brief.task != "rewrite" else 1.0,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--text-model", default="smollm2-135m-instruct")
    ap.add_argument("--text-backend", default="auto")
    ap.add_argument("--only", default="", help="comma-separated brief names (default: " + ",".join(BLIND) + ")")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--studio-run", type=Path, help="take Studio's texts (and marks) from this bench/quality.py run "
                    "(same model and seed) instead of writing them again")
    args = ap.parse_args()
    saved = {}
    if args.studio_run:
        saved = {r["brief"]: r for r in json.loads((args.studio_run / "results.json").read_text())["results"]}
    names = [x.strip() for x in args.only.split(",") if x.strip()] or BLIND
    briefs = [b for b in BRIEFS if b.name in names]
    engine = make_engine(args.text_model, args.text_backend)
    out = RESULTS / f"{time.strftime('%Y%m%d-%H%M%S')}-blind"
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(args.seed)
    scores: dict[str, list[dict]] = {"studio": [], "raw": []}
    key, secs = {}, {"studio": 0.0, "raw": 0.0}
    for brief in briefs:
        seed = args.seed + BRIEFS.index(brief)
        t0 = time.perf_counter()
        if brief.name in saved:
            r = saved[brief.name]
            text_s, marks = r["text"], r.get("marks", [])
            t0 -= r["scores"].get("seconds", 0)
        else:
            text_s, marks = studio_call(engine, brief, seed)
        t1 = time.perf_counter()
        text_r = raw_call(engine, brief, seed)
        secs["studio"] += t1 - t0
        secs["raw"] += time.perf_counter() - t1
        rs, rr = rubric(brief, text_s, marks), rubric(brief, text_r, [])
        scores["studio"].append(rs)
        scores["raw"].append(rr)
        order = ["studio", "raw"]
        rng.shuffle(order)
        key[brief.name] = {"A": order[0], "B": order[1]}
        for label, who in zip("AB", order, strict=False):
            (out / f"{brief.name}-{label}.md").write_text(text_s if who == "studio" else text_r, encoding="utf-8")
        print(f"{brief.name:16} " + "  ".join(f"{k} {rs[k]:.2f}/{rr[k]:.2f}" for k in RUBRIC), flush=True)
    (out / "key.json").write_text(json.dumps(key, indent=1))
    (out / "scores.json").write_text(json.dumps({"scores": scores, "seconds": secs}, indent=1))
    print(f"\n{'score':12} {'studio':>7} {'raw':>7} {'studio÷raw':>11}")
    for k in RUBRIC:
        a = sum(s[k] for s in scores["studio"]) / len(briefs)
        b = sum(s[k] for s in scores["raw"]) / len(briefs)
        print(f"{k:12} {a:7.2f} {b:7.2f} {(a / b if b else float('inf')):11.2f}")
    print(f"{'seconds':12} {secs['studio']:7.0f} {secs['raw']:7.0f} {secs['studio'] / max(secs['raw'], 1e-9):11.2f}")
    print(f"texts (A/B shuffled, key in key.json): {out}")


if __name__ == "__main__":
    main()
