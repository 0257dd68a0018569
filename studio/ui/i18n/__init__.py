"""English and Simplified Chinese for the whole studio (issue #15).

:mod:`.zh` is the catalog, :mod:`.core` translates and finds the request's
language, :mod:`.boundary` applies both to the built Blocks (static strings
for Gradio's front end, handler outputs, errors and toasts on the server),
:mod:`.web` carries the writer's choice of language in the page.
"""

from .boundary import localize, strings, translate_events, unmark
from .core import I18N, LANGUAGES, Verbatim, known, request_language, translate, translate_html
from .toasts import Info, Warning  # gr.Info and gr.Warning in the request's language
from .web import HEAD_JS, SWITCH_HTML, EarlyLocale

__all__ = ["I18N", "LANGUAGES", "Verbatim", "localize", "translate_events", "strings", "unmark", "translate", "translate_html",
           "known", "request_language", "EarlyLocale", "HEAD_JS", "SWITCH_HTML", "Info", "Warning"]
