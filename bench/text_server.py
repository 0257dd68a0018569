"""Studio on its own llama-server against raw llama-server (issue #25); run by ``bench/text.py`` first
(``--no-server`` skips it), or alone: ``.venv/bin/python bench/text_server.py [--tokens 200] [--rounds 4]
[--only one,four,page,article]``.

Prints, each ratio the median of pairs run one right after the other in alternating order:
  * one writer: Studio ``/write`` through its API (gradio_client, as a user gets it) ÷ raw llama-server
    streaming ``/completion`` on the same file, the same request body (Studio's own: prompt tokens, sampling,
    repetition penalty)                                                                  (target >= 0.95),
    and where Studio's time goes (queue, prompt build, prefill, tokens, checks);
  * four writers at once: Studio (``--text-slots 4``) aggregate tokens/s ÷ raw ``llama-server -np 4`` with
    four concurrent streams (target >= 0.9), and the slowest writer's time;
  * the Write tab through Gradio's queue as the browser gets it (``/queue/join``, ``/queue/data``): its updates
    paced at most 20 a second ÷ one update a token (before), in wall time;
  * a 600-word article (plan, then a section at a time) end to end on llama-server ÷ on llama.cpp in
    this process (same seeds, same retries), with the server's prompt-cache hit rate.
Like for like: tokens/s on each side are the tokens the server generated for that request (Studio's: from the
backend's stream stats) ÷ that request's wall time; the old figure, which counted the tokens of Studio's final
text, is printed too: it under-counts Studio, whose text is trimmed (a sentence written twice, the model's
remarks, a cut last sentence) after the server generated the same tokens in the same time. Each line gives the
load average. Greedy, ``--threads`` threads on both sides (``STUDIO_LLAMA_THREADS=1`` on a busy machine: with 2
threads on 2 shared cores llama.cpp's threads wait for each other); both servers stay loaded, idle in turn.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.text import paired  # noqa: E402 - pairs in alternating order, as bench/text.py runs them
from studio.text.backends import StreamStats  # noqa: E402
from studio.text.engine import TextEngine, WriteRequest  # noqa: E402

TOPICS = ["urban gardening for beginners: soil, light, water and the first five plants to grow",
          "a walking tour of old harbour towns and the food sold on their quays",
          "how to start running after forty without hurting your knees",
          "keeping bees on a city roof: the first year, month by month"]


def studio_app(tmp: Path, slots: int):
    import socket

    from gradio_client import Client

    import app as studio_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    argv = ["--no-browser", "--port", str(port), "--data-dir", str(tmp / f"data{slots}"), "--device", "cpu",
            "--offline", "--text-backend", "llama-server", "--text-slots", str(slots)]
    ctx, demo = studio_app.create_app(argv)
    ctx.text.retries = 0  # one model call a request: this measures streaming, not the quality retries
    studio_app.launch(ctx, demo, prevent_thread_lock=True, quiet=True)
    return ctx, demo, lambda: Client(f"http://127.0.0.1:{port}/", verbose=False), port


def request(topic: str, n: int) -> WriteRequest:
    return WriteRequest(prompt=topic, task="outline", temperature=0, max_new_tokens=n, seed=1)


def raw_body(ctx, topic: str, n: int) -> dict:
    """The /completion body Studio sends for ``request(topic, n)``: the same prompt tokens and sampling."""
    backend = ctx.text.backend()
    req = request(topic, n).validated()
    prompt, max_new, _ = ctx.text._fit(backend, req, n, [])
    return backend._body([int(t) for t in prompt.split(":", 1)[1].split(",")], req.params(max_new), max_new, False)


def raw_run(server, http, body: dict) -> tuple[float, int, str]:
    """``(seconds, tokens generated, text)`` of one streamed ``/completion``. Sent once more when llama-server had
    just closed the kept-alive connection (idle 5 s: "Server disconnected without sending a response"), as
    Studio's backend does; nothing was generated then."""
    import httpx

    for attempt in (0, 1):
        t0 = time.perf_counter()
        text, tokens = "", 0
        try:
            with http.stream("POST", server.url + "/completion", json=body) as r:
                for line in r.iter_lines():
                    if line.startswith("data: "):
                        ev = json.loads(line[6:])
                        text += ev.get("content") or ""
                        tokens += len(ev.get("tokens") or [])
            return time.perf_counter() - t0, tokens, text
        except httpx.RemoteProtocolError:
            if attempt or text:
                raise
    raise AssertionError("unreachable")


