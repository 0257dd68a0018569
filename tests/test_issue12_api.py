"""Issue #12 through the API of a launched studio with two users: pictures served to their maker
only, stale saves refused, the upload limit, /write_full, Unicode text, search and word counts."""

from __future__ import annotations

import http.cookiejar
import io
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from gradio_client.exceptions import AppError

from .conftest import free_port

pytestmark = pytest.mark.slow

USERS = {"ann": "secret-1", "bob": "secret-2"}


@pytest.fixture(scope="module")
def server(tmp_path_factory, tiny_lm_dir):
    import app as studio_app

    tmp = tmp_path_factory.mktemp("issue12")
    ctx, demo = studio_app.create_app([
        "--no-browser", "--port", str(free_port()), "--auth", "ann:secret-1", "--auth", "bob:secret-2",
        "--data-dir", str(tmp / "data"), "--output-dir", str(tmp / "out"), "--device", "cpu", "--offline",
        "--text-model", str(tiny_lm_dir), "--max-upload-mb", "1"])
    studio_app.launch(ctx, demo, prevent_thread_lock=True, quiet=True)
    try:
        yield f"http://127.0.0.1:{ctx.settings.port}", ctx
    finally:
        demo.close()


def client(server, user):
    from gradio_client import Client

    return Client(server[0], auth=(user, USERS[user]), verbose=False)


def browser(url: str, user: str | None):
    """An HTTP opener logged in as ``user`` (Gradio's /login form sets the cookie), or anonymous."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    if user:
        data = urllib.parse.urlencode({"username": user, "password": USERS[user]}).encode()
        opener.open(urllib.request.Request(url + "/login", data=data), timeout=60).read()
    return opener


def status_of(opener, url: str, data: bytes | None = None, headers: dict | None = None) -> int:
    try:
        with opener.open(urllib.request.Request(url, data=data, headers=headers or {}), timeout=60) as r:
            r.read()
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def call(opener, url: str, api: str, data: list) -> list:
    """Run ``api`` through Gradio's REST route ``/call`` as ``opener``'s user; returns its outputs."""
    request = urllib.request.Request(f"{url}/gradio_api/call/{api}", data=json.dumps({"data": data}).encode(),
                                     headers={"Content-Type": "application/json"})
    with opener.open(request, timeout=60) as r:
        event_id = json.loads(r.read())["event_id"]
    with opener.open(f"{url}/gradio_api/call/{api}/{event_id}", timeout=300) as r:
        text = r.read().decode("utf-8")
    events = re.findall(r"^event: (\w+)\ndata: (.*)$", text, re.M)
    assert events and events[-1][0] == "complete", f"/{api} did not complete: {text[-500:]}"
    return json.loads(events[-1][1])


def upload(opener, url: str, name: str, data: bytes) -> tuple[int, list]:
    """POST ``data`` as the file ``name`` to Gradio's /upload; returns the status and the paths it stored."""
    boundary = "studio12"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\n"
            f"Content-Type: application/octet-stream\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    request = urllib.request.Request(f"{url}/gradio_api/upload", data=body,
                                     headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    try:
        with opener.open(request, timeout=60) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, []


# ---------------------------------------------------------------------- 8. pictures
def test_a_users_pictures_are_served_to_that_user_only(server):
    url, ctx = server
    result = client(server, "ann").predict(model="dcgan-faces", width=64, height=64, seed=5, num_images=1,
                                           api_name="/generate_image")
    made = Path(result[0]["image"]) if isinstance(result[0], dict) else Path(result[0][0])
    on_disk = [p for p in Path(ctx.settings.output_dir).rglob("face-*.png")]
    assert len(on_disk) == 1 and "users" in on_disk[0].parts, "ann's picture is in her own folder"
    assert "ann" not in str(on_disk[0]) and len(on_disk[0].stem.split("-")[-1]) >= 16, "an unguessable name"
    assert made.name  # the client downloaded it
    file_url = f"{url}/gradio_api/file={on_disk[0]}"
    assert status_of(browser(url, "ann"), file_url) == 200
    assert status_of(browser(url, "bob"), file_url) == 404
    assert status_of(browser(url, None), file_url) in (401, 403)
    stray = Path(ctx.settings.output_dir) / "stray.png"  # outside every user's folder
    stray.write_bytes(b"x")
    assert status_of(browser(url, "ann"), f"{url}/gradio_api/file={stray}") == 404
    from gradio.utils import get_upload_folder

    # the copy Gradio served to ann's client (in its cache, named from the content and a secret) is hers too;
    # Gradio may copy a result twice and hand out only the last copy: the other one is no one's
    copies = list(Path(get_upload_folder()).rglob(on_disk[0].name))
    assert copies, "Gradio keeps a copy of each result in its cache"
    copy_urls = [f"{url}/gradio_api/file={c}" for c in copies]
    assert 200 in [status_of(browser(url, "ann"), u) for u in copy_urls]
    for copy_url in copy_urls:
        assert status_of(browser(url, "bob"), copy_url) == 404
        assert status_of(browser(url, None), copy_url) in (401, 403)


