"""environment.yml is a thin conda env over the lock, which is resolved from pyproject.toml: the three must agree."""

import tomllib

import yaml

from conftest import REPO


def test_environment_installs_the_lock():
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    deps = env["dependencies"]
    python = [d for d in deps if isinstance(d, str) and d.startswith("python")]
    assert python == ["python=3.11"] and project["requires-python"] == ">=3.11,<3.12"
    pip = [d for d in deps if isinstance(d, dict)][0]["pip"]
    assert pip == ["-r requirements.lock.txt"], "every package comes from the lock, none is listed twice"
    assert (REPO / "requirements.lock.txt").is_file()
    extras = project["optional-dependencies"]
    assert set(extras["all"][0].split("[")[1].rstrip("]").split(",")) == set(extras) - {"all"}


def test_torch_is_pinned_to_the_offline_wheels():
    train = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]["train"]
    assert "torch==2.14.1" in train and "torchvision==0.29.1" in train
