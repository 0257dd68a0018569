"""The Library's audio and video exports: an article read aloud as MP3 (ID3 title, author and one
chapter per section) and as a narrated MP4 (both with signed Content Credentials) (each section's picture, or a title card, while it is read),
each with a WebVTT transcript beside it. The speech engine speaks; :mod:`studio.speech.video` films."""

from __future__ import annotations

from pathlib import Path

from ..errors import InvalidInput
from ..library import LOCAL_OWNER
from ..provenance.credentials import credentials_for
from .names import fresh_export_folder, safe_filename

MIME = {"mp3": "audio/mpeg", "mp4": "video/mp4", "wav": "audio/wav"}


def export_media(article: dict, owner: str, fmt: str, speech, out_dir: Path, stop=None) -> Path:
    """Write ``article`` (a :meth:`Library.get` dict) as ``mp3`` or ``mp4`` into ``out_dir``; the transcript
    ``<name>.vtt`` goes beside it. Returns the file's path.

    Raises:
        InvalidInput: the article has no text to read (or no speech engine was given).
    """
    from ..speech import media, video

    if speech is None:
        raise InvalidInput("format", "{f} needs the speech engine, which this caller did not give.", f=fmt)
    title, body = article["title"], article["body"]
    if not (body or "").strip():
        raise InvalidInput("body", "is empty: there is nothing to read aloud. Write the article first.")
    script = speech.prepare(body, title=title)
    author = "" if owner == LOCAL_OWNER else owner
    path = out_dir / safe_filename(title, f".{fmt}")
    audio = path if fmt == "mp3" else out_dir / ".narration.wav"
    timeline = speech.render(script, audio, "mp3" if fmt == "mp3" else "wav", stop=stop, title=title, author=author)
    transcript = path.with_suffix(".vtt")
    transcript.write_text(media.vtt(timeline.cues), encoding="utf-8")
    if fmt == "mp4":
        images = {i["ref"]: i["path"] for i in article["images"]}
        pictures = [images.get(s.image) if s.image else None for s in script.sections]
        try:
            video.narrated_video(audio, path, timeline, pictures, title, transcript)
        finally:
            audio.unlink(missing_ok=True)
    # Content Credentials (issue #30): a synthetic voice reading the article (and, in the video, its pictures)
    credentials_for(speech.settings).sign_file(path, MIME[fmt], model=f"Piper {script.voice}", title=title)
    return path


def spoken_file(speech, text: str, voice: str = "", speed: float = 1.0, fmt: str = "wav", title: str = "",
                stop=None) -> Path:
    """``text`` spoken into a WAV or MP3 file (with Content Credentials) in a fresh private export folder
    (``/speak``); returns its path."""
    script = speech.prepare(text, voice, speed, title=title)
    path = fresh_export_folder() / safe_filename(title or "speech", f".{fmt}")
    speech.render(script, path, fmt, stop=stop, title=title)
    return credentials_for(speech.settings).sign_file(path, MIME[fmt], model=f"Piper {script.voice}", title=title)
