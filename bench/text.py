"""Text benchmark: Studio on llama-server against raw llama-server (bench/text_server.py: one writer, four
writers, a 600-word article), Studio's /write path against raw llama.cpp, llama.cpp against transformers,
and start-up (a fresh app runs llama-server when it was built).

Prints, in one run on the same GGUF file and prompt (greedy, fixed number of new tokens):
  * tokens/s of Studio's /write path (``TextEngine.stream``, what ``/write`` runs) on llama.cpp
    ÷ tokens/s of raw ``llama_cpp.Llama.create_completion(stream=True)`` on the same file   (target >= 0.95);
  * tokens/s streamed by Studio's own OpenAI API (``POST /v1/chat/completions``, stream=True, with the
    ``openai`` client, on a Studio launched in this process) ÷ raw llama.cpp on the same chat prompt
                                                                                             (target >= 0.95);
  * Studio on llama.cpp ÷ Studio on transformers (same prompt, greedy, same threads)       (target >= 3.5);
  * model load time with a fresh (empty) cache on llama.cpp                                 (target <= 2 s);
  * a fresh ``python app.py`` start to the first words of a Write click in the Write tab, as the browser gets
    them, with ``--text-backend auto`` (llama-server when it was built: its start included) and llama.cpp in
    process, alternating                                                                      (target <= 5 s);
  * Studio on llama.cpp after torch has computed in a worker thread that stays alive (as a web-server
    worker that made a picture) ÷ before it                                                  (about 1; 0.4
    with a llama-cpp-python built with OpenMP, which shares libgomp with torch).

Robust to a busy machine: the two sides of each ratio run in pairs, one right after the other
(alternating which goes first), every run after a warm-up, and the ratio printed is the median of the
per-pair ratios (the medians of each side are printed too). tokens/s = new tokens ÷ seconds of the whole
call (prompt + generation), the same for both sides. Both llama.cpp sides and torch use ``--threads``.

    .venv/bin/python bench/text.py [--model smollm2-135m-instruct] [--tokens 200] [--rounds 5]
                                   [--threads N] [--app-rounds 3] [--no-app] [--no-transformers]
                                   [--no-api] [--app-only]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

from studio.models import ModelManager  # noqa: E402
from studio.settings import Settings  # noqa: E402
from studio.text.engine import TextEngine, WriteRequest  # noqa: E402

TOPIC = "urban gardening for beginners: soil, light, water and the first five plants to grow"


def make_engine(model: str, backend: str, cache: Path) -> TextEngine:
    s = Settings(device="cpu", text_model=model, text_backend=backend, cache_dir=cache,
                 data_dir=cache / "d").validate()
    engine = TextEngine(ModelManager(s), s)
    engine.retries = 0  # one model call a request: this measures streaming speed, not the quality retries
    return engine


def request(n: int) -> WriteRequest:
    # 'outline': no length cap below max_new_tokens, no min_new_tokens (and retries are off: make_engine)
    return WriteRequest(prompt=TOPIC, task="outline", temperature=0, repetition_penalty=1.0, max_new_tokens=n,
                        seed=1)


def studio_run(engine: TextEngine, n: int) -> tuple[float, int, str]:
    """``(seconds, new tokens, text)`` of one request through Studio's /write path."""
    t0 = time.perf_counter()
    last = None
    for last in engine.stream(request(n)):  # noqa: B007 - the last event is the result
        pass
    return time.perf_counter() - t0, last.tokens, last.text


def paired(a, b, rounds: int) -> tuple[list, list]:
    """``rounds`` runs of ``a`` and ``b`` in pairs, alternating which runs first (load drifts cancel out)."""
    xs, ys = [], []
    for i in range(rounds):
        if i % 2:
            ys.append(b())
            xs.append(a())
        else:
            xs.append(a())
            ys.append(b())
    return xs, ys


def rate(run: tuple[float, int, str]) -> float:
    return run[1] / run[0]


