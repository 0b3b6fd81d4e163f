"""Published data (fetched, never committed), the results schema, the results registry that
evaluations merge into (:mod:`repro.data.results_registry`), and paper-reported numbers."""

from repro.data.loaders import (
    load_arch,
    load_learning_curves,
    load_linear_probe,
    load_linear_probe_vtab,
    load_models_info,
    load_openclip_benchmark,
    load_openclip_profile,
    load_openclip_results,
    load_results,
    read_openclip_benchmark,
    read_results,
)
from repro.data.registry import DATA_DIR_ENV, FILES, fetch, upstream_url, verify
from repro.data.reported import REPORTED, load_reported
from repro.data.sources import SOURCES, load_mini_results, load_source
from repro.data.schema import RESULTS_COLUMNS, error_of, model_id, validate_results

__all__ = [
    "DATA_DIR_ENV", "FILES", "REPORTED", "SOURCES", "load_mini_results", "load_source", "RESULTS_COLUMNS", "error_of", "fetch", "load_arch",
    "load_learning_curves", "load_linear_probe", "load_linear_probe_vtab", "load_models_info",
    "load_openclip_benchmark", "load_openclip_profile", "load_openclip_results", "read_openclip_benchmark", "load_reported", "load_results", "model_id", "read_results",
    "upstream_url", "validate_results", "verify",
]
