"""Batches on one machine: ``streamfx edit DIR -o OUT_DIR`` one by one and with --jobs 2 give
the same bytes as single edits; a re-run skips finished files; a failing file never stops the
batch (exit 4); a batch killed mid-way and re-run finishes only what was left."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time

from batch_media import outputs
from face_clips import write_face_clip

from streamfx.batch.manifest import NAME, pid_alive
from streamfx.cli.main import main

ARGS = ["--style", "sketch", "--no-progress"]


def test_jobs_2_gives_the_same_bytes_and_a_rerun_skips(single, clips, tmp_path, capsys):
    assert len(single) == 3
    out = tmp_path / "batch"
    report = tmp_path / "report.json"
    assert (
        main(["edit", str(clips), "-o", str(out), *ARGS, "--jobs", "2", "--report", str(report)])
        == 0
    )
    assert outputs(out) == single  # the same bytes, whichever process edited a file
    text = capsys.readouterr().out
    assert "3 to edit" in text and "files: 3 done" in text
    data = json.loads(report.read_text())
    assert [f["state"] for f in data["files"]] == ["done"] * 3
    assert all(f["edited"] == f["frames"] > 0 and f["audio_streams"] == 1 for f in data["files"])
    assert main(["edit", str(clips), "-o", str(out), *ARGS]) == 0
    assert "3 already finished, 0 to edit" in capsys.readouterr().out
    assert outputs(out) == single


def test_a_glob_and_a_failing_file(face_model, clips, tmp_path, capsys) -> None:
    folder = tmp_path / "in"
    shutil.copytree(clips, folder)
    (folder / "broken.mp4").write_bytes(b"not a video at all" * 100)
    out = tmp_path / "out"
    assert main(["edit", str(folder / "*.mp4"), "-o", str(out), *ARGS]) == 4
    text = capsys.readouterr().out
    assert "files: 1 failed, 1 done" in text or "files: 1 done, 1 failed" in text
    assert "broken.mp4" in text and sorted(outputs(out)) == ["a.mp4"]


def test_killed_batch_resumes_only_what_was_left(face_model, tmp_path, capsys) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    write_face_clip(folder / "1.mp4", 3)
    write_face_clip(folder / "2.mp4", 150)  # long enough to be killed in
    write_face_clip(folder / "3.mp4", 4)
    out = tmp_path / "out"
    argv = [sys.executable, "-m", "streamfx.cli.main", "edit", str(folder), "-o", str(out), *ARGS]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    manifest = out / NAME
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and proc.poll() is None:
        lines = manifest.read_text().splitlines() if manifest.exists() else []
        if any('"state": "done"' in ln for ln in lines) and list(out.glob(".2.*.tmp.mp4")):
            break  # 1.mp4 is finished and 2.mp4 is being written
        time.sleep(0.02)
    assert proc.poll() is None, "the batch ended before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    # its worker gets SIGTERM (parent-death signal) and abandons 2.mp4: wait until it is gone
    workers = {int(p.name.split(".")[2]) for p in out.glob(".2.*.tmp.mp4")}
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and any(pid_alive(pid) for pid in workers):
        time.sleep(0.05)
    assert sorted(outputs(out)) == ["1.mp4"]  # nothing else under a final name
    first = (out / "1.mp4").stat()
    assert main(["edit", str(folder), "-o", str(out), *ARGS]) == 0
    text = capsys.readouterr().out
    assert "3 files, 1 already finished, 2 to edit" in text
    assert sorted(outputs(out)) == ["1.mp4", "2.mp4", "3.mp4"]
    again = (out / "1.mp4").stat()
    assert (again.st_ino, again.st_mtime_ns) == (first.st_ino, first.st_mtime_ns)  # not redone
    assert not list(out.glob(".*.tmp.*"))  # the killed run's temporary file is gone
