"""The published-data registry: every file the paper's authors released that this project reads,
pinned by upstream commit and sha256 (../shared/paper-data/MANIFEST.md).

Declared the pooch way: one ``pooch.create`` at module level, no disk access at
import. Two ways to get a file:

* ``REPRO_DATA_DIR`` names an existing local copy laid out like the registry keys
  (``scaling-laws-openclip/zeroshot_results.csv`` ...). Nothing is downloaded; every file is
  checked against its sha256. Tests and CI point it at ``../shared/paper-data``.
* Otherwise the file is downloaded on first use from its pinned upstream address into a cache
  folder (``REPRO_CACHE_DIR``, default the OS cache ``~/.cache/repro``) and checked likewise.
"""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

import pooch

from repro.errors import ChecksumError, DataNotFoundError

log = logging.getLogger(__name__)

DATA_DIR_ENV = "REPRO_DATA_DIR"
CACHE_DIR_ENV = "REPRO_CACHE_DIR"

_SCALING_LAWS = ("LAION-AI/scaling-laws-openclip", "652b1e7471f7ccf372277f67cb680de5c9fa139d")
_CLIP_BENCHMARK = ("LAION-AI/CLIP_benchmark", "48de38c1689fa6d8b4dd53e3370c669c3bb18117")
_OPEN_CLIP = ("mlfoundations/open_clip", "29b90b8dde9125c479c0ddbab477310f665a0435")

#: registry key -> (upstream repository, commit, path upstream, sha256)
FILES: dict[str, tuple[str, str, str, str]] = {
    "scaling-laws-openclip/zeroshot_results.csv": (
        *_SCALING_LAWS, "zeroshot_results.csv",
        "a04786cfcde5d47436c8ddbca0f0bdbb39cc584c0d0776b4f99145ae430a6568"),
    "scaling-laws-openclip/trained_models_info.csv": (
        *_SCALING_LAWS, "trained_models_info.csv",
        "6b084d4895ed83c0dc38a8f166b6164e1a70d0bcc42c75e2aae51a86bf9f678d"),
    "scaling-laws-openclip/arch_info.csv": (
        *_SCALING_LAWS, "arch_info.csv",
        "44189a6d88685eb70a632fcf0db20e9944e7277d58c0a2d343ee9d9d6d5bcc08"),
    "scaling-laws-openclip/imagenet_zeroshot_learning_curves.csv": (
        *_SCALING_LAWS, "imagenet_zeroshot_learning_curves.csv",
        "1ac37cafcf49b7d15c14e1f6d351bcc6d0933ffa357dda4038c43129ba9c86db"),
    "clip-benchmark-probe/scaling_experiment_data2.json": (
        *_CLIP_BENCHMARK, "probe_benchmark/scaling_experiment_data2.json",
        "b4e7740c39cf09945f9a7c7968c752d489f6b25b1b3688c2a32ceece0c0e10b9"),
    "clip-benchmark-probe/scaling_experiment_data_vtab.json": (
        *_CLIP_BENCHMARK, "probe_benchmark/scaling_experiment_data_vtab.json",
        "dc2552b8185acce5ede880818114bb479553a2fdfe845a71662981178a0bd9e9"),
    "clip-benchmark-probe/openclip_results.csv": (
        *_CLIP_BENCHMARK, "probe_benchmark/openclip_results.csv",
        "f7f0fa01d7a4857f3b352fc8e1313fa63031089de92b7cdb65425677d46016f6"),
    # open_clip's published benchmark of its pretrained models (the models trained since the paper)
    "open-clip/openclip_results.csv": (
        *_OPEN_CLIP, "docs/openclip_results.csv",
        "6b3f9313e2e24691b31ab69b534b2553165be1a975dd149ee9b4a7facb384d21"),
    "open-clip/openclip_retrieval_results.csv": (
        *_OPEN_CLIP, "docs/openclip_retrieval_results.csv",
        "8510a387b20b1d0aba44143afeab737a5d0bdfbb8762bd6c5a24ca220bd3bbd1"),
    "open-clip/model_profile.csv": (
        *_OPEN_CLIP, "docs/model_profile.csv",
        "6f0975464d02d31a4c7cfca79a100c47c0d01cf47222f4fa5b9bec5609677285"),
    # open_clip's own notes on how its pretrained checkpoints were trained (same commit)
    "open-clip/PRETRAINED.md": (
        *_OPEN_CLIP, "docs/PRETRAINED.md",
        "0763e8aa2720ca98602007e76ef52511c5311cdb5b278098efbc8b4dc7386d7d"),
    "open-clip/datacomp_models.md": (
        *_OPEN_CLIP, "docs/datacomp_models.md",
        "5cbac3bf2ba05d4afdda1cff5ff35caef2190a8962cabbc1baeeaea7436148be"),
}


