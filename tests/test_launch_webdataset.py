"""The paper's data path: open_clip_train reading webdataset shards (as LAION's), through the
local executor, on CPU. Guards the webdataset pin (open_clip_train 3.x fails on webdataset >= 1.0
at the end of a shard)."""

from pathlib import Path

import pytest

from repro.launch import RunSpec, run_local
from repro.launch.toydata import write_caption_shards

TINY_CONFIG = Path(__file__).resolve().parents[1] / "src" / "repro" / "mini" / "model_configs" / "mini-ViT-XS.json"


@pytest.mark.slow
def test_training_from_webdataset_shards_finishes(tmp_path):
    pattern = write_caption_shards(tmp_path / "shards", n_samples=128, samples_per_shard=64)
    spec = RunSpec(name="tiny-wds", model=str(TINY_CONFIG), data="toy", train_data=pattern, dataset_type="webdataset",
                   samples_per_epoch=128, epochs=1, lr=1.0e-3, warmup_steps=1, batch_size_per_gpu=32, device="cpu",
                   precision="fp32", workers_per_gpu=1, log_every_n_steps=1)
    result = run_local(spec, tmp_path / "out")
    assert result.state == "finished", result
    assert result.epochs_completed == 1
