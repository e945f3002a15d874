"""The same batch as Ray tasks (local mode, 2 workers) gives the same bytes as single edits,
records the manifest, and a re-run through Ray skips the finished files."""

from __future__ import annotations

import pytest
from batch_media import outputs

from streamfx.cli.main import main

ray = pytest.importorskip("ray", reason="Ray is the streamfx[scale] extra")
ARGS = ["--style", "sketch", "--no-progress"]


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def test_ray_batch_gives_the_same_bytes(single, clips, tmp_path, local_ray, capsys) -> None:
    out = tmp_path / "ray"
    assert main(["edit", str(clips), "-o", str(out), *ARGS, "--ray", "local"]) == 0
    assert outputs(out) == single
    assert "files: 3 done" in capsys.readouterr().out
    assert main(["edit", str(clips), "-o", str(out), *ARGS, "--ray", "local"]) == 0
    assert "3 already finished, 0 to edit" in capsys.readouterr().out