def _entry(key: str) -> tuple[str, str, str, str]:
    try:
        return FILES[key]
    except KeyError:
        known = ", ".join(sorted(FILES))
        raise DataNotFoundError(f"'{key}' is not in the published-data registry; known files: {known}") from None


def upstream_url(key: str) -> str:
    """The pinned raw address of a registry file (upstream repository at its pinned commit).

    Parameters
    ----------
    key : str
        A registry key of :data:`FILES` (``scaling-laws-openclip/zeroshot_results.csv``, ...).
    """
    repository, commit, path, _ = _entry(key)
    return f"https://raw.githubusercontent.com/{repository}/{commit}/{path}"


# Declared once, at import, without touching the disk (pooch.create does no I/O).
REGISTRY = pooch.create(
    path=pooch.os_cache("repro"),
    base_url="",
    env=CACHE_DIR_ENV,
    registry={key: f"sha256:{sha}" for key, (*_, sha) in FILES.items()},
    urls={key: upstream_url(key) for key in FILES},
)


def sha256_of(path: Path) -> str:
    """The sha256 of a file, read in blocks of 1 MiB (hex digest).

    Parameters
    ----------
    path : Path
        The file.
    """
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(path: Path, key: str) -> Path:
    """Check ``path`` against the sha256 pinned for ``key``; raise :class:`ChecksumError` if not.

    Parameters
    ----------
    path : Path
        The local file.
    key : str
        Its registry key of :data:`FILES`.
    """
    expected = _entry(key)[3]
    actual = sha256_of(path)
    if actual != expected:
        repository, commit, upstream_path, _ = FILES[key]
        raise ChecksumError(
            f"{path}: sha256 mismatch for '{key}'.\n"
            f"  expected {expected} (upstream {repository}@{commit[:12]}:{upstream_path})\n"
            f"  got      {actual}\n"
            "The file is corrupted or was changed after download; it was not used. "
            f"Replace it with the upstream file ({upstream_url(key)}), or delete it to download again."
        )
    return path


def data_dir() -> Path | None:
    """The local copy named by ``REPRO_DATA_DIR``, or None when the variable is unset or empty."""
    value = os.environ.get(DATA_DIR_ENV, "").strip()
    return Path(value).expanduser() if value else None


def fetch(key: str) -> Path:
    """Path of a verified local copy of the registry file ``key``.

    Parameters
    ----------
    key : str
        Registry key, e.g. ``"scaling-laws-openclip/zeroshot_results.csv"``.

    Returns
    -------
    Path
        A file whose sha256 equals the registry's pin.

    Raises
    ------
    ChecksumError
        The local copy or the download does not match its pinned sha256.
    DataNotFoundError
        ``REPRO_DATA_DIR`` is set but lacks the file, or the download failed (offline).
    """
    _entry(key)
    local = data_dir()
    if local is not None:
        path = local / key
        if not path.is_file():
            raise DataNotFoundError(
                f"{path}: missing. {DATA_DIR_ENV}={local} is used as the local copy of the published "
                f"data, and it has no '{key}'. Put the upstream file there ({upstream_url(key)}), "
                f"or unset {DATA_DIR_ENV} to download it into the cache."
            )
        return verify(path, key)
    try:
        return Path(REGISTRY.fetch(key))
    except ValueError as err:  # pooch: hash mismatch of the download (it deletes the file)
        raise ChecksumError(f"download of '{key}' from {upstream_url(key)} failed its sha256 check: {err}") from err
    except Exception as err:  # network errors come in many types (requests, urllib3, OSError)
        raise DataNotFoundError(
            f"cannot fetch '{key}' from {upstream_url(key)} ({type(err).__name__}: {err}).\n"
            f"Offline? Put a copy of the published data in a folder laid out as "
            f"'<folder>/{key}' and set {DATA_DIR_ENV}=<folder> (for this project's CI: ../shared/paper-data), "
            f"or download the file into {REGISTRY.abspath / key}."
        ) from err
