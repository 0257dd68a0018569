"""The writer's library: saves and versions, restore, search, trash, images,
per-user isolation (engine, UI handlers and API), and crash safety under kill -9."""

from __future__ import annotations

import io
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from types import SimpleNamespace

import pytest
from PIL import Image

from studio.errors import InvalidInput
from studio.image.metadata import read_png_parameters, save_png
from studio.library import Library, insert_block, markdown_image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Clock:
    """A settable clock for the library (Unix seconds)."""

    def __init__(self, t: float = 1_700_000_000.0):
        self.t = t

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def lib(tmp_path):
    library = Library(tmp_path / "data", clock=Clock())
    yield library
    library.close()


def png(color="red", size=(32, 24), params=None, folder=None):
    im = Image.new("RGB", size, color)
    if folder is not None:
        return save_png(im, folder, params or {"prompt": f"a {color} box", "seed": 1}, "t")
    return im


# ---------------------------------------------------------------------- saves and versions
def test_autosave_adds_a_version_only_when_the_text_changes(lib):
    r = lib.save("me", None, "Draft", "First line.")
    assert r["created"] and r["changed"]
    aid = r["article_id"]
    lib.clock.t += 5
    same = lib.save("me", aid, "Draft", "First line.")
    assert not same["changed"] and same["version_id"] == r["version_id"]
    lib.clock.t += 5
    r2 = lib.save("me", aid, "Draft", "First line.\nSecond line.")
    assert r2["changed"] and r2["version_id"] != r["version_id"]
    lib.clock.t += 5
    lib.save("me", aid, "Draft v2", "First line.\nSecond line.")  # a title change is a text change
    versions = lib.versions("me", aid)
    assert [v["title"] for v in versions] == ["Draft v2", "Draft", "Draft"]
    assert lib.get("me", aid)["body"] == "First line.\nSecond line."
    assert lib.get("me", aid)["updated"] == lib.clock.t
    # tags alone change the article but add no version
    lib.save("me", aid, "Draft v2", "First line.\nSecond line.", tags="travel, food, Travel")
    assert lib.get("me", aid)["tags"] == ["travel", "food"]
    assert len(lib.versions("me", aid)) == 3


