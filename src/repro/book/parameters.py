"""Parameters of a section, checked before a kernel starts: names (with the renamed ones still
accepted for one release) and types (from the default of the cell tagged ``parameters``)."""

from __future__ import annotations

import logging

import yaml

from repro.errors import UnknownSectionError

log = logging.getLogger(__name__)

#: Parameters renamed in this release, per section: {section: {old name: new name}}. The old name
#: still works, with a deprecation message, until the next release removes its entry here.
RENAMED_PARAMETERS: dict[str, dict[str, str]] = {
    "fig1": {"nbins": "n_bins"},
}

#: default's type -> the types a value may have (an int is a valid float; a bool is not an int)
_ACCEPTED = {bool: (bool,), int: (int,), float: (int, float), str: (str,), list: (list, tuple), tuple: (list, tuple),
             dict: (dict,)}


def parse_value(text: str, default: object = None) -> object:
    """A command-line value: read as YAML (``7`` -> int, ``[1, 2]`` -> list), except that a
    parameter whose default is text keeps the text as written (``-p target 2017`` stays ``"2017"``)."""
    if isinstance(default, str):
        return text
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def current_names(section: str, params: dict[str, object], known: dict[str, object]) -> dict[str, object]:
    """``params`` with renamed parameters under their new name (a deprecation message for each)."""
    renamed = RENAMED_PARAMETERS.get(section, {})
    result = {}
    for name, value in params.items():
        new = renamed.get(name)
        if new is not None and name not in known and new in known:
            if new in params:
                raise UnknownSectionError(f"section '{section}': both '{name}' (its old name) and '{new}' given")
            log.warning("repro: parameter '%s' of section '%s' is deprecated, renamed '%s'; the old name "
                        "will stop working in the next release", name, section, new)
            name = new
        result[name] = value
    return result


def check_types(section: str, params: dict[str, object], known: dict[str, object]) -> None:
    """Raise :class:`~repro.errors.UnknownSectionError` naming the expected type when a value does
    not have the type of its parameter's default (a ``None`` default accepts anything)."""
    wrong = []
    for name, value in params.items():
        default = known.get(name)
        accepted = _ACCEPTED.get(type(default))
        if default is None or accepted is None:
            continue
        if not isinstance(value, accepted) or (isinstance(value, bool) and bool not in accepted):
            wrong.append(f"'{name}' expects {type(default).__name__} (default {default!r}), "
                         f"got {type(value).__name__} {value!r}")
    if wrong:
        raise UnknownSectionError(f"section '{section}': parameter " + "; ".join(wrong))