def first_streamed(port: int, t0: float) -> float:
    """Seconds from ``t0`` to the first text of a streamed ``/v1/chat/completions`` reply (a user's first token:
    a one-token ``/write`` returns only when its checks and retries are done)."""
    import httpx

    body = {"model": "", "messages": [{"role": "user", "content": "Write about bees."}], "max_tokens": 8,
            "temperature": 0, "seed": 1, "stream": True}
    with httpx.stream("POST", f"http://127.0.0.1:{port}/v1/chat/completions", json=body, timeout=300) as r:
        for line in r.iter_lines():
            if line.startswith("data: ") and '"content"' in line:
                return time.perf_counter() - t0
    raise RuntimeError("/v1/chat/completions streamed no text")


def first_words(port: int, t0: float, task: str = "outline") -> float:
    """Seconds from ``t0`` to the first words the model wrote in the Write tab's draft, as the browser gets them:
    the page's config (``/config``), then the Write button's two events through Gradio's queue (its guard, then
    the writing: ``/queue/join`` and the event stream of ``/queue/data``, whose draft arrives as diffs)."""
    import uuid

    import httpx

    with httpx.Client(timeout=300) as http:
        cfg = http.get(f"http://127.0.0.1:{port}/config").json()
        comps = {c["id"]: c for c in cfg["components"]}
        ids = {c.get("props", {}).get("elem_id"): c["id"] for c in cfg["components"]}
        deps = cfg["dependencies"]
        guard = next(i for i, d in enumerate(deps) if [ids["write-btn"], "click"] in [list(t) for t in d["targets"]])
        index = next(i for i, d in enumerate(deps) if d.get("trigger_after") == guard and ids["draft"] in d["outputs"])
        values = {ids["write-prompt"]: "urban gardening for beginners", ids["write-task"]: task}
        session, root = uuid.uuid4().hex, f"http://127.0.0.1:{port}/gradio_api"
        draft_at = deps[index]["outputs"].index(ids["draft"])
        for fn in (guard, index):
            data = [values.get(i, comps[i].get("props", {}).get("value")) for i in deps[fn]["inputs"]]
            http.post(root + "/queue/join", json={"data": data, "fn_index": fn, "trigger_id": ids["write-btn"],
                                                   "session_hash": session, "event_data": None}).raise_for_status()
            text = ""
            with http.stream("GET", root + "/queue/data", params={"session_hash": session}) as r:
                for line in r.iter_lines():
                    if not line.startswith("data: "):
                        continue
                    msg = json.loads(line[6:])
                    if msg.get("msg") == "process_completed":
                        if not msg.get("success", True):
                            raise RuntimeError(f"the Write click failed: {str(msg)[:300]}")
                        break
                    if fn == index and msg.get("msg") == "process_generating":
                        out = msg["output"]["data"][draft_at]
                        if isinstance(out, str):
                            text = out
                        elif isinstance(out, list):  # diffs: [["replace" | "append", path, value], ...]
                            for op, path, value in out:
                                if op == "replace" and not path:
                                    text = value
                                elif op == "append" and not path:
                                    text += value
                        if re.search(r"[A-Za-z]{2}", text):
                            return time.perf_counter() - t0
    raise RuntimeError("the Write tab showed no words")


