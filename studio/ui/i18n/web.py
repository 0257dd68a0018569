"""The page side of the language choice.

Gradio's front end picks its locale from the browser (``navigator.language``)
once, when the page starts. The writer's own choice (the English · 中文
switch in the header, :data:`SWITCH_HTML`) is kept in the browser's
``localStorage``; :class:`EarlyLocale` puts a few lines at the top of the
page that present that choice as the browser's language before Gradio
starts, and the switch reloads the page (the draft is saved as always).
:data:`HEAD_JS` keeps the ``studio-lang`` cookie equal to the page's
language, so the server writes its messages in it
(:func:`studio.ui.i18n.core.request_language`).
"""

from __future__ import annotations

import json

from .core import COOKIE, LANGUAGES
from .zh import ZH

STORAGE_KEY = "studio-lang"
_LOCALE = {"en": "en", "zh": "zh-CN"}

EARLY_JS = f"""<script>
(() => {{ try {{
  const want = localStorage.getItem('{STORAGE_KEY}');
  if (want) {{
    Object.defineProperty(Navigator.prototype, 'language', {{configurable: true, get: () => want}});
    Object.defineProperty(Navigator.prototype, 'languages', {{configurable: true, get: () => [want]}});
  }}
}} catch (e) {{}} }})();
</script>"""

HEAD_JS = f"""<script>
(() => {{
  const setCookie = (lang) => {{
    document.cookie = '{COOKIE}=' + encodeURIComponent(lang) + '; path=/; SameSite=Lax; max-age=31536000';
  }};
  const sync = () => setCookie(document.documentElement.lang || navigator.language || 'en');
  sync();
  new MutationObserver(sync).observe(document.documentElement, {{attributes: true, attributeFilter: ['lang']}});
  document.addEventListener('click', (e) => {{
    const button = e.target.closest && e.target.closest('[data-studio-lang]');
    if (!button) return;
    const lang = button.getAttribute('data-studio-lang');
    try {{ localStorage.setItem('{STORAGE_KEY}', lang); }} catch (err) {{}}
    setCookie(lang);
    location.reload();
  }});
}})();
</script>"""

# Gradio 6 groups its toasts under a header that names their kind, "Warning", "Error" or "Info", in English
# whatever the locale (its front end capitalises the kind; the title Studio gives is not shown there). On a
# Chinese page that header is put in Chinese as it appears.
TOAST_KINDS_JS = """<script>
(() => {
  const KINDS = KINDS_JSON;
  const zh = () => (document.documentElement.lang || navigator.language || '').toLowerCase().startsWith('zh');
  const put = () => {
    if (!zh()) return;
    document.querySelectorAll('.toast-title-row > span').forEach((span) => {
      const t = span.firstChild;
      if (t && t.nodeType === 3 && KINDS[t.data.trim()]) t.data = KINDS[t.data.trim()] + ' ';
    });
  };
  new MutationObserver(put).observe(document.documentElement, {childList: true, subtree: true, characterData: true});
})();
</script>""".replace("KINDS_JSON", json.dumps({kind: ZH[kind] for kind in ("Warning", "Error", "Info")},
                                              ensure_ascii=False))
HEAD_JS += TOAST_KINDS_JS

SWITCH_HTML = (
    '<div id="studio-lang-switch" role="group" aria-label="Language / 语言" '
    'style="display:flex;gap:.4rem;justify-content:flex-end;font-size:.9rem">'
    + "".join(f'<button type="button" data-studio-lang="{_LOCALE[k]}" lang="{k}" '
              f'style="background:none;border:none;cursor:pointer;text-decoration:underline;padding:0">{v}</button>'
              for k, v in LANGUAGES.items())
    + "</div>"
)


class EarlyLocale:
    """ASGI middleware: adds :data:`EARLY_JS` at the top of the page's ``<head>`` (the HTML of ``GET /``),
    before Gradio's own scripts, so the writer's language choice is in place when Gradio starts."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        root = (scope.get("root_path") or "").rstrip("/")
        path = scope.get("path", "")
        if scope["type"] != "http" or scope.get("method") != "GET" or path not in ("/", root + "/", root):
            await self.app(scope, receive, send)
            return
        start: dict = {}
        body = bytearray()

        async def capture(message):
            if message["type"] == "http.response.start":
                start.update(message)
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            body.extend(message.get("body", b""))
            if message.get("more_body"):
                return
            headers = [(k, v) for k, v in start.get("headers", [])]
            html = bytes(body)
            is_html = any(k.lower() == b"content-type" and b"text/html" in v for k, v in headers)
            encoded = any(k.lower() == b"content-encoding" for k, _ in headers)
            if is_html and not encoded and b"<head>" in html:
                html = html.replace(b"<head>", b"<head>" + EARLY_JS.encode(), 1)
                headers = [(k, str(len(html)).encode() if k.lower() == b"content-length" else v) for k, v in headers]
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": html})

        await self.app(scope, receive, capture)


__all__ = ["EarlyLocale", "EARLY_JS", "HEAD_JS", "SWITCH_HTML", "STORAGE_KEY"]
