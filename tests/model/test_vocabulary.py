"""The vocabulary's members are their strings everywhere a finding is written or sorted."""

from __future__ import annotations

import json

from generator.config import FIX_TIERS, AnalysisConfig
from generator.model.serialize import dumps
from generator.model.vocabulary import ParamKind, Severity, Shape, Side, TestName, Tier, WarningCode
from generator.render.yaml_text import safe_dump

ENUMS = (Tier, Severity, Side, ParamKind, Shape, TestName, WarningCode)


def test_every_member_writes_as_its_plain_string_in_json_yaml_and_findings() -> None:
    for enum in ENUMS:
        members = list(enum)
        values = [m.value for m in members]
        assert json.dumps(members) == json.dumps(values)
        # PyYAML's safe dumper refuses str subclasses; rendering's own dumper writes them as strings.
        assert safe_dump(members) == safe_dump(values)
        assert safe_dump({"k": members[0]}, default_flow_style=True) == safe_dump(
            {"k": values[0]}, default_flow_style=True
        )
        assert dumps({"values": members, "by": {members[0]: 1}}) == dumps({"values": values, "by": {values[0]: 1}})
        assert [f"{m}" for m in members] == values and [str(m) for m in members] == values


def test_members_sort_and_compare_as_their_strings() -> None:
    mixed = [WarningCode.UNDER_TRAINED, "boundary_hit", WarningCode.MANY_PRUNED, "level_never_elite"]
    assert [str(x) for x in sorted(mixed)] == sorted(str(x) for x in mixed)
    assert Tier.NOT_ENOUGH_EVIDENCE == "not enough evidence" and hash(Side.LOW) == hash("low")
    assert {"strong": 1}[Tier.STRONG] == 1


def test_config_digest_is_unchanged_by_the_tier_members() -> None:
    """FIX_TIERS holds Tier members; the config (and so every version's identity) is unchanged."""
    assert FIX_TIERS == ("strong", "suggestive")
    for tier in FIX_TIERS:
        assert AnalysisConfig(refine_fix_tier=tier).digest() == AnalysisConfig(refine_fix_tier=tier.value).digest()
    assert json.loads(AnalysisConfig(refine_fix_tier=Tier.SUGGESTIVE).to_json())["refine_fix_tier"] == "suggestive"