def app_first_token(port: int, data: Path, threads: int, backend: str = "auto") -> tuple[float, ...]:
    """Seconds from starting ``python app.py --text-backend backend`` to "Running on" (server listening), to the
    first words of a Write click in the Write tab as the browser gets them (see :func:`first_words`; on
    llama-server its start is included: Studio starts it while the page is built), to the reply of a one-token
    /write (with its checks and retries) and to the first streamed token of a chat reply after it."""
    from gradio_client import Client

    env = {**os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False", "PYTHONUNBUFFERED": "1",
           "STUDIO_LLAMA_THREADS": str(threads)}
    up = threading.Event()
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "--no-browser", "--port", str(port),
                             "--data-dir", str(data), "--device", "cpu", "--offline", "--text-backend", backend],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True)
    log: list[str] = []

    def read():
        for line in proc.stdout:
            log.append(line)
            if "Running on" in line:
                up.set()

    threading.Thread(target=read, daemon=True).start()
    try:
        if not up.wait(300):
            raise RuntimeError("app.py did not start within 300 s:\n" + "".join(log[-20:]))
        t_up = time.perf_counter() - t0
        t_words = first_words(port, t0)
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        t_client = time.perf_counter()
        client.predict(prompt="bees", task="outline", max_new_tokens=1, seed=1, api_name="/write")
        t_write = time.perf_counter() - t_client
        t1 = time.perf_counter()
        return t_up, t_words, t_write, first_streamed(port, t1)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main() -> None:
    from studio.text.llamacpp import open_llama
    from studio.text.llamacpp import threads as default_threads

    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="smollm2-135m-instruct")
    ap.add_argument("--tokens", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=5, help="pairs of runs per ratio (medians are printed)")
    ap.add_argument("--threads", type=int, default=0, help="threads for llama.cpp and torch (default: "
                    "STUDIO_LLAMA_THREADS, else the physical cores)")
    ap.add_argument("--app-rounds", type=int, default=3, help="fresh app starts to time")
    ap.add_argument("--no-app", action="store_true", help="skip the app start-up measurement")
    ap.add_argument("--no-transformers", action="store_true", help="skip the transformers comparison")
    ap.add_argument("--no-server", action="store_true", help="skip Studio on llama-server (bench/text_server.py)")
    ap.add_argument("--no-api", action="store_true", help="skip the /v1/chat/completions comparison")
    ap.add_argument("--app-only", action="store_true", help="only the app start-up measurement")
    args = ap.parse_args()
    if args.app_only:
        with tempfile.TemporaryDirectory() as tmp:
            app_start(Path(tmp), args.threads or default_threads(), args.app_rounds)
        return
    from studio.text.llama_server import find_binary

    if not args.no_server:
        if find_binary() is None:
            print("llama-server was not built (bash scripts/build_llama_server.sh): its measurements are left out")
        else:
            sys.path.insert(0, str(ROOT / "bench"))
            import text_server

            text_server.main(["--tokens", str(args.tokens), "--rounds", str(max(2, args.rounds - 1))])
    n = args.tokens
    nthreads = args.threads or default_threads()
    os.environ["STUDIO_LLAMA_THREADS"] = str(nthreads)  # Studio's llama.cpp backend reads it

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        t0 = time.perf_counter()
        fast = make_engine(args.model, "llama.cpp", tmp / "fresh-cache")
        backend = fast.backend()
        load_s = time.perf_counter() - t0
        gguf = Path(fast.manager.resolve(args.model, "text").location)
        prompt, _, _ = fast._fit(backend, request(n).validated(), n, [])
        raw_llm = open_llama(gguf, n_ctx=backend.context_size, n_threads=nthreads, n_threads_batch=nthreads,
                             verbose=False)

        def raw() -> tuple[float, int, str]:
            # Called from a thread of its own, as Studio generates in one ("studio-generate"): llama.cpp's
            # OpenMP threads wait differently for the main thread, which on a busy machine made the same
            # call 10-60x slower there than in any other thread (OMP_WAIT_POLICY=passive removes the gap).
            out: list = []

            def work():
                raw_llm.reset()  # from scratch, as Studio does: no prompt reused from the previous round
                t0 = time.perf_counter()
                text = ""
                for chunk in raw_llm.create_completion(prompt, max_tokens=n, temperature=0, repeat_penalty=1.0,
                                                       stream=True):
                    text += chunk["choices"][0]["text"]
                out.append((time.perf_counter() - t0, -1, text))

            worker = threading.Thread(target=work, name="raw-generate")
            worker.start()
            worker.join()
            return out[0]

        raw(), studio_run(fast, n)  # warm-up
        raws, studios = paired(raw, lambda: studio_run(fast, n), args.rounds)
        same = all(r[2].strip() == s[2].strip() for r, s in zip(raws, studios, strict=False))
        # the same text is the same tokens; otherwise count the raw text's tokens with the model's tokenizer
        raws = [(r[0], s[1] if same else len(raw_llm.tokenize(r[2].encode(), add_bos=False, special=False)), r[2])
                for r, s in zip(raws, studios, strict=False)]
        raw_llm.close()  # frees the model before the transformers runs
        ratios = [rate(s) / rate(r) for r, s in zip(raws, studios, strict=False)]
        print(f"model: {args.model} ({gguf.name})  threads: {nthreads}  new tokens: {n} (greedy)  "
              f"pairs: {args.rounds}  cpus: {os.cpu_count()}  load average: {os.getloadavg()[0]:.1f}")
        print(f"raw llama_cpp.Llama streaming:   {statistics.median(map(rate, raws)):7.2f} tokens/s (median)   "
              f"({raws[0][1]} tokens)")
        print(f"Studio /write path on llama.cpp: {statistics.median(map(rate, studios)):7.2f} tokens/s (median)   "
              f"({studios[0][1]} tokens)   same text as raw: {same}")
        print(f"  Studio ÷ raw: {statistics.median(ratios):.3f} (median of pairs; each: "
              f"{' '.join(f'{x:.3f}' for x in ratios)})  (target >= 0.95)")
        sys.stdout.flush()
        if not args.no_api:
            api_vs_raw(args.model, gguf, n, nthreads, args.rounds, tmp)

        after_torch(fast, n, args.rounds)

        if not args.no_transformers:
            import torch

            torch.set_num_threads(nthreads)
            slow = make_engine(args.model, "transformers", tmp / "tf-cache")
            t0 = time.perf_counter()
            slow.backend()
            tf_load = time.perf_counter() - t0
            studio_run(slow, n)  # warm-up (the same request)
            fasts, slows = paired(lambda: studio_run(fast, n), lambda: studio_run(slow, n), max(1, args.rounds))
            ratios = [rate(f) / rate(s) for f, s in zip(fasts, slows, strict=False)]
            print(f"Studio /write path on transformers: {statistics.median(map(rate, slows)):7.2f} tokens/s (median, "
                  f"{slows[0][1]} tokens, torch threads {torch.get_num_threads()}, {slow.backend().model.dtype})   "
                  f"same text as llama.cpp: {slows[0][2].strip() == fasts[0][2].strip()}")
            print(f"  llama.cpp ÷ transformers: {statistics.median(ratios):.2f}x (median of pairs; each: "
                  f"{' '.join(f'{x:.2f}' for x in ratios)})  (target >= 3.5)")
        print(f"model load, fresh cache: llama.cpp {load_s:6.2f} s (target <= 2 s)"
              + ("" if args.no_transformers else f";  transformers {tf_load:6.2f} s (GGUF de-quantise + cache write)"))
        sys.stdout.flush()
        if not args.no_app:
            app_start(tmp, nthreads, args.app_rounds)


