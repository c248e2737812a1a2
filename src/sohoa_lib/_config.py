"""Build frozen dataclasses from YAML mappings, rejecting unknown keys and naming the bad one."""

from __future__ import annotations

import dataclasses
import datetime as dt
import types
import typing
from pathlib import Path
from typing import Any

import yaml

from .errors import ParamsError


def read_yaml(path: Path) -> dict[str, Any]:
    """The mapping in a YAML file; ParamsError naming the file when absent or not a mapping."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ParamsError(f"{path}: params file not found") from None
    except yaml.YAMLError as exc:
        raise ParamsError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ParamsError(f"{path}: expected a mapping of keys to values at the top level")
    return data


def build(cls: type, data: dict[str, Any], *, source: Path, where: str = "") -> Any:
    """An instance of dataclass `cls` from `data`; relative paths resolve against `source`'s folder.

    Every error names the file and the dotted key, so a typo is never silently accepted.
    """
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    hints = typing.get_type_hints(cls)
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise ParamsError(
            f"{source}: unknown key {where + unknown[0]!r} (known keys: {', '.join(sorted(fields))})"
        )
    values = {}
    for name, field in fields.items():
        dotted = f"{where}{name}"
        if name not in data:
            if (
                field.default is dataclasses.MISSING
                and field.default_factory is dataclasses.MISSING
            ):
                raise ParamsError(f"{source}: missing required key {dotted!r}")
            continue
        values[name] = _convert(hints[name], data[name], source=source, dotted=dotted)
    return cls(**values)


def _convert(hint: Any, value: Any, *, source: Path, dotted: str) -> Any:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        (inner,) = [a for a in args if a is not type(None)]
        return _convert(inner, value, source=source, dotted=dotted)
    if dataclasses.is_dataclass(hint):
        if not isinstance(value, dict):
            raise ParamsError(f"{source}: key {dotted!r} should be a mapping, got {value!r}")
        return build(hint, value, source=source, where=f"{dotted}.")
    if origin is tuple:
        if not isinstance(value, list):
            raise ParamsError(f"{source}: key {dotted!r} should be a list, got {value!r}")
        return tuple(
            _convert(args[0], v, source=source, dotted=f"{dotted}[{i}]")
            for i, v in enumerate(value)
        )
    if hint is dt.date:
        return _date(value, source=source, dotted=dotted)
    if hint is Path:
        if not isinstance(value, str) or not value:
            raise ParamsError(f"{source}: key {dotted!r} should be a path, got {value!r}")
        return (source.parent / value).resolve()
    if hint is bool:
        if not isinstance(value, bool):
            raise ParamsError(f"{source}: key {dotted!r} should be true or false, got {value!r}")
        return value
    if hint in (int, float):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ParamsError(f"{source}: key {dotted!r} should be a number, got {value!r}")
        if hint is int and not float(value).is_integer():
            raise ParamsError(f"{source}: key {dotted!r} should be a whole number, got {value!r}")
        return hint(value)
    if hint is str:
        if not isinstance(value, str | int) or isinstance(value, bool):
            raise ParamsError(f"{source}: key {dotted!r} should be text, got {value!r}")
        return str(value)
    raise TypeError(f"no converter for {hint!r} at {dotted}")  # a programming error, not input


def _date(value: Any, *, source: Path, dotted: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ParamsError(
            f"{source}: key {dotted!r} should be a date as YYYY-MM-DD, got {value!r}"
        ) from None
