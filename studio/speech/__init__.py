"""Speech: articles read aloud with a Piper voice (offline), as a stream for the player and as WAV, MP3
(ID3 chapters, WebVTT transcript) or a narrated MP4 for the Library's export. See :mod:`.engine`."""

from .engine import DEFAULT_VOICE, FORMATS, MAX_SPEAK_CHARS, Script, SpeechEngine, Timeline, Utterance  # noqa: F401

__all__ = ["SpeechEngine", "Script", "Utterance", "Timeline", "DEFAULT_VOICE", "FORMATS", "MAX_SPEAK_CHARS"]
