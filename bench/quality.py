"""Writing-quality benchmark: a fixed set of briefs across every task, scored without a model.

For each brief (seed fixed) it runs the studio's TextEngine on the chosen backend and prints, per task and
in total:
  * chatter      lines addressed to the user or about the text itself ("Here's…", "I hope this helps",
                 "Sure!", "As an AI…", notes on revisions); the Illustrate picture prompts are checked too;
  * topic        share of paragraphs (headlines: lines) that mention the topic or its keywords (stems),
                 averaged over the outputs;
  * rep4 / repS  share of repeated 4-grams / of repeated sentences;
  * form         headings present for articles, the asked number of distinct headlines, lengths within ±20%;
  * brief        share of the features, offer and names a product description or ad copy was given that it names;
  * draw         share of Illustrate prompts that describe a picture rather than talk about the article;
  * tok/s        generation speed, so quality and speed are read together;
  * kept / contra / mark   for the fact-rich briefs (bench/factscore.py): share of the brief's facts the text
                 states, contradictions of them left (neither corrected nor marked), and the share of the
                 facts the text made up that are marked for the writer (against the hand-labelled list in
                 bench/fact_labels.json where that brief, model and seed are labelled; "auto" otherwise).
Texts and scores are saved under bench/results/<time>-<backend>/ (ignored by git); ``--compare A B``
prints two saved runs side by side.

    .venv/bin/python bench/quality.py [--text-model smollm2-135m-instruct] [--text-backend auto]
                                      [--only article,headlines] [--seed 7]
    .venv/bin/python bench/quality.py --compare bench/results/RUN_A bench/results/RUN_B

The chatter patterns here are the bench's own and deliberately wider than the engine's clean-up
(studio/text/cleanup.py), so a clean-up cannot score itself.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

from bench.factscore import BIKES, FESTIVAL, LAMP, NOTICE, PETITION, ZH_NEWS, fact_scores, labels_for  # noqa: E402
from studio.text.topic import mentions, mentions_item, paragraphs, terms, words  # noqa: E402

RESULTS = ROOT / "bench" / "results"

DRAFT_BAKERY = ("The oven was already warm when Maria unlocked the bakery at five. She tied her apron, "
                "switched on the radio and lifted the cloth from the bowls of dough that had risen overnight.")
DRAFT_CASUAL = ("Hey folks, so we're moving the team meeting to Thursday cuz half of you are out Monday. "
                "Bring your project updates and don't forget the budget numbers, they're kinda important.")
DRAFT_WALK = ("Walking is one of the simplest ways to stay healthy. A brisk thirty-minute walk most days "
              "strengthens the heart, helps control weight and lowers blood pressure. Walking outdoors also "
              "improves mood: studies link time in green spaces with less stress and better sleep. Because it "
              "needs no equipment or membership, walking suits almost everyone, from children to older adults, "
              "and it is easy to fit into a day by walking to work, taking the stairs or meeting friends for a "
              "stroll instead of a coffee.")


@dataclasses.dataclass
class Brief:
    name: str
    task: str
    prompt: str
    topic: str  # what "on topic" means for this brief
    tone: str = "neutral"
    length_words: int = 400
    keywords: str = ""
    must: tuple[str, ...] = ()  # features, offer and names the text must mention
    headlines: int = 0  # number of headlines asked
    check_length: bool = False
    facts: bool = False  # a fact-rich brief: fact scores (bench/factscore.py)


BRIEFS = [
    Brief("bakery-article", "article", "How small bakeries can use social media", "bakery social media",
          tone="friendly", length_words=400, check_length=True),
    Brief("garden-article", "article", "Urban gardening for beginners", "urban gardening garden plants",
          length_words=250, check_length=True),
    Brief("budget-outline", "outline", "Saving money on groceries for a family", "saving money groceries food"),
    Brief("bakery-headlines", "headlines", "How small bakeries can use social media", "bakery social media",
          tone="friendly", headlines=10),
    Brief("remote-headlines", "headlines", "Remote work tips for new managers", "remote work managers team",
          headlines=10),
    Brief("starter-product", "product_description",
          "Crumb & Co sourdough starter kit: a glass jar, organic rye flour, a dough thermometer and a "
          "step-by-step guide. Launch offer: 20% off.", "sourdough starter kit bread",
          tone="friendly", length_words=120, check_length=True,
          keywords="Crumb & Co, glass jar, rye flour, thermometer, guide, 20% off",
          must=("Crumb & Co", "glass jar", "rye flour", "thermometer", "guide", "20% off")),
    Brief("backpack-product", "product_description",
          "TrailLite 30 hiking backpack: waterproof fabric, padded straps, a rain cover, weighs 900 g.",
          "hiking backpack", length_words=100, check_length=True,
          keywords="TrailLite 30, waterproof, padded straps, rain cover, 900 g",
          must=("TrailLite 30", "waterproof", "padded straps", "rain cover", "900 g")),
    Brief("yoga-ad", "ad_copy", "Bloom Yoga, a downtown studio with beginner classes. First class free.",
          "yoga studio classes", tone="persuasive", keywords="Bloom Yoga, beginner classes, first class free",
          must=("Bloom Yoga", "beginner classes", "first class free")),
    Brief("mealkit-ad", "ad_copy", "FreshBox meal kits: fresh ingredients and easy recipes delivered weekly. "
          "20% off your first box.", "meal kit food recipes", tone="casual",
          keywords="FreshBox, fresh ingredients, recipes, 20% off",
          must=("FreshBox", "fresh ingredients", "recipes", "20% off")),
    Brief("bakery-continue", "continue", DRAFT_BAKERY, "bakery bread dough oven Maria", tone="friendly",
          length_words=120, check_length=True),
    Brief("meeting-rewrite", "rewrite", DRAFT_CASUAL, "meeting Thursday project updates budget team",
          tone="formal"),
    Brief("walking-summary", "summarize", DRAFT_WALK, "walking walk health healthy", length_words=60),
    # fact-rich briefs (#26): numbers, names and dates to keep
    Brief("petition-news", "article", PETITION, "library petition signatures council", length_words=300,
          facts=True),
    Brief("lamp-product", "product_description", LAMP, "desk lamp light", length_words=100, facts=True,
          keywords="Lumo 2, 1200 lumens, USB-C, 10-hour battery, $49",
          must=("Lumo 2", "1200 lumens", "USB-C", "10-hour battery", "$49")),
    Brief("festival-event", "article", FESTIVAL, "jazz festival riverside music", length_words=150, facts=True),
    Brief("bikes-summary", "summarize", BIKES, "bike share trips stations", length_words=60, facts=True),
    Brief("pool-rewrite", "rewrite", NOTICE, "pool gym repairs members", tone="formal", facts=True),
    Brief("zh-news", "article", ZH_NEWS, "图书馆 签名 请愿 居民", length_words=300, facts=True),
]

# ----- chatter: the bench's own patterns (wider than the engine's clean-up) ------------------------------
CHATTER = [re.compile(p, re.IGNORECASE) for p in (
    r"^\W*(sure|certainly|of course|absolutely|okay|ok|got it|great question)\b\W*(!|,|\.|:|$)",
    r"^\W*here(?:'s|’s| is| are)\b.{0,80}\b(revised|rewritten|updated|sample|draft|version|headlines?|article|"
    r"description|copy|outline|summary|continuation|rewrite|prompts?|introduction|text|suggestions?|options)\b",
    r"\bi hope (this|that|you|it)\b", r"\bhope this helps\b", r"\blet me know\b", r"\bas an ai\b",
    r"\blanguage model\b", r"\bi'?ll take it from here\b", r"\bi'?d (love|be happy|be glad) to\b",
    r"^\W*(awesome|great|nice|wonderful|excellent|amazing) (article|post|text|work|job|piece|writing)\b",
    r"\b(revised|rewritten|updated|edited|improved) (version|text|introduction|article|paragraph|draft)\b",
    r"^\W*(the following|below) (is|are)\b", r"\bword count\b", r"^\W*\(?\s*(approx\.?\s*)?\d+\s+words\)?\W*$",
    r"\byour (article|text|introduction|draft|essay|paragraph|writing|request|section|piece)\b",
    r"^\W*(notes?|explanations?|changes( made)?|revisions?)\W*:",
    r"\bthis (revised|rewritten|edited|improved|polished) version\b",
    r"^\W*(this|the) (text|article|passage|version|summary|rewrite)\b.{0,120}\b(has been (made|edited|rewritten|"
    r"revised|shortened|condensed)|more concise|while (maintaining|keeping))\b",
    r"^\W*(i|i've|i have|i'm|i am) (revised|rewritten|rewrote|made|added|kept|changed|included|written|tried|"
    r"happy to|glad to|going to)\b", r"\bfeel free to (ask|reach|let)\b", r"\bthank you for (asking|your)\b",
)]


def chatter_lines(text: str, protect: str = "") -> list[str]:
    """Lines of ``text`` the bench counts as chatter (lines also in ``protect``, the writer's text, excluded)."""
    mine = {" ".join(ln.split()) for ln in protect.splitlines()}
    out = []
    for line in text.splitlines():
        flat = " ".join(line.split())
        if flat and flat not in mine and any(p.search(flat) for p in CHATTER):
            out.append(flat)
    return out


_META = re.compile(r"\b(article|section|introduction|paragraph|continuation|the following|essay|conveys|"
                   r"effectively|readers?|writers?|your (?:article|text|writing|draft)|this text|the text)\b",
                   re.IGNORECASE)


def draws_something(prompt: str) -> bool:
    """A picture prompt describes something to draw: at least 4 words, no chatter, no talk about the text."""
    return len(words(prompt)) >= 4 and not chatter_lines(prompt) and not _META.search(prompt)


def ngram_repeat(text: str, n: int = 4) -> float:
    toks = [w.lower() for w in words(text)]
    grams = [tuple(toks[i:i + n]) for i in range(len(toks) - n + 1)]
    return (len(grams) - len(set(grams))) / len(grams) if grams else 0.0


def sentence_repeat(text: str) -> float:
    sents = [" ".join(words(s)).lower() for s in re.split(r"(?<=[.!?])\s+|\n+", text)]
    sents = [s for s in sents if len(s.split()) >= 3]
    return (len(sents) - len(set(sents))) / len(sents) if sents else 0.0


def headline_list(text: str) -> list[str]:
    out = []
    for line in text.splitlines():
        line = re.sub(r"^\s*(?:[-*•]|\d{1,2}[.)])\s*", "", line).strip().strip("*\"'“”").strip()
        if line:
            out.append(line)
    return out


def score(brief: Brief, text: str, generated: str) -> dict:
    """Scores of one output. ``generated`` is the model's part (for continue, without the draft)."""
    protect = brief.prompt if brief.task in ("continue", "rewrite", "summarize") else ""
    t = terms(brief.topic, brief.keywords)
    chat = chatter_lines(generated, protect)
    units = headline_list(generated) if brief.task == "headlines" else paragraphs(generated)
    on = sum(mentions(u, t) for u in units)
    s = {"chatter": len(chat), "chatter_lines": chat, "units": len(units), "on_topic": on,
         "rep4": ngram_repeat(generated), "repS": sentence_repeat(generated), "words": len(words(generated)),
         "form_ok": True, "form": ""}
    if brief.task == "article":
        heads = re.findall(r"^\s{0,3}#{1,6}\s+\S", text, re.MULTILINE)
        if len(heads) < 2:
            s["form_ok"], s["form"] = False, f"{len(heads)} headings"
    if brief.task == "headlines":
        low = [h.lower() for h in units]
        if len(units) != brief.headlines or len(set(low)) != len(low):
            s["form_ok"] = False
            s["form"] = f"{len(units)} headlines, {len(low) - len(set(low))} duplicated (asked {brief.headlines})"
    if brief.check_length:
        n = len(words(generated))
        s["length_ratio"] = n / brief.length_words
        if not 0.8 <= s["length_ratio"] <= 1.2:
            s["form_ok"] = False
            s["form"] = (s["form"] + "; " if s["form"] else "") + f"{n} words for {brief.length_words}"
    if brief.must:
        hits = [m for m in brief.must if mentions_item(generated, m)]
        s["must"], s["must_hit"] = len(brief.must), len(hits)
        s["must_missing"] = [m for m in brief.must if m not in hits]
    return s


# ----- running ------------------------------------------------------------------------------------------
def make_engine(text_model: str, text_backend: str, openai_base_url: str = "", openai_api_key: str = ""):
    """The studio's TextEngine on ``text_backend`` (auto, llama.cpp, transformers or openai: then the
    OpenAI-compatible server at ``openai_base_url`` serves ``text_model``)."""
    from studio.models import ModelManager
    from studio.settings import Settings
    from studio.text.engine import TextEngine

    kw = {"device": "cpu", "text_model": text_model}
    fields = {f.name for f in dataclasses.fields(Settings)}
    if text_backend and "text_backend" in fields:
        kw["text_backend"] = text_backend
    elif text_backend not in ("", "auto"):
        print(f"note: this studio has no text_backend setting yet; --text-backend {text_backend} is ignored")
    if openai_base_url and "openai_base_url" in fields:
        kw.update(openai_base_url=openai_base_url, openai_api_key=openai_api_key)
    s = Settings(**kw).validate()
    return TextEngine(ModelManager(s), s)


def request_for(brief: Brief, seed: int):
    from studio.text.engine import WriteRequest

    kw = dict(prompt=brief.prompt, task=brief.task, tone=brief.tone, length_words=brief.length_words,
              keywords=brief.keywords, seed=seed)
    make = getattr(WriteRequest, "for_task", None)  # task sampling defaults, where the engine has them
    return make(**kw) if make else WriteRequest(**kw)


def run_brief(engine, brief: Brief, seed: int) -> dict:
    t0 = time.perf_counter()
    last = None
    for last in engine.stream(request_for(brief, seed)):  # noqa: B007 - the last event is the result
        pass
    text = last.text
    generated = text
    if brief.task == "continue" and text.startswith(brief.prompt):
        generated = text[len(brief.prompt):]
    s = score(brief, text, generated)
    s.update(tokens=last.tokens, tokens_per_s=last.tokens_per_s, seconds=time.perf_counter() - t0,
             notes=last.notes)
    if brief.facts:
        marks = list(getattr(last, "marks", []))
        s["fact"] = fact_scores(f"{brief.prompt}\n{brief.keywords}", text, marks,
                                labels_for(brief.name, getattr(engine.settings, "text_model", ""), seed))
    return {"brief": brief.name, "task": brief.task, "text": text, "scores": s, "seed": seed,
            "marks": list(getattr(last, "marks", []))}


def run_illustrate(engine, article: dict, seed: int) -> dict:
    from studio.illustrate import propose_prompts

    text = article["text"]
    title = text.splitlines()[0].lstrip("# ").strip() if text.startswith("#") else ""
    body = "\n".join(text.splitlines()[1:]) if title else text
    t0 = time.perf_counter()
    props = propose_prompts(engine.complete, title, body, seed=seed)
    prompts = [p.prompt for p in props]
    chat = [c for p in prompts for c in chatter_lines(p)]
    return {"brief": f"illustrate:{article['brief']}", "task": "illustrate", "text": "\n".join(prompts),
            "scores": {"chatter": len(chat), "chatter_lines": chat, "prompts": len(prompts),
                       "draws": sum(draws_something(p) for p in prompts),
                       "not_drawing": [p for p in prompts if not draws_something(p)],
                       "seconds": time.perf_counter() - t0}}


def summarize(results: list[dict]) -> dict:
    """Totals per task and overall."""
    groups: dict[str, list[dict]] = {}
    for r in results:
        groups.setdefault(r["task"], []).append(r["scores"])
    groups["TOTAL"] = [r["scores"] for r in results]
    out = {}
    for task, ss in groups.items():
        units = sum(s.get("units", 0) for s in ss)
        gen = [s for s in ss if "rep4" in s]
        must = sum(s.get("must", 0) for s in ss)
        tok = sum(s.get("tokens", 0) for s in ss)
        sec = sum(s.get("seconds", 0) for s in ss if "tokens" in s)
        prompts = sum(s.get("prompts", 0) for s in ss)
        out[task] = {
            "n": len(ss), "chatter": sum(s["chatter"] for s in ss),
            # mean of each output's share, so a 138-line ramble does not outweigh the other outputs
            "topic": (sum(s["on_topic"] / s["units"] for s in gen if s.get("units")) /
                      max(1, sum(1 for s in gen if s.get("units")))) if units else None,
            "rep4": sum(s["rep4"] for s in gen) / len(gen) if gen else None,
            "repS": sum(s["repS"] for s in gen) / len(gen) if gen else None,
            "form": f"{sum(s['form_ok'] for s in gen)}/{len(gen)}" if gen else "",
            "brief": sum(s.get("must_hit", 0) for s in ss) / must if must else None,
            "draw": sum(s.get("draws", 0) for s in ss) / prompts if prompts else None,
            "tok_s": tok / sec if sec else None,
            **_fact_totals([s["fact"] for s in ss if "fact" in s]),
        }
    return out


def _fact_totals(fs: list[dict]) -> dict:
    """kept (share of the briefs' facts present), contra (left), mark (share of made-up facts marked)."""
    if not fs:
        return {"kept": None, "contra": None, "mark": None, "mark_src": ""}
    found = sum(f["found"] for f in fs)
    return {"kept": sum(f["kept"] for f in fs) / max(1, sum(f["facts"] for f in fs)),
            "contra": sum(f["contra"] for f in fs), "mark": sum(f["marked"] for f in fs) / found if found else None,
            "mark_src": "hand" if all(f["labelled"] for f in fs) else "auto" if not any(f["labelled"] for f in fs)
            else "mixed"}


def _pct(v) -> str:
    return "   -" if v is None else f"{v * 100:3.0f}%"


def table(summary: dict) -> str:
    rows = [f"{'task':20} {'n':>2} {'chatter':>7} {'topic':>5} {'rep4':>5} {'repS':>5} {'form':>5} "
            f"{'brief':>5} {'draw':>5} {'tok/s':>6} {'kept':>5} {'contra':>6} {'mark':>5}"]
    for task, v in summary.items():
        tps = "     -" if v["tok_s"] is None else f"{v['tok_s']:6.1f}"
        rows.append(f"{task:20} {v['n']:2d} {v['chatter']:7d} {_pct(v['topic']):>5} {_pct(v['rep4']):>5} "
                    f"{_pct(v['repS']):>5} {v['form']:>5} {_pct(v['brief']):>5} {_pct(v['draw']):>5} {tps}"
                    f" {_pct(v.get('kept')):>5} {'-' if v.get('contra') is None else v['contra']:>6} "
                    f"{_pct(v.get('mark')):>5} {v.get('mark_src', '')}")
    return "\n".join(rows)


def compare(a: Path, b: Path) -> None:
    ra, rb = (json.loads((p / "results.json").read_text()) for p in (a, b))
    print(f"A: {a.name}  ({ra['backend']}, {ra['model']})\nB: {b.name}  ({rb['backend']}, {rb['model']})\n")
    print("A\n" + table(ra["summary"]) + "\n\nB\n" + table(rb["summary"]))
    texts_b = {r["brief"]: r for r in rb["results"]}
    for r in ra["results"]:
        other = texts_b.get(r["brief"])
        if other:
            sa, sb = r["scores"], other["scores"]
            print(f"\n{r['brief']}: chatter {sa['chatter']} -> {sb['chatter']}; "
                  f"form {sa.get('form') or 'ok'} -> {sb.get('form') or 'ok'}")


def rescore(run: Path, recheck: bool = False) -> None:
    """Score the texts of a saved run again (after the bench's measures changed), keeping its speeds. With
    ``recheck``, the facts to check are found again by today's checker on the saved texts (what the fact check
    would mark now), instead of the marks the run saved."""
    data = json.loads((run / "results.json").read_text())
    by_name = {b.name: b for b in BRIEFS}
    for r in data["results"]:
        old = r["scores"]
        if r["task"] == "illustrate":
            prompts = [p for p in r["text"].splitlines() if p.strip()]
            chat = [c for p in prompts for c in chatter_lines(p)]
            old.update(chatter=len(chat), chatter_lines=chat, prompts=len(prompts),
                       draws=sum(draws_something(p) for p in prompts),
                       not_drawing=[p for p in prompts if not draws_something(p)])
            continue
        brief = by_name[r["brief"]]
        generated = r["text"]
        if brief.task == "continue" and generated.startswith(brief.prompt):
            generated = generated[len(brief.prompt):]
        new = score(brief, r["text"], generated)
        new.update({k: old[k] for k in ("tokens", "tokens_per_s", "seconds", "notes") if k in old})
        if brief.facts and "marks" in r:  # the marks and seed are saved since the fact scores came in
            marks = r["marks"]
            if recheck:
                from studio.text.factcheck import check
                from studio.text.facts import FactSheet

                marks = [m.as_dict() for m in check(r["text"], FactSheet.of(brief.prompt, brief.keywords)).marks]
            new["fact"] = fact_scores(f"{brief.prompt}\n{brief.keywords}", r["text"], marks,
                                      labels_for(brief.name, data["model"], r.get("seed", -1)))
        r["scores"] = new
    data["summary"] = summarize(data["results"])
    (run / "results.json").write_text(json.dumps(data, indent=1))
    report(data)


def report(data: dict) -> None:
    print(f"\nbackend: {data['backend']}  model: {data['model']}\n" + table(data["summary"]))
    for r in data["results"]:
        for line in r["scores"]["chatter_lines"]:
            print(f"  chatter in {r['brief']}: {line[:100]}")
        for line in r["scores"].get("not_drawing", []):
            print(f"  not a picture in {r['brief']}: {line[:100]}")
        if r["scores"].get("must_missing"):
            print(f"  {r['brief']} misses: {', '.join(r['scores']['must_missing'])}")
        if r["scores"].get("form"):
            print(f"  {r['brief']} form: {r['scores']['form']}")
        f = r["scores"].get("fact")
        if f:
            print(f"  {r['brief']} facts: kept {f['kept']}/{f['facts']} (missing: {', '.join(f['missing']) or '-'}); "
                  f"contradictions left {f['contra']}; made-up facts marked {f['marked']}/{f['found']} "
                  f"({'hand-labelled' if f['labelled'] else 'auto'})"
                  + (f"; unmarked: {', '.join(f['unmarked'])}" if f.get("unmarked") else ""))


def _save(out: Path, kind: str, args, results: list[dict]) -> dict:
    data = {"backend": kind, "model": args.text_model, "seed": args.seed, "summary": summarize(results),
            "results": results}
    (out / "results.json").write_text(json.dumps(data, indent=1))
    return data


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--text-model", default="smollm2-135m-instruct")
    ap.add_argument("--text-backend", "--backend", default="auto", help="auto, llama.cpp, transformers or openai")
    ap.add_argument("--openai-base-url", default="",
                    help="with --text-backend openai: the server, e.g. http://127.0.0.1:8000/v1 (--text-model is "
                         "the server's model name)")
    ap.add_argument("--openai-api-key", default="", help="with --text-backend openai, if the server asks for one")
    ap.add_argument("--only", default="", help="comma-separated tasks or brief names (illustrate: Illustrate)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--no-illustrate", action="store_true")
    ap.add_argument("--compare", nargs=2, type=Path, metavar=("RUN_A", "RUN_B"))
    ap.add_argument("--rescore", type=Path, metavar="RUN", help="score a saved run's texts again with this bench")
    ap.add_argument("--recheck", action="store_true", help="with --rescore: find the facts to check again with "
                    "today's checker")
    args = ap.parse_args()
    if args.compare:
        compare(*args.compare)
        return
    if args.rescore:
        rescore(args.rescore, args.recheck)
        return
    only = {x.strip() for x in args.only.split(",") if x.strip()}
    briefs = [b for b in BRIEFS if not only or b.task in only or b.name in only]
    engine = make_engine(args.text_model, args.text_backend, args.openai_base_url, args.openai_api_key)
    backend = engine.backend()
    kind = type(backend).__name__
    where = f" at {args.openai_base_url}" if args.openai_base_url else ""
    print(f"backend: {kind} ({getattr(backend, 'engine', '?')}{where}, asked: --text-backend {args.text_backend})  "
          f"model: {getattr(backend, 'name', args.text_model)}  seed: {args.seed}  briefs: {len(briefs)}", flush=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    out = RESULTS / f"{stamp}-{kind}"
    out.mkdir(parents=True, exist_ok=True)
    results = []
    for brief in briefs:
        try:
            r = run_brief(engine, brief, args.seed + BRIEFS.index(brief))  # one seed per brief, whatever --only
        except Exception as exc:  # noqa: BLE001 - e.g. a Chinese brief on a model that writes English only
            print(f"{brief.name:18} skipped: {exc}", flush=True)
            continue
        results.append(r)
        s = r["scores"]
        print(f"{brief.name:18} chatter {s['chatter']}  topic {s['on_topic']}/{s['units']}  rep4 {s['rep4']:.0%}  "
              f"form {s['form'] or 'ok'}  brief {s.get('must_hit', '-')}/{s.get('must', '-')}  "
              f"{s['tokens_per_s']:.1f} tok/s", flush=True)
        (out / f"{brief.name}.md").write_text(r["text"] + "\n")
        _save(out, kind, args, results)  # after each brief, so a run cut short can still be read
    if not args.no_illustrate and (not only or "illustrate" in only):
        for r in [r for r in results if r["task"] == "article"]:
            ill = run_illustrate(engine, r, args.seed)
            results.append(ill)
            s = ill["scores"]
            print(f"{ill['brief']:18} chatter {s['chatter']}  draws {s['draws']}/{s['prompts']}", flush=True)
            (out / f"{ill['brief'].replace(':', '-')}.txt").write_text(ill["text"] + "\n")
    report(_save(out, kind, args, results))
    print(f"saved: {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
