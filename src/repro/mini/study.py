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
import os
import multiprocessing
import pickle
import platform
import re
import sys
import time
from datetime import datetime, timezone
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from repro.constants import MINI_RESULTS_DIR, RUNS_DIR
from repro.data.mini_outputs import MiniOutputs
from repro.data.provenance import require_clean
from repro.data.results_registry import merge_results, read_registry, write_atomic
from repro.data.schema import RESULTS_COLUMNS, validate_results
from repro.errors import SchedulerError, SpecError
from repro.executors import TRAIN_MODULE, scheduler
from repro.executors.arrays import ArrayOptions, Task, get_array_executor
from repro.executors.openclip import train as train_openclip
from repro.executors.shards import ORDER_SUFFIX
from repro.launch.argv import model_argument, to_argv
from repro.launch.rundir import RunDir
from repro.launch.spec import RunSpec
from repro.mini import datasets, models, scenes, shard_data, tasks
from repro.mini.evaluation import evaluate_checkpoint
from repro.mini.profiles import DATA_PATHS, HELDOUT_BATCH, Profile, budget_samples, get_profile

log = logging.getLogger(__name__)

#: The module an array task runs for one run of the study (``python -m``).
WORKER_MODULE = "repro.mini.worker"

#: Where results are committed, and where heavy outputs go (git-ignored: runs/work/).
RESULTS_ROOT = MINI_RESULTS_DIR
WORK_ROOT = RUNS_DIR / "work" / "mini"


@dataclass(frozen=True)
class GridPoint:
    """One run of the grid."""

    model: str          # model config name
    n_pairs: int        # unique pairs of its pre-training set
    samples_seen: int   # total training samples
    seed: int | None = None   # the run's seed (initialisation, data order) in a profile with seeds

    @property
    def upstream_dataset(self) -> str:
        return datasets.dataset_name(self.n_pairs)

    @property
    def name(self) -> str:
        tail = "" if self.seed is None else f"_seed{self.seed}"
        return f"{self.model}_{self.upstream_dataset}_s{samples_pretty(self.samples_seen)}{tail}"

    def run_seed(self, profile: Profile) -> int:
        """The seed this run trains with: its own, or the profile's."""
        return profile.seed if self.seed is None else self.seed


def samples_pretty(samples_seen: int) -> str:
    """``20k`` for 20,480 samples (the ``samples_seen_pretty`` column, like the paper's ``13B``)."""
    if samples_seen >= 1_000_000:
        return f"{samples_seen / 1e6:.2g}M"
    return f"{round(samples_seen / 1000)}k" if samples_seen >= 1000 else str(samples_seen)


def grid(profile: Profile) -> list[GridPoint]:
    """Every run of a profile: the product of its axes, or an isoFLOP profile's listed points;
    each once per seed of a profile with seeds."""
    points = profile.points or [(m, n, s) for m in profile.models for n in profile.dataset_sizes
                                for s in profile.samples_seen]
    return [GridPoint(m, n, s, seed) for m, n, s in points for seed in profile.run_seeds]


def expected_seconds(point: GridPoint) -> float:
    """A rough cost of one run (GMACs, plus a per-sample data-loading term), used only to start
    the longest runs first so that the cores finish together."""
    return point.samples_seen * (models.gmacs_per_sample(point.model) + 2e-3)


