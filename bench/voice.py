"""Voice benchmark: a real short LoRA training run on the embedded SmolLM2, on this computer's CPU.

Trains a voice, exactly as the Voice tab does (default settings chosen from
the amount of text unless --steps/--rank/--lr are given), on three
"articles" (sections of this repository's README, about 700 words each), and
prints:
  * the panel's before/after figures: held-out perplexity and "N% better";
  * training time, seconds per step;
  * median seconds per step of Studio's loop ÷ that of a raw PEFT loop (same
    model, LoRA config and blocks; no lock, schedule, clipping or progress),
    timed raw, Studio, raw so that a busy machine slows both alike (target ≤ 1.05);
  * training speed in tokens per second;
  * held-out perplexity through llama.cpp without the voice and with the file it writes the voice with
    (the voice merged into a copy of the GGUF), to compare with the panel's figures;
  * writing speed with the voice ÷ without it on the default engine (target ≥ 0.9): 200 tokens of an
    outline, greedy, quality retries off, 5 pairs alternating which runs first; the median of the ratios.

    .venv/bin/python bench/voice.py [--model smollm2-135m-instruct] [--steps 0] [--words 700]
    .venv/bin/python bench/voice.py --text-file .venv/share/studio-test-texts/alice29.txt --words 5000
    .venv/bin/python bench/voice.py --speed-only [--raw-steps 10]   # only the loop-speed ratio
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

import torch  # noqa: E402

from studio.models import ModelManager  # noqa: E402
from studio.settings import Settings  # noqa: E402
from studio.testing import first_paragraphs, llamacpp_perplexity, smollm2_tokenizer  # noqa: E402
from studio.text.engine import TextEngine, WriteRequest  # noqa: E402
from studio.voice.backend import MERGED_GGUF, load_base  # noqa: E402
from studio.voice.train import TARGET_MODULES, VoiceSettings, VoiceTrainer, describe, split_blocks  # noqa: E402


def articles(words: int, n: int = 3) -> list[str]:
    """``n`` texts of about ``words`` words: consecutive README sections, code blocks and tables removed."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    lines = [ln for ln in text.splitlines() if not ln.lstrip().startswith("|")]
    tokens = "\n".join(lines).split(" ")
    return [" ".join(tokens[i * words:(i + 1) * words]) for i in range(n)]


def raw_step_time(manager, model_ref: str, texts: list[str], cfg: dict, steps: int) -> float:
    """Seconds per step of a bare PEFT training loop with the same settings."""
    from peft import LoraConfig, get_peft_model

    base, tok = load_base(manager.resolve(model_ref, "text"), manager)
    train, _ = split_blocks(tok, texts, cfg["block_tokens"])
    model = get_peft_model(base, LoraConfig(r=cfg["rank"], lora_alpha=2 * cfg["rank"], lora_dropout=0.05,
                                            target_modules=list(TARGET_MODULES), task_type="CAUSAL_LM"))
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=cfg["learning_rate"])
    model.train()
    times = []
    for i in range(steps):
        t0 = time.perf_counter()
        ids = torch.tensor([train[i % len(train)]])
        model(input_ids=ids, labels=ids).loss.backward()
        opt.step()
        opt.zero_grad()
        times.append(time.perf_counter() - t0)
    return statistics.median(times[1:] or times)


def studio_step_time(trainer, model_ref: str, texts: list[str], cfg: dict, steps: int) -> float:
    """Median seconds per step of Studio's training loop (a short throw-away voice)."""
    stamps: list[float] = []
    rec = trainer.train("bench", f"timing {time.time()}", texts, [], model_ref,
                        VoiceSettings(steps=steps, rank=cfg["rank"], learning_rate=cfg["learning_rate"],
                                      block_tokens=cfg["block_tokens"]),
                        progress=lambda p: stamps.append(time.perf_counter()) if p.phase == "training" else None)
    trainer.store.delete("bench", rec["id"])
    return statistics.median([b - a for a, b in zip(stamps, stamps[1:], strict=False)])


