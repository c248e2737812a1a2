"""Build frozen dataclasses from YAML mappings, rejecting unknown keys and naming the bad one."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import types
import typing
from pathlib import Path
from typing import Any

import yaml

from sohoa_lib.errors import ParamsError

# Settings keys never copied into run.json and whose values are never echoed in an error, at any
# depth: a key is secret when one of its words (split on anything not a letter or digit) is one of
# these, or when it contains "password". Even `password_env` holds only a variable's name, but a
# user may paste the password itself there.
SECRET_WORDS = ("password", "passphrase", "passwd", "pin", "secret", "token")


def is_secret(key: str) -> bool:
    """True for a settings key that names a secret (`key_password`, `pin`, `token_pin_env`)."""
    folded = key.casefold()
    return "password" in folded or any(w in SECRET_WORDS for w in re.split(r"[^a-z0-9]+", folded))


def shown(value: Any, dotted: str) -> str:
    """`value` as an error message may show it: never for a key that could hold a secret."""
    return (
        "một giá trị không hiển thị ở đây (có thể là thông tin bí mật)"
        if is_secret(dotted)
        else repr(value)
    )


class _Loader(yaml.SafeLoader):
    """safe_load, except that a date-like value that is no date (`2023-13-45`) stays text, so
    the settings builder names its key instead of YAML crashing with a traceback."""


def _timestamp(loader: _Loader, node: yaml.Node) -> Any:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


def read_yaml(path: Path) -> dict[str, Any]:
    """The mapping in a YAML file; ParamsError naming the file when absent or not a mapping."""
    try:
        data = yaml.load(
            path.read_text(encoding="utf-8"), Loader=_Loader
        )  # a SafeLoader: builds no objects
    except FileNotFoundError:
        raise ParamsError(f"{path}: không tìm thấy tệp tham số") from None
    except yaml.YAMLError as exc:
        raise ParamsError(f"{path}: không phải YAML hợp lệ: {exc}") from None
    if not isinstance(data, dict):
        raise ParamsError(f"{path}: cấp ngoài cùng phải là một bảng khóa: giá trị")
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
            f"{source}: khóa không xác định {where + unknown[0]!r} "
            f"(các khóa hợp lệ: {', '.join(sorted(fields))})"
        )
    values = {}
    for name, field in fields.items():
        dotted = f"{where}{name}"
        if name not in data:
            if (
                field.default is dataclasses.MISSING
                and field.default_factory is dataclasses.MISSING
            ):
                raise ParamsError(f"{source}: thiếu khóa bắt buộc {dotted!r}")
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
            raise ParamsError(
                f"{source}: khóa {dotted!r} phải là một bảng khóa: giá trị, nhận được {shown(value, dotted)}"
            )
        return build(hint, value, source=source, where=f"{dotted}.")
    if origin is tuple:
        if not isinstance(value, list):
            raise ParamsError(
                f"{source}: khóa {dotted!r} phải là một danh sách, nhận được {shown(value, dotted)}"
            )
        return tuple(
            _convert(args[0], v, source=source, dotted=f"{dotted}[{i}]")
            for i, v in enumerate(value)
        )
    if hint is dt.date:
        return _date(value, source=source, dotted=dotted)
    if hint is Path:
        if not isinstance(value, str) or not value:
            raise ParamsError(
                f"{source}: khóa {dotted!r} phải là một đường dẫn, nhận được {shown(value, dotted)}"
            )
        return (source.parent / value).resolve()
    if hint is bool:
        if not isinstance(value, bool):
            raise ParamsError(
                f"{source}: khóa {dotted!r} phải là true hoặc false, nhận được {shown(value, dotted)}"
            )
        return value
    if hint in (int, float):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ParamsError(
                f"{source}: khóa {dotted!r} phải là một số, nhận được {shown(value, dotted)}"
            )
        if hint is int and not float(value).is_integer():
            raise ParamsError(
                f"{source}: khóa {dotted!r} phải là một số nguyên, nhận được {shown(value, dotted)}"
            )
        return hint(value)
    if hint is str:
        if not isinstance(value, str | int) or isinstance(value, bool):
            raise ParamsError(
                f"{source}: khóa {dotted!r} phải là văn bản, nhận được {shown(value, dotted)}"
            )
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
            f"{source}: khóa {dotted!r} phải là một ngày dạng YYYY-MM-DD, "
            f"nhận được {shown(value, dotted)}"
        ) from None