def run_spec(point: GridPoint, profile: Profile, train_csv: Path) -> RunSpec:
    """The launcher's spec of one grid point: one open_clip epoch over exactly ``samples_seen`` rows."""
    steps = point.samples_seen // profile.batch_size
    if profile.warmup_budget:   # the warm-up of this model's run at that budget
        warmup_steps = max(1, budget_samples(profile.warmup_budget, point.model, profile.batch_size)
                           // profile.batch_size // 10)
    else:
        warmup_steps = max(1, steps // 10)  # 10% warm-up: the paper's runs warm up for a few % of steps
    return RunSpec(
        name=point.name, model=str(models.config_path(point.model)), data=point.upstream_dataset,
        train_data=str(train_csv), samples_per_epoch=point.samples_seen, epochs=1, lr=profile.lr,
        warmup_steps=warmup_steps,
        batch_size_per_gpu=profile.batch_size, gpus=1, samples_seen_label=samples_pretty(point.samples_seen),
        precision="fp32" if profile.device == "cpu" else "amp", device=profile.device,
        dataset_type="auto" if str(train_csv).endswith(ORDER_SUFFIX) else "csv",  # order file: array shards
        csv_separator=",", workers_per_gpu=0 if profile.device == "cpu" else 4, seed=point.run_seed(profile),
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
            "train_s": train_s, "eval_s": time.monotonic() - t, "log_file": str(run_dir.log_file),
            "data_path": "arrays" if str(job.train_csv).endswith(ORDER_SUFFIX) else "csv"}


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
            "budget_gmacs": budget, "upstream_dataset": point.upstream_dataset, "seed": point.run_seed(profile),
            "contrastive_loss": loss}


def _drop_stale_runs(profile: Profile, outputs: MiniOutputs, done: pd.DataFrame, losses: pd.DataFrame | None,
                     provenance: dict) -> tuple[list[str], pd.DataFrame, pd.DataFrame | None]:
    """Remove from ``outputs`` (results, held-out losses, loss curves, provenance) every run that the
    profile no longer lists, so that a changed profile never leaves old runs in its fits. Returns
    their names and ``done`` and ``losses`` without them; ``provenance`` is updated in place (the
    caller writes it)."""
    names = {point.name for point in grid(profile)}
    listed = set(done["name"]) | set(provenance.get("runs", {})) | (set(losses["name"]) if losses is not None else set())
    stale = sorted(listed - names)
    if not stale:
        return [], done, losses
    done = done[~done["name"].isin(stale)]
    write_atomic(done, outputs.results)
    if losses is not None:
        losses = losses[~losses["name"].isin(stale)]
        write_atomic(losses, outputs.heldout_loss)
    if outputs.loss_curves.is_file():
        curves = pd.read_csv(outputs.loss_curves)
        write_atomic(curves[~curves["name"].isin(stale)], outputs.loss_curves)
    for name in stale:
        provenance.get("runs", {}).pop(name, None)
    return stale, done, losses


@dataclass
class StudyPlan:
    """What one call of :func:`run_study` has to do (:func:`plan_study`), and the outputs it starts from."""

    profile: Profile
    outputs: MiniOutputs
    run_out: Path                     # run directories (checkpoints)
    source: dict                      # the code that trains: commit, dirty, forced, code_version
    todo: list[_Job]                  # runs to train and/or evaluate, longest first
    skipped: int                      # runs already in results.csv
    stale: list[str]                  # runs no longer in the profile, dropped from the outputs
    losses: pd.DataFrame | None       # held-out losses already written (isoFLOP profiles)
    provenance: dict
    data_s: float                     # seconds spent writing data sets and tasks
    started_at: str = ""              # when this call started (UTC, ISO 8601)


def _is_done(point: GridPoint, done: pd.DataFrame, task_set: tasks.TaskSet, heldout, losses) -> bool:
    have = set(done.loc[done["name"] == point.name, "downstream_dataset"]) if len(done) else set()
    has_loss = heldout is None or (losses is not None and point.name in set(losses["name"]))
    return have >= set(task_set.names) and has_loss




def plan_study(profile: Profile, *, results_root: Path = RESULTS_ROOT, work_root: Path = WORK_ROOT,
               force_dirty: bool = False, data_path: str | None = None) -> StudyPlan:
    """Write the data sets and tasks a profile needs, drop runs it no longer lists, and list the
    runs still to do (idempotent: what ``results.csv`` holds is skipped).

    Parameters
    ----------
    profile : Profile
    results_root, work_root : Path
        As :func:`run_study`.
    force_dirty : bool
        As :func:`run_study`.
    data_path : str, optional
        As :func:`run_study` (default: the profile's).

    Raises
    ------
    repro.data.provenance.DirtyTreeError
        The results would be committed and the tree has uncommitted changes (without ``force_dirty``).
    """
    data_path = data_path or profile.data_path
    started_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    outputs = MiniOutputs.for_profile(profile.name, results_root)
    # the code that trains this call's runs (read before it can change); refused from a dirty tree
    source = require_clean(outputs.folder, force=force_dirty)
    outputs.folder.mkdir(parents=True, exist_ok=True)
    work = Path(work_root)
    provenance = json.loads(outputs.provenance.read_text()) if outputs.provenance.is_file() else {}
    provenance.setdefault("runs", {})
    t = time.monotonic()
    train_sets = {n: datasets.write_train_dataset(n, work / "data", seed=datasets.TRAIN_SEED + profile.seed)
                  for n in sorted({p.n_pairs for p in grid(profile)})} if data_path == "csv" else {}
    task_folder = f"v{scenes.SCENES_VERSION}-test{profile.test_size}-probe{profile.probe_train_size}"
    task_set = tasks.write_tasks(work / "tasks" / task_folder,
                                 test_size=profile.test_size, probe_train_size=profile.probe_train_size)
    heldout = tasks.write_heldout(work / "tasks", profile.heldout_pairs) if profile.heldout_pairs else None
    data_s = time.monotonic() - t
    done = read_registry(outputs.results)
    losses = pd.read_csv(outputs.heldout_loss) if heldout is not None and outputs.heldout_loss.is_file() else None
    recorded = provenance.get("plan_sha256")
    if profile.plan is not None and recorded and len(done) and recorded != profile.plan.sha256():
        raise SpecError(f"profile '{profile.name}': its analysis plan changed after results were made under another "
                        f"(plan sha256 {recorded[:12]} in {outputs.provenance}, {profile.plan.sha256()[:12]} now); a "
                        "change of plan after results is a new profile")
    stale, done, losses = _drop_stale_runs(profile, outputs, done, losses, provenance)
    run_out = work / "runs" / profile.name
    todo, skipped = [], 0
    for point in grid(profile):
        if _is_done(point, done, task_set, heldout, losses):
            skipped += 1
            continue
        seed = point.run_seed(profile)
        train_csv = work / "orders" / f"{point.upstream_dataset}_{point.samples_seen}_seed{seed}.csv"
        if data_path == "arrays":
            train_csv = train_csv.with_suffix(ORDER_SUFFIX)
            if not train_csv.is_file():
                shard = shard_data.write_train_shard(point.n_pairs, work / "data", seed=datasets.TRAIN_SEED + profile.seed)
                shard_data.write_shard_order(shard, point.n_pairs, point.samples_seen, train_csv, seed=seed)
        elif not train_csv.is_file():
            datasets.write_sample_order(train_sets[point.n_pairs], point.samples_seen, train_csv, seed=seed)
        todo.append(_Job(point, profile, train_csv.resolve(), run_out, task_set, heldout))
    todo.sort(key=lambda job: -expected_seconds(job.point))
    return StudyPlan(profile, outputs, run_out, source, todo, skipped, stale, losses, provenance, data_s,
                     started_at=started_at)


def _in_processes(todo: Sequence[_Job], jobs: int) -> Iterator[dict]:
    """Run the jobs here: in this process (one job at a time) or in a pool of ``jobs`` processes;
    yields each result as it finishes."""
    if jobs == 1 or len(todo) <= 1:
        for job in todo:
            yield _run_job(job)
        return
    context = multiprocessing.get_context("spawn")  # no fork after torch's thread pools exist
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_worker_init) as pool:
        futures = [pool.submit(_run_job, job) for job in todo]
        for future in as_completed(futures):
            yield future.result()


