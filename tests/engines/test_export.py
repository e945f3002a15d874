"""ONNX export: the four graphs, a dynamic batch axis, the cache and the parity report."""

from __future__ import annotations

import pytest
import torch

from streamfx.editor import PortraitEditor
from streamfx.engines.base import describe_weights
from streamfx.engines.export import export_key, export_onnx, format_parity, parity_report
from streamfx.engines.graphs import GRAPH_IO

onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")


def test_export_writes_four_dynamic_graphs_then_hits_the_cache(tiny_weights, engine_cache):
    first = export_onnx(tiny_weights, cache_dir=engine_cache)
    for name, (inputs, outputs) in GRAPH_IO.items():
        model = onnx.load(str(first.paths[name]))
        assert model.opset_import[0].version >= 17
        assert [i.name for i in model.graph.input] == list(inputs)
        assert [o.name for o in model.graph.output] == list(outputs)
        for value in (*model.graph.input, *model.graph.output):
            assert value.type.tensor_type.shape.dim[0].dim_param == "batch", value.name
        ops = {n.op_type for n in model.graph.node}
        assert not ops & {"RandomUniformLike", "RandomUniform", "RandomNormalLike"}
    assert "GridSample" in {n.op_type for n in onnx.load(str(first.paths["volume"])).graph.node}
    again = export_onnx(tiny_weights, cache_dir=engine_cache)
    assert again.cached and again.key == first.key and again.seconds == 0.0  # no export
    assert again.manifest["preset"] == "tiny" and again.manifest["files"]["encoder"]["nodes"] > 0


def test_the_key_follows_weights_config_and_exporter(tiny_editor, tiny_weights, monkeypatch):
    from streamfx.engines import export

    torch.manual_seed(1)
    other = PortraitEditor("tiny")._ready()
    keys = {export_key(describe_weights(w)) for w in (tiny_editor, other, tiny_weights)}
    assert len(keys) == 3
    assert export_key(describe_weights(tiny_editor)) == export_key(describe_weights(tiny_editor))
    before = export_key(describe_weights(tiny_weights))
    monkeypatch.setattr(export, "OPSET", 18)
    assert export_key(describe_weights(tiny_weights)) != before


def test_parity_report_at_another_batch_than_the_export(tiny_editor, tiny_weights, engine_cache):
    result = export_onnx(tiny_weights, cache_dir=engine_cache)
    rows = parity_report(result, tiny_editor, batch=3)  # exported from batch 2
    assert {(r.graph, r.output) for r in rows} == {
        (g, o) for g, (_, outs) in GRAPH_IO.items() for o in outs
    }
    assert all(r.ok and r.rel_l2 <= 1e-4 for r in rows), format_parity(rows)
    assert "rel L2" in format_parity(rows)


@pytest.mark.parametrize("preset", ["tiny", "student"])
def test_output_shapes_are_what_the_graphs_return(preset):
    from streamfx.engines.graphs import build_graphs, example_inputs, output_shapes

    torch.manual_seed(0)
    editor = PortraitEditor(preset)._ready()
    graphs, examples = build_graphs(editor), example_inputs(editor, batch=2)
    shapes = output_shapes(editor.config.to_dict(), 2)
    with torch.no_grad():
        for name, (_, outputs) in GRAPH_IO.items():
            got = graphs[name](*examples[name])
            got = got if isinstance(got, tuple) else (got,)
            for out_name, t in zip(outputs, got, strict=True):
                assert tuple(t.shape) == shapes[out_name], (preset, out_name)


def test_a_finished_export_by_someone_else_is_kept(tiny_weights, engine_cache, tmp_path):
    from streamfx.engines.export import _move_into_place

    done = export_onnx(tiny_weights, cache_dir=engine_cache)
    late = tmp_path / "late"
    late.mkdir()
    (late / "manifest.json").write_text("{}")
    _move_into_place(late, done.folder, done.key, force=False)  # the other process won
    assert not late.exists() and export_onnx(tiny_weights, cache_dir=engine_cache).cached
