"""The speech engine: an article (Markdown) or any text read aloud, sentence by sentence.

``SpeechEngine.prepare`` checks the request (text, voice, speed, pause) and turns the text into a
:class:`Script` of spoken sections (:mod:`.ear`); ``stream`` yields one :class:`Utterance` per sentence as
soon as it is spoken, so playback starts after the first sentence and memory stays flat for any length;
``render`` writes the whole script as WAV or MP3 (:mod:`.media`) and returns its :class:`Timeline`
(section starts for chapters, sentence cues for the WebVTT transcript). Stop is honoured between sentences.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from ..errors import InvalidInput, ModelUnavailable, raise_if_stopped
from ..messages import Message
from ..models import ModelManager, embedded_file, looks_like_path
from ..settings import Settings
from ..validate import check_float
from . import ear
from .languages import HUB_REPO, HUB_VOICES, SCRIPTS, foreign_script, readable, reads
from .voice import Voice, VoiceCard, read_card

DEFAULT_VOICE = "en_US-joe-medium"
MAX_SPEAK_CHARS = 200_000  # about 30,000 words, three hours of audio
SENTENCE_GAP_S = 0.25  # silence after each sentence; sections add the writer's pause
FORMATS = ("wav", "mp3")


@dataclasses.dataclass
class Script:
    """What will be said: the sections, the voice's card, ``length_scale`` and the pause (seconds)."""

    sections: list[ear.Section]
    card: VoiceCard
    voice: str
    length_scale: float
    pause: float

    @property
    def total(self) -> int:
        return sum(len(s.sentences) for s in self.sections)

    @property
    def words(self) -> int:
        return sum(len(t.split()) for s in self.sections for t in s.sentences)


@dataclasses.dataclass
class Utterance:
    """One spoken sentence: its number (1-based) of ``total``, its section's index, the text, and the
    audio (16-bit PCM at ``sample_rate``, with the silence after it)."""

    index: int
    total: int
    section: int
    text: str
    audio: np.ndarray
    sample_rate: int
    spoken: int = 0  # samples of speech at the start of ``audio``; silence after them

    @property
    def speech_seconds(self) -> float:
        return self.spoken / self.sample_rate

    @property
    def seconds(self) -> float:
        return len(self.audio) / self.sample_rate


@dataclasses.dataclass
class Timeline:
    """Where things are in a rendered file: ``chapters`` (title, start, end) per section, ``cues``
    (start, end, text) per sentence, and the ``duration``, all in seconds."""

    chapters: list[tuple[str, float, float]] = dataclasses.field(default_factory=list)
    cues: list[tuple[float, float, str]] = dataclasses.field(default_factory=list)
    duration: float = 0.0