def test_versions_are_pruned_keeping_recent_ones_and_thinning_old_ones(lib):
    lib.keep_all = 5
    aid = lib.create("me", "T", "v0")["id"]
    start = lib.clock.t
    for i in range(1, 200):  # one save a minute for 200 minutes
        lib.clock.t = start + 60 * i
        lib.save("me", aid, "T", f"v{i}")
    versions = lib.versions("me", aid)
    bodies = [lib.version("me", aid, v["id"])["body"] for v in versions]
    assert bodies[:5] == [f"v{i}" for i in range(199, 194, -1)]  # the newest are all kept
    older = versions[5:]
    hours = [int(v["created"] // 3600) for v in older]
    assert len(hours) == len(set(hours))  # at most one per hour among the older ones
    assert 3 <= len(older) <= 5
    assert len(versions) < 20


def test_restore_brings_back_an_old_version_as_a_new_one(lib):
    aid = lib.create("me", "Title", "Alpha\nBeta\n")["id"]
    first = lib.versions("me", aid)[0]["id"]
    lib.clock.t += 10
    lib.save("me", aid, "Title 2", "Alpha\nGamma\n")
    diff = lib.diff("me", aid, first, lib.versions("me", aid)[0]["id"])
    assert "-Beta" in diff and "+Gamma" in diff and "-# Title" in diff and "+# Title 2" in diff
    lib.clock.t += 10
    r = lib.restore_version("me", aid, first)
    assert r["changed"]
    a = lib.get("me", aid)
    assert (a["title"], a["body"]) == ("Title", "Alpha\nBeta\n")
    versions = lib.versions("me", aid)
    assert len(versions) == 3 and "restored" in versions[0]["note"]
    assert lib.diff("me", aid, first, versions[0]["id"]) == ""


def test_bad_values_name_the_field(lib):
    with pytest.raises(InvalidInput, match="title"):
        lib.save("me", None, "x" * 400, "")
    with pytest.raises(InvalidInput, match="body"):
        lib.save("me", None, "t", "bad \x00 char")
    with pytest.raises(InvalidInput, match="article_id"):
        lib.get("me", 0)
    with pytest.raises(InvalidInput, match="article_id"):
        lib.save("me", 12345, "t", "b")
    assert lib.save("me", 12345, "t", "b", create_missing=True)["created"]


# ---------------------------------------------------------------------- search, trash, duplicate
def test_full_text_search(lib):
    a = lib.create("me", "Urban gardening", "Grow tomatoes on a balcony. Compost helps.")["id"]
    b = lib.create("me", "Baking bread", "Sourdough needs a starter; tomatoes are optional.")["id"]
    c = lib.create("me", "旅行の記録", "京都で抹茶を飲みました。とても美味しかった。")["id"]
    d = lib.create("me", "Café culture", "Crème brûlée and \"quotes\" AND operators * NEAR( ) are just text.")["id"]

    def ids(q):
        return [x["id"] for x in lib.list("me", q)]

    assert set(ids("tomatoes")) == {a, b}
    assert ids("tomatoes balcony") == [a]  # every word must match
    assert ids("GARDEN") == [a]  # case-insensitive, substring
    assert ids("抹茶") == [c]  # any script, no spaces needed
    assert ids("京都") == [c]
    assert ids("brûlée") == [d]
    assert ids('"quotes" AND * NEAR(') == [d]  # FTS syntax in a query is just text, never an error
    assert ids("ca") == [d]  # words shorter than 3 characters use a plain substring match
    assert ids("nothing-like-this") == []
    assert ids("bread")[0] == b
    hit = lib.list("me", "compost")[0]
    assert "Compost" in hit["snippet"]
    assert len(ids("")) == 4 and ids("")[0] == d  # no query: newest first


def test_trash_restore_and_empty(lib, tmp_path):
    aid = lib.create("me", "Doomed", "text")["id"]
    keep = lib.create("me", "Kept", "text")["id"]
    img = lib.attach_image("me", aid, png(folder=tmp_path / "out"))
    copy = lib.duplicate("me", aid)
    assert copy["title"] == "Doomed (copy)" and copy["body"] == "text"
    assert [i["name"] for i in copy["images"]] == [img["name"]]
    lib.delete("me", aid)
    assert {a["id"] for a in lib.list("me")} == {keep, copy["id"]}
    assert [a["id"] for a in lib.list("me", trash=True)] == [aid]
    assert [x["id"] for x in lib.list("me", "Doomed")] == [copy["id"]]
    lib.untrash("me", aid)
    assert lib.list("me", trash=True) == []
    lib.delete("me", aid)
    assert lib.empty_trash("me") == 1
    with pytest.raises(InvalidInput):
        lib.get("me", aid)
    assert img["path"].exists()  # the copy still uses the file
    lib.delete("me", copy["id"])
    lib.empty_trash("me")
    assert not img["path"].exists()
    assert [a["id"] for a in lib.list("me")] == [keep]


def test_saving_a_trashed_article_keeps_the_text_and_leaves_it_in_the_trash(lib):
    aid = lib.create("me", "T", "a")["id"]
    lib.delete("me", aid)
    r = lib.save("me", aid, "T", "a and more")  # e.g. the autosave of a tab that still shows it
    assert r["trashed"] and lib.list("me") == [] and [a["id"] for a in lib.list("me", trash=True)] == [aid]
    assert lib.get("me", aid)["body"] == "a and more"
    assert not lib.save("me", aid, "T", "a and more", untrash=True)["trashed"]
    assert [a["id"] for a in lib.list("me")] == [aid]


# ---------------------------------------------------------------------- images
def test_attached_images_keep_their_png_and_parameters(lib, tmp_path):
    aid = lib.create("me", "Pics", "")["id"]
    src = png("blue", params={"prompt": "a blue box", "seed": 7, "model": "m"}, folder=tmp_path / "out")
    img = lib.attach_image("me", aid, src)
    assert img["path"].read_bytes() == src.read_bytes()
    assert img["path"].parent == lib.images_dir
    assert img["params"]["prompt"] == "a blue box" and img["params"]["seed"] == 7
    assert read_png_parameters(img["path"])["seed"] == 7
    assert (img["width"], img["height"]) == (32, 24) and img["ref"] == f"images/{img['name']}"
    again = lib.attach_image("me", aid, src, name=img["name"])
    assert again["name"] != img["name"] and again["name"].endswith("-2.png")
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "green").save(buf, format="JPEG")
    jpg = lib.attach_image("me", aid, buf.getvalue(), name="Photo (1).jpeg")
    assert jpg["name"] == "Photo-1.png"
    with Image.open(jpg["path"]) as im:
        assert im.format == "PNG"
    with pytest.raises(InvalidInput, match="image"):
        lib.attach_image("me", aid, b"not an image")
    assert not [p for p in lib.images_dir.iterdir() if p.name.startswith(".tmp")]


def test_insert_block_places_a_paragraph_at_the_cursor_or_the_end():
    ref = markdown_image("images/a.png", "a [weird]\nprompt")
    assert ref == "![a \\[weird\\] prompt](images/a.png)"
    body = "First paragraph.\n\nSecond paragraph."
    assert insert_block(body, ref) == body + "\n\n" + ref + "\n"
    assert insert_block(body, ref, 5) == "First paragraph.\n\n" + ref + "\n\nSecond paragraph."
    assert insert_block(body, ref, len(body)) == body + "\n\n" + ref + "\n"
    assert insert_block("", ref) == ref


# ---------------------------------------------------------------------- isolation
def test_no_owner_can_read_or_change_another_owners_article(lib, tmp_path):
    aid = lib.create("alice", "Alice's secret", "secret text")["id"]
    img = lib.attach_image("alice", aid, png(folder=tmp_path / "out"))
    lib.create("bob", "Bob's", "bob text")
    calls = [
        lambda: lib.get("bob", aid),
        lambda: lib.save("bob", aid, "hacked", "hacked"),
        lambda: lib.rename("bob", aid, "hacked"),
        lambda: lib.duplicate("bob", aid),
        lambda: lib.delete("bob", aid),
        lambda: lib.untrash("bob", aid),
        lambda: lib.versions("bob", aid),
        lambda: lib.version("bob", aid, 1),
        lambda: lib.diff("bob", aid, 1, 1),
        lambda: lib.restore_version("bob", aid, 1),
        lambda: lib.images("bob", aid),
        lambda: lib.attach_image("bob", aid, png()),
    ]
    for call in calls:
        with pytest.raises(InvalidInput, match="no article"):
            call()
    assert [a["title"] for a in lib.list("bob")] == ["Bob's"]
    assert lib.list("bob", "secret") == []
    # create_missing makes bob a new article of his own; alice's is untouched
    r = lib.save("bob", aid, "mine", "mine", create_missing=True)
    assert r["article_id"] != aid
    lib.delete("alice", aid)
    assert lib.empty_trash("bob") == 0
    lib.untrash("alice", aid)
    a = lib.get("alice", aid)
    assert (a["title"], a["body"], len(a["images"]), a["versions"]) == ("Alice's secret", "secret text", 1, 1)
    assert img["path"].exists()


def test_concurrent_saves_from_threads(lib):
    ids = [lib.create(f"user{i}", "T", "")["id"] for i in range(4)]
    errors = []

    def work(i):
        try:
            for n in range(25):
                lib.save(f"user{i}", ids[i], "T", f"text {n}")
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert all(lib.get(f"user{i}", ids[i])["body"] == "text 24" for i in range(4))


# ---------------------------------------------------------------------- crash safety
CHILD = textwrap.dedent("""
    import sys
    from studio.library import Library
    lib = Library({data!r})
    aid = lib.create("me", "Crash", "v0")["id"]
    big = "lorem ipsum dolor sit amet " * 4000  # ~100 KB per version: saves take a while
    n = 0
    while True:
        n += 1
        r = lib.save("me", aid, "Crash", f"v{{n}}\\n" + big)
        print(aid, n, r["version_id"], flush=True)
""")


@pytest.mark.parametrize("delay", [0.004, 0.013, 0.031])
def test_kill_9_during_saves_leaves_the_last_completed_version(tmp_path, delay):
    data = tmp_path / "data"
    proc = subprocess.Popen([sys.executable, "-c", CHILD.format(data=str(data))], cwd=ROOT,
                            stdout=subprocess.PIPE, text=True)
    lines = []
    try:
        deadline = time.time() + 180  # generous: a busy CI machine starts Python slowly
        while len(lines) < 15 and time.time() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line.split())
        time.sleep(delay)  # land somewhere inside a later save
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    assert proc.returncode == -signal.SIGKILL
    rest = proc.stdout.read().split("\n")
    lines += [r.split() for r in rest if r.strip()]
    assert len(lines) >= 15, "the child did not save"
    aid, n, version_id = (int(x) for x in lines[-1])  # the last save the child reported as done

    con = sqlite3.connect(data / "library.db")
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()
    lib = Library(data)
    v = lib.version("me", aid, version_id)
    assert v["body"].startswith(f"v{n}\n")
    current = lib.get("me", aid)["body"]
    assert current.startswith(f"v{n}\n") or current.startswith(f"v{n + 1}\n")  # n+1 if it committed but did not print
    assert lib.list("me", "lorem")[0]["id"] == aid  # the search index is consistent too
    lib.save("me", aid, "Crash", "after the crash")  # and it still takes writes
    assert lib.get("me", aid)["body"] == "after the crash"
    lib.close()


