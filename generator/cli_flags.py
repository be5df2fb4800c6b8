"""The config fields' metadata as argparse flags, and back: the reproduce command.

Both directions read the same metadata (``generator/config.py``), so the command written into
every report is the exact inverse of the parser: a new setting needs no code here. Kept apart
from ``cli.py`` because ``pipeline.py`` writes the reproduce command and ``cli.py`` imports the
pipeline; this module imports only the config.
"""

from __future__ import annotations

import argparse
import dataclasses
import shlex
import types
import typing
from typing import Any, TypeVar

from generator.config import AnalysisConfig, SiteConfig, flag_name

Config = TypeVar("Config", AnalysisConfig, SiteConfig)


def add_config_flags(parser: argparse._ActionsContainer, cls: type[AnalysisConfig] | type[SiteConfig]) -> None:
    """One flag per field of ``cls``, its help, choices and default all from the field's metadata."""
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        meta, name = f.metadata, flag_name(f)
        style = meta["style"]
        if style == "negate":
            parser.add_argument(name, dest=f.name, action="store_false", help=meta["help"])
        elif style == "switch":
            parser.add_argument(name, dest=f.name, action="store_true", help=meta["help"])
        elif style == "list":
            parser.add_argument(
                name,
                dest=f.name,
                type=_comma_list,
                default=f.default,
                metavar=meta["metavar"],
                help=_help(meta),
            )
        else:
            parser.add_argument(
                name,
                dest=f.name,
                type=_scalar(hints[f.name]),
                default=f.default,
                metavar=meta["metavar"],
                help=_help(meta),
            )


def _help(meta: typing.Mapping[str, Any]) -> str:
    # Choices are listed, not handed to argparse: a wrong one is then reported by the config's
    # own check, in the same one line as every other bad value, not as an argparse usage error.
    choices = ", ".join(meta["choices"])
    text = meta["help"] + (", comma-separated" if meta["style"] == "list" else "") + (f": {choices}" if choices else "")
    default = meta["default_text"] or "%(default)s"
    return f"{text} (default: {default})"


def _scalar(hint: Any) -> Any:
    """The type a value flag converts to: the field's type, without the None of an optional field."""
    if isinstance(hint, types.UnionType):
        (hint,) = [t for t in typing.get_args(hint) if t is not type(None)]
    return hint


def _comma_list(text: str) -> tuple[str, ...]:
    """``png, SVG,png`` -> ("png", "svg"): trimmed, lower-cased, each once; the config checks the names."""
    return tuple(dict.fromkeys(item.strip().lower() for item in text.split(",") if item.strip()))


def config_from_args(cls: type[Config], args: argparse.Namespace) -> Config:
    """The parsed flags as a config; its ``__post_init__`` raises the UserError for a bad value."""
    return cls(**{f.name: getattr(args, f.name) for f in dataclasses.fields(cls)})


def config_argv(config: AnalysisConfig | SiteConfig) -> list[str]:
    """The flags that turn the defaults into ``config``: every field that differs, in field order."""
    defaults = type(config)()
    argv: list[str] = []
    for f in dataclasses.fields(config):
        value = getattr(config, f.name)
        if value == getattr(defaults, f.name):
            continue
        style = f.metadata["style"]
        if style in ("negate", "switch"):
            argv.append(flag_name(f))  # a switch only flips its default, and the value differs from it
        elif style == "list":
            argv += [flag_name(f), ",".join(value)]
        else:
            argv += [flag_name(f), str(value)]
    return argv


def reproduce_command(study: str, storage_display: str, config: AnalysisConfig) -> str:
    """The command line that regenerates this report (secrets never included): every analysis
    setting that differs from its default. The site settings change no finding, so none is written."""
    return shlex.join(["generate-report", "--study", study, "--storage", storage_display, *config_argv(config)])
