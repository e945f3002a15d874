"""The evaluation report: ``metrics.json``, PNG plots, a contact sheet and ``report.html``.

Written into one folder:

- ``metrics.json``: ``summary`` (means over frames with a face), ``meta`` (inputs, models,
  units) and ``frames`` (every per-frame, per-face number);
- ``curves.png``: the headline metrics over time;
- ``worst_frames.png``: per metric, the worst frames, the original beside the edit;
- ``summary.png``: the summary table as a picture;
- ``overview.png``: summary, curves and contact sheet in one picture (for notes and chat);
- ``report.html``: one self-contained page (the PNGs embedded), openable anywhere.

Plots use matplotlib's object API (``Figure`` + Agg canvas): no pyplot, no global backend.
"""

from __future__ import annotations

import base64
import html
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from streamfx.errors import SinkError, require
from streamfx.eval import metrics as mx
from streamfx.eval.runner import SHEET_METRICS, EvalResult, Example

CURVES = SHEET_METRICS  # one curve per metric of the contact sheet
#: Reference lines drawn under a metric's curve (the original's own figure).
BASELINES = {"warp_error": "warp_error_original"}
LABELS = {m.key: m for m in (*mx.METRICS, *mx.FRAME_METRICS)}


def _figure(width: float, height: float) -> Any:
    require("matplotlib", extra="eval")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def frame_series(result: EvalResult, key: str) -> tuple[np.ndarray, np.ndarray]:
    """(frame indices, values) of a metric: per frame the mean over its faces (NaN: none)."""
    idx = np.array([f["index"] for f in result.frames], dtype=float)
    if key in {m.key for m in mx.FRAME_METRICS}:
        vals = [f[key] for f in result.frames]
    else:
        vals = [mx.mean_or_none([r[key] for r in f["faces"]]) for f in result.frames]
    return idx, np.array([np.nan if v is None else v for v in vals], dtype=float)