def app_start(tmp: Path, nthreads: int, rounds: int) -> None:
    """A fresh ``python app.py`` to the first words in the Write tab: ``auto`` (llama-server when it was built,
    its start included) and llama.cpp in Studio's process, in alternating order."""
    from studio.text.llama_server import find_binary

    backends = ["auto", "llama.cpp"]
    engine = {"auto": "llama-server" if find_binary() is not None else "llama.cpp in process",
              "llama.cpp": "llama.cpp in process"}
    runs: dict[str, list] = {b: [] for b in backends}
    for i in range(rounds):
        for b in backends if i % 2 == 0 else backends[::-1]:
            load = os.getloadavg()[0]
            runs[b].append((*app_first_token(_free_port(), tmp / f"app-data-{b}-{i}", nthreads, b), load))
    for b, got in runs.items():
        for up, words, write, streamed, load in got:
            print(f"python app.py --text-backend {b} ({engine[b]}): listening after {up:5.2f} s, the first words in "
                  f"the Write tab (an outline) after {words:5.2f} s; then a one-token /write answered in {write:4.2f} s"
                  f" (checked), a streamed /v1/chat/completions token in {streamed:4.2f} s (load average {load:.1f})")
        print(f"  fresh start ({b}, {engine[b]}) -> the first words in the Write tab: "
              f"{statistics.median(r[1] for r in got):5.2f} s (median of {len(got)})  (target <= 5 s); listening "
              f"after {statistics.median(r[0] for r in got):5.2f} s")
    sys.stdout.flush()


