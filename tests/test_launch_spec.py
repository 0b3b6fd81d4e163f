"""Run specs and the paper grid: every generated argv parses with open_clip_train's own parser,
and the grid's totals match Table 18 and the paper's samples-seen labels."""

from __future__ import annotations

import pytest
from open_clip_train.params import parse_args

from repro.data import load_reported
from repro.errors import SpecError
from repro.launch import RunDir, load_grid, spec_from_mapping, train_command
from repro.launch.argv import TRAIN_MODULE
from repro.launch.paper_grid import grid_yaml, paper_specs
from repro.launch.grid import grid_path

#: Table 18: the labels' real ranges, in billions (one decimal as printed).
LABEL_RANGES_B = {"3B": (2.44, 2.56), "13B": (12.2, 13.2), "34B": (32.0, 34.7)}


@pytest.fixture(scope="module")
def specs():
    return load_grid("paper")


def test_paper_grid_has_29_runs_in_table18_order(specs):
    table18 = load_reported("table18")
    assert len(specs) == len(table18) == 29
    assert [s.model for s in specs] == [m.replace("/", "-") for m in table18.model]
    assert [s.data for s in specs] == list(table18.pretraining_data)
    assert [s.samples_seen_label for s in specs] == list(table18.samples_seen)


def test_committed_grid_is_what_the_generator_writes():
    assert grid_path("paper").read_text() == grid_yaml(paper_specs())


def test_global_batch_and_gpus_match_table18(specs):
    table18 = load_reported("table18")
    for spec, row in zip(specs, table18.itertuples(index=False)):
        assert spec.gpus == row.gpus, spec.name
        assert spec.batch_size_per_gpu == row.local_batch, spec.name
        assert spec.global_batch_size == spec.gpus * spec.batch_size_per_gpu == row.global_batch, spec.name
        assert spec.lr == row.lr, spec.name


def test_samples_seen_within_label_range(specs):
    for spec in specs:
        low, high = LABEL_RANGES_B[spec.samples_seen_label]
        assert spec.samples_seen == spec.epochs * spec.samples_per_epoch
        assert low <= round(spec.samples_seen / 1e9, 2) <= high + 0.05, (spec.name, spec.samples_seen)


def test_recipe(specs):
    for spec in specs:
        large = spec.model in ("ViT-L-14", "ViT-H-14", "ViT-g-14")
        assert spec.precision == ("amp_bfloat16" if large else "amp"), spec.name
        assert spec.grad_checkpointing == large
        assert spec.dataset_resampled == (spec.data == "LAION-2B")
        assert (spec.weight_decay, spec.beta1, spec.beta2) == (0.2, 0.9, 0.98)
        assert spec.local_loss and spec.gather_with_grad


def test_every_argv_parses_with_open_clip_train(specs, tmp_path):
    for spec in specs:
        command = train_command(spec, RunDir.for_spec(spec, tmp_path), data_dir="/data")
        assert command[:3] == ["python", "-m", TRAIN_MODULE]
        args = parse_args(command[3:])
        assert args.model == spec.model
        assert args.batch_size == spec.batch_size_per_gpu
        assert args.epochs == spec.epochs
        assert args.train_num_samples == spec.samples_per_epoch
        assert args.lr == spec.lr and args.warmup == spec.warmup_steps
        assert (args.wd, args.beta1, args.beta2, args.eps) == (0.2, 0.9, 0.98, 1e-6)
        assert args.precision == spec.precision
        assert args.resume == "latest"
        assert args.local_loss and args.gather_with_grad
        assert args.dataset_resampled == (spec.data == "LAION-2B")
        assert args.grad_checkpointing == spec.grad_checkpointing
        assert args.save_frequency == 1
        assert args.logs == str(tmp_path.resolve()) and args.name == spec.run_dir_name
        assert args.train_data.startswith("/data/")
        assert args.dataset_type == "webdataset"


def test_run_dir_name_changes_with_hyperparameters_not_with_data_location(specs):
    spec = specs[0]
    same = spec_from_mapping({**spec.to_dict(), "train_data": "/elsewhere/{00000..00009}.tar", "workers_per_gpu": 2})
    other = spec_from_mapping({**spec.to_dict(), "lr": 2.0e-3})
    assert same.run_dir_name == spec.run_dir_name
    assert other.run_dir_name != spec.run_dir_name
    assert len({s.run_dir_name for s in specs}) == 29


