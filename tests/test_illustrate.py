"""Illustrate: sections, prompt proposals (a scripted model and the tiny random
LM), placement under headings, and generation with the tiny random diffusion
pipeline and with the real face GAN."""

from __future__ import annotations

import re
import threading
from types import SimpleNamespace

import pytest
from PIL import Image

from studio.errors import InvalidInput
from studio.illustrate import (
    Proposal,
    clean_prompt,
    describes_picture,
    fallback_prompt,
    illustrate,
    image_generator,
    place_images,
    propose_prompts,
    split_sections,
)
from studio.library import Library
from studio.settings import Settings, default_cache_dir

ARTICLE = """A short opening about city gardens.

## Herbs on the windowsill

Basil and mint grow well in pots. They need sun.

```
## not a heading, this is code
```

## Tomatoes

Tomatoes want a big pot and daily water.

### Feeding

Feed them every week.
"""


class ScriptedModel:
    """Stands in for ``TextEngine.complete``: replies from a script and records each call."""

    def __init__(self, replies):
        self.replies, self.calls = list(replies), []

    def complete(self, prompt, *, max_new_tokens=256, temperature=0.7, seed=-1, stop=None):
        self.calls.append({"prompt": prompt, "seed": seed, "max_new_tokens": max_new_tokens})
        return self.replies[len(self.calls) - 1]


def test_split_sections_uses_headings_outside_code():
    sections = split_sections(ARTICLE, "City gardens")
    assert [(s.heading, s.level) for s in sections] == [
        ("City gardens", 0), ("Herbs on the windowsill", 2), ("Tomatoes", 2), ("Feeding", 3)]
    assert sections[0].line == -1 and sections[1].line == 2
    assert "## not a heading" in sections[1].text and sections[3].text == "Feed them every week."
    assert split_sections("", "T") == []
    assert [s.heading for s in split_sections("Only text, no headings.")] == ["Introduction"]
    assert [s.heading for s in split_sections("## A\n\nx")] == ["A"]  # no empty introduction


@pytest.mark.parametrize("reply, expected", [
    ('Prompt: "A watercolor basil pot on a sunny sill"\nThis prompt shows...', "A watercolor basil pot on a sunny sill"),
    ("**Image prompt:** tomatoes in a terracotta pot, photo", "tomatoes in a terracotta pot, photo"),
    ("\n\n- 1. A fox", "1. A fox, editorial illustration"),  # a short subject gets a style
    ("Sure! Here is a prompt for you: a red barn in the snow", "a red barn in the snow"),
    ("To create an impactful piece of writing, use descriptive language.", "FALLBACK"),
    ("Here's the image prompt: misty hills", "misty hills, editorial illustration"),
    ("The following is a continuation of the article.\nA baker at dawn with loaves, watercolor",
     "A baker at dawn with loaves, watercolor"),  # the talk is skipped, the picture kept
    ("Your introduction effectively conveys the importance of bread.", "FALLBACK"),
    ("This section shows readers how to post photos", "FALLBACK"),
    ('The original sentence is "how small bakers can use social media...', "FALLBACK"),
    ("The subject is a lighthouse on a rocky coast, designed by a local architect", "FALLBACK"),  # the example
    ("Picture: **a bee on lavender**", "a bee on lavender"),
    ("<think>hmm</think>\nA cat on a roof", "A cat on a roof"),
    ("", "FALLBACK"),
    ("!!! ??? 12", "FALLBACK"),
])
def test_clean_prompt(reply, expected):
    assert clean_prompt(reply, "FALLBACK") == expected


def test_clean_prompt_is_short():
    assert len(clean_prompt("word " * 200, "f").split()) == 40
    long = "A city garden at dusk with tall tomato plants. " + "Many more words follow here " * 10
    assert clean_prompt(long, "f") == "A city garden at dusk with tall tomato plants."


