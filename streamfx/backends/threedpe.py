"""The 3DPE network as an editor backend: crops -> triplanes -> renders at the faces' cameras.

All faces of a frame go through one ``encode`` and one ``render`` call of the engine
(:mod:`streamfx.engines`); the triplane smoother runs between them. A new style's prompt tokens
are computed on a background thread: the old style keeps rendering until they are ready, so a
hot-swap never stalls the stream (``wait_style`` waits for it, for tests and scripts).

A style adapted with ``streamfx adapt`` carries a delta (``delta.safetensors``: the tuned
prompt branch and E_t norm layers). Its faces run through a network that is the base one with
those tensors swapped in (``Engine.with_delta``; every other parameter shared, one network per
distinct delta), its prompt tokens are encoded by that network and cached under the delta's
hash too. Faces of one frame are batched by network, so per-face styles and cross-fades mix
adapted and plain styles freely. Engines with the weights baked into exported graphs
(onnxruntime, TensorRT) cannot take a delta: asking for such a style is a ConfigError that
names it and says to use ``--engine torch`` (``--engine auto`` picks torch when the starting
style has a delta).

Weights are our own format (``streamfx weights import 3dpe.pt -o models/3dpe``); the backend
never falls back to random weights: missing weights are a ``ModelFileError`` that says where to
get them.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from streamfx.backends.base import EditorBackend
from streamfx.errors import ConfigError, InputError, ModelFileError
from streamfx.face.types import CROP_SIZE, Face
from streamfx.modelfiles import cache_dir
from streamfx.record import FaceEdit

if TYPE_CHECKING:
    import torch

    from streamfx.engines.base import Engine
    from streamfx.temporal.triplane import TriplaneSmootherConfig

log = logging.getLogger(__name__)

WEIGHTS_HINT = (
    "get them with `streamfx weights fetch 3dpe` (the official archive) and "
    "`streamfx weights import PATH/TO/3dpe.pt`"
)
#: Most faces one engine call takes (more faces are split into several calls).
MAX_BATCH = 4


def weight_dirs() -> list[Path]:
    """Folders searched for converted 3DPE weights, in order."""
    dirs = [Path("models") / "3dpe"]
    if os.environ.get("STREAMFX_MODELS"):
        dirs.append(Path(os.environ["STREAMFX_MODELS"]) / "3dpe")
    dirs.append(cache_dir() / "3dpe")
    return dirs


def find_weights(explicit: str | Path | None = None) -> Path | None:
    """The first folder holding converted 3DPE weights (config.json + model.safetensors)."""
    candidates = [Path(explicit)] if explicit else weight_dirs()
    for d in candidates:
        if (d / "config.json").is_file() and any(d.glob("*.safetensors")):
            return d
    return None


def resolve_device(device: str):
    """A usable ``torch.device`` for ``device`` ('cpu', 'cuda', 'cuda:1', ...) or a clear error."""
    import torch

    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ConfigError(f"--device {device!r} is not a torch device (try cpu or cuda)") from exc
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise ConfigError(
                f"--device {device} requested but torch sees no CUDA device "
                f"(torch {torch.__version__}; install a CUDA build, see the README)"
            )
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise ConfigError(f"--device {device}: only {torch.cuda.device_count()} CUDA devices")
    elif dev.type != "cpu":
        raise ConfigError(f"--device {device}: only cpu and cuda are supported")
    return dev


def load_reference(path: str | Path) -> np.ndarray:
    """Read a reference (prompt) image as uint8 [H,W,3] RGB; clear error when unreadable."""
    from PIL import Image, UnidentifiedImageError

    p = Path(path)
    if not p.is_file():
        raise InputError(f"reference image {p} does not exist (expected an image file)")
    try:
        with Image.open(p) as im:
            return np.asarray(im.convert("RGB"))
    except (UnidentifiedImageError, OSError) as exc:
        raise InputError(f"reference image {p} is not a readable image: {exc}") from exc


def reference_path(style: str | Path) -> Path:
    """The reference image of ``style``: an image path as is, else the 3dpe style's reference."""
    return style_files(style)[0]


