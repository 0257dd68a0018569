"""A writer's voice: the store of voices on disk (:mod:`.store`), the texts a voice learns from
(:mod:`.sources`), training a LoRA adapter (:mod:`.train`), the adapter as a GGUF LoRA and merged model
for llama.cpp (:mod:`.gguf`), and the ``voice`` model kinds that write with one (:mod:`.backend`).

The text engine (:mod:`studio.text.engine`) uses them; nothing here imports the UI.
"""
