"""An adapted style's ``delta.safetensors`` is applied by the 3DPE backend: its faces run through
the base network with the delta swapped in (shared otherwise), per face and across cross-fades;
its prompt tokens are cached under the delta's hash; engines with baked-in weights refuse it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from streamfx.backends.threedpe import ThreeDPEBackend
from streamfx.errors import ConfigError, InputError
from streamfx.face.types import Face
from streamfx.geometry.camera import camera_from_angles


@pytest.fixture(scope="module", autouse=True)
def engine_cache(tmp_path_factory):
    """Exports of this module go to a temporary engine cache, not the user's."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("STREAMFX_ENGINE_CACHE", str(tmp_path_factory.mktemp("engines")))
        yield


@pytest.fixture(autouse=True)
def caches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Prompt tokens of each test go to its own folder, user styles too."""
    monkeypatch.setenv("STREAMFX_PROMPT_CACHE", str(tmp_path / "prompts"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    return tmp_path / "prompts"


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    from skimage import data

    p = tmp_path_factory.mktemp("ref") / "ref.png"
    Image.fromarray(data.chelsea()[:, 75:375]).resize((512, 512)).save(p)
    return p


@pytest.fixture(scope="module", autouse=True)
def styles(tiny_weights, reference, tmp_path_factory) -> dict[str, Path]:
    """Styles of the module (in ``$STREAMFX_STYLES``): ``adapted`` and ``other`` (the same
    reference, each with its own delta) and ``plain`` (the reference alone); -> the deltas."""
    from streamfx.styles_store import add_reference_style

    root = tmp_path_factory.mktemp("styles")
    deltas = {}
    for name, seed in (("adapted", 1), ("other", 2)):
        delta = write_delta(tiny_weights, root / f"{name}.safetensors", seed)
        spec = add_reference_style(name, reference, delta=delta, root=root / "styles")
        assert spec.delta is not None
        deltas[name] = spec.delta
    add_reference_style("plain", reference, root=root / "styles")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("STREAMFX_STYLES", str(root / "styles"))
        yield deltas


@pytest.fixture(scope="module")
def hand(tiny_weights, reference, styles) -> dict[str, torch.Tensor]:
    """Triplanes of ``faces(3)`` by a network built by hand: plain, and with ``adapted``'s
    delta loaded."""
    fs = faces(3)
    return {
        "plain": by_hand(tiny_weights, reference, None, fs),
        "adapted": by_hand(tiny_weights, reference, styles["adapted"], fs),
    }


def write_delta(weights: Path, path: Path, seed: int, scale: float = 0.5) -> Path:
    """A delta of the adapted tensors (prompt branch + E_t norms), each perturbed."""
    from safetensors.torch import save_file

    from streamfx.editor import PortraitEditor
    from streamfx.training.adapt import adapt_names

    editor = PortraitEditor.from_pretrained(weights)
    params = dict(editor.named_parameters())
    g = torch.Generator().manual_seed(seed)
    tensors = {
        n: (params[n].detach() + scale * torch.randn(params[n].shape, generator=g)).contiguous()
        for n in adapt_names(editor)
    }
    save_file(tensors, str(path))
    return path


def faces(n: int = 2) -> list[Face]:
    """``n`` synthetic faces (crops of a photo, its flip, ...; frontal and turned cameras)."""
    from skimage import data

    photo = np.asarray(Image.fromarray(data.astronaut()).resize((512, 512)))
    crops = [photo, photo[:, ::-1].copy(), (photo * 0.7).astype(np.uint8)]
    cams = [
        camera_from_angles(0.0, 0.0),
        camera_from_angles(0.3, 0.0),
        camera_from_angles(-0.2, 0.1),
    ]
    lm = np.zeros((478, 3), np.float32)
    return [Face(i, lm, (0.0, 0.0, 512.0, 512.0), crop=crops[i], camera=cams[i]) for i in range(n)]


def by_hand(weights: Path, reference: Path, delta: Path | None, fs: list[Face]) -> torch.Tensor:
    """Triplanes of ``fs`` from a network built here, with ``delta`` loaded by hand."""
    from safetensors.torch import load_file

    from streamfx.backends.threedpe import load_reference
    from streamfx.editor import PortraitEditor
    from streamfx.editor.preprocess import reference_to_tensor

    editor = PortraitEditor.from_pretrained(weights)
    if delta is not None:  # in place, with torch's own loader (not the backend's swap)
        assert not editor.load_state_dict(load_file(str(delta)), strict=False).unexpected_keys
    crops = torch.from_numpy(np.stack([f.crop for f in fs])).permute(0, 3, 1, 2)
    with torch.no_grad():
        tokens = editor.encode_prompt(reference_to_tensor(load_reference(reference)))
        return editor.encode(crops.float().div(255) * 2 - 1, tokens)


def recording(backend: ThreeDPEBackend) -> list[torch.Tensor]:
    """The triplanes the backend's renderer gets, one entry per frame."""
    seen: list[torch.Tensor] = []
    render = backend.engine.render
    backend.engine.render = lambda tri, cams: seen.append(tri.clone()) or render(tri, cams)
    return seen


