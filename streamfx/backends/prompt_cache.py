"""Prompt tokens cached on disk, so a 3DPE style starts at once the second time.

The key is the hash of the preprocessed reference (the exact [1,3,224,224] tensor the prompt
encoder sees, so the same image gives the same key wherever it lives), the hash of the weights
folder's files (memoised per file size and modification time, so a weights file is read once),
the engine's name and, for a style with adapted weights, the sha256 of its delta (``extra``:
its prompt branch is not the base one). Entries are ``KEY.safetensors`` files in
``prompt_cache_dir()``, written to a temporary name and renamed, so a reader never sees half a
file; an unreadable entry is ignored and recomputed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from streamfx.fileio import atomic_write

if TYPE_CHECKING:
    import torch

log = logging.getLogger(__name__)
_HASHES = "weights-hashes.json"
_lock = threading.Lock()


def prompt_cache_dir() -> Path:
    """``$STREAMFX_PROMPT_CACHE``, else ``prompts/`` in the engine cache (beside the exported
    graphs, which are also derived from the weights)."""
    value = os.environ.get("STREAMFX_PROMPT_CACHE", "").strip()
    if value:
        return Path(value).expanduser()
    from streamfx.engines.export import engine_cache_dir

    return engine_cache_dir() / "prompts"


def file_sha256(path: Path, chunk: int = 1 << 20) -> str:
    """sha256 hex digest of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def weights_hash(folder: Path, root: Path | None = None) -> str:
    """sha256 over the weights folder's ``config.json`` and ``*.safetensors`` (names and
    contents); each file's hash is memoised in the cache by (path, size, mtime)."""
    root = root or prompt_cache_dir()
    memo_path = root / _HASHES
    with _lock:
        try:
            memo = json.loads(memo_path.read_text())
        except (OSError, ValueError):
            memo = {}
        h = hashlib.sha256()
        changed = False
        files = [folder / "config.json", *sorted(folder.glob("*.safetensors"))]
        for f in files:
            if not f.is_file():
                continue
            st = f.stat()
            key = f"{f.resolve()}|{st.st_size}|{st.st_mtime_ns}"
            digest = memo.get(key)
            if digest is None:
                digest = memo[key] = file_sha256(f)
                changed = True
            h.update(f.name.encode() + b"\0" + digest.encode())
        if changed:
            atomic_write(memo_path, json.dumps(memo, indent=1).encode())
    return h.hexdigest()


class PromptTokenCache:
    """Disk cache of prompt tokens for one weights folder and engine.

    ``get(ref)`` -> tokens or None; ``put(ref, tokens)``; ``hits``/``misses`` count lookups.
    ``extra``: more bytes for the key (e.g. a style's adapted prompt-encoder weights).
    """

    def __init__(self, weights: str | Path, engine: str, root: str | Path | None = None) -> None:
        self.root = Path(root) if root else prompt_cache_dir()
        self.engine = engine
        self.weights_key = weights_hash(Path(weights), self.root)
        self.hits = 0
        self.misses = 0

    def key(self, ref: torch.Tensor, extra: bytes = b"") -> str:
        """The cache key of reference tensor ``ref``."""
        arr = ref.detach().to("cpu").float().contiguous().numpy()
        h = hashlib.sha256()
        h.update(str(tuple(arr.shape)).encode())
        h.update(arr.tobytes())
        ref_hash = h.hexdigest()
        k = hashlib.sha256(f"{ref_hash}|{self.weights_key}|{self.engine}|".encode() + extra)
        return k.hexdigest()[:40]

    def path(self, ref: torch.Tensor, extra: bytes = b"") -> Path:
        """File of ``ref``'s tokens."""
        return self.root / f"{self.key(ref, extra)}.safetensors"

    def get(self, ref: torch.Tensor, extra: bytes = b"") -> torch.Tensor | None:
        """The cached tokens of ``ref`` (on the CPU), or None."""
        p = self.path(ref, extra)
        if not p.is_file():
            self.misses += 1
            return None
        try:
            from safetensors.torch import load_file

            tokens = load_file(str(p))["tokens"]
        except Exception as exc:  # a damaged entry: recompute it
            log.warning("prompt cache: ignoring unreadable %s (%s)", p, exc)
            self.misses += 1
            return None
        self.hits += 1
        return tokens

    def put(self, ref: torch.Tensor, tokens: torch.Tensor, extra: bytes = b"") -> Path:
        """Store ``tokens`` for ``ref`` (atomic)."""
        from safetensors.torch import save

        p = self.path(ref, extra)
        try:
            data = save({"tokens": tokens.detach().to("cpu").float().contiguous()})
            atomic_write(p, data)
        except OSError as exc:  # a read-only cache only costs the next start's encode
            log.warning("prompt cache: cannot write %s (%s)", p, exc)
        return p