def test_a_warmup_stable_decay_spec_reaches_open_clip_train_and_the_default_keeps_old_run_dirs(specs, tmp_path):
    """const-cooldown and its decay epochs are passed on; a cosine spec's directory is what it was
    before the schedule fields existed (its fingerprint leaves them out at their defaults)."""
    spec = spec_from_mapping(_base(lr_scheduler="const-cooldown", epochs_cooldown=1))
    args = parse_args(train_command(spec, RunDir.for_spec(spec, tmp_path))[3:])
    assert (args.lr_scheduler, args.epochs_cooldown, args.lr_cooldown_end) == ("const-cooldown", 1, 0.0)
    cosine = spec_from_mapping(_base())
    assert parse_args(train_command(cosine, RunDir.for_spec(cosine, tmp_path))[3:]).lr_scheduler == "cosine"
    assert spec.run_dir_name != cosine.run_dir_name
    fields = {k: v for k, v in cosine.to_dict().items() if k not in
              ("name", "train_data", "workers_per_gpu", "log_every_n_steps", "gpus_per_node", "lr_scheduler",
               "epochs_cooldown")}
    import hashlib
    import json
    assert cosine.fingerprint() == hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()


def _base(**changes):
    return {"name": "r", "model": "ViT-B-32", "data": "d", "train_data": "/x.csv", "samples_per_epoch": 1000,
            "epochs": 2, "lr": 1.0e-3, "warmup_steps": 10, "batch_size_per_gpu": 10, **changes}


@pytest.mark.parametrize("changes, message", [
    ({"learning_rate": 1.0}, "unknown key 'learning_rate'"),
    ({"lr": "5e-4"}, "key 'lr': expected a number, got the string '5e-4'"),
    ({"epochs": 2.5}, "key 'epochs': expected an integer"),
    ({"epochs": True}, "key 'epochs': expected an integer"),
    ({"dataset_resampled": "yes"}, "key 'dataset_resampled': expected true or false"),
    ({"precision": "fp64"}, "key 'precision': 'fp64' is not one of"),
    ({"device": "cpu", "precision": "amp"}, "device 'cpu' needs precision 'fp32'"),
    ({"samples_per_epoch": 5}, "smaller than the global batch"),
    ({"name": "a b"}, "without spaces"),
    ({"lr_scheduler": "wsd"}, "key 'lr_scheduler': 'wsd' is not one of"),
    ({"lr_scheduler": "const-cooldown"}, "const-cooldown needs 0 < epochs_cooldown < epochs"),
    ({"lr_scheduler": "const-cooldown", "epochs_cooldown": 2}, "const-cooldown needs 0 < epochs_cooldown < epochs"),
    ({"epochs_cooldown": 1}, "the other schedules epochs_cooldown 0"),
])
def test_bad_specs_are_refused_naming_the_key(changes, message):
    with pytest.raises(SpecError, match=message.replace("(", r"\(").replace(")", r"\)")):
        spec_from_mapping(_base(**changes), source="spec.yaml: run 1")


def test_grid_errors_name_file_run_and_key(tmp_path):
    grid = tmp_path / "grid.yaml"
    grid.write_text("defaults:\n  lr: 1.0e-3\nruns:\n  - name: a\n    model: ViT-B-32\n    data: d\n"
                    "    train_data: /x.csv\n    samples_per_epoch: 100\n    epochs: 1\n    warmup_steps: 1\n"
                    "    batch_size_per_gpu: 10\n    batchsize: 3\n")
    with pytest.raises(SpecError, match=rf"{grid}: run 1: unknown key 'batchsize'"):
        load_grid(grid)
    grid.write_text(grid.read_text().replace("    batchsize: 3\n", ""))
    assert load_grid(grid)[0].lr == 1e-3
    with pytest.raises(SpecError, match="no run named 'b'"):
        load_grid(grid, only=["b"])
    with pytest.raises(SpecError, match="not found"):
        load_grid(tmp_path / "missing.yaml")


def test_train_data_without_data_dir_is_an_error(specs, tmp_path):
    with pytest.raises(SpecError, match="--data-dir DIR, or --train-data LAION-80M=PATTERN"):
        train_command(specs[0], RunDir.for_spec(specs[0], tmp_path))