def speed_only(trainer, manager, model_ref: str, texts: list[str], steps: int) -> None:
    """Studio's loop against a bare PEFT loop, interleaved (raw, studio, raw) so that a busy machine
    slows both alike. Default settings for the text."""
    from studio.unitext import count_words
    from studio.voice.train import default_settings

    cfg = default_settings(sum(count_words(t) for t in texts)).__dict__
    raw1 = raw_step_time(manager, model_ref, texts, cfg, steps)
    studio = studio_step_time(trainer, model_ref, texts, cfg, steps)
    raw2 = raw_step_time(manager, model_ref, texts, cfg, steps)
    raw = (raw1 + raw2) / 2
    print(f"seconds per step (median): studio {studio:.3f}, raw PEFT loop {raw1:.3f} and {raw2:.3f}: "
          f"ratio {studio / raw:.2f} (target <= 1.05)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="smollm2-135m-instruct")
    ap.add_argument("--steps", type=int, default=0, help="0: the default for the amount of text")
    ap.add_argument("--rank", type=int, default=0)
    ap.add_argument("--lr", type=float, default=0.0)
    ap.add_argument("--words", type=int, default=700, help="words per article (3 articles)")
    ap.add_argument("--text-file", default="", help="train on the first --words words of this text file instead "
                    "(e.g. .venv/share/studio-test-texts/alice29.txt, the voice test's Lewis Carroll)")
    ap.add_argument("--raw-steps", type=int, default=10)
    ap.add_argument("--speed-only", action="store_true", help="only time Studio's loop against a raw PEFT loop")
    args = ap.parse_args()
    torch.set_num_threads(max(1, torch.get_num_threads()))
    texts = [first_paragraphs(Path(args.text_file), args.words)] if args.text_file else articles(args.words)
    with tempfile.TemporaryDirectory() as tmp:
        s = Settings(device="cpu", text_model=args.model, data_dir=Path(tmp) / "data", offline=True).validate()
        manager = ModelManager(s)
        engine = TextEngine(manager, s)
        trainer = VoiceTrainer(manager, engine.voices)
        last = {"t": time.perf_counter()}
        if args.speed_only:
            return speed_only(trainer, manager, args.model, texts, args.raw_steps)

        stamps: list[float] = []

        def show(p):
            if p.phase == "training":
                stamps.append(time.perf_counter())
            if p.phase != "training" or p.step % 10 == 0 or p.step == p.steps or time.perf_counter() - last["t"] > 20:
                last["t"] = time.perf_counter()
                left = f", about {p.seconds_left:.0f} s left" if p.seconds_left else ""
                loss = f", loss {p.loss:.3f}" if p.loss is not None else ""
                print(f"  [{p.phase}] step {p.step}/{p.steps}{loss}{left} {p.message[:60]}", flush=True)

        t0 = time.perf_counter()
        rec = trainer.train("local", "README voice", texts, [], args.model,
                            VoiceSettings(steps=args.steps, rank=args.rank, learning_rate=args.lr), progress=show)
        total = time.perf_counter() - t0
        cfg = rec["settings"]
        print(f"\ntext: {rec['words']} words in {len(texts)} text(s); {rec['train_tokens']} tokens trained on, "
              f"{rec['held_out_tokens']} held out")
        print(f"settings: steps {cfg['steps']}, rank {cfg['rank']}, learning rate {cfg['learning_rate']:g}, "
              f"block {cfg['block_tokens']} tokens, batch {cfg['batch_size']}")
        print(f"whole run (load, measure, train, save, measure): {total:.0f} s on {torch.get_num_threads()} threads")
        print(f"perplexity on held-out text: before {rec['perplexity_before']:.2f}, "
              f"after {rec['perplexity_after']:.2f}")
        print("panel says:", describe(rec))

        gaps = [b - a for a, b in zip(stamps, stamps[1:], strict=False)]
        step_s = statistics.median(gaps)
        print(f"seconds per training step (median): {step_s:.2f}")
        step_tokens = rec["train_tokens"] / max(1, -(-rec["train_tokens"] // cfg["block_tokens"]))
        print(f"training speed: {cfg['batch_size'] * step_tokens / step_s:.0f} tokens/s (median step; "
              f"{cfg['batch_size']} x ~{step_tokens:.0f} tokens a step)")
        speed_only(trainer, manager, args.model, texts, args.raw_steps)

        voice_file = engine.voices.adapter_path("local", rec["id"]) / MERGED_GGUF
        if voice_file.is_file() and args.model == "smollm2-135m-instruct":
            from studio.models import embedded_file

            _, held = split_blocks(smollm2_tokenizer(), texts, cfg["block_tokens"])
            base_ppl = llamacpp_perplexity(embedded_file(args.model), held)
            voice_ppl = llamacpp_perplexity(voice_file, held)
            print(f"held-out perplexity through llama.cpp: without the voice {base_ppl:.2f}, with {voice_file.name} "
                  f"{voice_ppl:.2f} ({100 * (1 - voice_ppl / base_ppl):.0f}% better)")
        writing_speed(engine, rec["id"])


def writing_speed(engine: TextEngine, voice: str, rounds: int = 5) -> None:
    """Tokens per second of Studio's /write path with ``voice`` ÷ without it: 200 tokens of an outline, greedy,
    quality retries off (one model call a request), ``rounds`` pairs alternating which runs first."""
    engine.retries = 0

    def run(v: str) -> float:
        req = WriteRequest("A note on writing every day", task="outline", seed=1, temperature=0,
                           repetition_penalty=1.0, max_new_tokens=200, voice=v)
        t0, last = time.perf_counter(), None
        for last in engine.stream(req):  # noqa: B007 - the last event is the result
            pass
        return last.tokens / (time.perf_counter() - t0)

    run(""), run(voice)  # load both models
    ratios, plain, voiced = [], [], []
    for i in range(rounds):
        if i % 2 == 0:
            a, b = run(""), run(voice)
        else:
            b, a = run(voice), run("")
        plain.append(a)
        voiced.append(b)
        ratios.append(b / a)
    print(f"writing speed: without voice {statistics.median(plain):.1f} tokens/s, with voice "
          f"{statistics.median(voiced):.1f} tokens/s (medians of {rounds})")
    print(f"writing speed with voice ÷ without: {statistics.median(ratios):.2f} (median of {rounds} pairs; "
          f"target ≥ 0.9)")


if __name__ == "__main__":
    main()
