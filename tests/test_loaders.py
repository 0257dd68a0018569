"""Loaders are registered explicitly, not by importing an engine: a script that builds a
ModelManager alone can load every kind of model."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from studio.models import _LOADERS, DEFAULT_LOADERS, ModelManager

ROOT = Path(__file__).resolve().parents[1]


def test_a_manager_built_alone_in_a_script_loads_a_style_model(tmp_path):
    script = textwrap.dedent(f"""
        import sys
        from studio.models import ModelManager
        from studio.settings import Settings
        settings = Settings(device="cpu", data_dir={str(tmp_path / 'data')!r}, output_dir={str(tmp_path / 'out')!r},
                            offline=True).validate()
        assert "studio.image.style" not in sys.modules  # nothing imported the engine first
        model = ModelManager(settings).get("style", "magenta-arbitrary")
        print(type(model).__name__)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, f"the script failed:\n{done.stderr[-3000:]}"
    assert done.stdout.strip().endswith("StyleModel")


def test_every_default_kind_is_registered_by_a_manager(settings):
    ModelManager(settings)
    assert set(DEFAULT_LOADERS) <= set(_LOADERS)