def plot_curves(result: EvalResult, path: Path) -> Path:
    """``curves.png``: one panel per headline metric over the frame index."""
    fig = _figure(11, 2.0 * math.ceil(len(CURVES) / 2) + 0.4)
    axes = fig.subplots(math.ceil(len(CURVES) / 2), 2, squeeze=False).ravel()
    for ax, key in zip(axes, CURVES, strict=False):
        x, y = frame_series(result, key)
        ax.plot(x, y, color="tab:red", lw=1.4, marker=".", ms=3, label="edit")
        base = BASELINES.get(key)
        if base:
            ax.plot(*frame_series(result, base), color="tab:blue", lw=1, label="original")
            ax.legend(fontsize=7, loc="upper right")
        if key == "flicker":
            ax.axhline(0.0, color="grey", lw=0.8)
        m = LABELS[key]
        ax.set_title(f"{m.label} [{m.unit}]", fontsize=9)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
    for ax in axes[len(CURVES) :]:
        ax.axis("off")
    axes[min(len(CURVES), len(axes)) - 1].set_xlabel("frame", fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    return path


def plot_worst(result: EvalResult, path: Path) -> Path:
    """``worst_frames.png``: a row per metric, its worst frames as original | edit pairs."""
    rows = [k for k in SHEET_METRICS if result.worst.get(k)]
    cols = max([len(result.worst[k]) for k in rows] + [1])
    fig = _figure(3.3 * cols + 0.2, 1.85 * max(len(rows), 1) + 0.3)
    if not rows:
        fig.text(0.5, 0.5, "no face was found in the original", ha="center")
        fig.savefig(path)
        return path
    axes = fig.subplots(len(rows), cols, squeeze=False)
    for r, key in enumerate(rows):
        examples: list[Example] = result.worst[key]
        for c in range(cols):
            ax = axes[r, c]
            ax.axis("off")
            if c >= len(examples):
                continue
            ex = examples[c]
            gap = np.full((ex.original.shape[0], 4, 3), 255, np.uint8)
            ax.imshow(np.concatenate([ex.original, gap, ex.edited], axis=1))
            word = "strongest" if key == "edit_strength" else "worst"
            ax.set_title(
                f"{LABELS[key].label}: {ex.value:.3g}\n{word} #{c + 1}, frame "
                f"{ex.index} (original | edit)",
                fontsize=7,
            )
    fig.tight_layout()
    fig.savefig(path)
    return path


def _fmt(v: Any) -> str:
    if v is None:
        return "n/a"
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def summary_rows(result: EvalResult) -> list[tuple[str, str, str, str]]:
    """(key, label, value, unit) for every metric of the summary."""
    return [
        (m.key, m.label, _fmt(result.summary.get(m.key)), m.unit)
        for m in (*mx.METRICS, *mx.FRAME_METRICS)
    ]


def plot_summary(result: EvalResult, path: Path) -> Path:
    """``summary.png``: the summary table as a picture."""
    rows = summary_rows(result)
    fig = _figure(7.5, 0.2 * len(rows) + 0.5)
    ax = fig.subplots()
    ax.axis("off")
    cells = [[label, value, unit] for _, label, value, unit in rows]
    table = ax.table(
        cellText=cells,
        colLabels=["metric", "mean", "unit"],
        loc="center",
        cellLoc="left",
        colWidths=[0.5, 0.2, 0.3],
    )
    table.auto_set_font_size(False)
    table.set_fontsize(8)
    s = result.summary
    ax.set_title(f"{s['face_frames']} of {s['frames']} frames with a face", fontsize=9)
    fig.savefig(path, bbox_inches="tight", pad_inches=0.15)
    return path


def stack_pngs(paths: list[Path], path: Path) -> Path:
    """One PNG with ``paths`` one under the other (white padding), e.g. ``overview.png``."""
    import cv2

    images = [cv2.imread(str(p), cv2.IMREAD_COLOR) for p in paths]
    width = max(im.shape[1] for im in images)
    padded = [
        cv2.copyMakeBorder(im, 0, 0, 0, width - im.shape[1], cv2.BORDER_CONSTANT, value=(255,) * 3)
        for im in images
    ]
    if not cv2.imwrite(str(path), cv2.vconcat(padded)):
        raise SinkError(f"cannot write {path}")
    return path


def _img(path: Path, alt: str) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def render_html(result: EvalResult, pngs: dict[str, Path]) -> str:
    """The self-contained report page (PNG files embedded as data URIs)."""
    e = html.escape
    required = set(mx.REQUIRED)
    body = "".join(
        f"<tr{' class=key' if k in required else ''}><td>{e(label)}</td><td>{e(v)}</td>"
        f"<td>{e(unit)}</td><td><code>{e(k)}</code></td></tr>"
        for k, label, v, unit in summary_rows(result)
    )
    meta = "".join(
        f"<tr><td>{e(str(k))}</td><td>{e(str(v))}</td></tr>"
        for k, v in result.meta.items()
        if k not in ("units", "target_camera")
    )
    s = result.summary
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>streamfx eval report</title>
<style>
body{{font-family:system-ui,sans-serif;margin:24px;max-width:1200px;color:#222}}
table{{border-collapse:collapse;margin:8px 0 20px}} td,th{{border:1px solid #ccc;padding:3px 8px}}
tr.key td{{font-weight:600}} img{{max-width:100%;border:1px solid #ddd}}
code{{font-size:90%}} .note{{color:#555;font-size:90%}}
</style></head><body>
<h1>streamfx eval</h1>
<p>{e(str(result.meta.get("original")))} &rarr; {e(str(result.meta.get("edited")))}:
{s["frames"]} frames, {s["face_frames"]} with a face; the edit shows a face in
{e(_fmt(s.get("edit_face_found")))} of them.</p>
<h2>Summary</h2>
<p class="note">Means over frames with a face (per frame: the mean over its faces). Pixel
figures in grey levels (0-255, mean over channels). Identity: {
        e(str(result.meta.get("identity_scale")))
    }.</p>
<table><tr><th>metric</th><th>mean</th><th>unit</th><th>key</th></tr>{body}</table>
<h2>Over time</h2>{_img(pngs["curves"], "metric curves")}
<h2>Worst frames</h2>{_img(pngs["worst"], "worst frames, original beside edit")}
<h2>Run</h2><table>{meta}</table>
<p class="note">Every number is in metrics.json beside this page.</p>
</body></html>
"""


def write_report(result: EvalResult, folder: str | Path) -> Path:
    """Write metrics.json, the PNGs and report.html into ``folder``; returns report.html."""
    out = Path(folder)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SinkError(f"cannot create report folder {out}: {exc}") from None
    with open(out / "metrics.json", "w") as fh:
        json.dump(result.to_json(), fh, indent=1)
    pngs = {
        "curves": plot_curves(result, out / "curves.png"),
        "worst": plot_worst(result, out / "worst_frames.png"),
        "summary": plot_summary(result, out / "summary.png"),
    }
    stack_pngs([pngs["summary"], pngs["curves"], pngs["worst"]], out / "overview.png")
    page = out / "report.html"
    page.write_text(render_html(result, pngs))
    return page
