"""Run statistics (frame counts, drops, latency, per-stage times) and the timing-table printer.

``RunStats`` is updated from several threads (guarded by a lock) and keeps bounded windows of
samples, so a run of any length uses constant memory.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from streamfx.cpu import usable_cores
from streamfx.record import Frame

WINDOW = 4096  # samples kept per series for percentiles (most recent)


@dataclass
class Series:
    """A bounded window of samples (seconds) plus exact running count and sum."""

    samples: deque = field(default_factory=lambda: deque(maxlen=WINDOW))
    count: int = 0
    total: float = 0.0

    def add(self, value: float) -> None:
        self.samples.append(value)
        self.count += 1
        self.total += value

    @property
    def mean(self) -> float:
        return self.total / self.count if self.count else 0.0

    def percentile(self, q: float) -> float:
        return float(np.percentile(np.fromiter(self.samples, float), q)) if self.samples else 0.0


@dataclass
class RunStats:
    """What a runner measured. Times are in seconds; use ``summary()`` for plain numbers.

    captured: frames read from the source. processed: frames through the pipeline.
    sent: frames written to the sink (including repeats). repeated: re-sends of the last frame
    (or the reconnect slate) because nothing new was ready at an output tick. dropped: captured
    frames replaced before the pipeline took them (the only place frames are dropped).
    superseded: processed frames replaced before an output tick showed them.
    source_errors / reconnects: source failures and successful reopenings.
    stage_errors: frames on which a stage other than the editor failed and was degraded around.
    edit_errors: frames on which the editor failed (the real faces were shown).
    errors: stage -> (first error message, frames it failed on), in the order first seen.
    tracked / no_face: frames that went through face tracking / that had no face in them.
    edit: the editor that ran (``Frame.editor``: "mesh", "3dpe", "passthrough").
    first_output_s: seconds from ``t_origin`` (the command's start) to the first frame out.
    live: a live run (output on its own clock); an offline run reports no output gaps.
    max_output_gap_s / max_output_gap_frames: the longest wait between two new (not repeated)
    frames out, in seconds and in output frame intervals (1 = no frame missed); ``gaps`` keeps
    the recent ones as (time.monotonic(), seconds, intervals) for windows (e.g. during a swap).
    swap_latency: seconds from a style request to the first frame edited in the new style.
    edited: frames with at least one face edited and blended in. faces_seen / faces_edited:
    faces tracked / edited, summed over the processed frames (a group's per-frame average).
    skipped_packets: corrupt input packets skipped (offline). expected: the source's frame
    count when known (offline, for "stopped after N of M frames").
    """

    captured: int = 0
    processed: int = 0
    sent: int = 0
    repeated: int = 0
    dropped: int = 0
    superseded: int = 0
    source_errors: int = 0
    reconnects: int = 0
    stage_errors: int = 0
    edit_errors: int = 0
    tracked: int = 0
    no_face: int = 0
    slates: int = 0
    edited: int = 0
    faces_seen: int = 0
    faces_edited: int = 0
    skipped_packets: int = 0
    expected: int | None = None
    interrupted: bool = False
    live: bool = True
    edit: str = ""
    source: str = ""
    sink: str = ""
    stages: dict[str, Series] = field(default_factory=dict)
    cpu: dict[str, Series] = field(default_factory=dict)
    rate: float = 30.0
    cores: int = field(default_factory=usable_cores)
    errors: dict[str, list] = field(default_factory=dict)
    latency: Series = field(default_factory=Series)
    t_start: float = field(default_factory=time.monotonic)
    cpu_start: float = field(default_factory=time.process_time)
    """``time.process_time()`` at the start: CPU of every thread of the process, MediaPipe's
    inference threads included (which the per-stage thread CPU cannot see)."""
    t_origin: float | None = None
    t_first: float | None = None
    """``time.monotonic()`` of the first frame captured (live runs): the rates count from it,
    so they measure the stream, not the start-up (reported as ``first_output_s``)."""
    t_end: float | None = None
    first_output_s: float | None = None
    max_output_gap_s: float = 0.0
    max_output_gap_frames: int = 0
    gaps: deque = field(default_factory=lambda: deque(maxlen=WINDOW), repr=False)
    swap_latency: Series = field(default_factory=Series)
    _last_fresh: tuple[float, int] | None = field(default=None, repr=False)
    _ticks: int = field(default=0, repr=False)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count(self, name: str, n: int = 1) -> None:
        """Thread-safe ``self.<name> += n``."""
        with self.lock:
            setattr(self, name, getattr(self, name) + n)

    def add_time(self, stage: str, seconds: float) -> None:
        with self.lock:
            self.stages.setdefault(stage, Series()).add(seconds)

    def add_frame(self, frame: Frame) -> None:
        """Record one processed frame: its per-stage timings, faces, editor and errors."""
        with self.lock:
            self.processed += 1
            for stage, seconds in frame.timings.items():
                self.stages.setdefault(stage, Series()).add(seconds)
            for stage, seconds in frame.cpu.items():
                self.cpu.setdefault(stage, Series()).add(seconds)
            if frame.editor:
                self.edit = frame.editor
            if "track" in frame.timings and not any(e.stage == "track" for e in frame.errors):
                self.tracked += 1
                self.no_face += not frame.faces
            failed = {e.stage: e.message for e in reversed(frame.errors)}
            for stage, message in failed.items():
                entry = self.errors.setdefault(stage, [message, 0])
                entry[1] += 1
            self.edit_errors += "edit" in failed
            self.edited += bool(frame.edits) and not failed and frame.output is not None
            self.faces_seen += len(frame.faces)
            self.faces_edited += len(frame.edits)
            self.stage_errors += any(stage != "edit" for stage in failed)

    def add_output(self, fresh: bool = True) -> None:
        """Note that a frame went out (the first one sets ``first_output_s``); ``fresh``: a new
        frame, not a repeat (gaps between fresh frames are measured)."""
        now = time.monotonic()
        if self.first_output_s is None:
            origin = self.t_start if self.t_origin is None else self.t_origin
            self.first_output_s = now - origin
        with self.lock:
            self._ticks += 1
            if not fresh:
                return
            if self._last_fresh is not None:
                seconds, ticks = now - self._last_fresh[0], self._ticks - self._last_fresh[1]
                self.gaps.append((now, seconds, ticks))
                self.max_output_gap_s = max(self.max_output_gap_s, seconds)
                self.max_output_gap_frames = max(self.max_output_gap_frames, ticks)
            self._last_fresh = (now, self._ticks)

    def max_gap_since(self, t: float) -> tuple[float, int]:
        """The longest (seconds, output intervals) gap between fresh frames ending after ``t``
        (``time.monotonic()``); (0, 0) when none."""
        with self.lock:
            recent = [(s, n) for when, s, n in self.gaps if when >= t]
        return (max(s for s, _ in recent), max(n for _, n in recent)) if recent else (0.0, 0)

    def add_swap(self, seconds: float) -> None:
        """A style change reached the output ``seconds`` after it was asked for."""
        with self.lock:
            self.swap_latency.add(seconds)

    @property
    def degraded(self) -> int:
        """Frames on which any stage failed and was degraded around."""
        return self.edit_errors + self.stage_errors

    def add_latency(self, seconds: float) -> None:
        with self.lock:
            self.latency.add(seconds)

    @property
    def elapsed(self) -> float:
        return (self.t_end or time.monotonic()) - self.t_start

    @property
    def streamed(self) -> float:
        """Seconds from the first frame captured (else the start) to the end: what the fps
        figures divide by."""
        return (self.t_end or time.monotonic()) - (self.t_first or self.t_start)

    def summary(self) -> dict[str, Any]:
        """Plain numbers: counts, fps in/processed/out, latency ms percentiles, per-stage ms."""
        with self.lock:
            dt = max(self.streamed, 1e-9)
            stages = {
                name: {
                    "mean_ms": s.mean * 1e3,
                    "p50_ms": s.percentile(50) * 1e3,
                    "p95_ms": s.percentile(95) * 1e3,
                    "count": s.count,
                }
                for name, s in self.stages.items()
            }
            for name, s in self.cpu.items():  # thread CPU ms per frame, where measured
                if name in stages:
                    stages[name]["cpu_ms"] = s.mean * 1e3
            return {
                "elapsed_s": self.elapsed,
                "streamed_s": dt,
                "captured": self.captured,
                "processed": self.processed,
                "sent": self.sent,
                "repeated": self.repeated,
                "dropped": self.dropped,
                "superseded": self.superseded,
                "source_errors": self.source_errors,
                "reconnects": self.reconnects,
                "stage_errors": self.stage_errors,
                "edit_errors": self.edit_errors,
                "errors": {k: {"first": v[0], "frames": v[1]} for k, v in self.errors.items()},
                "tracked": self.tracked,
                "no_face": self.no_face,
                "edited": self.edited,
                "faces_per_frame": self.faces_seen / max(self.processed, 1),
                "edits_per_frame": self.faces_edited / max(self.processed, 1),
                "skipped_packets": self.skipped_packets,
                "first_output_s": self.first_output_s,
                "max_output_gap_ms": self.max_output_gap_s * 1e3,
                "max_output_gap_frames": self.max_output_gap_frames,
                "swap_latency_ms": {
                    "count": self.swap_latency.count,
                    "last": (self.swap_latency.samples[-1] if self.swap_latency.count else 0) * 1e3,
                    "max": (max(self.swap_latency.samples, default=0.0)) * 1e3,
                },
                "fps_in": self.captured / dt,
                "fps_processed": self.processed / dt,
                "fps_out": self.sent / dt,
                "latency_ms": {
                    "p50": self.latency.percentile(50) * 1e3,
                    "p95": self.latency.percentile(95) * 1e3,
                    "p99": self.latency.percentile(99) * 1e3,
                    "max": (max(self.latency.samples) if self.latency.samples else 0.0) * 1e3,
                },
                "stages": stages,
                "cpu": {
                    **cpu_summary(stages, self.rate, self.cores),
                    "process_ms_per_frame": (time.process_time() - self.cpu_start)
                    * 1e3
                    / max(self.processed, 1),
                },
                "edit": self.edit,
                "live": self.live,
                "interrupted": self.interrupted,
            }

    def line(self) -> str:
        """One status line, e.g. for the preview overlay or a terminal."""
        s = self.summary()
        lat = s["latency_ms"]
        return (
            f"in {s['fps_in']:.1f} fps | out {s['fps_out']:.1f} fps | proc {s['fps_processed']:.1f}"
            f" fps | dropped {s['dropped']}"
            + (f" (+{s['superseded']} after processing)" if s["superseded"] else "")
            + f" | latency p50 {lat['p50']:.0f} ms"
            f" p95 {lat['p95']:.0f} ms"
            + (f" | DEGRADED: edit failed on {s['edit_errors']}" if s["edit_errors"] else "")
            + (f" | DEGRADED: stage failed on {s['stage_errors']}" if s["stage_errors"] else "")
        )


def format_timings(stats: RunStats | dict[str, Any]) -> str:
    """A table of per-stage mean/p50/p95 ms (and the fps each stage alone would allow),
    followed by frame counts, rates and latency percentiles."""
    s = stats.summary() if isinstance(stats, RunStats) else stats
    cpu = s.get("cpu") or {}
    has_cpu = bool(cpu.get("per_frame_ms"))
    rows = [f"{'stage':<22}{'mean ms':>9}{'p50 ms':>9}{'p95 ms':>9}{'fps':>9}{'frames':>8}"]
    rows[0] += f"{'cpu ms':>9}" if has_cpu else ""
    for name, t in _ordered(s["stages"]):
        label = f"{name} ({s['edit']})" if name == "edit" and s.get("edit") else name
        if "/" in name:  # a sub-stage: indented under its stage, no fps of its own
            label = "  " + name.split("/", 1)[1]
        fps = 1e3 / t["mean_ms"] if t["mean_ms"] > 0 else float("inf")
        fps_text = f"{fps:>9.1f}" if fps < 1e5 else f"{'>1e5':>9}"
        rows.append(
            f"{label:<22}{t['mean_ms']:>9.2f}{t['p50_ms']:>9.2f}{t['p95_ms']:>9.2f}"
            f"{fps_text}{t['count']:>8d}"
            + (f"{t['cpu_ms']:>9.2f}" if has_cpu and "cpu_ms" in t else "")
        )
    lat = s["latency_ms"]
    rows.append(
        f"frames: captured {s['captured']} ({s['fps_in']:.1f} fps), processed {s['processed']} "
        f"({s['fps_processed']:.1f} fps), sent {s['sent']} ({s['fps_out']:.1f} fps); "
        f"dropped {s['dropped']}, repeated {s['repeated']}"
        + (f", superseded after processing {s['superseded']}" if s["superseded"] else "")
    )
    if lat["max"] > 0:
        rows.append(
            f"latency capture->output ms: p50 {lat['p50']:.1f}, p95 {lat['p95']:.1f}, "
            f"p99 {lat['p99']:.1f}, max {lat['max']:.1f}"
        )
    if s.get("live", True) and s.get("max_output_gap_frames"):  # offline: no output clock
        rows.append(
            f"longest output gap {s['max_output_gap_ms']:.1f} ms "
            f"({s['max_output_gap_frames']} frame intervals)"
        )
    swap = s.get("swap_latency_ms") or {}
    if swap.get("count"):
        rows.append(
            f"style swaps {swap['count']}: latency last {swap['last']:.0f} ms, "
            f"max {swap['max']:.0f} ms (request -> first new-style frame)"
        )
    if has_cpu:
        rows.append(
            f"cpu {cpu['per_frame_ms']:.1f} ms per frame of a {cpu['budget_ms']:.1f} ms budget "
            f"({1e3 / cpu['rate']:.1f} ms at {cpu['rate']:g} fps x {cpu['cores']} cores, "
            f"{100 * cpu['per_frame_ms'] / cpu['budget_ms']:.0f}% used) in the stages' threads; "
            f"{cpu.get('process_ms_per_frame', 0.0):.1f} ms per frame in the whole process "
            "(every thread: MediaPipe's, decoding, output)"
        )
    if cpu.get("bound_by"):
        b = cpu["bound_by"]
        rows.append(f"throughput bound by {b['stage']}: {b['mean_ms']:.1f} ms, {b['fps']:.1f} fps")
    if s["source_errors"]:
        rows.append(f"source errors {s['source_errors']} (reconnected {s['reconnects']})")
    rows += accounting_lines(s)
    return "\n".join(rows)


def cpu_summary(stages: dict[str, Any], rate: float, cores: int) -> dict[str, Any]:
    """CPU use against the frame budget and the stage that bounds throughput.

    per_frame_ms: thread CPU ms per frame summed over the top-level stages that report it;
    budget_ms: what the machine has per frame, 1000 / ``rate`` x ``cores``; bound_by: the
    top-level stage with the longest mean wall time (each stage runs in one thread, so none can
    go faster than it; ``write`` runs on the output clock and is left out).
    """
    top = {k: v for k, v in stages.items() if "/" not in k and k != "write"}
    per_frame = sum(v["cpu_ms"] for v in top.values() if "cpu_ms" in v)
    slowest = max(top.items(), key=lambda kv: kv[1]["mean_ms"], default=None)
    bound = None
    if slowest is not None and slowest[1]["mean_ms"] > 0:
        name, t = slowest
        bound = {"stage": name, "mean_ms": t["mean_ms"], "fps": 1e3 / t["mean_ms"]}
    rate = rate if rate > 0 else 30.0
    budget = 1e3 / rate * max(1, cores)
    return {
        "per_frame_ms": per_frame,
        "budget_ms": budget,
        "rate": rate,
        "cores": cores,
        "bound_by": bound,
    }


def accounting_lines(s: dict[str, Any]) -> list[str]:
    """What went wrong, in words: frames without a face, failed editor, failed stages."""
    lines = []
    if s["tracked"] and s["no_face"]:
        lines.append(f"no face in {s['no_face']} of {s['tracked']} frames")
    for stage, e in s["errors"].items():
        what = "editor" if stage == "edit" else f"stage {stage}"
        lines.append(f"{what} failed on {e['frames']} frames: {e['first']}")
    if s.get("first_output_s") is not None:
        lines.append(f"first frame out {s['first_output_s']:.2f} s after start")
    return lines


def _ordered(stages: dict[str, Any]) -> list[tuple[str, Any]]:
    """Stages in first-seen order, each followed by its sub-stages (``"edit/render"``)."""
    top = [k for k in stages if "/" not in k]
    out = []
    for name in top:
        out.append((name, stages[name]))
        out += [(k, stages[k]) for k in stages if k.startswith(name + "/")]
    out += [(k, v) for k, v in stages.items() if "/" in k and k.split("/")[0] not in top]
    return out
