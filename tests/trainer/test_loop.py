"""The loop's committed links (``make loop``): the example study's generated aggressive config
is the config the refined example sweep ran, so a comparison can set the gain the old report
predicted for that config against the gain the new sweep realised. Reads committed files only:
no training here (``make loop`` itself reruns the sweep)."""

from __future__ import annotations

import json
import re

import yaml

from generator.storage import list_studies, locate, read_study
from generator.sweep_config import load_sweep_config, parse_sweep_config
from tests.conftest import REPO

OLD_STUDY = "visual_classifier_cnn_vs_context_cpu_v1"
OLD_STORAGE = REPO / "examples" / "visual_classifier_cpu_sweep.db"
NEW_STORAGE = REPO / "examples" / "visual_classifier_cpu_sweep_refined.db"
NEW_STUDY = f"{OLD_STUDY}_refined_aggressive"


def user_attrs(record) -> dict:
    frame = record.study_attrs[record.study_attrs["kind"] == "user"]
    return {key: json.loads(value) for key, value in zip(frame["key"], frame["value_json"], strict=True)}


def test_the_refined_example_sweep_ran_the_committed_aggressive_config() -> None:
    new = read_study(locate(str(NEW_STORAGE)), NEW_STUDY)
    attrs = user_attrs(new)
    # train-sweep recorded which file it ran, relative to the repository root (make's working directory).
    source = attrs["sweep_config_source"]
    assert re.fullmatch(
        rf"report/{OLD_STUDY}/\d{{4}}-\d{{8}}T\d{{6}}/artifacts/refined_search_space_aggressive\.yaml", source
    )
    path = REPO / source
    config = load_sweep_config(path)
    assert new.name == config.study_name == NEW_STUDY
    assert new.directions == (config.direction,) == ("maximize",)
    # The recorded config is the file's sweep space (study, budget, fixed values, ranges and
    # conditions), so the prediction made for this file is the one to compare with. The reasons
    # are annotations: a later generator may reword them without the sweep having to run again.
    assert parse_sweep_config(attrs["sweep_config"]) == config
    assert _without_reasons(attrs["sweep_config"]) == _without_reasons(yaml.safe_load(path.read_text()))
    # The whole recommended budget ran, each queued slot once, nothing left running or waiting.
    assert attrs["n_trials_budget"] == config.n_trials == len(new.trials)
    assert sorted(new.trials["number"]) == list(range(config.n_trials))
    assert set(new.trials["state"]) <= {"COMPLETE", "PRUNED"}
    assert (new.trials["state"] == "COMPLETE").sum() >= 10


def test_the_aggressive_config_names_the_old_study_in_the_old_storage() -> None:
    old_studies = dict(list_studies(locate(str(OLD_STORAGE))))
    assert OLD_STUDY in old_studies
    assert NEW_STUDY not in old_studies  # the new sweep went to its own file; the example's file is untouched
    source = user_attrs(read_study(locate(str(NEW_STORAGE)), NEW_STUDY))["sweep_config_source"]
    old = read_study(locate(str(OLD_STORAGE)), OLD_STUDY)
    config = load_sweep_config(REPO / source)
    assert config.direction == old.directions[0]
    # Carried over from the old study's recorded config: the new sweep trained like the old one.
    old_fixed = user_attrs(old)["sweep_config"]["fixed"]
    assert {k: config.fixed[k].value for k in old_fixed} == old_fixed


def _without_reasons(document: object) -> object:
    if isinstance(document, dict):
        return {k: _without_reasons(v) for k, v in document.items() if k != "reason"}
    if isinstance(document, list):
        return [_without_reasons(v) for v in document]
    return document
