"""The shipped face-mesh topology and the hand-written protobuf reader."""

from __future__ import annotations

import numpy as np

from streamfx.backends.mesh.topology import (
    CONTOURS,
    N_MESH,
    boundary_loop,
    load_topology,
    read_task_geometry,
    ring_opacity,
)


def test_topology_shapes_and_ranges() -> None:
    topo = load_topology()
    assert topo.triangles.shape == (898, 3)
    assert topo.triangles.min() == 0 and topo.triangles.max() == N_MESH - 1
    assert topo.canonical.shape == (N_MESH, 3) and topo.uv.shape == (N_MESH, 2)
    assert (topo.uv >= 0).all() and (topo.uv <= 1).all()
    # every vertex is used, and every contour index is a mesh vertex
    assert len(np.unique(topo.triangles)) == N_MESH
    assert all(max(c) < N_MESH for c in CONTOURS.values())


def test_boundary_is_the_face_oval_and_fades_to_zero() -> None:
    topo = load_topology()
    assert len(topo.boundary) == 36  # MediaPipe's face oval
    assert 10 in topo.boundary and 152 in topo.boundary  # forehead top, chin
    assert (topo.opacity[topo.boundary] == 0).all()
    assert topo.opacity[1] == 1.0  # nose tip is fully opaque
    inner = np.setdiff1d(np.arange(N_MESH), topo.boundary)
    assert (topo.opacity[inner] > 0).all()


def test_boundary_and_rings_on_a_small_grid() -> None:
    # 3x3 vertex grid -> 8 triangles; boundary = the 8 outer vertices, centre = 4
    tris = []
    for r in range(2):
        for c in range(2):
            a, b, d, e = r * 3 + c, r * 3 + c + 1, (r + 1) * 3 + c, (r + 1) * 3 + c + 1
            tris += [(a, d, b), (b, d, e)]
    tris = np.array(tris)
    loop = boundary_loop(tris)
    assert sorted(loop.tolist()) == [0, 1, 2, 3, 5, 6, 7, 8]
    op = ring_opacity(tris, loop, n=9)
    assert op[4] > 0 and (op[loop] == 0).all()


def test_shipped_mesh_matches_the_task_file(face_model) -> None:
    verts, tris = read_task_geometry(face_model)
    topo = load_topology()
    np.testing.assert_array_equal(tris, topo.triangles)
    np.testing.assert_allclose(verts[:, :3], topo.canonical, atol=1e-6)
