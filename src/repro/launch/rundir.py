"""One directory per run: its spec, the exact command, open_clip_train's logs and checkpoints, a status.

Layout of ``<out>/<spec.run_dir_name>/`` (open_clip_train writes the files marked *, because the
launcher passes ``--logs <out> --name <run_dir_name>``)::

    spec.yaml             the spec, all fields, with derived totals as comments
    command.sh            the exact command of the last launch (values shlex-quoted)
    status.json           state, executor, pid or job id, return code, samples/s
    stdout.log            the process's stdout and stderr (local and torchrun executors)
    model/open_clip_config.json   only for a spec whose model is a JSON config (``local-dir:``)
    out.log *             open_clip_train's log (throughput is read from it)
    params.txt *          every parsed open_clip_train argument
    checkpoints/epoch_N.pt *

A run is *finished* when its last checkpoint ``epoch_<epochs>.pt`` exists (open_clip_train
always saves the last epoch), *partial* when it has started but is not finished (a relaunch
resumes it with ``--resume latest``), and *new* otherwise.
"""

from __future__ import annotations

import json
import shlex
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from repro.errors import SpecError
from repro.launch.spec import RunSpec, dump_spec

RunState = Literal["new", "partial", "finished"]


@dataclass(frozen=True)
class RunDir:
    """The folder of one run under an output folder."""

    out_dir: Path   # --logs: the folder holding every run directory
    spec: RunSpec

    @classmethod
    def for_spec(cls, spec: RunSpec, out_dir: str | Path) -> RunDir:
        return cls(Path(out_dir).resolve(), spec)

    @property
    def name(self) -> str:
        return self.spec.run_dir_name

    @property
    def path(self) -> Path:
        return self.out_dir / self.name

    @property
    def spec_file(self) -> Path:
        return self.path / "spec.yaml"

    @property
    def status_file(self) -> Path:
        return self.path / "status.json"

    @property
    def command_file(self) -> Path:
        return self.path / "command.sh"

    @property
    def stdout_file(self) -> Path:
        return self.path / "stdout.log"

    @property
    def log_file(self) -> Path:
        """open_clip_train's ``out.log``."""
        return self.path / "out.log"

    @property
    def checkpoints_dir(self) -> Path:
        return self.path / "checkpoints"

    @property
    def final_checkpoint(self) -> Path:
        return self.checkpoints_dir / f"epoch_{self.spec.epochs}.pt"

    def checkpoints(self) -> list[Path]:
        """Epoch checkpoints, oldest first."""
        found = self.checkpoints_dir.glob("epoch_*.pt")
        return sorted((p for p in found if p.stem.removeprefix("epoch_").isdigit()),
                      key=lambda p: int(p.stem.removeprefix("epoch_")))

    def state(self) -> RunState:
        """``finished``, ``partial`` (started, resumable) or ``new``."""
        if self.final_checkpoint.exists():
            return "finished"
        if self.log_file.exists() or self.checkpoints():
            return "partial"
        return "new"

    def prepare(self) -> None:
        """Create the folder, write ``spec.yaml`` and, for a JSON-config model, ``model/``."""
        self.path.mkdir(parents=True, exist_ok=True)
        self.spec_file.write_text(dump_spec(self.spec))
        config_file = self.spec.model_config_file
        if config_file is not None:
            try:
                model_cfg = json.loads(config_file.read_text())
            except (OSError, ValueError) as err:
                raise SpecError(f"run '{self.spec.name}': model config {config_file} cannot be read: {err}") from err
            # open_clip's local-dir: scheme wants {"model_cfg": ...} in open_clip_config.json
            (self.path / "model").mkdir(exist_ok=True)
            (self.path / "model" / "open_clip_config.json").write_text(json.dumps({"model_cfg": model_cfg}, indent=2))

    def write_command(self, command: list[str], *, env: dict[str, str] | None = None) -> None:
        """Record the exact command (and extra environment) as a runnable shell script."""
        lines = ["#!/bin/bash", f"# run {self.spec.name}: {self.spec.samples_seen:,} samples seen", "set -euo pipefail"]
        lines += [f"export {k}={shlex.quote(v)}" for k, v in sorted((env or {}).items())]
        lines.append(shlex.join(command))
        self.command_file.write_text("\n".join(lines) + "\n")

    def read_status(self) -> dict[str, Any]:
        """The last status written, or ``{}``."""
        try:
            return json.loads(self.status_file.read_text())
        except FileNotFoundError:
            return {}

    def write_status(self, state: str, **fields: Any) -> None:
        """Replace ``status.json`` atomically (a reader never sees half a file)."""
        status = {"state": state, "updated": datetime.now(timezone.utc).isoformat(timespec="seconds"), **fields}
        tmp = self.status_file.with_name(f".{self.status_file.name}.{uuid.uuid4().hex}.tmp")
        tmp.write_text(json.dumps(status, indent=2) + "\n")
        tmp.replace(self.status_file)
