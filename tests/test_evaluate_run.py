"""End to end on a CPU: a tiny open_clip ViT CLIP evaluated by CLIP_benchmark (through `repro eval`,
the same code path as on a cluster) on small local datasets in CLIP_benchmark's webdataset layout,
written with repro.evaluate.wds; the scores are cross-checked against a direct computation with
open_clip. Bad inputs give clear errors and leave the registry byte for byte as it was."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

torch = pytest.importorskip("torch")
open_clip = pytest.importorskip("open_clip")
pytest.importorskip("clip_benchmark")

from repro.data import RESULTS_COLUMNS, read_results  # noqa: E402
from repro.evaluate.cli import main  # noqa: E402
from repro.evaluate.wds import Split, write_wds_dataset  # noqa: E402

CONFIG = Path(__file__).parent / "data" / "evaluate_tiny_clip.json"
CLASSNAMES = ["red", "green", "blue"]
TEMPLATES = ["a {c} picture.", "a photo of something {c}."]
COLOURS = np.array([[220, 30, 30], [30, 200, 40], [40, 50, 230]])
N_PER_CLASS = 12
N_RETRIEVAL = 24


def _images(n: int, seed: int) -> tuple[list[np.ndarray], list[int]]:
    """Class-coloured noisy squares, so that even an untrained model's predictions vary."""
    rng = np.random.default_rng(seed)
    images, labels = [], []
    for i in range(n):
        label = i % 3
        noise = rng.normal(0, 60, size=(32, 32, 3))
        images.append(np.clip(COLOURS[label] + noise, 0, 255).astype(np.uint8))
        labels.append(label)
    return images, labels


def _captions(labels: list[int]) -> list[list[str]]:
    return [[f"a {CLASSNAMES[c]} square number {i}", f"{CLASSNAMES[c]} noise {i % 5}"] for i, c in enumerate(labels)]


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    """Datasets (one classification, one retrieval), a local-dir model, a checkpoint, a suite."""
    root = tmp_path_factory.mktemp("evaluate")
    images, labels = _images(3 * N_PER_CLASS, seed=0)
    write_wds_dataset(root / "data", "colours", {"test": Split(images, labels=labels)},
                      classnames=CLASSNAMES, templates=TEMPLATES, samples_per_shard=16)
    r_images, r_labels = _images(N_RETRIEVAL, seed=1)
    write_wds_dataset(root / "data", "colour_captions", {"test": Split(r_images, captions=_captions(r_labels))},
                      dataset_type="retrieval", samples_per_shard=10)
    config = json.loads(CONFIG.read_text())
    model_dir = root / "tiny-model"
    model_dir.mkdir()
    (model_dir / "open_clip_config.json").write_text(json.dumps({"model_cfg": config}))
    torch.manual_seed(0)
    model = open_clip.CLIP(**config).eval()
    checkpoint = root / "epoch_1.pt"
    # open_clip_train's checkpoint layout: a dict with the weights under "state_dict".
    torch.save({"epoch": 1, "name": "tiny", "state_dict": model.state_dict()}, checkpoint)
    suite = root / "suite.yaml"
    suite.write_text(
        "name: tiny\n"
        "datasets:\n"
        "  - {name: colours, dataset: colours, task: zeroshot_classification, metric: acc1}\n"
        "  - {name: colour_captions, dataset: colour_captions, task: zeroshot_retrieval, "
        "metric: image_retrieval_recall@5}\n"
        "aggregates:\n"
        "  - {name: colours_mean, metric: acc1, components: [colours]}\n"
    )
    return {"root": root, "model": model, "model_dir": model_dir, "checkpoint": checkpoint, "suite": suite,
            "images": images, "labels": labels, "r_images": r_images, "r_labels": r_labels}


def _argv(setup, results: Path, **overrides) -> list[str]:
    args = {"--model": f"local-dir:{setup['model_dir']}", "--pretrained": str(setup["checkpoint"]),
            "--suite": str(setup["suite"]), "--dataset-root": str(setup["root"] / "data"), "--results": str(results),
            "--samples-seen": "40000", "--gmacs": "0.0123", "--upstream": "toy-colours", "--name": "tiny-epoch1",
            "--num-workers": "0", "--batch-size": "16"}
    args.update(overrides)
    argv = ["eval"]
    for key, value in args.items():
        if value is not None:
            argv += [key, value]
    return argv


def _preprocess(images):
    transform = open_clip.image_transform(32, is_train=False)
    from PIL import Image

    return torch.stack([transform(Image.fromarray(a)) for a in images])