def after_torch(engine: TextEngine, n: int, rounds: int) -> None:
    """Studio's tokens/s after torch has computed in a worker thread that stays alive ÷ before."""
    from concurrent.futures import ThreadPoolExecutor

    import torch

    from studio.text.llamacpp import built_with_openmp

    def torch_work():
        x = torch.randn(512, 512)
        for _ in range(100):
            x = (x @ x).tanh()

    before = statistics.median(rate(studio_run(engine, n)) for _ in range(rounds))
    with ThreadPoolExecutor(1) as worker:
        worker.submit(torch_work).result()  # the worker thread, and torch's threads for it, stay alive
        after = statistics.median(rate(studio_run(engine, n)) for _ in range(rounds))
    print(f"Studio on llama.cpp after torch work in a live thread: {after:7.2f} tokens/s, before {before:7.2f}: "
          f"{after / before:.2f}x  (llama.cpp built with OpenMP: {built_with_openmp()})")
    sys.stdout.flush()


def api_vs_raw(model: str, gguf: Path, n: int, nthreads: int, rounds: int, tmp: Path) -> None:
    """``/v1/chat/completions`` streaming tokens/s ÷ raw llama.cpp on the same rendered chat prompt (greedy)."""
    import openai

    import app as studio_app
    from studio.text.llamacpp import open_llama

    port = _free_port()
    ctx, demo = studio_app.create_app(["--no-browser", "--port", str(port), "--data-dir", str(tmp / "api-data"),
                                       "--output-dir", str(tmp / "api-out"), "--device", "cpu", "--offline",
                                       "--text-model", model])
    studio_app.launch(ctx, demo, prevent_thread_lock=True, quiet=True)
    try:
        messages = [{"role": "user", "content": f"Write an outline of an article on {TOPIC}."}]
        backend = ctx.text.backend()
        prompt = backend.render(messages)
        llm = open_llama(gguf, n_ctx=backend.context_size, n_threads=nthreads, n_threads_batch=nthreads,
                         verbose=False)
        client = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="none", max_retries=0)

        def raw() -> tuple[float, int, str]:
            out: list = []

            def work():
                llm.reset()
                t0 = time.perf_counter()
                text = "".join(c["choices"][0]["text"] for c in llm.create_completion(
                    prompt, max_tokens=n, temperature=0, repeat_penalty=1.0, stream=True))
                out.append((time.perf_counter() - t0, len(llm.tokenize(text.encode(), add_bos=False)), text))

            worker = threading.Thread(target=work, name="raw-generate")
            worker.start()
            worker.join()
            return out[0]

        def api() -> tuple[float, int, str]:
            t0 = time.perf_counter()
            text, tokens = "", 0
            for chunk in client.chat.completions.create(model=model, messages=messages, max_tokens=n, temperature=0,
                                                        seed=1, stream=True, stream_options={"include_usage": True}):
                if chunk.choices:
                    text += chunk.choices[0].delta.content or ""
                if chunk.usage:
                    tokens = chunk.usage.completion_tokens
            return time.perf_counter() - t0, tokens, text

        raw(), api()  # warm-up
        raws, apis = paired(raw, api, rounds)
        ratios = [rate(a) / rate(r) for r, a in zip(raws, apis, strict=False)]
        print(f"/v1/chat/completions streaming: {statistics.median(map(rate, apis)):7.2f} tokens/s (median, "
              f"{apis[0][1]} tokens)   raw llama.cpp on the same chat prompt: {statistics.median(map(rate, raws)):7.2f}"
              f"   same text: {all(r[2].strip() == a[2].strip() for r, a in zip(raws, apis, strict=False))}")
        print(f"  /v1 ÷ raw: {statistics.median(ratios):.3f} (median of pairs; each: "
              f"{' '.join(f'{x:.3f}' for x in ratios)})  (target >= 0.95)")
        sys.stdout.flush()
        llm.close()
    finally:
        demo.close()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


if __name__ == "__main__":
    main()