def test_an_export_link_has_a_name_no_one_can_guess(server):
    url, _ctx = server
    ann = client(server, "ann")
    aid = ann.predict(title="Private", body="secret text", api_name="/library_save")["article_id"]
    exported = ann.predict(article_id=aid, format="html", api_name="/export")
    assert "secret text" in Path(exported).read_text("utf-8")
    with pytest.raises(AppError):  # bob cannot export ann's article
        client(server, "bob").predict(article_id=aid, format="html", api_name="/export")


def test_exports_and_uploads_are_served_to_their_maker_only(server):
    from PIL import Image

    url, _ctx = server
    ann, bob, anon = browser(url, "ann"), browser(url, "bob"), browser(url, None)
    aid = client(server, "ann").predict(title="Diary", body="ann's private words", api_name="/library_save")
    exported = call(ann, url, "export", [aid["article_id"], "html"])[0]
    link = exported["url"]
    assert link.endswith("/Diary.html") and re.search(r"/[0-9a-f]{64}/Diary\.html$", link), link
    with ann.open(link, timeout=60) as r:
        assert "ann's private words" in r.read().decode("utf-8")
    assert status_of(bob, link) == 404
    assert status_of(anon, link) in (401, 403)
    # the same file by Gradio's older route, and a name with a %-sequence in it
    older = f"{url}/gradio_api/file/{exported['path']}"
    assert (status_of(ann, older), status_of(bob, older)) == (200, 404)
    aid = client(server, "ann").predict(title="100%41 sure", body="ann's percent", api_name="/library_save")
    odd = call(ann, url, "export", [aid["article_id"], "html"])[0]["path"]
    odd_url = f"{url}/gradio_api/file={urllib.parse.quote(odd)}"
    assert (status_of(ann, odd_url), status_of(bob, odd_url)) == (200, 404)

    buf = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 30, 90)).save(buf, "PNG")
    code, paths = upload(ann, url, "holiday.png", buf.getvalue())
    assert code == 200 and len(paths) == 1
    upload_url = f"{url}/gradio_api/file={paths[0]}"
    assert status_of(ann, upload_url) == 200
    assert status_of(bob, upload_url) == 404
    assert status_of(anon, upload_url) in (401, 403)

    # nor can bob hand ann's upload to an endpoint (to get it back restyled, repaired...)
    picture = {"path": paths[0], "meta": {"_type": "gradio.FileData"}}
    body = json.dumps({"data": [picture, picture]}).encode()
    inpaint = f"{url}/gradio_api/call/inpaint"
    assert status_of(bob, inpaint, body, {"Content-Type": "application/json"}) == 404
    assert status_of(ann, inpaint, body, {"Content-Type": "application/json"}) == 200


# ---------------------------------------------------------------------- 9. upload limit
def test_uploads_over_the_limit_are_refused(server):
    url, _ = server
    ann = browser(url, "ann")
    boundary = "studio12"

    def upload(size: int) -> int:
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"big.md\"\r\n"
                f"Content-Type: text/markdown\r\n\r\n").encode() + b"a" * size + f"\r\n--{boundary}--\r\n".encode()
        return status_of(ann, f"{url}/gradio_api/upload", body,
                         {"Content-Type": f"multipart/form-data; boundary={boundary}"})

    assert upload(2 * 1024 * 1024) == 413
    assert upload(1000) == 200


# ---------------------------------------------------------------------- 7. two tabs / programs
def test_library_save_refuses_a_save_based_on_an_older_version(server):
    ann = client(server, "ann")
    first = ann.predict(title="Balcony", body="one", api_name="/library_save")
    aid, base = first["article_id"], first["version_id"]
    second = ann.predict(title="Balcony", body="two", article_id=aid, base_version=base, api_name="/library_save")
    with pytest.raises(Exception, match="changed elsewhere"):
        ann.predict(title="Balcony", body="stale", article_id=aid, base_version=base, api_name="/library_save")
    got = ann.predict(article_id=aid, api_name="/library_get")
    assert got["body"] == "two" and got["version_id"] == second["version_id"]
    assert ann.predict(title="Balcony", body="no base", article_id=aid, api_name="/library_save")["changed"]


