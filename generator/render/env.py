"""The one Jinja environment: strict about missing names, explicit about escaping.

Markdown templates are not autoescaped (Markdown is not HTML), so values that land in
Markdown go through ``cell`` / ``code`` filters, and the Markdown-to-HTML step escapes any
raw HTML. HTML templates are autoescaped.

Compiled templates are kept between runs in the cache folder (``TemplateCache``): compiling
the templates costs about half a second per run, loading their cached code milliseconds.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import math
import os
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
import jinja2.bccache
import yaml

from generator.files import replace_atomically
from generator.model.vocabulary import Side, Tier
from generator.paths import cache_dir, templates_dir
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


TEMPLATE_CACHE_DIR = "jinja"
"""The cache folder's subfolder for compiled templates."""


class TemplateCache(jinja2.FileSystemBytecodeCache):
    """Jinja's bytecode cache on disk, made safe to share and to lack.

    - Keyed by what the compiled code depends on: each file is named by the template's name
      and path and by ``compile_fingerprint`` (Jinja and Python versions, the environment's
      settings), and Jinja checks a digest of the template's source before using it, so an
      edited template, another checkout or another environment never gets stale code.
    - Written atomically (a temporary file renamed over the target), so concurrent runs read a
      whole file or none; the last writer wins, and every writer wrote the same code.
    - Optional: an absent, read-only or damaged folder or file means "compile", never an error.
    """

    def __init__(self, directory: Path, fingerprint: str) -> None:
        super().__init__(str(directory), "%s.cache")
        self.fingerprint = fingerprint

    def get_cache_key(self, name: str, filename: str | None = None) -> str:
        return hashlib.sha256(f"{self.fingerprint}\0{name}\0{filename}".encode()).hexdigest()[:40]

    def get_source_checksum(self, source: str) -> str:
        return hashlib.sha256(f"{self.fingerprint}\0{source}".encode()).hexdigest()

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:
            # Jinja already treats a missing file, a foreign header or a stale digest as a miss;
            # a folder that cannot be read or a file cut short inside its pickled digest raise
            # instead (OSError, EOFError, UnpicklingError, ...), and mean the same: compile.
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = io.BytesIO()
        bucket.write_bytecode(code)
        try:
            os.makedirs(self.directory, exist_ok=True)
            replace_atomically(Path(self._get_cache_filename(bucket)), code.getvalue())
        except OSError:
            pass  # an unwritable cache folder: this run compiled, and renders all the same


def compile_fingerprint(env: jinja2.Environment) -> str:
    """What a template's compiled code depends on besides its source: the Jinja version (the
    code calls its runtime), the Python bytecode format, and every setting the lexer or the
    compiler reads (delimiters, whitespace handling, autoescape, finalize, extensions, and the
    filter and test names, which the compiler checks)."""
    settings = (
        jinja2.__version__,
        importlib.util.MAGIC_NUMBER.hex(),
        sys.implementation.cache_tag,
        env.block_start_string,
        env.block_end_string,
        env.variable_start_string,
        env.variable_end_string,
        env.comment_start_string,
        env.comment_end_string,
        env.line_statement_prefix,
        env.line_comment_prefix,
        env.trim_blocks,
        env.lstrip_blocks,
        env.newline_sequence,
        env.keep_trailing_newline,
        env.optimized,
        env.is_async,
        _name(env.autoescape),
        _name(env.finalize),
        _name(env.code_generator_class),
        _name(env.context_class),
        sorted(env.extensions),
        sorted(env.filters),
        sorted(env.tests),
    )
    return hashlib.sha256(repr(settings).encode()).hexdigest()[:16]


def _name(value: Any) -> str:
    """A setting as stable text: functions and classes by their qualified name, else repr."""
    if callable(value) and hasattr(value, "__qualname__"):
        return f"{getattr(value, '__module__', '')}.{value.__qualname__}"
    return repr(value)


@lru_cache(maxsize=2)
def environment(html: bool) -> jinja2.Environment:
    """The environment, with compiled templates cached in the cache folder's ``jinja/``."""
    return make_environment(html, cache_dir() / TEMPLATE_CACHE_DIR)


def make_environment(html: bool, template_cache: Path | None) -> jinja2.Environment:
    """A new environment; ``template_cache`` is the folder for compiled templates (None: none)."""
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
    if template_cache is not None:
        # Set last: the fingerprint covers the filters and tests registered above.
        env.bytecode_cache = TemplateCache(template_cache, compile_fingerprint(env))
    return env


def render(template: str, html: bool = False, **context: Any) -> str:
    return environment(html).get_template(template).render(**context)
