"""The Style tab (placeholder until its issue lands)."""

import gradio as gr


def build(ctx) -> dict:
    gr.Markdown("This tab is not built yet.")
    return {}