class SpeechEngine:
    """Reads text aloud with a Piper voice (kind ``speech`` of the ModelManager)."""

    def __init__(self, manager: ModelManager, settings: Settings):
        self.manager = manager
        self.settings = settings

    # ----- voices ---------------------------------------------------------------
    def offered(self) -> list[str]:
        """The voices to offer: the default (``--speech-model``), the embedded one when installed, the
        voices downloaded in the Models tab (``org/repo:path/NAME.onnx``, from the Hugging Face cache) and
        every Piper voice (``.onnx`` with its ``.onnx.json``) in the ``--model-dir`` folders."""
        from ..hub import installed

        names = [self.settings.speech_model]
        if embedded_file(DEFAULT_VOICE) is not None:
            names.append(DEFAULT_VOICE)
        with contextlib.suppress(OSError):  # an unreadable cache: the other voices are still offered
            names += [e["ref"] for e in installed(self.settings, "speech") if e["source"] == "hub"]
        for folder in self.settings.model_dirs:
            try:
                names += [str(p) for p in sorted(Path(folder).rglob("*.onnx"))[:200]
                          if p.with_name(p.name + ".json").exists()]
            except OSError:
                continue
        return list(dict.fromkeys(n for n in names if n))

    def card(self, voice: str) -> VoiceCard:
        """The card of ``voice`` (a reference), read without loading the voice.

        Raises:
            ModelUnavailable: the reference names no Piper voice this studio may use.
        """
        resolved = self.manager.resolve(voice or self.settings.speech_model, "speech")
        return read_card(resolved.path)

    def _fitting(self, script: str) -> list[str]:
        fit = []
        for ref in self.offered():
            try:
                if reads(self.card(ref).family, script):
                    fit.append(ref if not looks_like_path(ref) else Path(ref).name[: -len(".onnx")])
            except ModelUnavailable:
                continue
        return fit

    # ----- the request ---------------------------------------------------------------
    def prepare(self, text: str, voice: str = "", speed: float = 1.0, pause: float = 0.8,
                title: str = "") -> Script:
        """Check a request and make its :class:`Script`.

        Args:
            text: Markdown or plain text (at most :data:`MAX_SPEAK_CHARS` characters).
            voice: a voice reference ("" = ``--speech-model``).
            speed: 0.5 to 2.0 (1 = the voice's own pace); Piper's ``length_scale`` is its inverse.
            pause: seconds of silence around each section title, 0 to 3.
            title: spoken first (the article's title), optional.

        Raises:
            InvalidInput: empty text, too long, nothing speakable, a bad speed or pause, or a text in a
                script the voice cannot read (naming voices that can).
            ModelUnavailable: no such voice.
        """
        if not isinstance(text, str) or not text.strip():
            raise InvalidInput("text", "is empty. Write or select some text to listen to.")
        if len(text) > MAX_SPEAK_CHARS:
            raise InvalidInput("text", "has {n} characters; Listen reads at most {m} at a time. Select a part of it.",
                               n=f"{len(text):,}", m=f"{MAX_SPEAK_CHARS:,}")
        speed = check_float("speed", speed, 0.5, 2.0)
        pause = check_float("pause", pause, 0.0, 3.0)
        voice = (voice or self.settings.speech_model or DEFAULT_VOICE).strip()
        card = self.card(voice)
        self._check_language(card, f"{title}\n{text}")
        english = card.family == "en"
        body = readable(text, card.family)
        sections = ear.sections(body, readable(title or "", card.family), english=english)
        if not any(s.sentences for s in sections):
            raise InvalidInput("text", "has nothing to read aloud (only symbols, emoji, code or control "
                                       "characters). Write some words.")
        return Script(sections, card, voice, card.length_scale / speed, pause)

    def _check_language(self, card: VoiceCard, text: str) -> None:
        script = foreign_script(text, card.family)
        if script is None:
            return
        lang = SCRIPTS[script][1]
        fit = self._fitting(script)
        hub = HUB_VOICES.get(script)
        if hub:
            where = Message("{v}, or for example {h} from the Hub repository {r} (put its .onnx and .onnx.json files "
                            "in a --model-dir folder).", v=", ".join(fit), h=hub, r=HUB_REPO) if fit else \
                Message("for example {v} from the Hub repository {r} (put its .onnx and .onnx.json files in a "
                        "--model-dir folder).", v=hub, r=HUB_REPO)
        else:
            where = Message("{v}, or a {t_l} voice from the Hub repository {r}.", v=", ".join(fit), t_l=Message(lang),
                            r=HUB_REPO) if fit else \
                Message("a {t_l} voice from the Hub repository {r}.", t_l=Message(lang), r=HUB_REPO)
        raise InvalidInput(
            "voice", "{v} speaks {l} only, and this text is in {t_l}. Choose a voice that speaks {t_m}: {rest}",
            v=card.name, l=Message(card.language_name), t_l=Message(lang), t_m=Message(lang), rest=where)

    # ----- speaking ---------------------------------------------------------------
    def voice(self, script: Script) -> Voice:
        return self.manager.get("speech", script.voice)

    def stream(self, script: Script, stop=None) -> Iterator[Utterance]:
        """Speak ``script`` sentence by sentence; each :class:`Utterance` comes as soon as it is spoken.

        Raises:
            Cancelled: ``stop`` was set (checked before each sentence, so Stop ends within one sentence).
        """
        voice = self.voice(script)
        rate = script.card.sample_rate
        gap = np.zeros(int(SENTENCE_GAP_S * rate), dtype=np.int16)
        pause = np.zeros(int(script.pause * rate), dtype=np.int16)
        total, n = script.total, 0
        for si, section in enumerate(script.sections):
            for ti, sentence in enumerate(section.sentences):
                raise_if_stopped(stop)
                n += 1
                with self.manager.device_lock("speech"):
                    audio = voice.speak(sentence, script.length_scale)
                heading = ti == 0 and section.heading
                last = ti == len(section.sentences) - 1 and si < len(script.sections) - 1
                tail = pause if (heading or last) else gap
                yield Utterance(n, total, si, sentence, np.concatenate([audio, tail]), rate, len(audio))

    def render(self, script: Script, path: Path, fmt: str = "wav", stop=None, progress=None,
               title: str = "", author: str = "") -> Timeline:
        """Write ``script`` to ``path`` as ``wav`` or ``mp3`` (with ID3 title, author and one chapter per
        section) and return its :class:`Timeline`. Audio goes to the file as it is spoken (flat memory).
        ``progress(done, total)`` is called after each sentence."""
        from . import media

        if fmt not in FORMATS:
            raise InvalidInput("format", "must be one of {c}, not {user_v}.", c=", ".join(FORMATS), user_v=repr(fmt))
        timeline = Timeline()
        t = 0.0
        starts: dict[int, float] = {}
        with media.open_sink(Path(path), fmt, script.card.sample_rate) as sink:
            for u in self.stream(script, stop):
                starts.setdefault(u.section, t)
                timeline.cues.append((t, t + max(u.speech_seconds, 0.05), u.text))
                sink.write(u.audio)
                t += u.seconds
                if progress:
                    progress(u.index, u.total)
        timeline.duration = t
        ordered = sorted(starts.items())
        for k, (si, start) in enumerate(ordered):
            end = ordered[k + 1][1] if k + 1 < len(ordered) else t
            timeline.chapters.append((script.sections[si].title or title or "Introduction", start, end))
        if fmt == "mp3":
            media.tag_mp3(Path(path), title, author, timeline.chapters)
        return timeline
