"""The conventions of a paper book: the citation file, the workflow that publishes the site, the
launch buttons and the environment Binder builds from."""

import json
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import jsonschema
import yaml

from conftest import REPO
from repro.book.sphinx_ext import _published_repository

BIN = Path(sys.executable).parent


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(BIN)) or shutil.which(name)
    assert found, f"{name} is not installed: pip install -e '.[test]'"
    return found


#: the Citation File Format 1.2.0 schema, vendored (tests/data/cff/README.md): no network at test time
CFF_SCHEMA = REPO / "tests" / "data" / "cff" / "schema-1.2.0.json"


class _CffLoader(yaml.SafeLoader):
    """YAML as CFF reads it: dates stay strings (the schema checks their pattern), numbers are numbers."""


_CffLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def citation_problems(path: Path) -> list[str]:
    """Every way ``path`` breaks the CFF 1.2.0 schema (empty when it is valid)."""
    validator = jsonschema.Draft7Validator(json.loads(CFF_SCHEMA.read_text()),
                                          format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    citation = yaml.load(path.read_text(), Loader=_CffLoader)
    return [f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}" for e in validator.iter_errors(citation)]


def test_citation_file_is_valid_and_cites_the_paper():
    assert citation_problems(REPO / "CITATION.cff") == []
    citation = yaml.safe_load((REPO / "CITATION.cff").read_text())
    paper = citation["preferred-citation"]
    assert paper["title"] == "Reproducible scaling laws for contrastive language-image learning"
    assert paper["year"] == 2023 and paper["authors"][0]["family-names"] == "Cherti"


def test_citation_validator_rejects_a_broken_file(tmp_path):
    text = (REPO / "CITATION.cff").read_text()
    for broken_text, expected in ((text.replace("cff-version: 1.2.0", "cff-version: 1.2.0\nyear: x"), "year"),
                                  (text.replace("family-names: Cherti", "family-name: Cherti"), "family-name"),
                                  (text.replace("type: software", "type: sofware", 1), "type")):
        broken = tmp_path / "CITATION.cff"
        broken.write_text(broken_text)
        problems = citation_problems(broken)
        assert problems and any(expected in p for p in problems), problems


def test_workflow_passes_actionlint_and_publishes_the_strict_build():
    workflows = sorted((REPO / ".github" / "workflows").glob("*.yml"))
    assert workflows
    done = subprocess.run([_tool("actionlint"), *map(str, workflows)], capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 0, done.stdout + done.stderr
    text = (REPO / ".github" / "workflows" / "book.yml").read_text()
    assert "--require-hashes -r requirements.lock.txt" in text and "repro build --profile paper --strict" in text
    assert "actions/deploy-pages" in text and "book/_build/html" in text


def test_actionlint_catches_a_broken_workflow(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ nope.x }}\n")
    assert subprocess.run([_tool("actionlint"), str(broken)], capture_output=True).returncode != 0


def test_launch_buttons_and_the_binder_environment():
    config = yaml.safe_load((REPO / "book" / "_config.yml").read_text())
    assert config["launch_buttons"]["binderhub_url"] == "https://mybinder.org"
    assert config["repository"]["path_to_book"] == "book" and config["repository"]["url"].startswith("https://github.com/")
    binder = REPO / "binder"
    assert (binder / "runtime.txt").read_text().strip() == "python-3.11"
    post_build = (binder / "postBuild").read_text()
    assert "--require-hashes -r requirements.lock.txt" in post_build and "repro build --execute-only" in post_build
    assert (binder / "postBuild").stat().st_mode & 0o111, "postBuild must be executable"


def test_published_site_launches_the_repository_it_is_built_from(monkeypatch):
    config = SimpleNamespace(html_theme_options={"repository_url": "https://github.com/repro-authors/repro"})
    monkeypatch.delenv("GITHUB_REPOSITORY", raising=False)
    _published_repository(config)
    assert config.html_theme_options["repository_url"] == "https://github.com/repro-authors/repro"
    monkeypatch.setenv("GITHUB_REPOSITORY", "someone/clip-scaling")
    _published_repository(config)
    assert config.html_theme_options["repository_url"] == "https://github.com/someone/clip-scaling"
