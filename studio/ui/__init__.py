"""The Gradio UI: one module per tab, and :mod:`studio.ui.blocks` that assembles them.

No model code lives here: tabs check inputs, call engines, show results.
"""