def _direct_zeroshot_acc1(model, images, labels) -> float:
    """Zero-shot top-1 computed directly (the paper's protocol: mean of normalised prompt embeddings)."""
    with torch.no_grad():
        weights = []
        for name in CLASSNAMES:
            tokens = open_clip.tokenize([t.format(c=name) for t in TEMPLATES], context_length=16)
            emb = torch.nn.functional.normalize(model.encode_text(tokens), dim=-1).mean(dim=0)
            weights.append(emb / emb.norm())
        image_emb = torch.nn.functional.normalize(model.encode_image(_preprocess(images)), dim=-1)
        pred = (image_emb @ torch.stack(weights).T).argmax(dim=1)
    return float((pred == torch.tensor(labels)).float().mean())


def _direct_retrieval(model, images, captions) -> tuple[float, float]:
    """Image and text retrieval recall@5 computed directly (CLIP_benchmark's definitions)."""
    texts = [c for caps in captions for c in caps]
    owner = torch.tensor([i for i, caps in enumerate(captions) for _ in caps])
    with torch.no_grad():
        image_emb = torch.nn.functional.normalize(model.encode_image(_preprocess(images)), dim=-1)
        text_emb = torch.nn.functional.normalize(model.encode_text(open_clip.tokenize(texts, context_length=16)), dim=-1)
    scores = text_emb @ image_emb.T  # texts x images
    top_images = scores.topk(5, dim=1).indices
    image_r5 = float((top_images == owner[:, None]).any(dim=1).float().mean())
    top_texts = scores.T.topk(5, dim=1).indices
    text_r5 = float((owner[top_texts] == torch.arange(len(images))[:, None]).any(dim=1).float().mean())
    return image_r5, text_r5


def test_repro_eval_end_to_end_matches_a_direct_computation(setup, tmp_path):
    results = tmp_path / "results.csv"
    assert main(_argv(setup, results)) == 0
    rows = read_results(results)
    assert list(rows.columns) == list(RESULTS_COLUMNS)
    assert sorted(rows["downstream_dataset"]) == ["colour_captions", "colours", "colours_mean"]
    by = rows.set_index("downstream_dataset")
    # The model columns come from the metadata passed in; gmacs_total = gmacs x samples seen.
    assert set(by["name"]) == {"tiny-epoch1"} and set(by["upstream_dataset"]) == {"toy-colours"}
    assert np.allclose(by["gmacs_total"], 0.0123 * 40000)
    assert set(by["samples_seen_pretty"]) == {"40k"}
    # Classification: CLIP_benchmark's acc1 equals the direct computation; acc5 is NaN under 5 classes.
    expected = _direct_zeroshot_acc1(setup["model"], setup["images"], setup["labels"])
    assert by.loc["colours", "acc1"] == pytest.approx(expected, abs=1e-9)
    assert np.isnan(by.loc["colours", "acc5"])
    assert by.loc["colours", "task"] == "zeroshot_classification"
    # Retrieval, both directions.
    image_r5, text_r5 = _direct_retrieval(setup["model"], setup["r_images"], _captions(setup["r_labels"]))
    assert by.loc["colour_captions", "image_retrieval_recall@5"] == pytest.approx(image_r5, abs=1e-9)
    assert by.loc["colour_captions", "text_retrieval_recall@5"] == pytest.approx(text_r5, abs=1e-9)
    assert np.isnan(by.loc["colour_captions", "acc1"])
    # The aggregate is recomputed from its component.
    assert by.loc["colours_mean", "acc1"] == pytest.approx(by.loc["colours", "acc1"])
    # CLIP_benchmark's raw outputs are kept beside the registry.
    assert (tmp_path / "clip_benchmark" / "tiny-epoch1" / "colours.json").is_file()

    # Re-evaluating replaces rows instead of duplicating them; other models' rows are kept.
    other = rows.assign(name="another-model")
    pd.concat([rows, other]).to_csv(results, index=False)
    assert main(_argv(setup, results, **{"--datasets": "colours"})) == 0
    again = read_results(results)
    assert len(again) == 6
    assert again.groupby(["name", "downstream_dataset"]).size().max() == 1


def _snapshot(path: Path) -> bytes:
    return path.read_bytes()


@pytest.fixture
def registry(setup, tmp_path):
    """A registry holding one valid row, to check that failures leave it untouched."""
    path = tmp_path / "registry.csv"
    row = {c: np.nan for c in RESULTS_COLUMNS}
    row.update(arch="ViT-B-32", samples_seen=1e9, gmacs=7.4, gmacs_total=7.4e9, upstream_dataset="LAION-2B",
               downstream_dataset="imagenet1k", acc1=0.5, acc5=0.8, mean_per_class_recall=0.5,
               task="zeroshot_classification", samples_seen_pretty="1B", name="kept.pt")
    pd.DataFrame([row]).to_csv(path, index=False)
    return path