def test_propose_prompts_one_per_section_with_fallbacks():
    model = ScriptedModel(['"An opening shot of a rooftop garden"', "", "Prompt: ripe tomatoes, oil painting", "..."])
    proposals = propose_prompts(model.complete, "City gardens", ARTICLE, seed=100)
    assert [p.heading for p in proposals] == ["City gardens", "Herbs on the windowsill", "Tomatoes", "Feeding"]
    assert [p.section for p in proposals] == [0, 1, 2, 3]
    assert proposals[0].prompt == "An opening shot of a rooftop garden"
    assert proposals[1].prompt.startswith("Herbs on the windowsill, ")
    assert proposals[1].prompt.endswith(", editorial illustration") and "basil" in proposals[1].prompt
    assert proposals[2].prompt == "ripe tomatoes, oil painting"
    assert proposals[3].prompt.startswith("Feeding, ") and proposals[3].prompt.endswith("editorial illustration")
    assert all(describes_picture(p.prompt) for p in proposals)
    assert [c["seed"] for c in model.calls] == [100, 101, 102, 103]
    assert "Section heading: Tomatoes" in model.calls[2]["prompt"]
    assert "daily water" in model.calls[2]["prompt"] and "City gardens" in model.calls[2]["prompt"]
    with pytest.raises(InvalidInput, match="draft"):
        propose_prompts(model.complete, "T", "   ")
    stop = threading.Event()
    stop.set()
    from studio.errors import Cancelled

    with pytest.raises(Cancelled):
        propose_prompts(model.complete, "T", ARTICLE, stop=stop)


def test_fallback_prompt_ignores_images_and_markup():
    s = split_sections("## Bees\n\n![x](images/a.png)\n\n**Bees** pollinate. More text.")[0]
    assert fallback_prompt(s) == "Bees, pollinate, editorial illustration"


@pytest.mark.parametrize("heading, text, title", [
    ("Introduction", "Readers of this article will learn how bakeries post bread photos.", "Bakeries online"),
    ("Conclusion", "In this section we sum up: bread, croissants and customers.", "Social media for bakers"),
    ("Why it matters", "", "Urban gardening"),
])
def test_the_fallback_names_things_to_draw_and_never_talks_about_the_text(heading, text, title):
    s = split_sections(f"## {heading}\n\n{text}")[0]
    prompt = fallback_prompt(s, title)
    assert describes_picture(prompt), prompt
    assert not re.search(r"(?i)\b(article|section|introduction|conclusion|readers?)\b", prompt)


@pytest.mark.parametrize("prompt, ok", [
    ("a baker lifting fresh loaves from a wooden oven, warm light, watercolor", True),
    ("rows of tomato plants on a sunny balcony", True),
    ("misty hills", False),  # too short to draw from
    ("The following is a continuation of the story.", False),
    ("Your introduction effectively conveys the topic.", False),
    ("Here are the prompts for your article:", False),
    ("I hope this helps you illustrate it!", False),
    ("An image for the section about social media", False),
])
def test_describes_picture(prompt, ok):
    assert describes_picture(prompt) is ok


def test_place_images_under_headings_even_after_edits():
    sections = split_sections(ARTICLE, "City gardens")
    props = [Proposal(s.index, s.heading, "p") for s in sections]
    blocks = [f"![{s.heading}](images/{s.index}.png)" for s in sections]
    placements = list(zip(props, blocks, strict=False))
    # the writer edited meanwhile: a new first section and text moved around
    edited = "## Added later\n\nNew words.\n\n" + ARTICLE.replace("Tomatoes want", "Big tomatoes want")
    out = place_images(edited, placements, "City gardens")
    lines = out.split("\n")
    for heading, block in (("## Herbs on the windowsill", blocks[1]), ("## Tomatoes", blocks[2]),
                           ("### Feeding", blocks[3])):
        i = lines.index(heading)
        assert lines[i + 1] == "" and lines[i + 2] == block and lines[i + 3] == ""
    assert "Big tomatoes want" in out and "New words." in out
    # the introduction is gone (the edit starts with a heading): its picture goes at the end
    assert out.rstrip("\n").endswith(blocks[0])
    assert place_images(out, placements, "City gardens") == out  # placing again adds nothing
    intro = place_images(ARTICLE, placements[:1], "City gardens")
    assert intro.startswith(blocks[0] + "\n\nA short opening")


def test_place_images_matches_repeated_headings_in_order():
    body = "## Step\n\none\n\n## Step\n\ntwo\n"
    out = place_images(body, [(Proposal(0, "Step", "a"), "![a](images/a.png)"),
                              (Proposal(1, "Step", "b"), "![b](images/b.png)")])
    assert out == "## Step\n\n![a](images/a.png)\n\none\n\n## Step\n\n![b](images/b.png)\n\ntwo\n"


