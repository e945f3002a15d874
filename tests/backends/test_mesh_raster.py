"""The CPU rasteriser: coverage, visibility, interpolation, normals."""

from __future__ import annotations

import numpy as np

from streamfx.backends.mesh.raster import barycentric_inverse, rasterize, vertex_normals

# two triangles forming the square [2, 12] x [2, 12], counter-clockwise on screen (y down),
# which is how MediaPipe's front faces appear (negative signed area)
SQUARE = np.array([[2, 2, 5], [12, 2, 5], [12, 12, 5], [2, 12, 5]], np.float64)
SQUARE_TRIS = np.array([[0, 2, 1], [0, 3, 2]])


def test_square_coverage_and_affine_interpolation_is_exact() -> None:
    r = rasterize(SQUARE, SQUARE_TRIS, (16, 16))
    cov = r.tri_id >= 0
    assert cov[3:12, 3:12].all()  # interior covered, no cracks on the diagonal
    assert not cov[:2].any() and not cov[13:].any()
    attr = np.stack([3 * SQUARE[:, 0] - SQUARE[:, 1] + 1, SQUARE[:, 1]], 1)
    vals = r.interpolate(attr)
    np.testing.assert_allclose(vals[:, 0], 3 * r.xs - r.ys + 1, atol=1e-3)
    np.testing.assert_allclose(vals[:, 1], r.ys, atol=1e-3)
    img = r.scatter(vals, fill=-1.0)
    assert img.shape == (16, 16, 2) and img[0, 0, 0] == -1.0


def test_nearer_triangle_wins_regardless_of_order() -> None:
    near = np.array([[0, 0, 1.0], [20, 0, 1.0], [0, 20, 1.0]])
    far = np.array([[0, 0, 9.0], [20, 0, 9.0], [0, 20, 9.0]])
    tris = np.array([[0, 1, 2], [3, 4, 5]])
    for verts, near_id in ((np.r_[near, far], 0), (np.r_[far, near], 1)):
        r = rasterize(verts, tris, (24, 24), cull=False)
        assert r.tri_id[3, 3] == near_id


def test_culling_drops_back_faces() -> None:
    back = SQUARE_TRIS[:, ::-1]
    assert (rasterize(SQUARE, back, (16, 16)).tri_id < 0).all()
    assert (rasterize(SQUARE, back, (16, 16), cull=False).tri_id >= 0).any()


def test_barycentric_inverse_and_normals() -> None:
    inv = barycentric_inverse(SQUARE[:, :2], SQUARE_TRIS)
    b = inv[0] @ np.array([12.0, 2.0, 1.0])  # triangle 0 = vertices (0, 2, 1)
    np.testing.assert_allclose(b, [0, 0, 1], atol=1e-5)
    n = vertex_normals(SQUARE, SQUARE_TRIS)
    np.testing.assert_allclose(n, np.tile([0, 0, -1.0], (4, 1)), atol=1e-6)  # toward camera