def test_missing_dataset_is_a_clear_error_and_changes_nothing(setup, registry, tmp_path, capsys):
    before = _snapshot(registry)
    suite = tmp_path / "suite.yaml"
    suite.write_text(setup["suite"].read_text().replace("- {name: colours,", "- {name: absent, dataset: absent, "
                     "task: zeroshot_classification, metric: acc1}\n  - {name: colours,"))
    assert main(_argv(setup, registry, **{"--suite": str(suite)})) == 1
    err = capsys.readouterr().err
    assert "absent" in err and "wds_absent/test/nshards.txt" in err
    assert _snapshot(registry) == before


def test_unknown_metric_is_a_clear_error_and_changes_nothing(setup, registry, tmp_path, capsys):
    before = _snapshot(registry)
    suite = tmp_path / "suite.yaml"
    suite.write_text(setup["suite"].read_text().replace("metric: image_retrieval_recall@5", "metric: recall@7"))
    assert main(_argv(setup, registry, **{"--suite": str(suite)})) == 1
    err = capsys.readouterr().err
    assert "unknown metric 'recall@7'" in err and str(suite) in err
    assert _snapshot(registry) == before


@pytest.mark.parametrize("kind", ["garbage", "wrong_shapes", "missing"])
def test_checkpoint_that_does_not_load_is_a_clear_error_and_changes_nothing(setup, registry, tmp_path, capsys, kind):
    before = _snapshot(registry)
    bad = tmp_path / "bad.pt"
    if kind == "garbage":
        bad.write_bytes(b"this is not a checkpoint")
    elif kind == "wrong_shapes":
        config = json.loads(CONFIG.read_text())
        config["embed_dim"] = 16
        torch.save({"state_dict": open_clip.CLIP(**config).state_dict()}, bad)
    assert main(_argv(setup, registry, **{"--pretrained": str(bad)})) == 1
    err = capsys.readouterr().err
    assert str(bad) in err
    assert ("does not load" in err) if kind != "missing" else ("no such checkpoint file" in err)
    assert _snapshot(registry) == before


def test_results_file_of_another_schema_is_refused_and_kept(setup, tmp_path, capsys):
    other = tmp_path / "other.csv"
    pd.DataFrame({"model": ["x"], "dataset": ["colours"], "top1": [0.5]}).to_csv(other, index=False)
    before = _snapshot(other)
    assert main(_argv(setup, other)) == 1
    err = capsys.readouterr().err
    assert str(other) in err and "missing column" in err
    assert _snapshot(other) == before


def test_half_failed_run_keeps_the_finished_datasets(setup, tmp_path, capsys):
    """A dataset whose shards are corrupt fails; the dataset evaluated before it stays merged."""
    data = tmp_path / "data"
    shutil.copytree(setup["root"] / "data", data)
    (data / "wds_colour_captions" / "test" / "0.tar").write_bytes(b"corrupt shard")
    results = tmp_path / "results.csv"
    assert main(_argv(setup, results, **{"--dataset-root": str(data)})) == 1
    err = capsys.readouterr().err
    assert "1 of 2 dataset(s) failed" in err and "colour_captions" in err
    rows = read_results(results)
    assert set(rows["downstream_dataset"]) == {"colours", "colours_mean"}


def _stage(args):
    from repro.evaluate.run import _stage_local_dir

    config, weights, parent = args
    return str(_stage_local_dir(config, Path(weights), Path(parent)))


def test_array_tasks_staging_one_checkpoint_at_once_share_one_folder(setup, tmp_path):
    """Array tasks of one checkpoint (one a dataset) stage its local-dir folder at the same time on a
    cluster; none may delete another's copy (a task once failed with FileExistsError)."""
    from concurrent.futures import ProcessPoolExecutor

    from repro.evaluate.run import STAGED_WEIGHTS

    config = json.loads((setup["model_dir"] / "open_clip_config.json").read_text())
    jobs = [(config, str(setup["checkpoint"]), str(tmp_path / "work"))] * 16
    with ProcessPoolExecutor(4) as pool:
        folders = set(pool.map(_stage, jobs))
    assert len(folders) == 1
    folder = Path(folders.pop())
    assert json.loads((folder / "open_clip_config.json").read_text()) == config
    assert (folder / STAGED_WEIGHTS).resolve() == setup["checkpoint"].resolve()
    assert [p.name for p in (tmp_path / "work").iterdir()] == [folder.name]  # no scratch folder left behind
    other = dict(config, note="another config")
    assert _stage((other, str(setup["checkpoint"]), str(tmp_path / "work"))) != str(folder)