def _on_scheduler(todo: Sequence[_Job], executor: str, folder: Path, options: ArrayOptions) -> Iterator[dict]:
    """Run the jobs as one array of tasks on a scheduler (``slurm`` or ``submitit``), each task
    ``python -m repro.mini.worker JOB RESULT``; wait for the array, then yield the results in the
    jobs' order.

    Raises
    ------
    SchedulerError
        A task ended without its result: names the task, its job and its log.
    """
    folder.mkdir(parents=True, exist_ok=True)
    tasks_ = []
    for index, job in enumerate(todo):
        job_file, result_file = folder / f"job_{index:05d}.pkl", folder / f"result_{index:05d}.pkl"
        result_file.unlink(missing_ok=True)
        job_file.write_bytes(pickle.dumps(job))
        tasks_.append(Task((sys.executable, "-m", WORKER_MODULE, str(job_file), str(result_file))))
    if not tasks_:
        return
    array = get_array_executor(executor, options).submit_array(tasks_, folder, name=f"mini-{todo[0].profile.name}")
    states = scheduler.wait(sorted({job_id.split("_")[0] for job_id in array.job_ids}), timeout_s=7 * 24 * 3600.0)
    for index, job in enumerate(todo):
        result_file = folder / f"result_{index:05d}.pkl"
        if not result_file.is_file():
            failed = [s for s in states.values() if s.group == "failed"]
            where = failed[0].describe("first failed task") if failed else f"logs in {folder / 'logs'}"
            raise SchedulerError(f"mini run {job.point.name} (task {index}, script {array.scripts[index]}): "
                                 f"no result; {where}")
        yield pickle.loads(result_file.read_bytes())


