"""Audio files for speech: WAV (the standard library's ``wave``) and MP3 (the ``ffmpeg`` that
``imageio-ffmpeg`` bundles, fed as the audio is spoken), ID3 tags and chapters (written by the same
ffmpeg), and the WebVTT transcript written beside an export."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import tempfile
import wave
from pathlib import Path

import numpy as np


def ffmpeg() -> str:
    """The path of the ffmpeg program bundled by ``imageio-ffmpeg``."""
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def ffmpeg_on_path() -> None:
    """Make the bundled ffmpeg findable as ``ffmpeg`` on ``PATH`` when no ffmpeg is installed: Gradio's
    streaming player encodes each chunk with the ``ffmpeg`` it finds there. A link in a private folder of
    the temporary directory; set once for the process at start-up (it is no user's state)."""
    if shutil.which("ffmpeg"):
        return
    folder = Path(tempfile.gettempdir()) / f"studio-ffmpeg-{os.getuid() if hasattr(os, 'getuid') else 0}"
    folder.mkdir(mode=0o700, exist_ok=True)
    link = folder / ("ffmpeg.exe" if os.name == "nt" else "ffmpeg")
    if not link.exists():
        try:
            link.symlink_to(ffmpeg())
        except OSError:
            shutil.copy2(ffmpeg(), link)
    os.environ["PATH"] = f"{folder}{os.pathsep}{os.environ.get('PATH', '')}"


class WavSink:
    def __init__(self, path: Path, rate: int):
        self.file = wave.open(str(path), "wb")  # noqa: SIM115 - the sink owns the file until close()
        self.file.setnchannels(1)
        self.file.setsampwidth(2)
        self.file.setframerate(rate)

    def write(self, audio: np.ndarray) -> None:
        self.file.writeframes(audio.astype("<i2").tobytes())

    def close(self) -> None:
        self.file.close()


class Mp3Sink:
    """16-bit PCM in, MP3 (libmp3lame, 64 kb/s mono: speech) out, encoded while the voice speaks."""

    def __init__(self, path: Path, rate: int):
        self.path = path
        self.proc = subprocess.Popen(
            [ffmpeg(), "-hide_banner", "-loglevel", "error", "-y", "-f", "s16le", "-ar", str(rate), "-ac", "1",
             "-i", "pipe:0", "-c:a", "libmp3lame", "-b:a", "64k", "-write_xing", "1", str(path)],
            stdin=subprocess.PIPE, stderr=subprocess.PIPE)

    def write(self, audio: np.ndarray) -> None:
        assert self.proc.stdin is not None  # opened with stdin=PIPE
        self.proc.stdin.write(audio.astype("<i2").tobytes())

    def close(self) -> None:
        assert self.proc.stdin is not None and self.proc.stderr is not None  # opened with pipes
        self.proc.stdin.close()
        err = self.proc.stderr.read()
        if self.proc.wait() != 0:
            raise OSError(f"ffmpeg could not write the MP3: {err.decode('utf-8', 'replace')[:300]}")


@contextlib.contextmanager
def open_sink(path: Path, fmt: str, rate: int):
    """A writer of 16-bit mono PCM into ``path`` as ``wav`` or ``mp3``; an unfinished file is removed."""
    sink = Mp3Sink(path, rate) if fmt == "mp3" else WavSink(path, rate)
    try:
        yield sink
    except BaseException:
        with contextlib.suppress(Exception):
            sink.close()
        path.unlink(missing_ok=True)
        raise
    sink.close()


def _meta(text: str) -> str:
    """``text`` escaped for an FFMETADATA file (``= ; # \\`` and line breaks)."""
    return re.sub(r"([=;#\\\n])", r"\\\1", text.replace("\r", " "))


def tag_mp3(path: Path, title: str, author: str, chapters: list[tuple[str, float, float]]) -> None:
    """Set the MP3's title and author (ID3v2.4 ``TIT2``/``TPE1``) and one ``CHAP`` frame per chapter
    (title, start, end in seconds) listed in a top-level ``CTOC``, as podcast players read them. Written by
    ffmpeg (a copy of the audio with the tags, then renamed over the file), so no GPL tagging library is
    imported into Studio (README, "Speech and its licences")."""
    lines = [";FFMETADATA1", f"title={_meta(title)}" if title else "", f"artist={_meta(author)}" if author else ""]
    for name, start, end in chapters:
        lines += ["[CHAPTER]", "TIMEBASE=1/1000", f"START={int(start * 1000)}", f"END={int(end * 1000)}",
                  f"title={_meta(name)}"]
    meta = path.with_name(path.name + ".meta.txt")
    tagged = path.with_name(path.stem + ".tagged.mp3")
    meta.write_text("\n".join(x for x in lines if x) + "\n", encoding="utf-8")
    try:
        done = subprocess.run([ffmpeg(), "-hide_banner", "-loglevel", "error", "-y", "-i", str(path), "-i", str(meta),
                               "-map", "0:a", "-map_metadata", "1", "-map_chapters", "1", "-c", "copy",
                               "-id3v2_version", "4", "-write_xing", "1", str(tagged)], capture_output=True)
        if done.returncode != 0:
            raise OSError(f"ffmpeg could not tag the MP3: {done.stderr.decode('utf-8', 'replace')[-300:]}")
        tagged.replace(path)
    finally:
        meta.unlink(missing_ok=True)
        tagged.unlink(missing_ok=True)


def _stamp(t: float) -> str:
    ms = int(round(t * 1000))
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"


def vtt(cues: list[tuple[float, float, str]]) -> str:
    """A WebVTT transcript: one cue per spoken sentence (start, end, text)."""
    lines = ["WEBVTT", ""]
    for i, (start, end, text) in enumerate(cues, 1):
        safe = text.replace("-->", "->").replace("\n", " ")
        lines += [str(i), f"{_stamp(start)} --> {_stamp(end)}", safe, ""]
    return "\n".join(lines)


def read_vtt(text: str) -> list[tuple[float, float, str]]:
    """The cues of a WebVTT transcript written by :func:`vtt` (for tests and tools)."""
    def secs(s: str) -> float:
        h, m, rest = s.split(":")
        return int(h) * 3600 + int(m) * 60 + float(rest)

    cues, lines = [], text.splitlines()
    for i, line in enumerate(lines):
        if "-->" in line:
            a, b = (p.strip() for p in line.split("-->"))
            cues.append((secs(a), secs(b), lines[i + 1] if i + 1 < len(lines) else ""))
    return cues
