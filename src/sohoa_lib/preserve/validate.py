"""Checks of an information package: CSIP METS, listed files, manifest, PREMIS fixity, schema."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from lxml import etree

from sohoa_lib.common.files import sha256
from sohoa_lib.errors import InputError
from sohoa_lib.preserve import _layout, _mets, fixity
from sohoa_lib.preserve import premis as _premis
from sohoa_lib.scan import alto

MANIFEST = fixity.MANIFEST


def validate_package(path: Path) -> list[str]:
    """Every problem found in a package, each naming the file and what was expected; [] if sound.

    Checks the CSIP requirements on both METS levels, that every file METS lists exists with its
    size and SHA-256, that no file goes unlisted, the manifest, PREMIS fixity against the files,
    and sohoa.xml against the package's own schema. Nothing is written.
    """
    package = Path(path)
    if not (package / "METS.xml").is_file():
        return [f"{package}: không có METS.xml, không phải gói thông tin"]
    problems: list[str] = []
    digests: dict[str, str] = {}

    def digest(rel: str) -> str:
        return _digest(package, rel, digests)

    root = _parse(package, "METS.xml", problems)
    if root is None:
        return problems
    listed: set[str] = set()
    problems += _mets.csip_problems(root, "METS.xml", package=True)
    problems += _mets.listed_problems(package, "METS.xml", root, listed, digest)
    for href in _mets.representation_pointers(root):
        rel = _mets.inside(href)
        rep = _parse(package, rel, problems) if rel and (package / rel).is_file() else None
        if rep is None:
            problems.append(f"METS.xml: METS của biểu diễn {href!r} không có hoặc không đọc được")
            continue
        problems += _mets.csip_problems(rep, rel, package=False)
        problems += _mets.listed_problems(package, rel, rep, listed, digest)
    for rel in sorted(set(_files(package)) - listed - {"METS.xml", MANIFEST}):
        problems.append(f"{rel}: có trong gói nhưng không được liệt kê trong tệp METS nào")
    problems += _manifest_problems(package, digest)
    premis = (
        _parse(package, _layout.PREMIS, problems) if (package / _layout.PREMIS).is_file() else None
    )
    if premis is not None:
        problems += _premis.problems(premis, _layout.PREMIS, package, digest)
    problems += _schema_problems(package)
    for text in sorted(package.glob("representations/*/data/alto/*.xml")):
        problems += [f"{text.relative_to(package).as_posix()}: {p}" for p in alto.validate(text)]
    return problems


def _manifest_problems(package: Path, digest: Callable[[str], str]) -> list[str]:
    # fixity.check_manifest would read every file a second time; the METS checks hashed them.
    try:
        expected = fixity.read_manifest(package / MANIFEST)
    except InputError as exc:
        return [str(exc)]
    present = set(_files(package)) - {MANIFEST}
    problems = [
        f"{rel}: có trong {MANIFEST} nhưng bị thiếu" for rel in expected if rel not in present
    ]
    problems += [
        f"{rel}: SHA-256 khác với {MANIFEST} (cần {value})"
        for rel, value in expected.items()
        if rel in present and digest(rel) != value
    ]
    problems += [f"{rel}: không có trong {MANIFEST}" for rel in sorted(present - set(expected))]
    return problems


def _parse(package: Path, rel: str, problems: list[str]) -> etree._Element | None:
    try:
        return etree.parse(str(package / rel), _layout.PARSER).getroot()
    except (OSError, etree.XMLSyntaxError) as exc:
        problems.append(f"{rel}: không đọc được XML: {exc}")
        return None


def _schema_problems(package: Path) -> list[str]:
    if not ((package / _layout.SCHEMA).is_file() and (package / _layout.SOHOA).is_file()):
        return []  # a missing file is reported against METS already
    try:
        xsd = etree.XMLSchema(etree.parse(str(package / _layout.SCHEMA), _layout.PARSER))
        record = etree.parse(str(package / _layout.SOHOA), _layout.PARSER)
    except (etree.XMLSyntaxError, etree.XMLSchemaParseError) as exc:
        return [f"{_layout.SCHEMA} or {_layout.SOHOA}: not readable: {exc}"]
    if xsd.validate(record):
        return []
    return [
        f"{_layout.SOHOA}, line {e.line}: {e.message} ({_layout.SCHEMA})"
        for e in list(xsd.error_log)[:5]
    ]


def _files(root: Path) -> list[str]:
    """Every file under `root`, as sorted POSIX paths relative to it."""
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def _digest(package: Path, rel: str, cache: dict[str, str]) -> str:
    if rel not in cache:
        cache[rel] = sha256(package / rel)
    return cache[rel]