def studio_run(client, topic: str, n: int) -> tuple[float, str]:
    t0 = time.perf_counter()
    text = client.predict(prompt=topic, task="outline", temperature=0, max_new_tokens=n, seed=1,
                          api_name="/write")
    return time.perf_counter() - t0, text


def generated(engine: TextEngine) -> list[StreamStats]:
    """Every model call's stats from now on (what the server generated for each Studio request)."""
    backend = engine.backend()
    seen: list[StreamStats] = []
    stream = type(backend).stream

    def spy(prompt, params, stop, stats=None):
        stats = stats if stats is not None else StreamStats()
        seen.append(stats)
        return stream(backend, prompt, params, stop, stats)

    backend.stream = spy
    return seen


_PIECE = re.compile(r"(?<=[.!?:;])\s+|\n+")


def same_up_to_trimming(raw: str, studio: str) -> bool:
    """Studio's text is the raw text less what Studio trims (the model's remarks, a sentence written twice, a cut
    last sentence): each of its sentences is in the raw text, in the same order."""
    at = 0
    for piece in filter(None, (p.strip() for p in _PIECE.split(studio))):
        at = raw.find(piece, at)
        if at < 0:
            return False
        at += len(piece)
    return True


def ratio_lines(count_ratios, like_ratios, wall_ratios, target: str) -> None:
    """The old count-based ratio and the like-for-like one, with what each means."""
    med = statistics.median
    print(f"  Studio ÷ raw, like for like (tokens the server generated for each side ÷ that side's wall time): "
          f"{med(like_ratios):.3f} (pairs: {' '.join(f'{x:.3f}' for x in like_ratios)})  (target {target})")
    print(f"  wall time raw ÷ Studio for the same prompt and the same number of generated tokens: "
          f"{med(wall_ratios):.3f};  count-based (tokens of Studio's final text, as before): {med(count_ratios):.3f}")
    print("  (the count-based figure under-counts Studio: its final text is trimmed - the model's remarks, a sentence "
          "written twice, a cut last sentence - after the server generated the same tokens in the same time)")


def breakdown(ctx, n: int) -> str:
    """Where one in-process request's time goes: queue/waiting, prompt build, prefill, tokens, checks."""
    backend = ctx.text.backend()
    spent = {"prompt": 0.0}
    render, count = backend.render, backend.count_tokens

    def timed(fn):
        def wrap(*a, **kw):
            t = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                spent["prompt"] += time.perf_counter() - t
        return wrap

    seen: list[StreamStats] = []
    stream = backend.stream

    def spy(prompt, params, stop, stats=None):
        stats = stats if stats is not None else StreamStats()
        seen.append(stats)
        return stream(prompt, params, stop, stats)

    backend.render, backend.count_tokens, backend.stream = timed(render), timed(count), spy
    try:
        t0 = time.perf_counter()
        for _ in ctx.text.stream(request(TOPICS[0], n)):
            pass
        total = time.perf_counter() - t0
    finally:
        del backend.render, backend.count_tokens, backend.stream
    st = seen[0]
    first = st.first_token_s or 0.0
    tokens_s = st.elapsed_s - first
    wait = max(0.0, st.waited_s - st.prefill_s)
    rest = total - spent["prompt"] - st.elapsed_s
    return (f"prompt build (template + /tokenize) {spent['prompt'] * 1000:.0f} ms, waiting for the server "
            f"{wait * 1000:.0f} ms, prefill {st.prefill_s * 1000:.0f} ms ({st.prompt_tokens} tokens, "
            f"{st.cached_tokens} cached), {st.tokens} tokens {tokens_s:.2f} s, checks and events "
            f"{rest * 1000:.0f} ms; total {total:.2f} s")


