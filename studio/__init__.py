"""Studio: a browser-based content-creation studio for writers.

Engines (text, image, style) are plain Python objects that know nothing of
Gradio; the UI in :mod:`studio.ui` is a thin layer over them.
"""

__version__ = "0.1.0"
