# SPDX-License-Identifier: GPL-3.0-or-later
"""The Piper worker: a separate program that Studio runs as a child process to speak with Piper.

Licence: this file imports ``piper`` (piper-tts, GPL-3.0-or-later), so it is itself licensed under the
GNU GPL, version 3 or later, unlike the rest of Studio (Apache-2.0). Studio never imports it nor
``piper``: it starts ``python piper_worker.py MODEL CONFIG`` and talks to it over pipes (README,
"Speech and its licences"), the way a program runs ``ffmpeg``.

Protocol (one request at a time): Studio writes one JSON line ``{"text": ..., "length_scale": ..., "volume": ...}``;
the worker answers one JSON line ``{"samples": N, "sample_rate": R}`` followed by ``2 * N`` bytes of
16-bit little-endian mono PCM, or ``{"error": "..."}``. On start it answers ``{"ready": true, ...}``.
"""

import json
import sys

import numpy as np


def main() -> None:
    from piper import PiperVoice, SynthesisConfig

    out = sys.stdout.buffer
    try:
        voice = PiperVoice.load(sys.argv[1], config_path=sys.argv[2])
    except Exception as exc:  # noqa: BLE001 - reported to Studio, which explains it to the writer
        out.write((json.dumps({"error": f"{type(exc).__name__}: {exc}"}) + "\n").encode())
        out.flush()
        return
    rate = voice.config.sample_rate
    out.write((json.dumps({"ready": True, "sample_rate": rate}) + "\n").encode())
    out.flush()
    for line in sys.stdin.buffer:
        try:
            req = json.loads(line)
            config = SynthesisConfig(length_scale=req.get("length_scale"), volume=float(req.get("volume", 1.0)))
            chunks = [c.audio_int16_array for c in voice.synthesize(req["text"], syn_config=config)]
            audio = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16)
        except Exception as exc:  # noqa: BLE001 - one bad sentence must not end the worker
            out.write((json.dumps({"error": f"{type(exc).__name__}: {exc}"}) + "\n").encode())
            out.flush()
            continue
        out.write((json.dumps({"samples": int(audio.size), "sample_rate": rate}) + "\n").encode())
        out.write(audio.astype("<i2").tobytes())
        out.flush()


if __name__ == "__main__":
    main()