def one_writer(ctx, client, server, http, n: int, rounds: int) -> None:
    body = raw_body(ctx, TOPICS[0], n)
    seen = generated(ctx.text)
    raw_run(server, http, body), studio_run(client, TOPICS[0], n)  # warm-up
    seen.clear()
    raws, studios = paired(lambda: raw_run(server, http, body), lambda: studio_run(client, TOPICS[0], n), rounds)
    made = [s.tokens for s in seen]  # one model call per Studio request (retries are off)
    backend = ctx.text.backend()
    counted = [len(backend.tokenize(s[1], special=False)) for s in studios]
    same = sum(same_up_to_trimming(r[2], s[1]) for r, s in zip(raws, studios, strict=False))
    print(f"one writer: raw llama-server {statistics.median(r[1] / r[0] for r in raws):7.2f} tokens/s, Studio "
          f"/write {statistics.median(m / s[0] for m, s in zip(made, studios, strict=False)):7.2f} tokens/s generated "
          f"({raws[0][1]} tokens raw, {made[0]} generated for Studio, {counted[0]} in its final text; the same text "
          f"up to Studio's trimming: {same} of {rounds}, identical: "
          f"{sum(r[2].strip() == s[1].strip() for r, s in zip(raws, studios, strict=False))})")
    ratio_lines([(c / s[0]) / (r[1] / r[0]) for c, r, s in zip(counted, raws, studios, strict=False)],
                [(m / s[0]) / (r[1] / r[0]) for m, r, s in zip(made, raws, studios, strict=False)],
                [r[0] / s[0] for m, r, s in zip(made, raws, studios, strict=False) if m == r[1]] or [float("nan")],
                ">= 0.95")
    outside = [st[0] - call.elapsed_s for st, call in zip(studios, seen, strict=False)]
    print(f"  outside the model call (Gradio's queue and client, prompt build, checks), per /write: "
          f"{statistics.median(outside) * 1000:.0f} ms of {statistics.median(st[0] for st in studios):.2f} s")
    print(f"  where Studio's time goes (one request, in process): {breakdown(ctx, n)}")
    sys.stdout.flush()


def four_writers(ctx, client_factory, server, http, n: int, rounds: int) -> None:
    bodies = [raw_body(ctx, t, n) for t in TOPICS]
    clients = [client_factory() for _ in TOPICS]
    backend = ctx.text.backend()
    seen = generated(ctx.text)

    def raw4():
        t0 = time.perf_counter()
        with ThreadPoolExecutor(4) as pool:
            runs = list(pool.map(lambda b: raw_run(server, http, b), bodies))
        return time.perf_counter() - t0, [r[1] for r in runs], max(r[0] for r in runs), [r[2] for r in runs]

    def studio4():
        seen.clear()
        t0 = time.perf_counter()
        with ThreadPoolExecutor(4) as pool:
            runs = list(pool.map(lambda ct: studio_run(ct[0], ct[1], n), zip(clients, TOPICS, strict=False)))
        return (time.perf_counter() - t0, [r[1] for r in runs], max(r[0] for r in runs),
                sum(s.tokens for s in seen))

    raw4(), studio4()
    raws, studios = paired(raw4, studio4, rounds)
    counted = [sum(len(backend.tokenize(t, special=False)) for t in s[1]) for s in studios]
    same = sum(same_up_to_trimming(a, b) for r, s in zip(raws, studios, strict=False)
               for a, b in zip(r[3], s[1], strict=False))
    print(f"four writers at once: raw llama-server -np 4 {statistics.median(sum(r[1]) / r[0] for r in raws):7.2f} "
          f"tokens/s aggregate, Studio --text-slots 4 {statistics.median(s[3] / s[0] for s in studios):7.2f} generated "
          f"({statistics.median(sum(r[1]) for r in raws):.0f} tokens raw, {statistics.median(s[3] for s in studios):.0f}"
          f" for Studio; the same text up to Studio's trimming: {same} of {4 * rounds} writers - batching changes "
          "the numbers)")
    ratio_lines([(c / s[0]) / (sum(r[1]) / r[0]) for c, r, s in zip(counted, raws, studios, strict=False)],
                [(s[3] / s[0]) / (sum(r[1]) / r[0]) for r, s in zip(raws, studios, strict=False)],
                [r[0] / s[0] for r, s in zip(raws, studios, strict=False) if s[3] == sum(r[1])] or [float("nan")],
                ">= 0.9")
    print(f"  slowest writer {statistics.median(s[2] for s in studios):.2f} s in Studio, "
          f"{statistics.median(r[2] for r in raws):.2f} s raw")
    sys.stdout.flush()


