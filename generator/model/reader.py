"""JSON -> model: the exact inverse of ``serialize.py``, for findings.json, changes.json and
comparison.json.

One generic reader walks the dataclasses' own annotations, so a field added to the model is
read back without touching this file. What it does with each annotation:

- a dataclass: a JSON object with exactly its fields. A missing key takes the field's default
  (findings.json written before the field existed); a missing key without a default, or a key
  the dataclass does not have, is an error naming the key's path.
- ``tuple[X, ...]`` and ``list[X]``: a JSON array, each item read as ``X``; ``dict[str, X]``:
  an object, each value read as ``X``.
- an ``Enum`` subclass (the StrEnums of ``vocabulary.py``): built from its string.
- ``X | Y``: the first member the JSON value fits (an object fits a dataclass, a string an
  enum holding it, and so on), so ``float | Level`` and ``float | str | None`` read back.
- ``Any``: the JSON value as it is (arrays stay lists). Nothing records a class there, so a
  dataclass held in an ``Any`` value (a warning's or highlight's ``values``) reads back as the
  plain object it was written as.

The writer rounds floats to twelve significant digits and writes non-finite floats as null,
so a float field reads back as the rounded value, or as None where it held inf or nan: the
infinity's sign is not recorded and cannot be restored. An integer written into a float field
stays an integer (it is written the same way again). Writing what was read gives the same text
again: ``tests/round_trip.py`` checks it on every report the tests build.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import pkgutil
import sys
import types
import typing
from collections.abc import Callable
from enum import Enum
from functools import cache
from pathlib import Path
from typing import Any, TypeVar, Union

from generator.errors import UserError
from generator.model.findings import Findings

T = TypeVar("T")

RETIRED_KEYS: dict[str, frozenset[str]] = {
    "Findings": frozenset({"extra"}),
    "LearningCurves": frozenset({"trials"}),
}
"""Keys earlier versions of the writer wrote and the model no longer has: a report folder keeps
its old versions, and the site and the changes read them back. ``Findings.extra`` (always
empty) was dropped with schema version 1 unchanged: reading it back as nothing loses nothing.
``LearningCurves.trials`` (every trial's curve summary) moved to ``artifacts/learning_curves.csv``;
an old file reads back without it, and with no ``elite_curves``."""

DERIVED_KEYS: dict[str, frozenset[str]] = {"Finding": frozenset({"message"})}
"""Keys a writer adds beside a dataclass's fields, derived from them, and that the reader drops:
findings.json words each warning (``message``, from its code and values through
``templates/messages.yaml``; ``render/documents.py``), and the words are written again from
the code and values whenever the findings are rendered."""


class ModelFormatError(ValueError):
    """A JSON document that is not a serialized model object; ``where`` is the key's path."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where or 'the document'}: {problem}")
        self.where = where
        self.problem = problem


def load_findings(path: Path) -> Findings:
    """The ``Findings`` a findings.json holds (a one-line ``UserError`` when it holds none)."""
    return load_model(path, Findings)


def findings_from_dict(data: Any) -> Findings:
    """The ``Findings`` of a findings.json document already parsed (``json.loads``)."""
    return model_from_dict(data, Findings)


def load_model(path: Path, cls: type[T]) -> T:
    """Read ``path`` (JSON written by ``serialize.dumps`` or a writer built on it) as ``cls``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return model_from_dict(data, cls)
    except (ValueError, TypeError) as exc:  # JSONDecodeError and ModelFormatError are ValueErrors
        raise UserError(
            f"{path} is not a {cls.__name__} document this version reads ({exc}); "
            "delete that version folder and run again"
        ) from exc


def model_from_dict(data: Any, cls: type[T]) -> T:
    try:
        annotation: Any = cls  # a class is hashable; mypy does not know type[T] is
        fast: T = _reader(annotation)(data)
        return fast
    except _Mismatch:
        pass  # the walk below finds the same problem and names where it is
    value: T = _read(data, cls, "")
    return value


class _Mismatch(Exception):
    """Raised by a compiled reader where ``_read`` would raise a ModelFormatError."""


@cache
def _reader(tp: Any) -> Callable[[Any], Any]:
    """``_read`` for one annotation, compiled once: the same decisions and results, without
    building a key path for every value (the path is only needed in an error message, which
    ``model_from_dict`` then gets from ``_read``). A findings.json of 20,000 trials holds
    hundreds of thousands of values, and this is what makes reading it back take a fraction
    of a second instead of seconds."""
    if tp is Any or tp is object:
        return _identity
    origin = typing.get_origin(tp)
    if origin is Union or origin is types.UnionType:
        return _union_reader(typing.get_args(tp))
    if origin is tuple:
        args = typing.get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            item = _reader(args[0])

            def read_tuple(value: Any) -> Any:
                if type(value) is not list:
                    raise _Mismatch
                return tuple([item(v) for v in value])

            return read_tuple
        readers = tuple(_reader(a) for a in args)

        def read_fixed(value: Any) -> Any:
            if type(value) is not list or len(value) != len(readers):
                raise _Mismatch
            return tuple([r(v) for r, v in zip(readers, value, strict=True)])

        return read_fixed
    if origin is list:
        (arg,) = typing.get_args(tp) or (Any,)
        item = _reader(arg)

        def read_list(value: Any) -> Any:
            if type(value) is not list:
                raise _Mismatch
            return [item(v) for v in value]

        return read_list
    if origin is dict:
        _, arg = typing.get_args(tp) or (str, Any)
        item = _reader(arg)

        def read_dict(value: Any) -> Any:
            if type(value) is not dict:
                raise _Mismatch
            return {k: item(v) for k, v in value.items()}

        return read_dict
    if tp is type(None):

        def read_none(value: Any) -> Any:
            if value is not None:
                raise _Mismatch
            return None

        return read_none
    if isinstance(tp, type):
        if dataclasses.is_dataclass(tp):
            return _dataclass_reader(tp)
        if issubclass(tp, Enum):
            enum = tp

            def read_enum(value: Any) -> Any:
                try:
                    return enum(value)
                except ValueError:
                    raise _Mismatch from None

            return read_enum
        if tp is float:

            def read_float(value: Any) -> Any:
                if value is None or type(value) is float or (type(value) is int):
                    return value
                if isinstance(value, int | float) and not isinstance(value, bool):
                    return value
                raise _Mismatch

            return read_float
        if tp is int:

            def read_int(value: Any) -> Any:
                if isinstance(value, int) and not isinstance(value, bool):
                    return value
                raise _Mismatch

            return read_int
        cls = tp

        def read_instance(value: Any) -> Any:
            if isinstance(value, cls):
                return value
            raise _Mismatch

        return read_instance
    return _mismatch


def _identity(value: Any) -> Any:
    return value


def _mismatch(value: Any) -> Any:
    raise _Mismatch


def _union_reader(members: tuple[Any, ...]) -> Callable[[Any], Any]:
    optional = type(None) in members
    nullable_float = float in members
    choices = tuple((_fits_test(m), _reader(m)) for m in members)

    def read_union(value: Any) -> Any:
        if value is None and optional:
            return None
        for fits, read in choices:
            if fits(value):
                return read(value)
        if value is None and nullable_float:
            return None
        raise _Mismatch

    return read_union


def _fits_test(tp: Any) -> Callable[[Any], bool]:
    """``_fits`` with ``tp`` fixed."""
    if tp is Any or tp is object:
        return lambda value: True
    origin = typing.get_origin(tp)
    if origin in (tuple, list):
        return lambda value: isinstance(value, list)
    if origin is dict:
        return lambda value: isinstance(value, dict)
    if origin is Union or origin is types.UnionType:
        tests = tuple(_fits_test(m) for m in typing.get_args(tp))
        return lambda value: any(t(value) for t in tests)
    if not isinstance(tp, type) or tp is type(None):
        return lambda value: False
    if dataclasses.is_dataclass(tp):
        return lambda value: isinstance(value, dict)
    if issubclass(tp, Enum):
        values = tuple(m.value for m in tp)
        return lambda value: any(value == v for v in values)
    if tp is float:
        return lambda value: isinstance(value, int | float) and not isinstance(value, bool)
    if tp is int:
        return lambda value: isinstance(value, int) and not isinstance(value, bool)
    cls = tp
    return lambda value: isinstance(value, cls)


def _dataclass_reader(cls: type) -> Callable[[Any], Any]:
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    allowed = set(fields) | DERIVED_KEYS.get(cls.__name__, frozenset()) | RETIRED_KEYS.get(cls.__name__, frozenset())
    required = frozenset(
        name
        for name, f in fields.items()
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    )
    readers: dict[str, Callable[[Any], Any]] = {}

    def read_dataclass(value: Any) -> Any:
        if type(value) is not dict:
            raise _Mismatch
        if not readers:  # filled on first use: the field types may refer back to this class
            hints = _hints(cls)
            readers.update({name: _reader(hints[name]) for name in fields})
        kwargs = {}
        for key, item in value.items():
            read = readers.get(key)
            if read is not None:
                kwargs[key] = read(item)
            elif key not in allowed:
                raise _Mismatch
        if not required <= kwargs.keys():
            raise _Mismatch
        return cls(**kwargs)

    return read_dataclass


def _read(value: Any, tp: Any, where: str) -> Any:
    if tp is Any or tp is object:
        return value
    origin = typing.get_origin(tp)
    if origin is Union or origin is types.UnionType:
        return _read_union(value, typing.get_args(tp), where)
    if origin is tuple:
        args = typing.get_args(tp)
        items = _array(value, where)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_read(v, args[0], f"{where}[{i}]") for i, v in enumerate(items))
        if len(args) != len(items):
            raise ModelFormatError(where, f"expected {len(args)} items, found {len(items)}")
        return tuple(_read(v, a, f"{where}[{i}]") for i, (v, a) in enumerate(zip(items, args, strict=True)))
    if origin is list:
        (arg,) = typing.get_args(tp) or (Any,)
        return [_read(v, arg, f"{where}[{i}]") for i, v in enumerate(_array(value, where))]
    if origin is dict:
        _, arg = typing.get_args(tp) or (str, Any)
        if not isinstance(value, dict):
            raise ModelFormatError(where, f"expected an object, found {_kind(value)}")
        return {k: _read(v, arg, _join(where, k)) for k, v in value.items()}
    if tp is type(None):
        if value is not None:
            raise ModelFormatError(where, f"expected null, found {_kind(value)}")
        return None
    if isinstance(tp, type):
        if dataclasses.is_dataclass(tp):
            return _read_dataclass(value, tp, where)
        if issubclass(tp, Enum):
            try:
                return tp(value)
            except ValueError:
                raise ModelFormatError(where, f"{value!r} is not a {tp.__name__}") from None
        if tp is float:
            # Non-finite floats were written as null; see the module docstring.
            if value is None or (isinstance(value, int | float) and not isinstance(value, bool)):
                return value
        elif tp is int:
            if isinstance(value, int) and not isinstance(value, bool):
                return value
        elif isinstance(value, tp):
            return value
        raise ModelFormatError(where, f"expected {tp.__name__}, found {_kind(value)}")
    raise ModelFormatError(where, f"cannot read the annotation {tp!r}")


def _read_union(value: Any, members: tuple[Any, ...], where: str) -> Any:
    if value is None and type(None) in members:
        return None
    for member in members:
        if _fits(value, member):
            return _read(value, member, where)
    if value is None and float in members:
        return None  # a non-finite float
    shown = " | ".join(getattr(m, "__name__", str(m)) for m in members)
    raise ModelFormatError(where, f"expected {shown}, found {_kind(value)}")


def _fits(value: Any, tp: Any) -> bool:
    """Whether ``value`` is JSON that ``tp`` is written as (decides between a union's members)."""
    if tp is Any or tp is object:
        return True
    origin = typing.get_origin(tp)
    if origin in (tuple, list):
        return isinstance(value, list)
    if origin is dict:
        return isinstance(value, dict)
    if origin is Union or origin is types.UnionType:
        return any(_fits(value, m) for m in typing.get_args(tp))
    if not isinstance(tp, type) or tp is type(None):
        return False
    if dataclasses.is_dataclass(tp):
        return isinstance(value, dict)
    if issubclass(tp, Enum):
        return any(value == m.value for m in tp)
    if tp is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if tp is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, tp)


def _read_dataclass(value: Any, cls: type, where: str) -> Any:
    if not isinstance(value, dict):
        raise ModelFormatError(where, f"expected a {cls.__name__} object, found {_kind(value)}")
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    ignored = DERIVED_KEYS.get(cls.__name__, frozenset()) | RETIRED_KEYS.get(cls.__name__, frozenset())
    unknown = sorted(set(value) - set(fields) - ignored)
    if unknown:
        raise ModelFormatError(_join(where, unknown[0]), f"unknown key for {cls.__name__}")
    hints = _hints(cls)
    kwargs = {}
    for name, field in fields.items():
        if name in value:
            kwargs[name] = _read(value[name], hints[name], _join(where, name))
        elif field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
            raise ModelFormatError(_join(where, name), f"missing key of {cls.__name__}")
    return cls(**kwargs)


@cache
def _hints(cls: type) -> dict[str, Any]:
    """The class's field types. Some model modules import the classes they annotate with only
    under TYPE_CHECKING (an import cycle otherwise), so every model module's names are in scope."""
    namespace = {**_model_namespace(), **vars(sys.modules[cls.__module__])}
    return typing.get_type_hints(cls, globalns=namespace)


@cache
def _model_namespace() -> dict[str, Any]:
    """Every class the model modules define, by name; a name two modules define (``Side`` is a
    vocabulary enum and a comparison dataclass) is left to each module's own globals."""
    package = sys.modules[__package__ or "generator.model"]
    found: dict[str, set[type]] = {}
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        for name, obj in vars(module).items():
            if isinstance(obj, type) and obj.__module__ == module.__name__:
                found.setdefault(name, set()).add(obj)
    return {name: next(iter(objs)) for name, objs in found.items() if len(objs) == 1}


def _array(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise ModelFormatError(where, f"expected an array, found {_kind(value)}")
    return value


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__
