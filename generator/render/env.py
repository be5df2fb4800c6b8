"""The one Jinja environment: strict about missing names, explicit about escaping.

Markdown templates are not autoescaped (Markdown is not HTML), so values that land in
Markdown go through ``cell`` / ``code`` filters, and the Markdown-to-HTML step escapes any
raw HTML. HTML templates are autoescaped.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from typing import Any

import jinja2
import yaml

from generator.model.vocabulary import Side, Tier
from generator.paths import templates_dir
from generator.render.multi import demote
from generator.render.yaml_text import safe_dump


def fmt_num(value: Any, digits: int = 4) -> str:
    """Numbers with ``digits`` significant digits; integers exactly; never an empty string."""
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    number = float(value)
    if math.isnan(number):
        return "n/a"
    if math.isinf(number):
        return "+inf" if number > 0 else "-inf"
    if number == 0:
        return "0"
    text = f"{number:.{digits}g}"
    return text.replace("e+0", "e+").replace("e-0", "e-")


def fmt_p(value: Any) -> str:
    if value is None:
        return "n/a"
    return "<0.0001" if float(value) < 1e-4 else f"{float(value):.4f}"


def fmt_duration(seconds: Any) -> str:
    if seconds is None:
        return "n/a"
    total = float(seconds)
    if total < 60:
        return f"{total:.1f} s"
    minutes, secs = divmod(int(round(total)), 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        return f"{days} d {hours} h {minutes:02d} min"
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min {secs:02d} s"


def fmt_value(value: Any) -> str:
    """A parameter value as the user wrote it (JSON-ish: strings bare unless empty or space-padded, None as null)."""
    if value is None:
        return "null"
    if isinstance(value, float | int) and not isinstance(value, bool):
        return fmt_num(value, 6)
    if isinstance(value, str) and (value == "" or value.strip() != value):
        # An empty or space-padded string would vanish or lose its spaces on the page.
        return json.dumps(value, ensure_ascii=False)
    return str(value).lower() if isinstance(value, bool) else str(value)


def md_cell(value: Any) -> str:
    """Text safe inside a Markdown table cell: no pipes, no line breaks, never empty."""
    text = " ".join(str(value).split()).replace("\\", "\\\\").replace("|", "\\|")
    for char in "*_[]<>`":
        text = text.replace(char, "\\" + char)
    return text or "(empty)"


def md_code(value: Any) -> str:
    """Inline code that survives backticks and pipes in the value."""
    text = " ".join(str(value).split()).replace("|", "\\|")
    longest = 0
    run = 0
    for char in text:
        run = run + 1 if char == "`" else 0
        longest = max(longest, run)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text or ' '}{pad}{fence}"


_ASCII_PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


def md_text(value: Any) -> str:
    """Plain text safe anywhere in Markdown (headings, link text, table cells, YAML titles).

    Every ASCII punctuation character is backslash-escaped, which CommonMark and Pandoc both
    read as the literal character; so no name can open a link, emphasis, raw HTML, a table
    cell or a Quarto shortcode (``{{<``). Whitespace runs become one space.
    """
    text = " ".join(str(value).split())
    return "".join("\\" + char if char in _ASCII_PUNCTUATION else char for char in text) or "(empty)"


def config_value(value: Any) -> str:
    """A config value as YAML would show it on one line (lists and maps in flow style)."""
    if isinstance(value, list | tuple | dict):
        return safe_dump(value, default_flow_style=True, sort_keys=True, allow_unicode=True, width=10**6).strip()
    return fmt_value(value)


def signed(value: Any, digits: int = 4) -> str:
    """A number with an explicit sign (+0.12, -3), for changes."""
    text = fmt_num(value, digits)
    return text if text.startswith(("-", "+", "n/a")) or text == "0" else "+" + text


@lru_cache(maxsize=1)
def messages() -> dict[str, Any]:
    with (templates_dir() / "messages.yaml").open(encoding="utf-8") as handle:
        return dict(yaml.safe_load(handle))


QUOTED_VALUES = ("level", "value")
"""Message values that are a parameter's own value: strings among them are quoted, so an empty
or blank level reads ``Level "" was used``, never ``Level  was used``."""


def quoted_value(value: Any) -> str:
    """A parameter value in a sentence: strings in double quotes (JSON escapes), the rest as ``fmt_value``."""
    return json.dumps(value, ensure_ascii=False) if isinstance(value, str) else fmt_value(value)


def message_for(code: str, values: dict[str, Any]) -> str:
    # Floats to significant digits; booleans and null as the user wrote them (true, null);
    # parameter values quoted when they are strings.
    formatted = {
        k: quoted_value(v)
        if k in QUOTED_VALUES
        else fmt_num(v)
        if isinstance(v, float)
        else fmt_value(v)
        if isinstance(v, bool) or v is None
        else v
        for k, v in values.items()
    }
    message = messages()[code]
    if isinstance(message, dict):  # one sentence per measured reason (values["reason"])
        message = message[values["reason"]]
    return str(message).format(**formatted)


VOCABULARY_TESTS = {
    "strong": lambda tier: tier == Tier.STRONG,
    "suggestive": lambda tier: tier == Tier.SUGGESTIVE,
    "firm": lambda tier: tier in (Tier.STRONG, Tier.SUGGESTIVE),
    "low_side": lambda side: side == Side.LOW,
}
"""Jinja tests naming the vocabulary (``tier is strong``, ``side is low_side``), so templates
that word a tier or a side never spell its string; the enums stay the one definition."""


@lru_cache(maxsize=2)
def environment(html: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        undefined=jinja2.StrictUndefined,
        autoescape=html,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        num=fmt_num,
        pvalue=fmt_p,
        duration=fmt_duration,
        value=fmt_value,
        cell=md_cell,
        code=md_code,
        text=md_text,
        config_value=config_value,
        signed=signed,
    )
    env.filters["demote"] = demote
    env.tests.update(VOCABULARY_TESTS)
    env.globals["message_for"] = message_for
    return env


def render(template: str, html: bool = False, **context: Any) -> str:
    return environment(html).get_template(template).render(**context)