class _Recorder:
    """Writes each finished run's rows, held-out loss and provenance as results come in."""

    def __init__(self, plan: StudyPlan, start: float, progress):
        self.plan, self.start, self.progress = plan, start, progress
        self.losses = plan.losses
        self.trained = self.evaluated = 0

    def record(self, result: dict) -> None:
        plan, point = self.plan, result["point"]
        metrics = dict(result["metrics"])
        loss = metrics.pop("heldout", {}).get("contrastive_loss")
        merge_results(plan.outputs.results, rows_of(point, metrics), source=f"mini run {point.name}")
        if loss is not None:
            fresh = pd.DataFrame([_heldout_rows(point, plan.profile, loss)])
            self.losses = fresh if self.losses is None else pd.concat(
                [self.losses[self.losses["name"] != point.name], fresh], ignore_index=True)
            write_atomic(self.losses.sort_values(["budget_gmacs", "gmacs", "seed"]), plan.outputs.heldout_loss)
        self.trained += not result["was_finished"]
        self.evaluated += 1
        # relative to the profile's run folder (``plan.run_out``): committed provenance names no
        # absolute path of the machine that trained it
        entry = {"run_dir": Path(os.path.relpath(result["run_dir"], plan.run_out)).as_posix(),
                 "train_s": round(result["train_s"], 1),
                 "eval_s": round(result["eval_s"], 1)}
        if not result["was_finished"]:
            entry.update(train_samples_per_s=round(point.samples_seen / result["train_s"], 1),
                         code_version=plan.source["code_version"], data_path=result["data_path"])
        plan.provenance["runs"][point.name] = {**plan.provenance["runs"].get(point.name, {}), **entry}
        if self.progress:
            self.progress(f"[{self.evaluated}/{len(plan.todo)}] {point.name}: trained in {result['train_s']:.0f} s, "
                          f"evaluated in {result['eval_s']:.0f} s ({time.monotonic() - self.start:.0f} s so far)")

    def finish(self, jobs: int) -> StudyResult:
        """Rows in the grid's order, loss curves, provenance; the call's :class:`StudyResult`."""
        plan = self.plan
        _write_curves(plan)
        done = refresh_compute(plan.outputs.results)
        if self.evaluated and len(done):
            # rows written in a fixed order whatever order the runs finished in (a call that
            # records nothing leaves the file as it is)
            done = _grid_order(done, plan.profile)
            write_atomic(done, plan.outputs.results)
        wall_s = time.monotonic() - self.start
        profile = plan.profile
        plan.provenance.update(
            profile=asdict(profile), scenes_version=scenes.SCENES_VERSION, seed=profile.seed, **plan.source,
            versions=_versions(), machine=platform.platform(), train_seed=datasets.TRAIN_SEED + profile.seed,
            task_seeds=tasks.TASK_SEEDS, gmacs_per_sample={m: models.gmacs_per_sample(m) for m in profile.models},
            generation_pairs_per_s=round(generation_rate(), 1), data_write_s=round(plan.data_s, 1),
        )
        if profile.plan is not None:
            # the plan the results were made under, its hash and the time of the commit that fixed it
            plan.provenance.update(plan_sha256=profile.plan.sha256(), plan_committed_at=plan.source.get("committed_at"))
        if self.evaluated:   # the start of the first call that recorded results
            plan.provenance.setdefault("first_results_at", plan.started_at)
        if self.trained or self.evaluated:
            plan.provenance["last_call"] = {"wall_s": round(wall_s, 1), "trained": self.trained,
                                            "evaluated": self.evaluated, "skipped": plan.skipped, "jobs": jobs}
        plan.outputs.provenance.write_text(json.dumps(plan.provenance, indent=2, sort_keys=True) + "\n")
        return StudyResult(profile.name, plan.outputs.results, done, self.trained, self.evaluated, plan.skipped,
                           wall_s, jobs)


def _grid_order(rows: pd.DataFrame, profile: Profile) -> pd.DataFrame:
    """``rows`` in a fixed order whatever order the runs finished in: the grid's order of runs,
    then the task's name."""
    order = {point.name: index for index, point in enumerate(grid(profile))}
    keyed = rows.assign(_run=rows["name"].map(order).fillna(len(order)))
    return keyed.sort_values(["_run", "name", "downstream_dataset"], kind="stable").drop(columns="_run") \
        .reset_index(drop=True)