# ---------------------------------------------------------------------- UI handlers and API
def _fn(demo, name):
    for block_fn in demo.fns.values():
        if getattr(block_fn.fn, "__name__", "") == name:
            return block_fn.fn
    raise LookupError(name)


@pytest.mark.slow
def test_ui_handlers_act_as_the_requests_user(tmp_path):
    import gradio as gr

    import app as studio_app

    ctx, demo = studio_app.create_app(["--no-browser", "--data-dir", str(tmp_path / "data"), "--output-dir",
                                       str(tmp_path / "out"), "--offline", "--device", "cpu",
                                       "--auth", "alice:pw", "--auth", "bob:pw"])
    alice, bob = SimpleNamespace(username="alice"), SimpleNamespace(username="bob")
    aid = ctx.library.create("alice", "Alice's", "secret")["id"]
    open_article = _fn(demo, "open_article")
    assert open_article(aid, "", "", None, None, alice)[:3] == ("secret", "Alice's", aid)
    with pytest.raises(gr.Error, match="no article"):
        open_article(aid, "", "", None, None, bob)
    with pytest.raises(gr.Error, match="no article"):
        _fn(demo, "rename")(aid, "hacked", "", False, bob)
    with pytest.raises(gr.Error, match="no article"):
        _fn(demo, "ask_delete")(aid, bob)
    with pytest.raises(gr.Error, match="no article"):
        _fn(demo, "confirm_delete")(aid, None, "", False, bob)
    with pytest.raises(gr.Error, match="no article"):
        _fn(demo, "export")(aid, "md", bob)
    with pytest.raises(gr.Error, match="no article"):
        _fn(demo, "restore_version")(aid, 1, None, "", False, bob)
    assert _fn(demo, "refresh")("", False, bob) == []
    assert _fn(demo, "refresh")("", False, alice)[0][0] == aid
    # bob's autosave with alice's id makes bob a new article; alice's stays as it was
    saved_upto, new_id, msg, _base = _fn(demo, "autosave")(1.0, "bob's", "bob text", aid, None, bob)
    assert new_id != aid and msg.startswith("Saved")
    assert ctx.library.get("alice", aid)["body"] == "secret"
    with pytest.raises(gr.Error, match="log in"):
        _fn(demo, "refresh")("", False, SimpleNamespace(username=None))


