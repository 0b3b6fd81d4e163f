"""The ``repro`` command: ``repro build``, ``repro run SECTION -p NAME VALUE``, ``repro sections``,
``repro train``, ``repro eval``, ``repro mini``.

Each subcommand lives with its package and exposes ``main(argv) -> int``; this module only
dispatches, importing the package on demand (torch is not imported to build the book). Every
subcommand parses its flags, then calls library functions with typed arguments, and ends the same
way: 0 on success; 1 after one line ``repro COMMAND: error: MESSAGE`` on stderr for a
:class:`repro.errors.ReproError` (or a failed run); 2 for a usage error (argparse).
"""

from __future__ import annotations

import importlib
import logging
import sys
from collections.abc import Sequence

#: subcommand -> (module with ``main(argv)``, one-line help)
COMMANDS = {
    "build": ("repro.book.cli", "execute stale notebooks with papermill, then build the book"),
    "run": ("repro.book.cli", "rerun one section with papermill parameters"),
    "sections": ("repro.book.cli", "list the book's sections and their parameters"),
    "report": ("repro.book.cli", "gather the reproduction report and print its summary"),
    "train": ("repro.launch.cli", "launch training runs from run specs (local, torchrun, slurm, submitit)"),
    "eval": ("repro.evaluate.cli", "evaluate checkpoints with CLIP_benchmark into the results schema"),
    "mini": ("repro.mini.cli", "run the miniature scaling study (train, evaluate, fit) on a CPU"),
}


def _usage() -> str:
    lines = ["usage: repro COMMAND [ARGS...]", "", "commands:"]
    lines += [f"  {name:<9} {help_}" for name, (_, help_) in COMMANDS.items()]
    lines += ["", "Run 'repro COMMAND --help' for the options of a command."]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("torch").setLevel(logging.WARNING)  # torch logs cache statistics at INFO on exit
    if not argv or argv[0] in ("-h", "--help"):
        print(_usage())
        return 0
    command, rest = argv[0], argv[1:]
    if command not in COMMANDS:
        print(f"repro: unknown command '{command}'\n\n{_usage()}", file=sys.stderr)
        return 2
    module = importlib.import_module(COMMANDS[command][0])
    return int(module.main([command, *rest]) or 0)


if __name__ == "__main__":
    sys.exit(main())