def style_files(style: str | Path) -> tuple[Path, Path | None, str]:
    """(reference image, adapted weights or None, name) of ``style``: an image path is its own
    reference (no delta); a 3dpe style gives its reference and ``delta.safetensors``."""
    p = Path(style)
    if p.suffix.lower() in {".png", ".jpg", ".jpeg", ".webp", ".bmp"}:
        return p, None, p.name
    from streamfx.backends.styles_catalog import load_style

    spec = load_style(str(style))
    if spec.editor != "3dpe" or not spec.reference:
        raise ConfigError(
            f"style {spec.name!r} is for the {spec.editor!r} editor, not 3dpe; "
            "pass a 3dpe style or a reference image path"
        )
    return spec.reference, spec.delta, spec.name


def delta_engine_error(style: str, delta: Path, engine: str) -> ConfigError:
    """The error for an adapted style on an engine that cannot apply its delta."""
    return ConfigError(
        f"style {style!r} has adapted weights ({delta}), but the {engine} engine runs exported "
        f"graphs with the base weights baked in and cannot apply them; use --engine torch "
        f"(it swaps the adapted tensors in), or pick a style without a delta"
    )


class ThreeDPEBackend(EditorBackend):
    """Edits faces with the 3DPE network on an engine (torch, onnxruntime, tensorrt, auto)."""

    name = "3dpe"

    def __init__(
        self,
        style: str | Path,
        weights: str | Path | None = None,
        device: str = "cpu",
        engine: str = "auto",
        smoothing: TriplaneSmootherConfig | None = None,
    ) -> None:
        """style: a 3DPE style name or a reference image. weights: a converted weights folder
        (default: searched, see ``weight_dirs``). device: cpu or cuda[:N]. engine: auto, torch,
        onnxruntime or tensorrt (see ``streamfx.engines``; auto says why it skipped better
        ones). smoothing: the triplane smoother's settings (None: off). The first style is
        ready when the constructor returns."""
        from streamfx.engines import describe_choice, open_engine
        from streamfx.engines.spec import parse_engine_spec
        from streamfx.temporal.triplane import TriplaneSmoother

        found = find_weights(weights)
        if found is None:
            looked = [str(weights)] if weights else [str(d) for d in weight_dirs()]
            raise ModelFileError(
                f"3DPE weights not found (looked in {', '.join(looked)}); {WEIGHTS_HINT}"
            )
        self.weights = found
        self.device = resolve_device(device)
        _, start_delta, start_name = style_files(style)
        why, kind = "", parse_engine_spec(engine)[0]
        if start_delta is not None and kind == "auto":
            engine = "torch" + str(engine)[len("auto") :]  # keeps variants (auto:bf16)
            why = f" (auto: style {start_name!r} has adapted weights, only torch applies them)"
        elif start_delta is not None and kind != "torch":  # before a long export
            raise delta_engine_error(start_name, start_delta, kind)
        self.engine = open_engine(engine, found, device=self.device, max_batch=MAX_BATCH)
        self.engine_name = self.engine.name
        self.takes_adapted = self.engine.takes_delta
        self.engine_choice = describe_choice(self.engine) + why
        log.info("3dpe engine: %s", self.engine_choice)
        from streamfx.backends.prompt_cache import PromptTokenCache

        self.prompt_cache = PromptTokenCache(found, self.engine_name)
        """Prompt tokens on disk (reference hash + weights hash): a style starts at once the
        second time."""
        self.smoother = TriplaneSmoother(replace(smoothing)) if smoothing is not None else None
        self._smoothing_on = True
        self.crossfade_frames = 0
        """Frames over which a face's triplane blends from its old style to the new one."""
        self._tokens: torch.Tensor | None = None  # the default style's tokens
        self.style = ""  # the default style in use (its tokens are ready)
        self._lock = threading.Lock()  # guards the token cache and styles between threads
        self._cache: dict[str, torch.Tensor] = {}  # style -> prompt tokens (ready)
        self._track_style: dict[int, str] = {}  # track id -> its own wanted style
        self._shown: dict[int, str] = {}  # track id -> style its last frame was rendered in
        self._fades: dict[int, tuple[str, int]] = {}  # track id -> (previous style, frames)
        self._cond = threading.Condition()
        self._queue: dict[str, tuple] = {}  # style -> (reference, delta, name) to encode
        self._style_net: dict[str, Engine] = {}  # style -> the network its faces run through
        self._nets: dict[str, Engine] = {}  # delta sha256 -> the base network + that delta
        self._busy = False  # the prompt thread is encoding one
        self._default_key = ""  # the latest default style asked for
        self._stop = False
        self._error: BaseException | None = None
        self._worker = threading.Thread(target=self._prompt_loop, name="3dpe-prompt", daemon=True)
        self._worker.start()
        try:
            self.set_style(style)
            if not self.wait_style():
                raise ConfigError(f"style {style!r}: prompt encoding did not finish")
        except BaseException:
            self.close()
            raise

    # ------------------------------------------------------------------ styles
    def set_style(self, style: str | Path) -> None:
        """Switch the default prompt without blocking: the reference is read and checked here
        (bad styles raise at once), its tokens are computed on the prompt thread (once per
        style: a style used before switches at the next frame), and the old style keeps
        rendering until they are ready. A newer call supersedes a pending one."""
        key = str(style)
        with self._lock:
            ready = key in self._cache
        job = None if ready else self._prepare(key)
        with self._cond:
            self._default_key = key
            if job is not None:
                self._queue[key] = job
                self._cond.notify_all()
        if ready:
            self._use_default(key)

    def set_track_style(self, track_id: int, style: str | Path | None) -> None:
        """Give track ``track_id`` its own prompt (None: it follows the default again); like
        ``set_style``, never blocking: the track keeps its old style until the tokens exist."""
        if style is None:
            with self._lock:
                self._track_style.pop(track_id, None)
            return
        key = str(style)
        with self._lock:
            ready = key in self._cache
        job = None if ready else self._prepare(key)
        with self._lock:
            self._track_style[track_id] = key
        if job is not None:
            with self._cond:
                self._queue[key] = job
                self._cond.notify_all()

    def style_of(self, track_id: int) -> str:
        """The style track ``track_id`` was last rendered in (or will be)."""
        with self._lock:
            return self._shown.get(track_id) or self._track_style.get(track_id) or self.style

    def _prepare(self, key: str) -> tuple[torch.Tensor, Path | None, str]:
        """(reference tensor, delta file or None, style name) of style ``key``; what can be
        checked at once is (an unreadable reference, a delta this engine cannot apply)."""
        from streamfx.editor.preprocess import reference_to_tensor

        ref_path, delta, name = style_files(key)
        if delta is not None:
            if not self.engine.takes_delta:
                raise delta_engine_error(name, delta, self.engine_name)
            if not delta.is_file():
                raise InputError(f"style {name!r}: its adapted weights {delta} are missing")
        return reference_to_tensor(load_reference(ref_path)), delta, name

    def _network(self, delta: Path | None, name: str) -> tuple[Engine, bytes]:
        """(network, prompt-cache key extra) for a style with adapted weights ``delta``: the
        base engine for None, else the base with the delta swapped in (one per distinct
        delta, made here on the prompt thread)."""
        if delta is None:
            return self.engine, b""
        from streamfx.engines.delta import read_delta

        tensors, digest = read_delta(delta)
        extra = f"|delta:{digest}".encode()
        with self._lock:
            net = self._nets.get(digest)
        if net is not None:
            return net, extra
        outside = sorted(k for k in tensors if not k.startswith("encoder."))
        if outside:
            raise InputError(
                f"style {name!r}: {delta} adapts {outside[0]}, outside the encoder (a style "
                "delta holds the prompt branch and E_t tensors, as streamfx adapt writes)"
            )
        net = self.engine.with_delta(tensors, f"style {name}")
        with self._lock:
            net = self._nets.setdefault(digest, net)
        log.info("3dpe: style %s runs with adapted weights %s", name, delta)
        return net, extra

    def _use_default(self, key: str) -> None:
        """Make ``key`` (tokens ready) the default."""
        with self._lock:
            self._tokens, self.style = self._cache[key], key
            if self.smoother is not None and self.crossfade_frames <= 0:
                self.smoother.reset()

    def wait_style(self, timeout: float | None = 60.0) -> bool:
        """Wait until every requested style is ready and the latest ``set_style`` is in use;
        False on timeout. Re-raises an error the prompt thread hit (the previous style then
        stays in use)."""
        with self._cond:
            ok = self._cond.wait_for(lambda: not self._queue and not self._busy, timeout)
            err, self._error = self._error, None
        if err is not None:
            raise err
        return ok

    @property
    def style_pending(self) -> bool:
        """True while a newer style's tokens are being computed."""
        with self._cond:
            return bool(self._queue) or self._busy

    def _prompt_loop(self) -> None:
        import torch

        stream = torch.cuda.Stream(self.device) if self.device.type == "cuda" else None
        while True:
            with self._cond:
                self._cond.wait_for(lambda: bool(self._queue) or self._stop)
                if self._stop:
                    return
                key = next(iter(self._queue))
                ref, delta, name = self._queue.pop(key)
                self._busy = True
            error = None
            try:
                net, extra = self._network(delta, name)
                tokens = self.prompt_cache.get(ref, extra)
                if tokens is not None:
                    tokens = tokens.to(self.device)
                else:
                    with torch.inference_mode():
                        if stream is not None:
                            with torch.cuda.stream(stream):
                                tokens = net.encode_prompt(ref)
                            stream.synchronize()
                        else:
                            tokens = net.encode_prompt(ref)
                    self.prompt_cache.put(ref, tokens, extra)
                with self._lock:
                    self._cache[key] = tokens
                    self._style_net[key] = net
                with self._cond:
                    is_default = key == self._default_key
                if is_default:
                    self._use_default(key)
            except Exception as exc:  # reported by wait_style; the old style stays
                log.error("3dpe: prompt for %s failed: %s", key, exc)
                error = exc
            with self._cond:
                self._busy = False
                self._error = error or self._error
                self._cond.notify_all()

    # ------------------------------------------------------------------ editing
    def edit(self, frame_rgb: np.ndarray, face: Face, camera: np.ndarray | None = None) -> FaceEdit:
        """Edit one face: its EG3D crop -> triplane -> render at ``camera`` (default: its own)."""
        return self.edit_faces(frame_rgb, [face], [camera])[0]

    def edit_faces(
        self, frame_rgb: np.ndarray, faces: list[Face], cameras: list[np.ndarray | None]
    ) -> list[FaceEdit]:
        """Edit every face of a frame in one ``encode`` and one ``render`` call (batches of
        ``MAX_BATCH``). ``FaceEdit.timings`` holds each face's share of the batch's seconds
        (``encode``, ``render``, ``superres``), so they add up to the frame's time."""
        if len(cameras) != len(faces):
            raise InputError(f"{len(faces)} faces but {len(cameras)} cameras")
        edits: list[FaceEdit] = []
        for i in range(0, len(faces), MAX_BATCH):
            edits += self._edit_batch(faces[i : i + MAX_BATCH], cameras[i : i + MAX_BATCH])
        return edits

    def _edit_batch(self, faces: list[Face], cameras: list[np.ndarray | None]) -> list[FaceEdit]:
        import torch

        for f in faces:
            if f.crop is None or f.camera is None:
                raise InputError("3dpe needs face.crop (512x512) and face.camera (25 numbers)")
        cams = [f.camera if c is None else c for f, c in zip(faces, cameras, strict=True)]
        new, old_styles, weights = self._face_tokens(faces)
        dev = self.device
        crops = np.stack([np.asarray(f.crop, np.uint8) for f in faces])
        cam_t = torch.as_tensor(np.stack([np.asarray(c, np.float32).reshape(25) for c in cams]))
        with torch.inference_mode():
            # uint8 crosses the bus; normalisation to [-1,1] happens on the device
            images = torch.from_numpy(crops).to(dev).permute(0, 3, 1, 2).float().div(255) * 2 - 1
            timings: dict[str, float] = {}
            tri = self._encode(images, new, timings)
            fading = [i for i, w in enumerate(weights) if w < 1.0]
            if fading:  # cross-fade: blend the triplanes of the old and new styles
                idx = torch.as_tensor(fading, device=tri.device)
                old = self._encode(images[idx], [old_styles[i] for i in fading], {})
                w = torch.as_tensor([weights[i] for i in fading], device=tri.device)
                w = w.to(tri.dtype).view(-1, 1, 1, 1)
                tri = tri.clone()
                tri[idx] = old.lerp(tri[idx], w)
            if self.smoother is not None and self.smoothing > 0:
                tri = torch.cat(
                    [self.smoother(f.track_id, tri[i : i + 1]) for i, f in enumerate(faces)]
                )
            out = self.engine.render(tri, cam_t.to(dev))
            timings.update(self.engine.last_timings)
            image = ((out["image"].clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
            image = image.permute(0, 2, 3, 1).cpu().numpy()
            alpha = out["alpha"][:, 0].float().cpu().numpy()
            depth = out["depth"][:, 0].float().cpu().numpy()
        share = {k: v / len(faces) for k, v in timings.items()}
        return [
            FaceEdit(
                image=_to_crop_size(image[i]),
                alpha=alpha[i],
                depth=depth[i],
                backend=self.name,
                timings=dict(share),
            )
            for i in range(len(faces))
        ]

    def _encode(self, images: torch.Tensor, styles: list[tuple], timings: dict) -> torch.Tensor:
        """Triplanes [N,planes,T,T] of ``images`` [N,3,512,512], face i through its style's
        network with its tokens (``styles[i]`` = (tokens [1,197,d], network)): one ``encode``
        call per network (all faces at once when they share one); adds the seconds of the calls
        to ``timings``."""
        import torch

        groups: dict[int, list[int]] = {}
        for i, (_, net) in enumerate(styles):
            groups.setdefault(id(net), []).append(i)
        out = None
        for idx in groups.values():
            net = styles[idx[0]][1]
            tokens = torch.cat([styles[i][0] for i in idx])
            if len(idx) == len(styles):
                return self._timed(net, net.encode(images, tokens), timings)
            sel = torch.as_tensor(idx, device=images.device)
            tri = self._timed(net, net.encode(images[sel], tokens), timings)
            if out is None:
                out = tri.new_empty((len(styles), *tri.shape[1:]))
            out[sel] = tri
        assert out is not None
        return out

    @staticmethod
    def _timed(net: Engine, tri: torch.Tensor, timings: dict) -> torch.Tensor:
        for k, v in net.last_timings.items():
            timings[k] = timings.get(k, 0.0) + v
        return tri

    def _face_tokens(self, faces: list[Face]) -> tuple:
        """Per face: (tokens [1,197,d], network) of the style it shows, the same of the style
        it fades from, and the weight of the new style (1: no fade). Advances each face's
        fade."""
        new, old, weights = [], [], []
        with self._lock:
            for f in faces:
                tid = f.track_id
                want = self._track_style.get(tid) or self._default_key or self.style
                shown = self._shown.get(tid)
                use = want if want in self._cache else shown if shown in self._cache else self.style
                if shown is not None and shown != use and shown in self._cache:
                    if self.crossfade_frames > 0:
                        self._fades[tid] = (shown, 0)
                    elif self.smoother is not None:
                        self.smoother.reset(tid)
                self._shown[tid] = use
                w, prev = 1.0, use
                fade = self._fades.get(tid)
                if fade is not None:
                    done = fade[1] + 1
                    w = done / (self.crossfade_frames + 1)
                    if w >= 1.0 or fade[0] not in self._cache:
                        del self._fades[tid]
                        w = 1.0
                    else:
                        self._fades[tid], prev = (fade[0], done), fade[0]
                new.append((self._cache[use], self._style_net.get(use, self.engine)))
                old.append((self._cache[prev], self._style_net.get(prev, self.engine)))
                weights.append(w)
        return new, old, weights

    @property
    def smoothing(self) -> float:
        """Triplane smoothing, 0 (off) .. 1 (steadiest); a live control. It sets the
        smoother's weight of a still face's new triplane to ``1 - smoothing`` (at least 0.05)."""
        if self.smoother is None:
            return 0.0
        return 1.0 - self.smoother.config.min_weight if self._smoothing_on else 0.0

    @smoothing.setter
    def smoothing(self, value: float) -> None:
        if self.smoother is None:
            return
        self._smoothing_on = value > 0
        if value > 0:
            self.smoother.config.min_weight = max(0.05, 1.0 - float(value))

    def reset(self, track_id: int | None = None) -> None:
        """Drop the temporal state, own style and fade of one track (or all)."""
        if self.smoother is not None:
            self.smoother.reset(track_id)
        with self._lock:
            for state in (self._track_style, self._shown, self._fades):
                if track_id is None:
                    state.clear()
                else:
                    state.pop(track_id, None)

    def close(self) -> None:
        """Stop the prompt thread and release the engine (safe to call twice)."""
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        self._worker.join(timeout=30)
        with self._lock:
            nets, self._nets = list(self._nets.values()), {}
        for net in nets:
            net.close()
        self.engine.close()


def _to_crop_size(image: np.ndarray) -> np.ndarray:
    """uint8 [S,S,3] -> [512,512,3] (bilinear) when the preset renders at another size."""
    if image.shape[0] == CROP_SIZE:
        return image
    import cv2

    return cv2.resize(image, (CROP_SIZE, CROP_SIZE), interpolation=cv2.INTER_LINEAR)