def write_tab(demo, port: int, topic: str, n: int, task: str = "outline", length: int = 400) -> tuple[float, int]:
    """One Write click as the browser makes it: Gradio's queue (``/queue/join``, then the event stream of
    ``/queue/data``), the Write tab's form at its defaults but ``task``, ``topic``, greedy, ``n`` new tokens.
    Returns ``(seconds to the last update, updates the page got, CPU seconds of this process: Studio's and the
    page's side of the queue, beside the server's)``."""
    import uuid

    import httpx

    cfg = demo.config
    comps = {c["id"]: c for c in cfg["components"]}
    ids = {c.get("props", {}).get("elem_id"): c["id"] for c in cfg["components"]}
    index, dep = next((i, d) for i, d in enumerate(cfg["dependencies"])
                      if [ids["write-btn"], "click"] in [list(t) for t in d["targets"]])
    # the form's labels, as the page has them (wrapped for translation: '__i18n__{..."key": "seed"}')
    labels = {re.sub(r'.*"key": "([^"]*)".*', r"\1", str(comps[i].get("props", {}).get("label"))): i
              for i in dep["inputs"]}
    values = {ids["write-prompt"]: topic, ids["write-task"]: task, ids["write-max-new-tokens"]: n,
              ids["write-length"]: length, labels["temperature"]: 0, labels["seed"]: 1}
    data = [values.get(i, comps[i].get("props", {}).get("value")) for i in dep["inputs"]]
    session = uuid.uuid4().hex
    root = f"http://127.0.0.1:{port}/gradio_api"
    t0, cpu0 = time.perf_counter(), time.process_time()
    with httpx.Client(timeout=600) as http:
        http.post(root + "/queue/join", json={"data": data, "fn_index": index, "trigger_id": ids["write-btn"],
                                               "session_hash": session, "event_data": None}).raise_for_status()
        updates = 0
        with http.stream("GET", root + "/queue/data", params={"session_hash": session}) as r:
            for line in r.iter_lines():
                if not line.startswith("data: "):
                    continue
                msg = json.loads(line[6:])
                updates += msg.get("msg") == "process_generating"
                if msg.get("msg") == "process_completed":
                    if not msg.get("success", True):
                        raise RuntimeError(f"the Write click failed: {str(msg)[:300]}")
                    break
    return time.perf_counter() - t0, updates, time.process_time() - cpu0


