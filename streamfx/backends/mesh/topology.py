"""MediaPipe face-mesh topology: triangles, canonical vertices and border-fading opacity.

The data file ``data/face_mesh.npz`` is our copy of MediaPipe's canonical face model
(Apache-2.0, see ``data/LICENSE-mediapipe.txt``): 468 vertices (cm, OpenGL axes: x right,
y up, z toward the viewer), their texture coordinates and 898 triangles. It was extracted from
``geometry_pipeline_metadata_landmarks.binarypb`` inside MediaPipe's ``face_landmarker.task``
with :func:`read_task_geometry` (a hand-written protobuf wire-format reader, no schema needed).
"""

from __future__ import annotations

import struct
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from streamfx.errors import InputError

DATA = Path(__file__).with_name("data") / "face_mesh.npz"
N_MESH = 468
#: Vertex opacity by ring: the outer boundary loop (the face oval) is 0, the next ring 0.55.
RING_OPACITY = (0.0, 0.55, 0.9)

#: Feature contours (landmark index chains) used for ink lines: lips, eyes, brows, nose.
CONTOURS: dict[str, list[int]] = {
    "lips_outer": [61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291,
                   375, 321, 405, 314, 17, 84, 181, 91, 146, 61],
    "lips_inner": [78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308,
                   324, 318, 402, 317, 14, 87, 178, 88, 95, 78],
    "left_eye": [263, 249, 390, 373, 374, 380, 381, 382, 362,
                 398, 384, 385, 386, 387, 388, 466, 263],
    "right_eye": [33, 7, 163, 144, 145, 153, 154, 155, 133,
                  173, 157, 158, 159, 160, 161, 246, 33],
    "left_brow": [276, 283, 282, 295, 285, 336, 296, 334, 293, 300, 276],
    "right_brow": [46, 53, 52, 65, 55, 107, 66, 105, 63, 70, 46],
    "nose": [98, 97, 2, 326, 327],
}  # fmt: skip


@dataclass(frozen=True)
class MeshTopology:
    """The face-mesh topology.

    triangles: int32 [T,3] vertex indices (T = 898), counter-clockwise seen from the front in
        the canonical (y-up) frame.
    canonical: float32 [468,3] canonical face model in cm, OpenGL axes (y up, z to the viewer).
    uv: float32 [468,2] MediaPipe's texture coordinates of the canonical model.
    boundary: int32 [B] the outer boundary loop (face oval), in order.
    opacity: float32 [468] per-vertex opacity, 0 on the boundary, fading in over two rings.
    rings: int32 [468] graph distance (edges) from each vertex to the boundary.
    normals: float32 [468,3] unit vertex normals of the canonical model (canonical axes, +z
        toward the viewer).
    mirror: int32 [468] the left-right mirror vertex of each vertex (the canonical model is
        exactly symmetric; vertices on the mid-line are their own mirror).
    """

    triangles: np.ndarray
    canonical: np.ndarray
    uv: np.ndarray
    boundary: np.ndarray
    opacity: np.ndarray
    rings: np.ndarray
    normals: np.ndarray
    mirror: np.ndarray


def _varint(buf: bytes, i: int) -> tuple[int, int]:
    out, shift = 0, 0
    while True:
        c = buf[i]
        i += 1
        out |= (c & 0x7F) << shift
        shift += 7
        if c < 0x80:
            return out, i


def _fields(buf: bytes) -> list[tuple[int, int, object]]:
    """Decode one protobuf message level into (field, wire type, value) triples."""
    i, out = 0, []
    while i < len(buf):
        key, i = _varint(buf, i)
        field, wire = key >> 3, key & 7
        if wire == 0:
            val, i = _varint(buf, i)
        elif wire == 2:
            n, i = _varint(buf, i)
            val, i = buf[i : i + n], i + n
        elif wire in (1, 5):
            n = 8 if wire == 1 else 4
            val, i = buf[i : i + n], i + n
        else:
            raise InputError(f"unsupported protobuf wire type {wire} at byte {i}")
        out.append((field, wire, val))
    return out


