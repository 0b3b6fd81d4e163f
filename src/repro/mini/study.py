"""The miniature study: the paper's grid (model x data size x samples seen) on synthetic scenes,
trained with the training launcher, evaluated with CLIP_benchmark, written in the results schema.

Outputs (committed, small) under ``runs/mini/<profile>/``:

* ``results.csv``: one row per (run, task), the schema of ``zeroshot_results.csv``;
* ``provenance.json``: seed, code version, profile, package versions, data generation rate,
  and per run its wall time and throughput;
* ``loss_curves.csv``: the training loss of every run (read from open_clip_train's ``out.log``).

Heavy outputs (datasets, task shards, run directories with checkpoints) go to a git-ignored
work folder (``runs/work/mini/``). Regeneration is idempotent: a run whose rows are all in
``results.csv`` is skipped, a run whose final checkpoint exists is only evaluated, and a partial
run resumes (``--resume latest``). A run that the profile no longer lists (the profile changed)
is dropped from the outputs, with a line saying which.

Each run is trained in this process (:func:`repro.executors.openclip.train`, with the argv the
launcher builds for the spec) rather than through :func:`repro.launch.run_local`'s subprocess:
a fresh process costs ~10 s of imports, ~5 min over a 27-run grid (measured on 2 CPU cores).
"""

from __future__ import annotations

import json
import logging
import platform
import re
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from repro.constants import MINI_RESULTS_DIR, RUNS_DIR
from repro.data.provenance import require_clean
from repro.data.schema import RESULTS_COLUMNS, validate_results
from repro.errors import SpecError
from repro.evaluate.registry import merge_results, read_registry, write_atomic
from repro.executors import TRAIN_MODULE
from repro.executors.openclip import train as train_openclip
from repro.launch.argv import model_argument, to_argv
from repro.launch.rundir import RunDir
from repro.launch.spec import RunSpec
from repro.mini import datasets, models, scenes, tasks
from repro.mini.evaluation import evaluate_checkpoint
from repro.mini.profiles import HELDOUT_BATCH, HELDOUT_FILE, Profile, get_profile

log = logging.getLogger(__name__)

#: Where results are committed, and where heavy outputs go (git-ignored: runs/work/).
RESULTS_ROOT = MINI_RESULTS_DIR
WORK_ROOT = RUNS_DIR / "work" / "mini"


@dataclass(frozen=True)
class GridPoint:
    """One run of the grid."""

    model: str          # model config name
    n_pairs: int        # unique pairs of its pre-training set
    samples_seen: int   # total training samples

    @property
    def upstream_dataset(self) -> str:
        return datasets.dataset_name(self.n_pairs)

    @property
    def name(self) -> str:
        return f"{self.model}_{self.upstream_dataset}_s{samples_pretty(self.samples_seen)}"


def samples_pretty(samples_seen: int) -> str:
    """``20k`` for 20,480 samples (the ``samples_seen_pretty`` column, like the paper's ``13B``)."""
    if samples_seen >= 1_000_000:
        return f"{samples_seen / 1e6:.2g}M"
    return f"{round(samples_seen / 1000)}k" if samples_seen >= 1000 else str(samples_seen)


def grid(profile: Profile) -> list[GridPoint]:
    """Every run of a profile: the product of its axes, or an isoFLOP profile's listed points."""
    if profile.points:
        return [GridPoint(m, n, s) for m, n, s in profile.points]
    return [GridPoint(m, n, s) for m in profile.models for n in profile.dataset_sizes for s in profile.samples_seen]


def expected_seconds(point: GridPoint) -> float:
    """A rough cost of one run (GMACs, plus a per-sample data-loading term), used only to start
    the longest runs first so that the cores finish together."""
    return point.samples_seen * (models.gmacs_per_sample(point.model) + 2e-3)


def results_path(profile: str | Profile, *, root: Path = RESULTS_ROOT) -> Path:
    name = profile if isinstance(profile, str) else profile.name
    return Path(root) / name / "results.csv"