# ---------------------------------------------------------------------- with real engines
@pytest.fixture(scope="module")
def tiny_sd_dir(tmp_path_factory):
    from studio.testing import make_tiny_sd

    return make_tiny_sd(tmp_path_factory.mktemp("tiny-sd") / "sd")


@pytest.fixture
def engines(tmp_path, tiny_sd_dir, tiny_lm_dir):
    """A studio context with the tiny LM as text model, the tiny SD allowed, and the real GAN."""
    from studio.context import StudioContext

    settings = Settings(
        device="cpu", data_dir=tmp_path / "data", output_dir=tmp_path / "outputs", cache_dir=default_cache_dir(),
        model_dirs=[tiny_sd_dir.parent, tiny_lm_dir.parent], offline=True, text_model=str(tiny_lm_dir),
    ).validate()
    ctx = StudioContext.create(settings)
    yield ctx
    ctx.library.close()


def test_propose_prompts_with_the_tiny_language_model(engines):
    article = "## Herbs\n\nBasil and mint grow well in pots.\n\n## Tomatoes\n\nThey want daily water.\n"
    proposals = propose_prompts(engines.text.complete, "City gardens", article, seed=1)
    assert [p.heading for p in proposals] == ["Herbs", "Tomatoes"]
    for p in proposals:
        assert isinstance(p.prompt, str) and sum(ch.isalpha() for ch in p.prompt) >= 3
        assert "\n" not in p.prompt and len(p.prompt) <= 300
    again = propose_prompts(engines.text.complete, "City gardens", article, seed=1)
    assert [p.prompt for p in again] == [p.prompt for p in proposals]  # a seed repeats


def _article(lib: Library):
    aid = lib.create("me", "City gardens", ARTICLE)["id"]
    props = [Proposal(0, "City gardens", "a rooftop garden at dawn"),
             Proposal(1, "Herbs on the windowsill", "basil in a pot, watercolor"),
             Proposal(2, "Tomatoes", ""),  # cleared by the writer: skipped
             Proposal(3, "Feeding", "a watering can, ink drawing")]
    return aid, props


@pytest.mark.slow  # several tiny-diffusion runs: tens of seconds on 2 cores
def test_illustrate_with_tiny_diffusion(engines, tiny_sd_dir):
    lib = engines.library
    aid, props = _article(lib)
    generate, uses_prompt = image_generator(engines, str(tiny_sd_dir), num_inference_steps=4)
    assert uses_prompt
    result = illustrate(lib, "me", aid, "City gardens", ARTICLE, props, generate, seed=5, uses_prompt=uses_prompt)
    assert not result.stopped and len(result.images) == 3
    attached = lib.images("me", aid)
    assert [i["params"]["prompt"] for i in attached] == ["a rooftop garden at dawn", "basil in a pot, watercolor",
                                                          "a watering can, ink drawing"]
    assert [i["params"]["seed"] for i in attached] == [5, 6, 7]
    assert all(i["params"]["engine"] == "diffusion" and i["params"]["num_inference_steps"] == 4 for i in attached)
    for img in attached:
        with Image.open(img["path"]) as im:
            assert im.size == (64, 64) and im.getextrema() != ((0, 0), (0, 0), (0, 0))
    lines = result.body.split("\n")
    assert lines[0] == f"![a rooftop garden at dawn]({attached[0]['ref']})"
    assert lines[lines.index("## Herbs on the windowsill") + 2] == f"![basil in a pot, watercolor]({attached[1]['ref']})"
    assert lines[lines.index("## Tomatoes") + 2] == "Tomatoes want a big pot and daily water."
    assert lines[lines.index("### Feeding") + 2].endswith(f"({attached[2]['ref']})")
    assert not list(engines.settings.output_dir.glob("*.png"))  # the library keeps them, not the outputs folder


@pytest.mark.slow  # several tiny-diffusion runs: tens of seconds on 2 cores
def test_illustrate_stops_and_keeps_what_was_made(engines, tiny_sd_dir):
    lib = engines.library
    aid, props = _article(lib)
    stop = threading.Event()
    generate, _ = image_generator(engines, str(tiny_sd_dir), stop=stop, num_inference_steps=4)
    result = illustrate(lib, "me", aid, "City gardens", ARTICLE, props, generate, seed=1,
                        progress=lambda i, n, h: stop.set())
    assert result.stopped and len(result.images) == 1 and len(lib.images("me", aid)) == 1
    assert result.body.startswith(f"![a rooftop garden at dawn]({result.images[0]['ref']})")
    with pytest.raises(InvalidInput, match="prompts"):
        illustrate(lib, "me", aid, "T", ARTICLE, [Proposal(0, "x", " ")], generate)


