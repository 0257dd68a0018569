"""The studio's shared objects: settings, the model manager and the engines.

One :class:`StudioContext` is built at start-up and handed to the UI and the
API. It holds no per-user state: that lives in each user's Gradio session or
in the library.
"""

from __future__ import annotations

import dataclasses

from .api_keys import ApiKeys
from .hub_download import Downloads
from .image.diffusion import DiffusionEngine
from .image.gan import GanEngine
from .image.repair import RepairEngine
from .image.router import ImageRouter
from .image.style import StyleEngine
from .jobs import Jobs
from .library import Library
from .models import ModelManager, register_default_loaders
from .provenance.credentials import credentials_for
from .settings import Settings
from .speech import SpeechEngine
from .text.engine import TextEngine


@dataclasses.dataclass
class StudioContext:
    """Settings, the shared ModelManager, and one engine per kind of work."""

    settings: Settings
    manager: ModelManager
    text: TextEngine
    gan: GanEngine
    diffusion: DiffusionEngine
    style: StyleEngine
    library: Library
    repair: RepairEngine
    images: ImageRouter
    speech: SpeechEngine
    api_keys: ApiKeys | None = None
    jobs: Jobs = dataclasses.field(default_factory=Jobs)
    downloads: Downloads | None = None  # the Models tab's downloads (issue #27)

    @classmethod
    def create(cls, settings: Settings) -> StudioContext:
        """Build the manager and the engines; loads no model (models load on first use)."""
        register_default_loaders()  # every kind of model: text, voice, gan, diffusion, style, speech
        credentials_for(settings).check()  # the signing key and certificate: made on first start, refused early
        manager = ModelManager(settings)
        diffusion = DiffusionEngine(manager, settings)
        gan = GanEngine(manager, settings)
        repair, remote = RepairEngine(manager, settings, diffusion), None
        if settings.remote_images:  # --image-backend openai: a picture server makes the pictures
            from .image.remote import RemoteImages
            from .image.remote_engines import RemoteDiffusion, RemoteRepair

            remote = RemoteImages(settings)
            # the remote engines stand in for the local ones (the same methods, duck-typed)
            diffusion, repair = RemoteDiffusion(diffusion, remote), RemoteRepair(repair, remote)  # type: ignore[assignment]
        assert settings.data_dir is not None  # Settings fills it in
        return cls(
            settings=settings,
            manager=manager,
            text=TextEngine(manager, settings),
            gan=gan,
            diffusion=diffusion,
            style=StyleEngine(manager, settings, diffusion),
            library=Library(settings.data_dir),
            repair=repair,
            images=ImageRouter(gan, diffusion, settings, remote=remote),
            api_keys=ApiKeys(settings.data_dir),
            speech=SpeechEngine(manager, settings),
            downloads=Downloads(settings),
        )
