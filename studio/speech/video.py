"""A narrated video: the narration (WAV) with one still frame per section (the section's picture,
letterboxed, or a title card) shown while that section is read, encoded by the ``ffmpeg`` that
``imageio-ffmpeg`` bundles as H.264 + AAC in an MP4 at 1280x720, with the transcript as a subtitle track."""

from __future__ import annotations

import subprocess
import tempfile
import textwrap
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from .media import ffmpeg

SIZE = (1280, 720)
FPS = 10
BACKGROUND = (24, 26, 38)


def _font(size: int):
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow without FreeType sizes
        return ImageFont.load_default()


def title_card(title: str, section: str) -> Image.Image:
    """A dark card with the article's title and, below it, the section's."""
    img = Image.new("RGB", SIZE, BACKGROUND)
    draw = ImageDraw.Draw(img)
    y = 240
    for line in textwrap.wrap(title or "", 36)[:3]:
        draw.text((SIZE[0] // 2, y), line, font=_font(56), fill=(240, 240, 250), anchor="mm")
        y += 70
    if section and section != title:
        for line in textwrap.wrap(section, 50)[:2]:
            draw.text((SIZE[0] // 2, y + 40), line, font=_font(38), fill=(170, 180, 230), anchor="mm")
            y += 50
    return img


def picture_frame(path: str | Path) -> Image.Image:
    """The picture fitted inside 1280x720 on the card's background (never cropped)."""
    with Image.open(path) as opened:
        pic = opened.convert("RGB")
        scale = min(SIZE[0] / pic.width, SIZE[1] / pic.height)
        pic = pic.resize((max(1, round(pic.width * scale)), max(1, round(pic.height * scale))),
                         Image.Resampling.LANCZOS)
        frame = Image.new("RGB", SIZE, BACKGROUND)
        frame.paste(pic, ((SIZE[0] - pic.width) // 2, (SIZE[1] - pic.height) // 2))
        return frame


def narrated_video(audio: Path, out: Path, timeline, pictures: list, title: str, transcript: Path | None) -> Path:
    """Write ``out`` (MP4): the frame of chapter k (``pictures[k]``, a file path, or a title card when None
    or unreadable) from its start to its end, the ``audio`` as AAC, and ``transcript`` (WebVTT) as a
    ``mov_text`` subtitle track. Returns ``out``."""
    with tempfile.TemporaryDirectory(prefix="studio-video-") as tmp:
        lines = []
        frames = []
        for k, (name, start, end) in enumerate(timeline.chapters):
            pic = pictures[k] if k < len(pictures) else None
            try:
                frame = picture_frame(pic) if pic else title_card(title, name)
            except OSError:
                frame = title_card(title, name)
            frames.append(Path(tmp) / f"f{k:04d}.png")
            frame.save(frames[-1])
            lines += [f"file '{frames[-1]}'", f"duration {max(end - start, 1 / FPS):.3f}"]
        lines.append(f"file '{frames[-1]}'")  # the concat demuxer needs the last file again
        listing = Path(tmp) / "frames.txt"
        listing.write_text("\n".join(lines) + "\n", encoding="utf-8")
        cmd = [ffmpeg(), "-hide_banner", "-loglevel", "error", "-y", "-f", "concat", "-safe", "0", "-i", str(listing),
               "-i", str(audio)]
        if transcript is not None:
            cmd += ["-i", str(transcript)]
        cmd += ["-map", "0:v", "-map", "1:a"] + (["-map", "2:s", "-c:s", "mov_text"] if transcript else [])
        cmd += ["-vf", f"fps={FPS},format=yuv420p", "-c:v", "libx264", "-preset", "veryfast", "-tune", "stillimage",
                "-c:a", "aac", "-b:a", "96k", "-t", f"{timeline.duration:.3f}", "-movflags", "+faststart", str(out)]
        done = subprocess.run(cmd, capture_output=True)
        if done.returncode != 0:
            raise OSError(f"ffmpeg could not write the video: {done.stderr.decode('utf-8', 'replace')[-300:]}")
    return out