def page_updates(ctx, demo, port: int, n: int, rounds: int) -> None:
    """The Write tab as a user gets it, its updates paced (at most 20 a second) ÷ one update a token (before)."""
    from studio.ui import write_tab as tab

    paced_s = tab.UPDATE_INTERVAL_S

    def run(interval: float):
        def go():
            tab.UPDATE_INTERVAL_S = interval
            try:
                return write_tab(demo, port, TOPICS[0], n, task="article", length=n * 2 // 3)
            finally:
                tab.UPDATE_INTERVAL_S = paced_s
        return go

    load = os.getloadavg()[0]
    run(0.0)(), run(paced_s)()  # warm-up
    befores, afters = paired(run(0.0), run(paced_s), rounds)
    ratios = [b[0] / a[0] for b, a in zip(befores, afters, strict=False)]
    print(f"the Write tab through Gradio's queue (an article of {n * 2 // 3} words, as the browser gets it): one "
          f"update a token {statistics.median(b[0] for b in befores):.2f} s ({statistics.median(b[1] for b in befores):.0f}"
          f" updates), paced at <= {1 / paced_s:.0f} a second {statistics.median(a[0] for a in afters):.2f} s "
          f"({statistics.median(a[1] for a in afters):.0f} updates); before ÷ after {statistics.median(ratios):.3f} "
          f"(pairs: {' '.join(f'{x:.3f}' for x in ratios)}); load average {load:.1f} -> {os.getloadavg()[0]:.1f}")
    print(f"  CPU of Studio's process (the queue, the handler, its events; not the server's) per click: "
          f"{statistics.median(b[2] for b in befores):.2f} s one update a token, "
          f"{statistics.median(a[2] for a in afters):.2f} s paced")
    sys.stdout.flush()


def article(tmp: Path, rounds: int, n: int) -> None:
    """A 600-word article end to end, and one writer's reply (``n`` tokens, no Gradio), on llama-server ÷ on
    llama.cpp in this process: what ``--text-backend auto`` would gain by picking the server."""
    from studio.models import ModelManager
    from studio.settings import Settings

    def engine(backend: str) -> TextEngine:
        s = Settings(device="cpu", text_backend=backend, cache_dir=tmp / f"c-{backend}",
                     data_dir=tmp / f"d-{backend}").validate()
        return TextEngine(ModelManager(s), s)

    server, inproc = engine("llama-server"), engine("llama.cpp")
    on_server, in_process = generated(server), generated(inproc)
    req = WriteRequest(prompt=TOPICS[0], task="article", length_words=600, seed=5)

    def run(eng, r=req):
        t0 = time.perf_counter()
        last = None
        for last in eng.stream(r):  # noqa: B007 - the last event is the result
            pass
        return time.perf_counter() - t0, last.text

    run(server), run(inproc)  # warm-up
    on_server.clear(), in_process.clear()
    load = os.getloadavg()[0]
    srv, inp = paired(lambda: run(server), lambda: run(inproc), rounds)
    hit = sum(s.cached_tokens for s in on_server) / max(1, sum(s.prompt_tokens for s in on_server))
    ratios = [i[0] / s[0] for s, i in zip(srv, inp, strict=False)]
    print(f"600-word article end to end: llama-server {statistics.median(s[0] for s in srv):.1f} s, in-process "
          f"llama.cpp {statistics.median(i[0] for i in inp):.1f} s; speed-up {statistics.median(ratios):.2f}x "
          f"(pairs: {' '.join(f'{x:.2f}' for x in ratios)}); prompt-cache hit rate {hit:.0%} of "
          f"{sum(s.prompt_tokens for s in on_server)} prompt tokens, prefill {sum(s.prefill_s for s in on_server):.1f} s "
          f"in all; model calls {len(on_server)} and {len(in_process)}, tokens generated "
          f"{sum(s.tokens for s in on_server)} and {sum(s.tokens for s in in_process)} (server, in process; "
          f"{rounds} article{'s' if rounds > 1 else ''} each: the samplers differ, so the texts and retries may); "
          f"load average {load:.1f} -> {os.getloadavg()[0]:.1f}")
    per = [(sum(x[0] for x in srv) / max(1, sum(s.tokens for s in on_server))),
           (sum(x[0] for x in inp) / max(1, sum(s.tokens for s in in_process)))]
    print(f"  like for like, seconds per generated token (prompts, checks and retries included): llama-server "
          f"{per[0] * 1000:.1f} ms, in process {per[1] * 1000:.1f} ms: {per[1] / per[0]:.2f}x")
    server.retries = inproc.retries = 0
    one = WriteRequest(prompt=TOPICS[1], task="outline", temperature=0, max_new_tokens=n, seed=1)
    on_server.clear(), in_process.clear()
    load = os.getloadavg()[0]
    srv, inp = paired(lambda: run(server, one), lambda: run(inproc, one), max(2, rounds))
    rates = [(a.tokens / s[0]) / (b.tokens / i[0])
             for s, i, a, b in zip(srv, inp, on_server, in_process, strict=False)]
    print(f"one writer's reply ({n} tokens, Studio's /write path without Gradio): on llama-server ÷ in process "
          f"{statistics.median(rates):.3f} (pairs: {' '.join(f'{x:.3f}' for x in rates)}), "
          f"{statistics.median(s[0] for s in srv):.2f} s and {statistics.median(i[0] for i in inp):.2f} s; "
          f"load average {load:.1f} -> {os.getloadavg()[0]:.1f}")
    server.backend().server.stop()
    sys.stdout.flush()


def main(argv=None) -> None:
    import httpx

    from studio.text.llama_server import ServerProcess

    ap = argparse.ArgumentParser()
    ap.add_argument("--tokens", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--only", default="one,four,page,article",
                    help="which measurements, comma-separated: one (writer), four (writers), page (the Write tab's "
                         "updates), article")
    args, _ = ap.parse_known_args(argv)
    only = set(args.only.split(","))
    print(f"llama-server bench; cpus {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for slots in [n for n, wanted in ((1, {"one", "page"}), (4, {"four"})) if wanted & only]:
            ctx, demo, client_factory, port = studio_app(tmp, slots)
            try:
                if slots == 1 and "page" in only:
                    page_updates(ctx, demo, port, args.tokens, args.rounds)
                if slots == 1 and "one" not in only:
                    continue
                ours = ctx.text.backend().server
                raw = ServerProcess(ours.binary, ours.model, slots, ours.slot_context, ours.threads,
                                    log_dir=tmp)
                raw.start()
                http = httpx.Client(timeout=600, headers={"Authorization": f"Bearer {raw.key}"})
                load = os.getloadavg()[0]
                if slots == 1:
                    one_writer(ctx, client_factory(), raw, http, args.tokens, args.rounds)
                else:
                    four_writers(ctx, client_factory, raw, http, args.tokens, args.rounds)
                print(f"  load average {load:.1f} -> {os.getloadavg()[0]:.1f}")
                raw.stop()
            finally:
                demo.close()
                ctx.text.backend().server.stop()
        if "article" in only:
            article(tmp, max(1, args.rounds // 2), args.tokens)
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    threading.current_thread().name = "bench"
    main()
