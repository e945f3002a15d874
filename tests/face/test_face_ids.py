"""Track ids: matching by position, new ids, the lost-face timeout (pure)."""

from __future__ import annotations

from streamfx.face.ids import TrackAssigner, iou


def _box(x: float, y: float, s: float = 100.0) -> tuple[float, float, float, float]:
    return (x, y, x + s, y + s)


def test_iou() -> None:
    assert iou(_box(0, 0), _box(0, 0)) == 1.0
    assert iou(_box(0, 0), _box(200, 0)) == 0.0
    assert abs(iou(_box(0, 0), _box(50, 0)) - 1 / 3) < 1e-9


def test_ids_follow_positions_not_list_order() -> None:
    a = TrackAssigner()
    ids0, _ = a.assign([_box(0, 0), _box(300, 0)], 0)
    ids1, _ = a.assign([_box(310, 5), _box(10, 5)], 33)  # list order swapped
    assert ids1 == [ids0[1], ids0[0]]
    assert len(set(ids0)) == 2


def test_new_face_new_id_and_timeout() -> None:
    a = TrackAssigner(lost_timeout_ms=100)
    (first,), _ = a.assign([_box(0, 0)], 0)
    (again,), dropped = a.assign([_box(5, 0)], 90)
    assert again == first and dropped == []
    (other,), _ = a.assign([_box(600, 0)], 95)
    assert other != first
    ids, dropped = a.assign([], 300)
    assert ids == [] and sorted(dropped) == sorted([first, other])
    (back,), _ = a.assign([_box(5, 0)], 310)
    assert back not in (first, other)  # ids are never reused


def test_far_jump_is_not_matched() -> None:
    a = TrackAssigner(max_distance=0.8)
    (i0,), _ = a.assign([_box(0, 0)], 0)
    (i1,), _ = a.assign([_box(500, 0)], 33)
    assert i1 != i0