def read_task_geometry(task_path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """Canonical mesh of a ``face_landmarker.task``: (vertex buffer [468,5], triangles [T,3]).

    The vertex buffer rows are (x, y, z, u, v). Reads the geometry-pipeline metadata protobuf
    (field 1: canonical mesh; in it field 3: vertex floats, field 4: indices) by hand.
    """
    with zipfile.ZipFile(task_path) as zf:
        raw = zf.read("geometry_pipeline_metadata_landmarks.binarypb")
    mesh = next(v for f, w, v in _fields(raw) if f == 1 and w == 2)
    floats, idx = [], []
    for f, w, v in _fields(mesh):
        if f == 3:
            floats.extend(
                struct.unpack(f"<{len(v) // 4}f", v) if w == 2 else struct.unpack("<f", v)
            )
        elif f == 4:
            idx.extend(_packed_varints(v) if w == 2 else [v])
    return np.asarray(floats, np.float32).reshape(-1, 5), np.asarray(idx, np.int32).reshape(-1, 3)


def _packed_varints(buf: bytes) -> list[int]:
    i, out = 0, []
    while i < len(buf):
        v, i = _varint(buf, i)
        out.append(v)
    return out


def boundary_loop(triangles: np.ndarray) -> np.ndarray:
    """The longest closed loop of edges used by exactly one triangle (int32 [B])."""
    edges = np.sort(triangles[:, [0, 1, 1, 2, 2, 0]].reshape(-1, 2), axis=1)
    uniq, counts = np.unique(edges, axis=0, return_counts=True)
    adj: dict[int, list[int]] = {}
    for a, b in uniq[counts == 1].tolist():
        adj.setdefault(a, []).append(b)
        adj.setdefault(b, []).append(a)
    seen: set[int] = set()
    best: list[int] = []
    for start in adj:
        if start in seen:
            continue
        loop, prev, cur = [start], -1, start
        seen.add(start)
        while True:
            nxt = [n for n in adj[cur] if n != prev and n not in seen]
            if not nxt:
                break
            prev, cur = cur, nxt[0]
            loop.append(cur)
            seen.add(cur)
        best = loop if len(loop) > len(best) else best
    return np.asarray(best, np.int32)


def ring_distance(triangles: np.ndarray, boundary: np.ndarray, n: int = N_MESH) -> np.ndarray:
    """Graph distance int32 [n] from each vertex to the nearest ``boundary`` vertex."""
    dist = np.full(n, -1, np.int32)
    dist[boundary] = 0
    edges = triangles[:, [0, 1, 1, 2, 2, 0]].reshape(-1, 2)
    edges = np.concatenate([edges, edges[:, ::-1]])
    ring = 0
    while (dist < 0).any():
        front = dist[edges[:, 0]] == ring
        nxt = edges[front, 1]
        nxt = nxt[dist[nxt] < 0]
        if len(nxt) == 0:
            break
        ring += 1
        dist[nxt] = ring
    dist[dist < 0] = ring + 1
    return dist


def ring_opacity(triangles: np.ndarray, boundary: np.ndarray, n: int = N_MESH) -> np.ndarray:
    """Per-vertex opacity from the graph distance to the boundary (see ``RING_OPACITY``)."""
    dist = np.full(n, len(RING_OPACITY), np.int32)
    dist[boundary] = 0
    edges = triangles[:, [0, 1, 1, 2, 2, 0]].reshape(-1, 2)
    for ring in range(1, len(RING_OPACITY)):
        near = (dist[edges[:, 0]] == ring - 1) | (dist[edges[:, 1]] == ring - 1)
        touched = np.unique(edges[near])
        dist[touched] = np.minimum(dist[touched], ring)
    table = np.asarray([*RING_OPACITY, 1.0], np.float32)
    return table[dist]


@lru_cache(maxsize=1)
def load_topology() -> MeshTopology:
    """Load the shipped face-mesh topology (cached)."""
    if not DATA.is_file():
        raise InputError(f"face-mesh data file missing: expected {DATA}")
    with np.load(DATA) as d:
        verts = d["vertices"].astype(np.float32)
        tris = d["triangles"].astype(np.int32)
    boundary = boundary_loop(tris)
    return MeshTopology(
        triangles=tris,
        canonical=verts[:, :3].copy(),
        uv=verts[:, 3:5].copy(),
        boundary=boundary,
        opacity=ring_opacity(tris, boundary),
        rings=ring_distance(tris, boundary),
        normals=_canonical_normals(verts[:, :3], tris),
        mirror=_mirror_index(verts[:, :3]),
    )


def _mirror_index(verts: np.ndarray) -> np.ndarray:
    """Index int32 [N] of the vertex nearest to each vertex's x-mirrored position."""
    mirrored = verts * np.array([-1.0, 1.0, 1.0], np.float32)
    d = ((mirrored[:, None, :] - verts[None, :, :]) ** 2).sum(-1)
    return d.argmin(1).astype(np.int32)


def _canonical_normals(verts: np.ndarray, tris: np.ndarray) -> np.ndarray:
    """Area-weighted unit vertex normals, oriented toward +z (the viewer)."""
    p = verts.astype(np.float64)[tris]
    fn = np.cross(p[:, 1] - p[:, 0], p[:, 2] - p[:, 0])
    n = np.zeros((len(verts), 3))
    for c in range(3):
        n[:, c] = np.bincount(tris.reshape(-1), np.repeat(fn[:, c], 3), minlength=len(verts))
    n *= np.sign(n[:, 2].sum())
    return (n / np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-12)).astype(np.float32)
