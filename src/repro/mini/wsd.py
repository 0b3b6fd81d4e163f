"""One run for several budgets: warmup-stable-decay (WSD) beside the isoFLOP study's cosine runs.

A cosine schedule fixes a run's length before it starts, so an isoFLOP study trains every
(size, budget) cell from scratch. Warmup-stable-decay (Hagele et al. 2024; open_clip_train's
``const-cooldown``) holds the learning rate constant after the warm-up and decays it linearly to 0
only over the last part of the run: one constant-rate *trunk* per size and seed, checkpointed
where each budget's decay must start, and one short *branch* per budget that resumes from that
checkpoint and decays. Hagele et al. found a 20 % decay to match a cosine run of the same length
in language models; whether it does here is measured, not assumed (``repro mini --profile
wsd-v2``, the chapter "The study in miniature").

The design, fixed in :data:`PROFILES` before the runs:

* the cells of an isoFLOP profile (``base``): its budgets, its seeds, the listed sizes, its data
  (the same 64k pairs, array shards), batch, peak rate and held-out set;
* the decay is the last ``cooldown_fraction`` of each budget. The *epoch* is the unit in which
  open_clip_train schedules the decay and saves checkpoints, so an epoch here is
  ``cooldown_fraction x`` the smallest budget (rounded to whole batches): a budget ``m`` times the
  smallest is ``4m`` stable epochs (at a decay of 20 %) and ``m`` decay epochs;
* the warm-up is that of the smallest budget's cosine run (10 % of its steps), the same for every
  branch; the rest of the trunk is at the peak rate;
* every run of one (size, seed) reads one epoch-segmented order file
  (:func:`repro.executors.shards.write_order`): epoch ``e`` trains on row ``e`` whatever run reads
  it, so a branch sees the samples the trunk would have seen next;
* the metric is the plan's (the held-out contrastive loss on the base profile's held-out pairs);
  the comparison (:func:`repro.scaling.mini_study.schedule_agreement`) and its decision rule are
  fixed in :class:`WsdProfile`.

Outputs, under ``runs/mini/<profile>/``: ``heldout_loss.csv`` (one row per branch),
``loss_curves.csv`` (every trunk and branch) and ``provenance.json``.
"""

from __future__ import annotations