def _write_curves(plan: StudyPlan) -> None:
    """``loss_curves.csv``: every run's training loss, keeping the curves of runs whose work folder is gone."""
    curves = []
    for point in grid(plan.profile):
        # the run's folder as recorded (its name depends on the data path it was trained on)
        recorded = plan.provenance["runs"].get(point.name, {}).get("run_dir")
        run_dir = RunDir.for_spec(run_spec(point, plan.profile, Path("unused")), plan.run_out)
        log_file = (plan.run_out / recorded / run_dir.log_file.relative_to(run_dir.path) if recorded
                    else run_dir.log_file)
        if log_file.is_file():
            curves.append(loss_curve(log_file).assign(name=point.name, arch=point.model,
                                                      upstream_dataset=point.upstream_dataset,
                                                      samples_seen=point.samples_seen))
    if not curves:
        return
    fresh = pd.concat(curves, ignore_index=True)
    if plan.outputs.loss_curves.is_file():
        old = pd.read_csv(plan.outputs.loss_curves)
        fresh = pd.concat([old[~old["name"].isin(set(fresh["name"]))], fresh], ignore_index=True)
    fresh.to_csv(plan.outputs.loss_curves, index=False)


#: ``repro mini --executor``: where the runs go.
STUDY_EXECUTORS = ("local", "slurm", "submitit")


def run_study(profile: str | Profile = "laptop", *, results_root: Path = RESULTS_ROOT,
              work_root: Path = WORK_ROOT, force_dirty: bool = False, jobs: int | None = None,
              progress=print, executor: str = "local", options: ArrayOptions = ArrayOptions(),
              data_path: str | None = None) -> StudyResult:
    """Train, evaluate and record the whole grid of one profile (idempotent): plan, execute, record.

    Parameters
    ----------
    profile : str or Profile
        ``smoke``, ``laptop``, ``isoflop``, ``gpu`` ... (:mod:`repro.mini.profiles`).
    results_root : Path
        ``results.csv``, ``provenance.json`` and ``loss_curves.csv`` (and, for an isoFLOP profile,
        ``heldout_loss.csv``) go to ``results_root/<profile>/`` (:class:`repro.data.mini_outputs.MiniOutputs`).
    work_root : Path
        Datasets, task shards and run directories (checkpoints) go here; keep it git-ignored.
    force_dirty : bool
        Write results that would be committed (inside the checkout) even from a working tree with
        uncommitted changes; ``provenance.json`` then records ``"forced": true``.
    jobs : int, optional
        ``local``: runs trained at once, each in its own process with one thread (default: the
        cores on a CPU, 1 on a GPU). Longest runs start first.
    progress : callable
        Called with one line per finished run (``None`` for silence).
    executor : str
        ``local`` (this machine, the default), ``slurm`` (one SLURM array, a task per run) or
        ``submitit`` (a submitit job array); see :data:`STUDY_EXECUTORS`. The rows are the same
        whichever runs them; ``results.csv`` is written in the grid's order.
    options : ArrayOptions
        The scheduler's settings (partition, time, setup lines) for ``slurm`` and ``submitit``.
    data_path : str, optional
        Default: the profile's. ``csv`` (PNG files and csv rows, per-sample decoding; the path of
        the v1 profiles' committed results) or ``arrays`` (array shards read in whole batches: the
        same rows in the same batches, the same images and tokens, crops drawn per batch;
        :mod:`repro.executors.shards`).

    Raises
    ------
    repro.data.provenance.DirtyTreeError
        The results would be committed and the tree has uncommitted changes (without ``force_dirty``).
    SpecError
        ``jobs`` below 1 or an unknown ``executor``.
    """
    profile = get_profile(profile) if isinstance(profile, str) else profile
    jobs = default_jobs(profile) if jobs is None else int(jobs)
    if jobs < 1:
        raise SpecError(f"jobs must be >= 1, got {jobs}")
    if executor not in STUDY_EXECUTORS:
        raise SpecError(f"unknown executor {executor!r} for the mini study; known: {', '.join(STUDY_EXECUTORS)}")
    if data_path is not None and data_path not in DATA_PATHS:
        raise SpecError(f"unknown data_path {data_path!r} for the mini study; known: {', '.join(DATA_PATHS)}")
    start = time.monotonic()
    plan = plan_study(profile, results_root=results_root, work_root=work_root, force_dirty=force_dirty,
                      data_path=data_path)
    if plan.stale and progress:
        progress(f"mini {profile.name}: dropped {len(plan.stale)} run(s) no longer in the profile (their rows, "
                 f"curves and provenance; git keeps the committed ones): {', '.join(plan.stale)}")
    where = f"{jobs} at a time" if executor == "local" else f"as one {executor} array"
    if progress and plan.todo:
        progress(f"mini {profile.name}: {len(plan.todo)} run(s) to do, {plan.skipped} already done; {where}")
    recorder = _Recorder(plan, start, progress)
    results = (_in_processes(plan.todo, jobs) if executor == "local" else
               _on_scheduler(plan.todo, executor, Path(work_root) / "scheduler" / profile.name, options))
    for result in results:
        recorder.record(result)
    return recorder.finish(jobs)