def test_adapted_style_renders_with_its_delta(tiny_weights, reference, styles, hand) -> None:
    fs = faces(3)
    plain = ThreeDPEBackend(reference, weights=tiny_weights, engine="torch", smoothing=None)
    adapted = ThreeDPEBackend("adapted", weights=tiny_weights, engine="torch", smoothing=None)
    tri_plain, tri_adapted = recording(plain), recording(adapted)
    a = plain.edit_faces(np.zeros((8, 8, 3), np.uint8), fs, [None] * 3)
    b = adapted.edit_faces(np.zeros((8, 8, 3), np.uint8), fs, [None] * 3)
    # the tiny random renderer barely reacts to its triplane: the renders differ a little, the
    # triplanes (what the delta changes) a lot
    assert all(not np.array_equal(x.image, y.image) for x, y in zip(a, b, strict=True))
    change = (tri_plain[0] - tri_adapted[0]).abs().mean() / tri_plain[0].abs().mean()
    assert change > 0.1
    assert torch.allclose(tri_plain[0], hand["plain"], atol=1e-5)
    assert torch.allclose(tri_adapted[0], hand["adapted"], atol=1e-5)
    # the adapted network shares every parameter the delta does not hold with the base one
    base = dict(adapted.engine.editor.named_parameters())
    (net,) = adapted._nets.values()
    from safetensors import safe_open

    with safe_open(str(styles["adapted"]), "pt") as fh:
        names = set(fh.keys())
    for name, p in net.editor.named_parameters():
        assert (p.data_ptr() == base[name].data_ptr()) is (name not in names), name
    plain.close()
    adapted.close()


def test_faces_of_mixed_styles_batch_by_network_and_cross_fade(
    tiny_weights, reference, hand
) -> None:
    fs = faces(3)
    backend = ThreeDPEBackend(reference, weights=tiny_weights, engine="torch", smoothing=None)
    seen = recording(backend)
    backend.set_track_style(1, "adapted")
    assert backend.wait_style(60)
    calls: list[int] = []
    for net in [backend.engine, *backend._nets.values()]:
        encode = net.encode
        net.encode = lambda images, tokens, f=encode: calls.append(len(images)) or f(images, tokens)
    frame = np.zeros((8, 8, 3), np.uint8)
    backend.edit_faces(frame, fs, [None] * 3)
    assert sorted(calls) == [1, 2]  # two networks: faces 0 and 2 together, face 1 alone
    plain, adapted = hand["plain"], hand["adapted"]
    assert torch.allclose(seen[-1][[0, 2]], plain[[0, 2]], atol=1e-5)
    assert torch.allclose(seen[-1][1], adapted[1], atol=1e-5)
    assert backend.style_of(1) == "adapted" and backend.style_of(0) == str(reference)
    # the default style becomes the adapted one: faces 0 and 2 fade over 1 frame (half way)
    backend.crossfade_frames = 1
    backend.set_style("adapted")
    assert backend.wait_style(60)
    backend.edit_faces(frame, fs, [None] * 3)
    half = (plain + adapted) / 2
    assert torch.allclose(seen[-1][[0, 2]], half[[0, 2]], atol=1e-5)
    backend.edit_faces(frame, fs, [None] * 3)
    assert torch.allclose(seen[-1], adapted, atol=1e-5)
    backend.close()