def test_illustrate_with_the_face_gan_ignores_prompts(engines):
    lib = engines.library
    aid, props = _article(lib)
    generate, uses_prompt = image_generator(engines, "dcgan-faces")
    assert not uses_prompt
    result = illustrate(lib, "me", aid, "City gardens", ARTICLE, props, generate, seed=9, uses_prompt=uses_prompt)
    attached = lib.images("me", aid)
    assert len(attached) == 3
    assert all(i["params"]["engine"] == "gan" and i["params"]["prompt"] == "" for i in attached)
    assert [i["params"]["illustrates"] for i in attached] == ["City gardens", "Herbs on the windowsill", "Feeding"]
    assert [i["params"]["seed"] for i in attached] == [9, 10, 11]
    with Image.open(attached[0]["path"]) as im:
        assert im.size == (256, 256)
    lines = result.body.split("\n")
    assert lines[lines.index("## Herbs on the windowsill") + 2] == f"![Herbs on the windowsill]({attached[1]['ref']})"


@pytest.mark.slow
def test_illustrate_through_the_ui_handlers_keeps_edits_made_meanwhile(tmp_path, tiny_sd_dir, tiny_lm_dir):
    import app as studio_app

    ctx, demo = studio_app.create_app([
        "--no-browser", "--data-dir", str(tmp_path / "data"), "--output-dir", str(tmp_path / "out"), "--offline",
        "--device", "cpu", "--text-model", str(tiny_lm_dir), "--model-dir", str(tiny_sd_dir.parent)])
    fns = {getattr(f.fn, "__name__", ""): f.fn for f in demo.fns.values()}
    req = SimpleNamespace(username=None, session_hash="s1")
    rows, note = fns["propose"]("dcgan-faces", 3, "City gardens", ARTICLE, req)
    assert [r[1] for r in rows] == ["City gardens", "Herbs on the windowsill", "Tomatoes", "Feeding"]
    assert "ignores prompts" in note
    rows[2][2] = ""  # the writer clears one
    pending, aid, msg, base = fns["illustrate_step"](rows, str(tiny_sd_dir), 4, "City gardens", ARTICLE, None, None, req,
                                               progress=lambda *a, **k: None)
    assert aid is not None and "Made 3 pictures" in msg
    edited = ARTICLE + "\nA paragraph typed while the pictures were drawn.\n"
    body, status, cleared, _base = fns["apply_step"](pending, "City gardens", edited, aid, base, req)
    assert body.endswith("A paragraph typed while the pictures were drawn.\n") and status.startswith("Saved")
    assert body.count("](images/") == 3 and cleared is None
    saved = ctx.library.get("local", aid)
    assert saved["body"] == body and len(saved["images"]) == 3
    ctx.library.close()

    # The studio restarts on the same data folder: the article is there with its pictures and versions,
    # and exports in all three formats through the API.
    from tests.conftest import free_port

    from .conftest import studio_client

    ctx2, demo2 = studio_app.create_app([
        "--no-browser", "--port", str(free_port()), "--data-dir", str(tmp_path / "data"), "--output-dir",
        str(tmp_path / "out"), "--offline", "--device", "cpu"])
    studio_app.launch(ctx2, demo2, prevent_thread_lock=True, quiet=True)
    try:
        client = studio_client(f"http://127.0.0.1:{ctx2.settings.port}/")
        listed = client.predict(query="Tomatoes", api_name="/library_list")
        assert [a["id"] for a in listed] == [aid]
        got = client.predict(article_id=aid, api_name="/library_get")
        assert got["body"] == body and len(got["images"]) == 3 and len(got["versions"]) >= 2
        for fmt in ("md", "html", "docx"):
            path = client.predict(article_id=aid, format=fmt, api_name="/export")
            assert path.endswith("City gardens." + {"md": "zip"}.get(fmt, fmt))
    finally:
        demo2.close()