import json
import logging
import math
import multiprocessing
import os
import platform
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from repro.data.mini_outputs import MiniOutputs
from repro.data.provenance import require_clean
from repro.data.results_registry import write_atomic
from repro.errors import SpecError
from repro.executors.shards import ORDER_SUFFIX, write_order
from repro.launch.argv import model_argument
from repro.launch.rundir import RunDir
from repro.launch.spec import RunSpec
from repro.mini import datasets, models, shard_data, study, tasks
from repro.mini.evaluation import heldout_loss, load_model
from repro.mini.profiles import HELDOUT_BATCH, Profile, budget_samples, get_profile

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WsdProfile:
    """A WSD study: which cells of an isoFLOP profile it retrains with one trunk per (size, seed).

    Attributes
    ----------
    name : str
    base : str
        The isoFLOP profile whose cosine cells it is compared with (budgets, seeds, data, batch,
        rate and held-out set are its).
    models : tuple of str
        The sizes retrained: each at every budget of ``base``.
    cooldown_fraction : float
        The decay's share of each budget (Hagele et al.: 0.2).
    z_match : float
        The decision rule, fixed before the runs: WSD matches the cosine runs within seed noise when
        the mean of the cell differences is within ``z_match`` standard errors of 0 and at most
        ``max_cells_apart`` cells differ by ``z_match`` or more (with 10 cells and no difference,
        about 0.4 of studies would show one such cell by chance, 0.09 two).
    max_cells_apart : int
    """

    name: str
    base: str
    models: tuple[str, ...]
    cooldown_fraction: float = 0.2
    z_match: float = 2.0
    max_cells_apart: int = 1

    def __post_init__(self) -> None:
        if not 0 < self.cooldown_fraction < 1:
            raise SpecError(f"WSD profile '{self.name}': cooldown_fraction {self.cooldown_fraction} is not in (0, 1)")
        base = self.base_profile
        if not base.is_isoflop or base.data_path != "arrays":
            raise SpecError(f"WSD profile '{self.name}': base '{self.base}' is not an isoFLOP profile on array shards")
        smallest = min(base.budgets)
        ratios = [b / smallest for b in self.budgets]
        if any(abs(r - round(r)) > 1e-9 for r in ratios):
            raise SpecError(f"WSD profile '{self.name}': budgets {list(self.budgets)} are not whole multiples of "
                            f"the smallest ({smallest:g}): no common epoch")
        stable = (1 - self.cooldown_fraction) / self.cooldown_fraction
        if abs(stable - round(stable)) > 1e-9:
            raise SpecError(f"WSD profile '{self.name}': cooldown_fraction {self.cooldown_fraction} does not split "
                            "a budget into whole epochs (1/fraction must be a whole number)")
        unknown = [m for m in self.models if m not in base.models]
        if unknown:
            raise SpecError(f"WSD profile '{self.name}': sizes {unknown} are not in base '{self.base}'")

    @property
    def base_profile(self) -> Profile:
        return get_profile(self.base)

    @property
    def budgets(self) -> tuple[float, ...]:
        """The base profile's budgets (GMACs), smallest first."""
        return tuple(sorted(set(self.base_profile.budgets)))

    @property
    def seeds(self) -> tuple[int, ...]:
        return self.base_profile.seeds or (self.base_profile.seed,)

    @property
    def n_pairs(self) -> int:
        return self.base_profile.dataset_sizes[0]

    def epoch_samples(self, model: str) -> int:
        """Samples per epoch of ``model``: ``cooldown_fraction x`` the smallest budget, in whole batches."""
        return budget_samples(self.cooldown_fraction * self.budgets[0], model, self.base_profile.batch_size)

    def epochs(self, budget: float) -> tuple[int, int]:
        """(stable epochs, decay epochs) of ``budget``."""
        m = round(budget / self.budgets[0])
        stable = round((1 - self.cooldown_fraction) / self.cooldown_fraction)
        return stable * m, m

    @property
    def trunk_epochs(self) -> int:
        """The trunk's length: the largest budget's stable epochs."""
        return self.epochs(self.budgets[-1])[0]

    @property
    def order_epochs(self) -> int:
        """Rows of a (size, seed)'s order file: up to the largest branch's last epoch."""
        return sum(self.epochs(self.budgets[-1]))

    def warmup_steps(self, model: str) -> int:
        """10 % of the smallest budget's steps (its cosine run's warm-up), for every run."""
        stable, decay = self.epochs(self.budgets[0])
        return max(1, (stable + decay) * self.epoch_samples(model) // self.base_profile.batch_size // 10)


#: The WSD studies (``repro mini --profile NAME``). ``wsd-v2``: mini-RN-XS and mini-RN-S (the sizes
#: on both sides of isoflop-v2's one interior minimum at 128 GMACs, and present at every budget)
#: at all 5 budgets x 3 seeds: 6 trunks of 128 epochs, 30 branches; expected ~1,300 core-seconds
#: of training (~12 min on 2 cores) against ~2,000 for the same cells' cosine runs. mini-RN-XXS
#: (1.1M samples per trunk) would triple it.
PROFILES: dict[str, WsdProfile] = {
    "wsd-v2": WsdProfile("wsd-v2", base="isoflop-v2", models=("mini-RN-XS", "mini-RN-S")),
    # CI's run of the same loop: smoke-isoflop-v2's 2 budgets (0.4 and 1.2 GMACs), one size, 2 seeds
    "smoke-wsd-v2": WsdProfile("smoke-wsd-v2", base="smoke-isoflop-v2", models=("mini-RN-XS",)),
}


def get_wsd_profile(name: str) -> WsdProfile:
    try:
        return PROFILES[name]
    except KeyError:
        raise SpecError(f"unknown WSD profile {name!r}; known: {', '.join(PROFILES)}") from None


# -- runs --------------------------------------------------------------------------------------------


def trunk_name(model: str, seed: int) -> str:
    return f"{model}_wsd-trunk_seed{seed}"


def branch_name(profile: WsdProfile, model: str, budget: float, seed: int) -> str:
    return f"{model}_wsd{budget:g}g_seed{seed}"


def _spec(profile: WsdProfile, model: str, seed: int, order: Path, *, name: str, epochs: int,
          scheduler: str, cooldown: int = 0, save_frequency: int = 1) -> RunSpec:
    base = profile.base_profile
    samples = profile.epoch_samples(model)
    steps = samples // base.batch_size
    return RunSpec(
        name=name, model=str(models.config_path(model)), data=datasets.dataset_name(profile.n_pairs),
        train_data=str(order), samples_per_epoch=samples, epochs=epochs, lr=base.lr,
        warmup_steps=profile.warmup_steps(model), batch_size_per_gpu=base.batch_size, gpus=1,
        precision="fp32" if base.device == "cpu" else "amp", device=base.device, dataset_type="auto",
        workers_per_gpu=0 if base.device == "cpu" else 4, seed=seed,
        log_every_n_steps=max(1, steps // 4), save_frequency_epochs=save_frequency, weight_decay=0.1,
        lr_scheduler=scheduler, epochs_cooldown=cooldown)


def trunk_spec(profile: WsdProfile, model: str, seed: int, order: Path) -> RunSpec:
    """The constant-rate run of one (size, seed), checkpointed where every branch starts."""
    starts = [profile.epochs(b)[0] for b in profile.budgets]
    return _spec(profile, model, seed, order, name=trunk_name(model, seed), epochs=profile.trunk_epochs,
                 scheduler="const", save_frequency=math.gcd(*starts))


def branch_spec(profile: WsdProfile, model: str, budget: float, seed: int, order: Path) -> RunSpec:
    """The decay of one budget: resumes the trunk at the budget's last stable epoch."""
    stable, decay = profile.epochs(budget)
    return _spec(profile, model, seed, order, name=branch_name(profile, model, budget, seed), epochs=stable + decay,
                 scheduler="const-cooldown", cooldown=decay)


def write_order_file(profile: WsdProfile, model: str, seed: int, work: Path) -> Path:
    """The epoch-segmented order of one (size, seed): the pair stream of the base profile's data,
    one row of :meth:`WsdProfile.epoch_samples` per epoch (written once)."""
    samples = profile.epoch_samples(model)
    path = work / "orders" / f"wsd_{datasets.dataset_name(profile.n_pairs)}_{model}_seed{seed}{ORDER_SUFFIX}"
    if not path.is_file():
        base = profile.base_profile
        shard = shard_data.write_train_shard(profile.n_pairs, work / "data", seed=datasets.TRAIN_SEED + base.seed)
        stream = shard_data.sample_order(profile.n_pairs, samples * profile.order_epochs, seed=seed)
        write_order(path, shard, stream.reshape(profile.order_epochs, samples))
    return path.resolve()


@dataclass(frozen=True)
class _Chain:
    """One (size, seed): its trunk, then its branches; picklable for a worker."""

    profile: WsdProfile
    model: str
    seed: int
    order: Path
    run_out: Path
    budgets: tuple[float, ...]        # the branches still to do
    heldout: tasks.HeldoutSet


def _branch_from(trunk: RunDir, spec: RunSpec, run_out: Path, stable: int) -> RunDir:
    """The branch's run folder, holding the trunk's checkpoint of epoch ``stable`` to resume from."""
    run_dir = RunDir.for_spec(spec, run_out)
    if run_dir.state() != "finished":
        source = trunk.checkpoints_dir / f"epoch_{stable}.pt"
        if not source.is_file():
            raise SpecError(f"WSD branch {spec.name}: the trunk has no checkpoint {source}")
        run_dir.checkpoints_dir.mkdir(parents=True, exist_ok=True)
        target = run_dir.checkpoints_dir / source.name
        if not target.is_file():
            shutil.copyfile(source, target)
    return run_dir


def _run_chain(chain: _Chain) -> list[dict]:
    """Train the trunk (or reuse it), then each branch, and measure each branch's held-out loss."""
    import torch

    profile = chain.profile
    if profile.base_profile.device == "cpu":
        torch.set_num_threads(profile.base_profile.threads)
    t = time.monotonic()
    trunk_spec_ = trunk_spec(profile, chain.model, chain.seed, chain.order)
    trunk = study._train_in_process(trunk_spec_, chain.run_out)
    out = [{"name": trunk_spec_.name, "kind": "trunk", "model": chain.model, "seed": chain.seed,
            "run_dir": str(trunk.path), "log_file": str(trunk.log_file), "train_s": time.monotonic() - t,
            "samples": trunk_spec_.samples_seen}]
    for budget in chain.budgets:
        spec = branch_spec(profile, chain.model, budget, chain.seed, chain.order)
        stable, _ = profile.epochs(budget)
        _branch_from(trunk, spec, chain.run_out, stable)
        t = time.monotonic()
        run_dir = study._train_in_process(spec, chain.run_out)
        train_s = time.monotonic() - t
        t = time.monotonic()
        model, preprocess, tokenizer = load_model(model_argument(spec, run_dir.path), run_dir.final_checkpoint)
        loss = heldout_loss(model, preprocess, tokenizer, chain.heldout, batch_size=HELDOUT_BATCH)
        out.append({"name": spec.name, "kind": "branch", "model": chain.model, "seed": chain.seed, "budget": budget,
                    "run_dir": str(run_dir.path), "log_file": str(run_dir.log_file), "train_s": train_s,
                    "eval_s": time.monotonic() - t, "samples": spec.samples_seen,
                    "decay_samples": spec.epochs_cooldown * spec.samples_per_epoch, "contrastive_loss": loss})
    return out


def _chains(chains: Sequence[_Chain], jobs: int) -> Iterator[list[dict]]:
    if jobs == 1 or len(chains) <= 1:
        for chain in chains:
            yield _run_chain(chain)
        return
    context = multiprocessing.get_context("spawn")  # no fork after torch's thread pools exist
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=study._worker_init) as pool:
        for future in as_completed([pool.submit(_run_chain, chain) for chain in chains]):
            yield future.result()


@dataclass(frozen=True)
class WsdResult:
    """What one :func:`run_wsd` call did."""

    profile: str
    heldout_path: Path
    rows: pd.DataFrame
    branches: int        # branches trained or evaluated by this call
    skipped: int         # branches already in heldout_loss.csv
    wall_s: float


def run_wsd(profile: str | WsdProfile, *, results_root: Path = study.RESULTS_ROOT, work_root: Path = study.WORK_ROOT,
            force_dirty: bool = False, jobs: int | None = None, progress: Callable[[str], None] | None = print) -> WsdResult:
    """Train every trunk and branch of a WSD profile and record each branch's held-out loss
    (idempotent: branches in ``heldout_loss.csv`` are skipped, finished runs are reused).

    Parameters
    ----------
    profile : str or WsdProfile
    results_root, work_root : Path
        As :func:`repro.mini.study.run_study`.
    force_dirty : bool
        As :func:`repro.mini.study.run_study`.
    jobs : int, optional
        (size, seed) chains at a time, one process and one thread each (default: the cores).
    progress : callable, optional
        Called with one line per finished chain.

    Raises
    ------
    SpecError
        An unknown profile, ``jobs`` below 1, or a trunk without a branch's checkpoint.
    repro.data.provenance.DirtyTreeError
        As :func:`repro.mini.study.run_study`.
    """
    profile = get_wsd_profile(profile) if isinstance(profile, str) else profile
    base = profile.base_profile
    jobs = study.default_jobs(base) if jobs is None else int(jobs)
    if jobs < 1:
        raise SpecError(f"jobs must be >= 1, got {jobs}")
    start = time.monotonic()
    started_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    outputs = MiniOutputs.for_profile(profile.name, results_root)
    source = require_clean(outputs.folder, force=force_dirty)
    outputs.folder.mkdir(parents=True, exist_ok=True)
    recorder = _Recorder(profile, outputs, Path(work_root) / "runs" / profile.name, source)
    chains, skipped = _plan_chains(profile, Path(work_root), recorder.run_out, recorder.names())
    if progress and chains:
        progress(f"mini {profile.name}: {len(chains)} trunk(s) with {sum(len(c.budgets) for c in chains)} branch(es) "
                 f"to do, {skipped} branch(es) done; {jobs} at a time")
    for finished in _chains(chains, jobs):
        recorder.record(finished)
        if progress:
            progress(f"mini {profile.name}: {finished[0]['name']} and its {len(finished) - 1} branch(es) done "
                     f"({time.monotonic() - start:.0f} s so far)")
    wall_s = time.monotonic() - start
    recorder.finish(wall_s, skipped, jobs, started_at)
    table = pd.read_csv(outputs.heldout_loss) if outputs.heldout_loss.is_file() else pd.DataFrame()
    return WsdResult(profile.name, outputs.heldout_loss, table, recorder.count, skipped, wall_s)


def _plan_chains(profile: WsdProfile, work: Path, run_out: Path, done: set[str]) -> tuple[list[_Chain], int]:
    """The (size, seed) chains with branches still to do (longest first), and the branches done."""
    heldout = tasks.write_heldout(work / "tasks", profile.base_profile.heldout_pairs)
    chains, skipped = [], 0
    for model in profile.models:
        for seed in profile.seeds:
            todo = tuple(b for b in profile.budgets if branch_name(profile, model, b, seed) not in done)
            skipped += len(profile.budgets) - len(todo)
            if todo:
                chains.append(_Chain(profile, model, seed, write_order_file(profile, model, seed, work), run_out,
                                     todo, heldout))
    chains.sort(key=lambda c: -profile.epoch_samples(c.model) * (models.gmacs_per_sample(c.model) + 2e-3))
    return chains, skipped


class _Recorder:
    """Writes each finished chain's branch losses, loss curves and provenance as they come in."""

    def __init__(self, profile: WsdProfile, outputs: MiniOutputs, run_out: Path, source: dict):
        self.profile, self.outputs, self.run_out, self.source = profile, outputs, run_out, source
        self.table = pd.read_csv(outputs.heldout_loss) if outputs.heldout_loss.is_file() else None
        self.provenance = json.loads(outputs.provenance.read_text()) if outputs.provenance.is_file() else {}
        self.provenance.setdefault("runs", {})
        self.count = 0

    def names(self) -> set[str]:
        return set() if self.table is None else set(self.table["name"])

    def record(self, finished: list[dict]) -> None:
        rows, curves = [], []
        for run in finished:
            entry = {"run_dir": Path(os.path.relpath(run["run_dir"], self.run_out)).as_posix(),
                     "train_s": round(run["train_s"], 1), "code_version": self.source["code_version"]}
            if run["train_s"] > 1:
                entry["train_samples_per_s"] = round(run["samples"] / run["train_s"], 1)
            self.provenance["runs"][run["name"]] = {**self.provenance["runs"].get(run["name"], {}), **entry}
            curves.append(study.loss_curve(Path(run["log_file"])).assign(name=run["name"], arch=run["model"],
                                                                        seed=run["seed"], kind=run["kind"]))
            if run["kind"] == "branch":
                rows.append(self._row(run))
        self.count += len(rows)
        if rows:
            fresh = pd.DataFrame(rows)
            self.table = fresh if self.table is None else pd.concat(
                [self.table[~self.table["name"].isin(set(fresh["name"]))], fresh], ignore_index=True)
            write_atomic(self.table.sort_values(["budget_gmacs", "gmacs", "seed"]), self.outputs.heldout_loss)
        fresh = pd.concat(curves, ignore_index=True)
        if self.outputs.loss_curves.is_file():
            old = pd.read_csv(self.outputs.loss_curves)
            fresh = pd.concat([old[~old["name"].isin(set(fresh["name"]))], fresh], ignore_index=True)
        fresh.to_csv(self.outputs.loss_curves, index=False)

    def _row(self, run: dict) -> dict:
        gmacs = models.gmacs_per_sample(run["model"])
        return {"name": run["name"], "arch": run["model"], "params": models.parameters(run["model"]), "gmacs": gmacs,
                "samples_seen": run["samples"], "gmacs_total": gmacs * run["samples"], "budget_gmacs": run["budget"],
                "decay_samples": run["decay_samples"], "upstream_dataset": datasets.dataset_name(self.profile.n_pairs),
                "seed": run["seed"], "schedule": "wsd", "contrastive_loss": run["contrastive_loss"]}

    def finish(self, wall_s: float, skipped: int, jobs: int, started_at: str) -> None:
        profile, base = self.profile, self.profile.base_profile
        self.provenance.update(
            profile=asdict(profile), base_profile=asdict(base), **self.source, versions=study._versions(),
            machine=platform.platform(), train_seed=datasets.TRAIN_SEED + base.seed,
            epoch_samples={m: profile.epoch_samples(m) for m in profile.models},
            epochs={f"{b:g}": list(profile.epochs(b)) for b in profile.budgets},
            warmup_steps={m: profile.warmup_steps(m) for m in profile.models},
            gmacs_per_sample={m: models.gmacs_per_sample(m) for m in profile.models})
        if self.count:
            self.provenance.setdefault("first_results_at", started_at)
            self.provenance["last_call"] = {"wall_s": round(wall_s, 1), "branches": self.count, "skipped": skipped,
                                            "jobs": jobs}
        self.outputs.provenance.write_text(json.dumps(self.provenance, indent=2, sort_keys=True) + "\n")
