"""LPIPS in plain torch: it loads the official file layouts by their key names (torchvision's
backbone + the lpips package's heads in a folder, or one lpips.LPIPS state dict) and measures a
distance; missing or foreign files are clear errors naming them."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from lpips_files import save_official_lpips

from streamfx.errors import ModelFileError
from streamfx.training.lpips import LPIPS, load_lpips


@pytest.mark.parametrize("net", ["alex", "vgg"])
def test_official_folder_loads_and_measures(net: str, tmp_path: Path) -> None:
    ref = save_official_lpips(tmp_path / "w", net)
    model = load_lpips(tmp_path / "w", net)
    x, y = torch.rand(2, 3, 48, 48) * 2 - 1, torch.rand(2, 3, 48, 48) * 2 - 1
    d = model(x, y)
    assert d.shape == (2,) and bool((d > 0).all())
    torch.testing.assert_close(d, ref(x, y), rtol=0, atol=0)
    assert float(model(x, x).abs().max()) == 0.0
    assert not any(p.requires_grad for p in model.parameters())
    # gradients reach the images (the student's renders)
    x.requires_grad_(True)
    model(x, y).sum().backward()
    assert x.grad is not None and float(x.grad.abs().sum()) > 0


def test_lpips_package_state_dict_file_loads(tmp_path: Path) -> None:
    """lpips.LPIPS().state_dict() keys: net.sliceK.N.* (torchvision's features.N) + linK."""
    torch.manual_seed(1)
    ref = LPIPS("alex")
    taps = (1, 4, 7, 9, 11)
    sd = {}
    for k, v in ref.state_dict().items():
        if k.startswith("features."):
            n = int(k.split(".")[1])
            k = f"net.slice{sum(n > t for t in taps) + 1}.{k.split('.', 1)[1]}"
        sd[k] = v
    sd["scaling_layer.shift"] = torch.zeros(1, 3, 1, 1)
    torch.save(sd, tmp_path / "lpips_alex.pth")
    model = load_lpips(tmp_path / "lpips_alex.pth")
    x, y = torch.rand(1, 3, 32, 32), torch.rand(1, 3, 32, 32)
    torch.testing.assert_close(model(x, y), ref(x, y), rtol=0, atol=0)


def test_small_images_are_upsampled_to_the_net_minimum() -> None:
    model = LPIPS("alex")
    assert model(torch.zeros(1, 3, 16, 16), torch.ones(1, 3, 16, 16)).shape == (1,)


def test_missing_or_foreign_files_name_them(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError, match="no such file or folder"):
        load_lpips(tmp_path / "nothing")
    (tmp_path / "w").mkdir()
    with pytest.raises(ModelFileError, match=r"no alex\.pth .*lpips/weights/v0\.1/alex\.pth"):
        load_lpips(tmp_path / "w")
    torch.save({"lin0.model.1.weight": torch.zeros(1, 64, 1, 1)}, tmp_path / "w" / "alex.pth")
    with pytest.raises(ModelFileError, match=r"no alexnet\*\.pth .*alexnet-owt-7be5be79\.pth"):
        load_lpips(tmp_path / "w")
    torch.save({"features.0.weight": torch.zeros(1)}, tmp_path / "w" / "alexnet-x.pth")
    with pytest.raises(ModelFileError, match=r"no features\.0\.bias"):
        load_lpips(tmp_path / "w")
    save_official_lpips(tmp_path / "vgg", "vgg")  # VGG files under AlexNet names
    (tmp_path / "vgg" / "vgg.pth").rename(tmp_path / "vgg" / "alex.pth")
    (tmp_path / "vgg" / "vgg16-397923af.pth").rename(tmp_path / "vgg" / "alexnet-owt.pth")
    with pytest.raises(ModelFileError, match="expected LPIPS-alex"):
        load_lpips(tmp_path / "vgg", "alex")
    save_official_lpips(tmp_path / "alex", "alex")
    backbone = tmp_path / "alex" / "alexnet-owt-7be5be79.pth"
    torch.save({**torch.load(backbone), "features.0.weight": torch.zeros(2)}, backbone)
    with pytest.raises(ModelFileError, match=r"features\.0\.weight has shape \(2,\)"):
        load_lpips(tmp_path / "alex")
    (tmp_path / "junk.pth").write_text("not torch")
    with pytest.raises(ModelFileError, match="junk.pth: not a torch weights file"):
        load_lpips(tmp_path / "junk.pth")