def test_prompt_tokens_are_cached_under_the_deltas_hash(tiny_weights, reference, caches) -> None:
    backend = ThreeDPEBackend(reference, weights=tiny_weights, engine="torch")
    tokens = {"plain": backend._tokens}
    for name in ("adapted", "other"):  # the same reference, two deltas
        backend.set_style(name)
        assert backend.wait_style(60)
        tokens[name] = backend._tokens
    assert len(list(caches.glob("*.safetensors"))) == 3  # one entry per (reference, delta)
    assert not torch.allclose(tokens["plain"], tokens["adapted"])
    assert not torch.allclose(tokens["adapted"], tokens["other"])
    backend.close()
    again = ThreeDPEBackend("other", weights=tiny_weights, engine="torch")
    assert again.prompt_cache.hits == 1 and again.prompt_cache.misses == 0
    assert torch.equal(again._tokens, tokens["other"])
    again.close()


def test_engines_with_baked_weights_refuse_a_delta_clearly(tiny_weights, reference) -> None:
    for engine in ("onnxruntime", "tensorrt"):  # refused before any export
        with pytest.raises(ConfigError, match=rf"style 'adapted'.*{engine}.*--engine torch"):
            ThreeDPEBackend("adapted", weights=tiny_weights, engine=engine)
    backend = ThreeDPEBackend(reference, weights=tiny_weights, engine="onnxruntime")
    with pytest.raises(ConfigError, match=r"style 'adapted'.*onnxruntime.*--engine torch"):
        backend.set_style("adapted")
    with pytest.raises(ConfigError, match="--engine torch"):
        backend.set_track_style(3, "adapted")
    assert backend.style == str(reference) and not backend.style_pending
    assert backend.takes_adapted is False  # the live controls do not offer adapted styles
    backend.close()
    auto = ThreeDPEBackend("adapted", weights=tiny_weights, engine="auto")
    assert auto.engine_name == "torch" and "adapted weights" in auto.engine_choice
    assert auto.takes_adapted is True
    auto.close()


def test_a_delta_of_other_weights_is_a_clear_error(tiny_weights, reference, tmp_path) -> None:
    from safetensors.torch import save_file

    from streamfx.styles_store import add_reference_style

    bad = tmp_path / "bad.safetensors"
    save_file({"encoder.Ref_encoder.nope": torch.zeros(3)}, str(bad))
    add_reference_style("misfit", reference, delta=bad)
    with pytest.raises(InputError, match="encoder.Ref_encoder.nope"):
        ThreeDPEBackend("misfit", weights=tiny_weights, engine="torch")


def test_the_live_pipeline_loads_and_hot_swaps_an_adapted_style(tiny_weights, face_model) -> None:
    from streamfx.config import EditingConfig, PipelineConfig, SourceConfig
    from streamfx.control.session import live_controls
    from streamfx.demo.clip import DemoSource
    from streamfx.runtime.build import build_pipeline

    editing = EditingConfig(editor="3dpe", style="adapted", weights=str(tiny_weights))
    config = PipelineConfig(source=SourceConfig(source="demo"), editor=editing)
    built = build_pipeline(config)
    backend = built.backend
    assert isinstance(backend, ThreeDPEBackend) and backend.engine_name == "torch"
    controls, _, styles = live_controls(config, built)
    assert {"adapted", "plain"} <= {s.name for s in styles}
    source = DemoSource(seconds=1.0, fps=10.0, width=320, height=240)
    source.open()
    frames = [source.read() for _ in range(3)]
    out = built.pipeline.process(frames[0])
    assert out.edits and not out.errors and backend.style_of(out.faces[0].track_id) == "adapted"
    (net,) = backend._nets.values()
    # hot swap to the plain style through the controls, then back on one track only
    controls.update(crossfade_frames=0)
    controls.set_style("plain")
    built.pipeline.process(frames[1])
    assert backend.wait_style(60)
    out = built.pipeline.process(frames[2])
    tid = out.faces[0].track_id
    assert backend.style_of(tid) == "plain" and not out.errors
    controls.set_style("adapted", track=tid)
    out = built.pipeline.process(frames[2])
    assert backend.style_of(tid) == "adapted" and not out.errors
    assert list(backend._nets.values()) == [net]  # the same network, reused
    built.pipeline.close()
    source.close()
