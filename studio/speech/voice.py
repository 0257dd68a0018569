"""A Piper voice (``.onnx`` + ``.onnx.json``): finding its files, reading its card, and speaking with it
through the Piper worker process (:mod:`.piper_worker`, see the README for why a process).

:func:`load_voice` is the ModelManager's loader of kind ``speech``: it starts one worker per voice,
which stays loaded (the manager keeps at most two voices and ends the worker of a voice it drops).
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import threading
import weakref
from pathlib import Path

import numpy as np

from ..errors import ModelUnavailable
from ..messages import Message

WORKER = Path(__file__).with_name("piper_worker.py")
VOLUME = 0.9  # Piper scales each sentence to full scale; 0.9 leaves headroom, so MP3 and AAC never clip


@dataclasses.dataclass(frozen=True)
class VoiceCard:
    """What Studio needs from a voice's ``.onnx.json``: its name, language (``en_US``), language family
    (``en``), sample rate and default ``length_scale``."""

    name: str
    model: Path
    config: Path
    language: str
    family: str
    sample_rate: int
    length_scale: float
    language_name: str = "English"


def voice_files(path: Path) -> tuple[Path, Path]:
    """The ``.onnx`` and ``.onnx.json`` of a voice given as either file or as a folder holding one voice.

    Raises:
        ModelUnavailable: no voice there, several (name one), or the ``.onnx.json`` is missing.
    """
    if path.is_dir():
        found = sorted(p for p in path.rglob("*.onnx") if p.with_name(p.name + ".json").exists())
        if len(found) != 1:
            names = ", ".join(p.name for p in found[:8])
            raise ModelUnavailable(
                "The folder {p} holds {w}; give the path of one voice's .onnx file.", p=path,
                w=Message("no Piper voice (.onnx with its .onnx.json)") if not found else names)
        path = found[0]
    if path.name.endswith(".onnx.json"):
        path = path.with_name(path.name[: -len(".json")])
    config = path.with_name(path.name + ".json")
    if path.suffix != ".onnx" or not path.exists() or not config.exists():
        raise ModelUnavailable("{p} is not a Piper voice: it needs the .onnx file and its .onnx.json beside it.", p=path)
    return path, config


def read_card(path: Path) -> VoiceCard:
    """The :class:`VoiceCard` of the voice at ``path`` (file or folder), without loading it."""
    model, config = voice_files(path)
    try:
        data = json.loads(config.read_text(encoding="utf-8"))
        lang = data.get("language", {}).get("code") or data.get("espeak", {}).get("voice", "en")
        return VoiceCard(
            name=model.stem, model=model, config=config,
            language=lang.replace("-", "_"), family=(data.get("language", {}).get("family") or lang[:2]).lower(),
            sample_rate=int(data["audio"]["sample_rate"]),
            length_scale=float(data.get("inference", {}).get("length_scale", 1.0)),
            language_name=data.get("language", {}).get("name_english") or lang)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ModelUnavailable("The voice card {p} cannot be read ({e}).", p=config, e=type(exc).__name__) from None


class Voice:
    """A loaded voice: its card and its worker process. :meth:`speak` is one sentence in, PCM out.
    Thread-safe (one sentence at a time per voice); a worker that died is started again."""

    def __init__(self, card: VoiceCard):
        self.card = card
        self._lock = threading.Lock()
        self._proc: subprocess.Popen | None = None
        self._start()

    def _start(self) -> None:
        proc = subprocess.Popen([sys.executable, str(WORKER), str(self.card.model), str(self.card.config)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        weakref.finalize(self, _end, proc)
        head = self._header(proc)
        if not head.get("ready"):
            _end(proc)
            raise ModelUnavailable("The voice {v} could not be loaded: {e}. Install piper-tts (requirements.txt) or "
                                   "pick another voice.", v=self.card.name, e=head.get("error", "no answer"))
        self._proc = proc

    @staticmethod
    def _header(proc: subprocess.Popen) -> dict:
        assert proc.stdout is not None  # started with stdout=PIPE
        line = proc.stdout.readline()
        try:
            return json.loads(line) if line else {"error": "the Piper worker ended"}
        except ValueError:
            return {"error": line[:200].decode("utf-8", "replace")}

    def speak(self, text: str, length_scale: float) -> np.ndarray:
        """The sentence ``text`` as 16-bit PCM at ``card.sample_rate`` (empty when there is nothing to say)."""
        req = (json.dumps({"text": text, "length_scale": length_scale, "volume": VOLUME}) + "\n").encode()
        with self._lock:
            for _attempt in (0, 1):
                if self._proc is None or self._proc.poll() is not None:
                    self._start()
                proc = self._proc
                assert proc is not None and proc.stdin is not None  # _start sets it, with pipes
                try:
                    proc.stdin.write(req)
                    proc.stdin.flush()
                    head = self._header(proc)
                except (BrokenPipeError, OSError):
                    head = {"error": "the Piper worker ended", "retry": True}
                if "samples" in head:
                    return np.frombuffer(_read(proc.stdout, 2 * head["samples"]), dtype="<i2")
                if not head.get("retry") and proc.poll() is None:
                    break  # the worker is alive and refused this sentence
            raise ModelUnavailable("The voice {v} could not say a sentence: {e}.", v=self.card.name, e=head.get("error"))

    def close(self) -> None:
        if self._proc is not None:
            _end(self._proc)
            self._proc = None


def _read(stream, size: int) -> bytes:
    data = bytearray()
    while len(data) < size:
        chunk = stream.read(size - len(data))
        if not chunk:
            raise ModelUnavailable("The Piper worker ended in the middle of a sentence.")
        data += chunk
    return bytes(data)


def _end(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        try:
            if proc.stdin is not None:  # started with stdin=PIPE
                proc.stdin.close()
            proc.wait(timeout=2)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()


def load_voice(resolved, manager) -> Voice:
    """The ModelManager's loader of kind ``speech``: a :class:`Voice` for the resolved path."""
    return Voice(read_card(resolved.path))
