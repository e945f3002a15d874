"""3DPE hot-swap through the live controls: the frame path never waits for prompt encoding,
then the triplanes of the two styles cross-fade."""

from __future__ import annotations

import threading

import numpy as np
import torch
from PIL import Image

from streamfx.backends.threedpe import ThreeDPEBackend
from streamfx.editor import PortraitEditor
from streamfx.record import Frame
from streamfx.runtime.controls import ControlState, LiveControls
from streamfx.runtime.stages import EditStage


def test_swap_never_waits_for_the_prompt_and_cross_fades(tmp_path, monkeypatch) -> None:
    from skimage import data

    from streamfx.face import FaceTracker

    monkeypatch.setenv("STREAMFX_ENGINE_CACHE", str(tmp_path / "engines"))
    torch.manual_seed(0)
    PortraitEditor("tiny").eval().save_pretrained(tmp_path / "w")
    ref_a, ref_b = tmp_path / "a.png", tmp_path / "b.png"
    Image.fromarray(data.chelsea()[:, 75:375]).resize((512, 512)).save(ref_a)
    Image.fromarray(np.full((512, 512, 3), 200, np.uint8)).save(ref_b)
    image = data.astronaut()
    with FaceTracker() as tracker:
        (face,) = tracker.detect(image)
    backend = ThreeDPEBackend(ref_a, weights=tmp_path / "w", engine="onnxruntime")
    state = ControlState(default_style=str(ref_a), crossfade_frames=3, smoothing=0.0)
    controls = LiveControls(state)
    stage = EditStage(backend, controls=controls)
    rendered = []  # the triplanes the renderer got
    render = backend.engine.render
    backend.engine.render = lambda tri, cams: rendered.append(tri.clone()) or render(tri, cams)

    def frame() -> torch.Tensor:
        stage.process(Frame(image=image, pts=None, t_capture=0.0, faces=[face]))
        return rendered[-1]

    old = frame()
    gate, started = threading.Event(), threading.Event()
    encode_prompt = backend.engine.encode_prompt

    def held(refs):
        started.set()
        gate.wait(60)
        return encode_prompt(refs)

    backend.engine.encode_prompt = held
    controls.set_style(str(ref_b))
    held_frames = []
    for _ in range(3):  # the prompt encoder is held: frames keep coming in the old style
        held_frames.append(frame())
        assert started.is_set() and backend.style_pending and not gate.is_set()
    assert all(torch.equal(f, old) for f in held_frames)
    assert controls.swap_pending(None) is not None  # not reached yet
    gate.set()
    assert backend.wait_style(60)
    fades = [frame() for _ in range(5)]
    new = fades[-1]
    dist = [float((f - new).abs().mean()) for f in fades]
    assert dist[0] > dist[1] > dist[2] > 0 and dist[3] == 0  # 3 blended triplanes, then the new
    step = float((old - new).abs().mean()) / 4
    np.testing.assert_allclose(dist[:3], [3 * step, 2 * step, step], rtol=1e-3)
    assert controls.swap_pending(None) is None  # the swap latency was reported
    assert backend.style_of(face.track_id) == str(ref_b)
    # a second switch back is instant: the tokens are cached
    controls.set_style(str(ref_a))
    frame()
    assert not backend.style_pending and backend.style == str(ref_a)
    backend.close()