@pytest.fixture(scope="module")
def auth_server(tmp_path_factory):
    from tests.conftest import launched_studio

    with launched_studio(tmp_path_factory.mktemp("auth-server"), "--auth", "alice:pw-a", "--auth", "bob:pw-b") as server:
        yield server


@pytest.mark.slow
def test_api_isolates_users_and_round_trips(auth_server, tmp_path):
    from .conftest import studio_client

    url, ctx = auth_server
    alice = studio_client(url, auth=("alice", "pw-a"))
    bob = studio_client(url, auth=("bob", "pw-b"))
    r = alice.predict(title="Alice's plan", body="## Step one\n\nBuy **seeds**.", api_name="/library_save")
    aid = r["article_id"]
    assert r["created"] and r["changed"]
    r2 = alice.predict(title="Alice's plan", body="## Step one\n\nBuy **seeds** and soil.", article_id=aid,
                       tags="garden", api_name="/library_save")
    assert r2["changed"] and r2["version_id"] > r["version_id"]
    got = alice.predict(article_id=aid, api_name="/library_get")
    assert got["body"].endswith("and soil.") and got["tags"] == ["garden"] and len(got["versions"]) == 2
    old = alice.predict(article_id=aid, version_id=r["version_id"], api_name="/library_get")
    assert old["body"] == "## Step one\n\nBuy **seeds**."
    assert [a["id"] for a in alice.predict(query="soil", api_name="/library_list")] == [aid]

    assert bob.predict(api_name="/library_list") == []
    assert bob.predict(query="soil", api_name="/library_list") == []
    for kwargs in ({"article_id": aid, "api_name": "/library_get"},
                   {"title": "x", "body": "hacked", "article_id": aid, "api_name": "/library_save"},
                   {"article_id": aid, "format": "md", "api_name": "/export"}):
        with pytest.raises(Exception, match="no article"):
            bob.predict(**kwargs)
    assert ctx.library.get("alice", aid)["body"].endswith("and soil.")

    for fmt, suffix in (("md", ".zip"), ("html", ".html"), ("docx", ".docx")):
        path = alice.predict(article_id=aid, format=fmt, api_name="/export")
        assert path.endswith("Alice's plan" + suffix)
        assert os.path.getsize(path) > 100
    with pytest.raises(Exception, match="pdf"):
        alice.predict(article_id=aid, format="pdf", api_name="/export")


