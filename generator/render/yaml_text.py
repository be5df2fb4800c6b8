"""YAML text for the pages and the next-sweep configs: ``yaml.safe_dump`` that also writes the
vocabulary's members.

PyYAML's safe dumper accepts only exact ``str``, not its subclasses, so a ``StrEnum`` member
(``Tier.STRONG``) in a next-sweep config or a template's ``yaml`` filter would stop the report.
A dumper of our own writes each member as its plain string, without registering anything on
PyYAML's global ``SafeDumper`` (the model package stays free of YAML).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import yaml


class _ReportDumper(yaml.SafeDumper):
    pass


def _represent_member(dumper: yaml.SafeDumper, member: StrEnum) -> yaml.ScalarNode:
    return dumper.represent_str(member.value)


_ReportDumper.add_multi_representer(StrEnum, _represent_member)


def safe_dump(data: Any, **options: Any) -> str:
    """``yaml.safe_dump(data, **options)`` with vocabulary members written as strings."""
    text: str = yaml.dump(data, Dumper=_ReportDumper, **options)
    return text