def run_spec(point: GridPoint, profile: Profile, train_csv: Path) -> RunSpec:
    """The launcher's spec of one grid point: one open_clip epoch over exactly ``samples_seen`` rows."""
    steps = point.samples_seen // profile.batch_size
    return RunSpec(
        name=point.name, model=str(models.config_path(point.model)), data=point.upstream_dataset,
        train_data=str(train_csv), samples_per_epoch=point.samples_seen, epochs=1, lr=profile.lr,
        warmup_steps=max(1, steps // 10),  # 10% warm-up: the paper's runs warm up for a few % of steps
        batch_size_per_gpu=profile.batch_size, gpus=1, samples_seen_label=samples_pretty(point.samples_seen),
        precision="fp32" if profile.device == "cpu" else "amp", device=profile.device, dataset_type="csv",
        csv_separator=",", workers_per_gpu=0 if profile.device == "cpu" else 4, seed=profile.seed,
        log_every_n_steps=max(1, steps // 16), save_frequency_epochs=1, weight_decay=0.1,
    )


def _train_in_process(spec: RunSpec, out_dir: Path) -> RunDir:
    """Train one spec with open_clip_train's ``main`` through the project's entry point
    (:func:`repro.executors.openclip.train`) in this process (skipped if finished)."""
    run_dir = RunDir.for_spec(spec, out_dir)
    if run_dir.state() == "finished":
        return run_dir
    run_dir.prepare()
    argv = to_argv(spec, logs_dir=run_dir.out_dir, run_name=run_dir.name, train_data=spec.train_data,
                   model=model_argument(spec, run_dir.path))
    run_dir.write_command(["python", "-m", TRAIN_MODULE, *argv])
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    start = time.monotonic()
    try:
        returncode = train_openclip(argv)
    finally:
        # open_clip_train adds its own handlers (out.log, stdout) to the root logger on every call;
        # drop them so the next run's log lines do not land in this run's out.log
        for handler in root.handlers[:]:
            if handler not in handlers:
                root.removeHandler(handler)
                handler.close()
        root.setLevel(level)
    state = run_dir.state()
    run_dir.write_status(state, executor="in-process", returncode=returncode, wall_s=round(time.monotonic() - start, 1))
    if state != "finished":
        raise SpecError(f"run {spec.name}: open_clip_train returned {returncode!r} without its final checkpoint; "
                        f"see {run_dir.log_file}")
    return run_dir


def rows_of(point: GridPoint, metrics: dict[str, dict]) -> pd.DataFrame:
    """Results-schema rows of one run (one per task)."""
    gmacs = models.gmacs_per_sample(point.model)
    rows = []
    for task_name, values in metrics.items():
        row = {c: None for c in RESULTS_COLUMNS}
        row.update(arch=point.model, samples_seen=float(point.samples_seen), gmacs=gmacs,
                   gmacs_total=gmacs * point.samples_seen, upstream_dataset=point.upstream_dataset,
                   downstream_dataset=task_name,
                   task="zeroshot_retrieval" if task_name in tasks.RETRIEVAL_TASKS else "zeroshot_classification",
                   samples_seen_pretty=samples_pretty(point.samples_seen), name=point.name, **values)
        rows.append(row)
    return pd.DataFrame(rows, columns=list(RESULTS_COLUMNS))


def refresh_compute(registry: Path) -> pd.DataFrame:
    """Recount ``gmacs`` and ``gmacs_total`` of every row from the model configs with the
    project's counter, rewriting the registry if they changed (the counter is the one source of
    compute; an error measured once is never re-measured for it)."""
    rows = read_registry(registry)
    if rows.empty:
        return rows
    gmacs = rows["arch"].map(models.gmacs_per_sample).astype(float)
    if np.allclose(gmacs, rows["gmacs"], rtol=1e-9, atol=0):
        return rows
    log.info("%s: GMACs per sample recounted with repro.compute", registry)
    rows = rows.assign(gmacs=gmacs, gmacs_total=gmacs * rows["samples_seen"])
    write_atomic(validate_results(rows, source=registry), registry)
    return rows


_LOSS_LINE = re.compile(r"Train Epoch: \d+ \[\s*(\d+)/(\d+).*?Contrastive_loss: ([0-9.]+)")


def loss_curve(log_file: Path) -> pd.DataFrame:
    """(samples, loss) at every logged step of one run's ``out.log``."""
    points = [(int(m[1]), float(m[3])) for m in _LOSS_LINE.finditer(Path(log_file).read_text())]
    return pd.DataFrame(points, columns=["samples", "contrastive_loss"]).drop_duplicates("samples")


def _versions() -> dict[str, str]:
    from importlib.metadata import version

    return {p: version(p) for p in ("torch", "open_clip_torch", "clip_benchmark", "numpy")}


def generation_rate(n_pairs: int = 2000, *, seed: int = 0) -> float:
    """Measured pairs per second of :func:`repro.mini.scenes.pair` (render + caption, no encoding)."""
    start = time.perf_counter()
    scenes.pairs(seed, 0, n_pairs)
    return n_pairs / (time.perf_counter() - start)


@dataclass(frozen=True)
class StudyResult:
    """What one :func:`run_study` call did."""

    profile: str
    results_path: Path
    rows: pd.DataFrame
    trained: int        # runs trained (or resumed) by this call
    evaluated: int      # runs evaluated by this call
    skipped: int        # runs already in results.csv
    wall_s: float
    jobs: int = 1       # runs at a time


@dataclass(frozen=True)
class _Job:
    """One run for a worker: everything it needs, picklable."""

    point: GridPoint
    profile: Profile
    train_csv: Path
    run_out: Path
    task_set: tasks.TaskSet
    heldout: tasks.HeldoutSet | None


def _run_job(job: _Job) -> dict:
    """Train (or resume, or reuse) and evaluate one run; called in a worker process."""
    import torch

    if job.profile.device == "cpu":
        torch.set_num_threads(job.profile.threads)
    spec = run_spec(job.point, job.profile, job.train_csv)
    was_finished = RunDir.for_spec(spec, job.run_out).state() == "finished"
    t = time.monotonic()
    run_dir = _train_in_process(spec, job.run_out)
    train_s = time.monotonic() - t
    t = time.monotonic()
    metrics = evaluate_checkpoint(model_argument(spec, run_dir.path), run_dir.final_checkpoint, job.task_set,
                                  heldout=job.heldout, heldout_batch=HELDOUT_BATCH)
    return {"point": job.point, "metrics": metrics, "run_dir": str(run_dir.path), "was_finished": was_finished,
            "train_s": train_s, "eval_s": time.monotonic() - t, "log_file": str(run_dir.log_file)}


def default_jobs(profile: Profile) -> int:
    """Runs at a time: one single-threaded run per core on a CPU, one run on a GPU."""
    import os

    return max(1, len(os.sched_getaffinity(0))) if profile.device == "cpu" else 1


def _worker_init() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s | %(levelname)s | %(message)s")


def _heldout_rows(point: GridPoint, profile: Profile, loss: float) -> dict:
    budget = dict(zip(profile.points, profile.budgets)).get((point.model, point.n_pairs, point.samples_seen))
    gmacs = models.gmacs_per_sample(point.model)
    return {"name": point.name, "arch": point.model, "params": models.parameters(point.model),
            "gmacs": gmacs, "samples_seen": point.samples_seen, "gmacs_total": gmacs * point.samples_seen,
            "budget_gmacs": budget, "upstream_dataset": point.upstream_dataset, "contrastive_loss": loss}


def _drop_stale_runs(profile: Profile, out: Path, done: pd.DataFrame, losses: pd.DataFrame | None,
                     provenance: dict) -> tuple[list[str], pd.DataFrame, pd.DataFrame | None]:
    """Remove from ``out`` (results, held-out losses, loss curves, provenance) every run that the
    profile no longer lists, so that a changed profile never leaves old runs in its fits. Returns
    their names and ``done`` and ``losses`` without them; ``provenance`` is updated in place (the
    caller writes it)."""
    names = {point.name for point in grid(profile)}
    listed = set(done["name"]) | set(provenance.get("runs", {})) | (set(losses["name"]) if losses is not None else set())
    stale = sorted(listed - names)
    if not stale:
        return [], done, losses
    done = done[~done["name"].isin(stale)]
    write_atomic(done, out / "results.csv")
    if losses is not None:
        losses = losses[~losses["name"].isin(stale)]
        write_atomic(losses, out / HELDOUT_FILE)
    curve_file = out / "loss_curves.csv"
    if curve_file.is_file():
        curves = pd.read_csv(curve_file)
        write_atomic(curves[~curves["name"].isin(stale)], curve_file)
    for name in stale:
        provenance.get("runs", {}).pop(name, None)
    return stale, done, losses


def run_study(profile: str | Profile = "laptop", *, results_root: Path = RESULTS_ROOT,
              work_root: Path = WORK_ROOT, force_dirty: bool = False, jobs: int | None = None,
              progress=print) -> StudyResult:
    """Train, evaluate and record the whole grid of one profile (idempotent).

    Parameters
    ----------
    profile : str or Profile
        ``smoke``, ``laptop``, ``isoflop``, ``gpu`` ... (:mod:`repro.mini.profiles`).
    results_root : Path
        ``results.csv``, ``provenance.json`` and ``loss_curves.csv`` (and, for an isoFLOP profile,
        ``heldout_loss.csv``) go to ``results_root/<profile>/``.
    work_root : Path
        Datasets, task shards and run directories (checkpoints) go here; keep it git-ignored.
    force_dirty : bool
        Write results that would be committed (inside the checkout) even from a working tree with
        uncommitted changes; ``provenance.json`` then records ``"forced": true``.
    jobs : int, optional
        Runs trained at once, each in its own process with one thread (default: the cores on a
        CPU, 1 on a GPU). Longest runs start first.
    progress : callable
        Called with one line per finished run (``None`` for silence).

    Raises
    ------
    repro.data.provenance.DirtyTreeError
        The results would be committed and the tree has uncommitted changes (without ``force_dirty``).
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    profile = get_profile(profile) if isinstance(profile, str) else profile
    jobs = default_jobs(profile) if jobs is None else int(jobs)
    if jobs < 1:
        raise SpecError(f"jobs must be >= 1, got {jobs}")
    start = time.monotonic()
    out = Path(results_root) / profile.name
    # the code that trains this call's runs (read before it can change); refused from a dirty tree
    source = require_clean(out, force=force_dirty)
    version = source["code_version"]
    out.mkdir(parents=True, exist_ok=True)
    work = Path(work_root)
    registry = results_path(profile, root=results_root)
    heldout_file = out / HELDOUT_FILE
    provenance_file = out / "provenance.json"
    provenance = json.loads(provenance_file.read_text()) if provenance_file.is_file() else {}
    provenance.setdefault("runs", {})

    t = time.monotonic()
    train_sets = {n: datasets.write_train_dataset(n, work / "data", seed=datasets.TRAIN_SEED + profile.seed)
                  for n in sorted({p.n_pairs for p in grid(profile)})}
    task_folder = f"v{scenes.SCENES_VERSION}-test{profile.test_size}-probe{profile.probe_train_size}"
    task_set = tasks.write_tasks(work / "tasks" / task_folder,
                                 test_size=profile.test_size, probe_train_size=profile.probe_train_size)
    heldout = tasks.write_heldout(work / "tasks", profile.heldout_pairs) if profile.heldout_pairs else None
    data_s = time.monotonic() - t

    done = read_registry(registry)
    losses = pd.read_csv(heldout_file) if heldout is not None and heldout_file.is_file() else None
    stale, done, losses = _drop_stale_runs(profile, out, done, losses, provenance)
    if stale:
        if progress:
            progress(f"mini {profile.name}: dropped {len(stale)} run(s) no longer in the profile (their rows, "
                     f"curves and provenance; git keeps the committed ones): {', '.join(stale)}")
    run_out = work / "runs" / profile.name
    todo, skipped = [], 0
    for point in grid(profile):
        have = set(done.loc[done["name"] == point.name, "downstream_dataset"]) if len(done) else set()
        if have >= set(task_set.names) and (heldout is None or (losses is not None
                                                                 and point.name in set(losses["name"]))):
            skipped += 1
            continue
        train_csv = work / "orders" / f"{point.upstream_dataset}_{point.samples_seen}_seed{profile.seed}.csv"
        if not train_csv.is_file():
            datasets.write_sample_order(train_sets[point.n_pairs], point.samples_seen, train_csv, seed=profile.seed)
        todo.append(_Job(point, profile, train_csv.resolve(), run_out, task_set, heldout))
    todo.sort(key=lambda job: -expected_seconds(job.point))
    if progress and todo:
        progress(f"mini {profile.name}: {len(todo)} run(s) to do, {skipped} already done; {jobs} at a time")

    trained = evaluated = 0

    def record(result: dict) -> None:
        nonlocal done, losses, trained, evaluated
        point = result["point"]
        metrics = dict(result["metrics"])
        loss = metrics.pop("heldout", {}).get("contrastive_loss")
        done = merge_results(registry, rows_of(point, metrics), source=f"mini run {point.name}")
        if loss is not None:
            fresh = pd.DataFrame([_heldout_rows(point, profile, loss)])
            losses = fresh if losses is None else pd.concat([losses[losses["name"] != point.name], fresh],
                                                            ignore_index=True)
            write_atomic(losses.sort_values(["budget_gmacs", "gmacs"]), heldout_file)
        trained += not result["was_finished"]
        evaluated += 1
        entry = {"run_dir": result["run_dir"], "train_s": round(result["train_s"], 1),
                 "eval_s": round(result["eval_s"], 1)}
        if not result["was_finished"]:
            entry.update(train_samples_per_s=round(point.samples_seen / result["train_s"], 1), code_version=version)
        provenance["runs"][point.name] = {**provenance["runs"].get(point.name, {}), **entry}
        if progress:
            progress(f"[{evaluated}/{len(todo)}] {point.name}: trained in {result['train_s']:.0f} s, evaluated in "
                     f"{result['eval_s']:.0f} s ({time.monotonic() - start:.0f} s so far)")

    if jobs == 1 or len(todo) <= 1:
        for job in todo:
            record(_run_job(job))
    else:
        context = multiprocessing.get_context("spawn")  # no fork after torch's thread pools exist
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_worker_init) as pool:
            futures = [pool.submit(_run_job, job) for job in todo]
            for future in as_completed(futures):
                record(future.result())

    curves = []
    for point in grid(profile):
        log_file = RunDir.for_spec(run_spec(point, profile, Path("unused")), run_out).log_file
        if log_file.is_file():
            curves.append(loss_curve(log_file).assign(name=point.name, arch=point.model,
                                                      upstream_dataset=point.upstream_dataset,
                                                      samples_seen=point.samples_seen))
    done = refresh_compute(registry)
    if curves:
        # keep the curves of runs whose work folder is gone (their rows were skipped)
        curve_file = out / "loss_curves.csv"
        fresh = pd.concat(curves, ignore_index=True)
        if curve_file.is_file():
            old = pd.read_csv(curve_file)
            fresh = pd.concat([old[~old["name"].isin(set(fresh["name"]))], fresh], ignore_index=True)
        fresh.to_csv(curve_file, index=False)
    wall_s = time.monotonic() - start
    provenance.update(
        profile=asdict(profile), scenes_version=scenes.SCENES_VERSION, seed=profile.seed, **source,
        versions=_versions(),
        machine=platform.platform(), train_seed=datasets.TRAIN_SEED + profile.seed, task_seeds=tasks.TASK_SEEDS,
        gmacs_per_sample={m: models.gmacs_per_sample(m) for m in profile.models},
        generation_pairs_per_s=round(generation_rate(), 1), data_write_s=round(data_s, 1),
    )
    if trained or evaluated:
        provenance["last_call"] = {"wall_s": round(wall_s, 1), "trained": trained, "evaluated": evaluated,
                                   "skipped": skipped, "jobs": jobs}
    provenance_file.write_text(json.dumps(provenance, indent=2, sort_keys=True) + "\n")
    return StudyResult(profile.name, registry, done, trained, evaluated, skipped, wall_s, jobs)