@pytest.mark.slow
def test_autosave_and_insert_into_draft_handlers(tmp_path):
    import gradio as gr

    import app as studio_app

    ctx, demo = studio_app.create_app(["--no-browser", "--data-dir", str(tmp_path / "data"), "--output-dir",
                                       str(tmp_path / "out"), "--offline", "--device", "cpu"])
    fns: dict = {}
    for block_fn in demo.fns.values():
        fns.setdefault(getattr(block_fn.fn, "__name__", ""), []).append(block_fn.fn)
    req = SimpleNamespace(username=None, session_hash="s1")
    # the autosave's own tick (the elsewhere notice has a timer tick of its own)
    tick = next(f for f in fns["tick"] if f.__module__ == "studio.ui.library.autosave")
    autosave = fns["autosave"][0]
    now = time.time()
    assert fns["mark"][0]() >= now
    assert tick(0.0, 0.0) == gr.skip()  # nothing edited
    assert tick(now, 0.0) == gr.skip()  # still typing
    assert tick(now - 3, 0.0) == now - 3  # quiet for 3 s: save
    assert tick(now - 3, now - 3) == gr.skip()  # already saved
    assert autosave(1.0, "", "", None, None, req)[2] == gr.skip()  # an empty new draft is not stored
    saved_upto, aid, msg, base = autosave(now - 3, "My title", "First words.", None, None, req)
    assert saved_upto == now - 3 and msg.startswith("Saved ")
    assert ctx.library.get("local", aid)["body"] == "First words."
    assert autosave(now, "My title", "First words.", aid, base, req)[1] == aid
    assert len(ctx.library.versions("local", aid)) == 1  # unchanged text: no new version
    autosave(now, "My title", "First words. More.", aid, base, req)
    assert len(ctx.library.versions("local", aid)) == 2

    picture = save_png(Image.new("RGB", (16, 16), "red"), ctx.settings.output_dir,
                       {"prompt": "a red square", "seed": 1}, "img")
    insert = fns["insert"][0]  # the Image tab's "Insert into draft"
    body = "Para one.\n\nPara two."
    new_body, aid2, msg, base = insert(str(picture), "My title", body, aid, 3, None, req)
    ref = ctx.library.images("local", aid)[0]["ref"]
    assert aid2 == aid and new_body == f"Para one.\n\n![a red square]({ref})\n\nPara two."
    assert ctx.library.get("local", aid)["body"] == new_body
    new_body, _, _, base = insert(str(picture), "My title", new_body, aid, -1, base, req)  # no cursor: at the end
    assert new_body.rstrip("\n").endswith(f"({ctx.library.images('local', aid)[1]['ref']})")
    # with no article open, inserting creates one
    body3, aid3, _, _ = insert(str(picture), "", "", None, -1, None, req)
    assert aid3 not in (None, aid) and body3.startswith("![a red square](images/")
    outside = tmp_path / "elsewhere.png"
    Image.new("RGB", (4, 4)).save(outside)
    with pytest.raises(gr.Error, match="made in this studio"):
        insert(str(outside), "t", "b", aid, -1, None, req)
