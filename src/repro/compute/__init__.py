"""Compute accounting: GMACs per sample and parameters counted from open_clip model definitions."""

from repro.compute.macs import (
    ARCH_DERIVED,
    ARCH_TOLERANCE,
    LN_POST_CONVENTIONS,
    TowerMacs,
    compare_with_arch,
    count_gmacs,
    load_model_config,
    worst_case,
)

__all__ = ["ARCH_DERIVED", "ARCH_TOLERANCE", "LN_POST_CONVENTIONS", "TowerMacs", "compare_with_arch", "count_gmacs", "load_model_config",
           "worst_case"]