# ---------------------------------------------------------------------- 1, 10, 11 through the API
def test_text_checks_word_counts_and_search_through_the_api(server):
    ann = client(server, "ann")
    with pytest.raises(Exception, match="body"):
        ann.predict(title="Bad", body="a\uffffb", api_name="/library_save")
    aid = ann.predict(title="阳台", body="我喜欢在阳台上种菜。番茄长得很好，薄荷也很好。", api_name="/library_save")["article_id"]
    listed = {a["id"]: a for a in ann.predict(api_name="/library_list")}
    assert listed[aid]["words"] == 20
    wide = ann.predict(title="Ｗｉｄｅ ＧＡＲＤＥＮ", body="Un cafe\u0301 au bal\u00adcon", api_name="/library_save")
    for query in ("garden", "café", "balcon", "GARDEN"):
        assert wide["article_id"] in [a["id"] for a in ann.predict(query=query, api_name="/library_list")], query


def test_docx_export_through_the_api_restarts_lists_and_marks_rtl(server):
    import docx

    ann = client(server, "ann")
    aid = ann.predict(title="حدائق الشرفة", body="1. a\n2. b\n\nنص!\n\n3. c\n", api_name="/library_save")["article_id"]
    d = docx.Document(ann.predict(article_id=aid, format="docx", api_name="/export"))
    assert d.paragraphs[0]._p.pPr.find(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}bidi") is not None
    nums = {p.text: p._p.pPr.numPr.numId.val for p in d.paragraphs if p.style.name == "List Number"}
    assert nums["a"] == nums["b"] != nums["c"]


# ---------------------------------------------------------------------- 12. /write_full
def test_write_full_returns_text_seed_and_notes_and_write_still_returns_text(server):
    ann = client(server, "ann")
    full = ann.predict(prompt="balcony herbs", task="headlines", max_new_tokens=8, seed=-1, api_name="/write_full")
    assert set(full) == {"text", "seed", "notes", "marks"} and isinstance(full["text"], str)
    assert 0 <= full["seed"] < 2**32 and isinstance(full["notes"], list)
    again = ann.predict(prompt="balcony herbs", task="headlines", max_new_tokens=8, seed=full["seed"],
                        api_name="/write_full")
    assert again["text"] == full["text"], "the seed reported is the one used"
    assert ann.predict(prompt="balcony herbs", task="headlines", max_new_tokens=8, seed=full["seed"],
                       api_name="/write") == full["text"]
    long = ann.predict(prompt="x " * 3000, task="summarize", max_new_tokens=8000, seed=1, api_name="/write_full")
    assert long["notes"], "notes such as a reduced max_new_tokens come back"


# ---------------------------------------------------------------------- export without --auth; bad formats
@pytest.fixture(scope="module")
def open_server(tmp_path_factory):
    """A single-user studio (no --auth), as on a writer's own computer."""
    import app as studio_app

    tmp = tmp_path_factory.mktemp("issue12-open")
    ctx, demo = studio_app.create_app([
        "--no-browser", "--port", str(free_port()), "--data-dir", str(tmp / "data"),
        "--output-dir", str(tmp / "out"), "--device", "cpu", "--offline"])
    studio_app.launch(ctx, demo, prevent_thread_lock=True, quiet=True)
    try:
        yield f"http://127.0.0.1:{ctx.settings.port}", ctx
    finally:
        demo.close()


def test_export_works_without_a_login_when_auth_is_off(open_server):
    import docx

    from .conftest import studio_client

    url, ctx = open_server
    anyone = studio_client(url + "/")
    aid = anyone.predict(title="Balcony notes", body="## Herbs\n\nBasil *likes* sun.", api_name="/library_save")
    aid = aid["article_id"]
    html = Path(anyone.predict(article_id=aid, format="html", api_name="/export"))
    assert html.name == "Balcony notes.html" and "<em>likes</em>" in html.read_text("utf-8")
    assert "Basil" in "".join(p.text for p in docx.Document(anyone.predict(article_id=aid, format="docx",
                                                                           api_name="/export")).paragraphs)
    assert Path(anyone.predict(article_id=aid, format="md", api_name="/export")).suffix == ".zip"
    # the link the Library's Download box shows is served to the browser, with no login
    link = call(browser(url, None), url, "export", [aid, "html"])[0]["url"]
    assert status_of(browser(url, None), link) == 200
    assert [a["id"] for a in ctx.library.list("local")] == [aid]


@pytest.mark.parametrize("fmt", ["pdf", "HTML", "", "md "])
def test_an_unknown_export_format_is_named_with_the_formats_allowed(open_server, server, fmt):
    from .conftest import studio_client

    for c in (studio_client(open_server[0] + "/"), client(server, "ann")):
        aid = c.predict(title="Kept", body="as it is", api_name="/library_save")
        with pytest.raises(Exception, match=r"format: must be one of md, html, docx, mp3, mp4, not") as err:
            c.predict(article_id=aid["article_id"], format=fmt, api_name="/export")
        assert "list of choices" not in str(err.value)
        got = c.predict(article_id=aid["article_id"], api_name="/library_get")
        assert (got["body"], got["version_id"]) == ("as it is", aid["version_id"])
