"""PREMIS 3 preservation metadata of an information package: its PDF files, their events, agents."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from sohoa_lib.common.xml import Namespace
from sohoa_lib.errors import InputError

NS = "http://www.loc.gov/premis/v3"
_NS = Namespace(NS)
_q, _el = _NS.q, _NS.el
XSI = "http://www.w3.org/2001/XMLSchema-instance"
_SCHEMA_LOCATION = f"{NS} https://www.loc.gov/standards/premis/premis.xsd"
EVENT_TYPE_VOCABULARY = "http://id.loc.gov/vocabulary/preservation/eventType"
AGENT_TYPE_VOCABULARY = "http://id.loc.gov/vocabulary/preservation/agentType"

# sohoa's labels and PREMIS's own, each to the PREMIS label and its code in the Library of
# Congress vocabulary (id.loc.gov/vocabulary/preservation/eventType/<code>). PREMIS has no OCR
# event: OCR is recorded as metadata extraction, PDF/A conversion as migration.
EVENT_TYPES: dict[str, tuple[str, str]] = {
    "capture": ("capture", "cap"),
    "scanning": ("capture", "cap"),
    "ocr": ("metadata extraction", "mee"),
    "metadata extraction": ("metadata extraction", "mee"),
    "review": ("metadata modification", "mem"),
    "metadata modification": ("metadata modification", "mem"),
    "pdfa": ("migration", "mig"),
    "format conversion": ("migration", "mig"),
    "migration": ("migration", "mig"),
    "normalization": ("normalization", "nor"),
    "signing": ("digital signature generation", "dsg"),
    # sohoa preserve renew adds a DSS and a document timestamp: the timestamp authority's
    # signature over the whole file, so digital signature generation ("generating a digital
    # signature from a message using a private key"). Not metadata modification or modification
    # (no content or metadata changes), nor (digital signature) validation (nothing is judged).
    "renewal": ("digital signature generation", "dsg"),
    # The signature's RFC 3161 timestamp: the authority signs the signature's digest.
    "timestamp": ("digital signature generation", "dsg"),
    "digital signature generation": ("digital signature generation", "dsg"),
    "signature validation": ("digital signature validation", "dig"),
    "digital signature validation": ("digital signature validation", "dig"),
    "message digest calculation": ("message digest calculation", "mes"),
    "fixity check": ("fixity check", "fix"),
    "replication": ("replication", "rep"),
    "validation": ("validation", "val"),
    "creation": ("creation", "cre"),
    "information package creation": ("information package creation", "ipc"),
}
OUTCOMES = ("success", "failure")
AGENT_TYPES = ("software", "organization", "person", "hardware")
_VERSION = re.compile(r"\d+\.\d+")


@dataclass(frozen=True)
class PreservationEvent:
    """One step of a file's history (scanning, OCR, PDF/A conversion, signing, …) for PREMIS."""

    type: str
    """sohoa's label (`capture`, `ocr`, `pdfa`, `signing`) or a PREMIS event type (EVENT_TYPES)."""
    when: str
    """ISO 8601 date and time with its UTC offset, `2024-05-06T09:30:00+07:00`."""
    agent: str
    """Who did it: software with its version (`sohoa 0.1.0; tesseract 5.3.4`), or an organisation."""
    outcome: str
    """`success` or `failure`."""
    detail: str = ""
    """What was done, in a sentence (Vietnamese)."""
    agent_type: str = ""
    """PREMIS agent type (AGENT_TYPES); empty: software when `agent` names a version, else
    organization."""

    @property
    def premis_type(self) -> str:
        return EVENT_TYPES[self.type][0]

    @property
    def kind_of_agent(self) -> str:
        if self.agent_type:
            return self.agent_type
        return "software" if _VERSION.search(self.agent) else "organization"


@dataclass(frozen=True)
class FileObject:
    """A file of the representation as PREMIS describes it."""

    path: str
    """Path inside the package (POSIX), also the object's identifier."""
    size: int
    sha256: str
    format_name: str
    """`PDF/A-2b`, or `Portable Document Format` when the file claims no PDF/A part."""
    format_version: str
    puid: str
    """PRONOM identifier (`fmt/477` for PDF/A-2b); empty when unknown."""


def check_event(event: PreservationEvent, index: int) -> None:
    """InputError naming the event and the bad field, so a typo never reaches an archive."""
    where = f"sự kiện bảo quản {index + 1} ({event.type!r})"
    if event.type not in EVENT_TYPES:
        raise InputError(f"{where}: loại không hợp lệ; phải là một trong {', '.join(EVENT_TYPES)}")
    if event.outcome not in OUTCOMES:
        raise InputError(
            f"{where}: outcome phải là success hoặc failure, nhận được {event.outcome!r}"
        )
    if not event.agent.strip():
        raise InputError(f"{where}: thiếu agent")
    if event.agent_type and event.agent_type not in AGENT_TYPES:
        raise InputError(f"{where}: agent_type phải là một trong {', '.join(AGENT_TYPES)}")
    parse_time(event.when, where)


def parse_time(value: str, where: str) -> dt.datetime:
    """An ISO 8601 date and time that carries its UTC offset (PREMIS and METS need one)."""
    try:
        when = dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        when = None
    if when is None or when.tzinfo is None:
        raise InputError(
            f"{where}: cần thời điểm ISO 8601 kèm độ lệch múi giờ "
            f"(2024-05-06T09:30:00+07:00), nhận được {value!r}"
        )
    return when


def document(
    objects: Sequence[FileObject],
    events: Sequence[PreservationEvent],
    *,
    implementer: str,
) -> etree._ElementTree:
    """The package's PREMIS: one object per file, every event, every agent named by an event.

    Every event concerns every file of the representation (they were scanned, read, converted
    and signed together), so each event links every object. `implementer` is the organisation
    responsible for the package, linked to the package-creation event.
    """
    root = etree.Element(_q("premis"), nsmap={"premis": NS, "xsi": XSI}, version="3.0")
    root.set(f"{{{XSI}}}schemaLocation", _SCHEMA_LOCATION)
    agents: dict[tuple[str, str], str] = {}
    links: list[list[tuple[str, str]]] = []
    for event in events:
        linked = [(event.agent, event.kind_of_agent)]
        if event.premis_type == "information package creation":
            linked.append((implementer, "organization"))
        links.append([(agents.setdefault(a, f"agent-{len(agents) + 1:02d}"), a[1]) for a in linked])
    event_ids = [f"event-{i + 1:02d}" for i in range(len(events))]
    for obj in objects:
        _object(root, obj, event_ids)
    for event_id, event, linked in zip(event_ids, events, links, strict=True):
        _event(root, event_id, event, linked, [o.path for o in objects])
    for (name, kind), agent_id in agents.items():
        agent = _el(root, "agent")
        _identifier(agent, "agentIdentifier", "local", agent_id)
        _el(agent, "agentName", name)
        _el(agent, "agentType", kind, authority="agentType", authorityURI=AGENT_TYPE_VOCABULARY)
    return etree.ElementTree(root)


def _object(root: etree._Element, obj: FileObject, event_ids: Sequence[str]) -> None:
    node = _el(root, "object")
    node.set(f"{{{XSI}}}type", "premis:file")
    _identifier(node, "objectIdentifier", "local", obj.path)
    chars = _el(node, "objectCharacteristics")
    _el(chars, "compositionLevel", "0")
    fixity = _el(chars, "fixity")
    _el(fixity, "messageDigestAlgorithm", "SHA-256")
    _el(fixity, "messageDigest", obj.sha256)
    _el(fixity, "messageDigestOriginator", "sohoa")
    _el(chars, "size", str(obj.size))
    fmt = _el(chars, "format")
    designation = _el(fmt, "formatDesignation")
    _el(designation, "formatName", obj.format_name)
    if obj.format_version:
        _el(designation, "formatVersion", obj.format_version)
    if obj.puid:
        registry = _el(fmt, "formatRegistry")
        _el(registry, "formatRegistryName", "PRONOM")
        _el(registry, "formatRegistryKey", obj.puid)
        _el(registry, "formatRegistryRole", "specification")
    _el(node, "originalName", obj.path.rsplit("/", 1)[-1])
    for event_id in event_ids:
        _identifier(node, "linkingEventIdentifier", "local", event_id)


def _event(
    root: etree._Element,
    event_id: str,
    event: PreservationEvent,
    agents: Sequence[tuple[str, str]],
    objects: Sequence[str],
) -> None:
    label, code = EVENT_TYPES[event.type]
    node = _el(root, "event")
    _identifier(node, "eventIdentifier", "local", event_id)
    _el(node, "eventType", label, authority="eventType", authorityURI=EVENT_TYPE_VOCABULARY,
        valueURI=f"{EVENT_TYPE_VOCABULARY}/{code}")  # fmt: skip
    _el(node, "eventDateTime", event.when)
    # sohoa's own label stays beside the PREMIS one when they differ (`ocr` → metadata extraction).
    detail = event.detail if event.type == label else f"[{event.type}] {event.detail}".strip()
    if detail:
        _el(_el(node, "eventDetailInformation"), "eventDetail", detail)
    _el(_el(node, "eventOutcomeInformation"), "eventOutcome", event.outcome)
    for agent_id, kind in agents:
        link = _identifier(node, "linkingAgentIdentifier", "local", agent_id)
        _el(link, "linkingAgentRole", "executing program" if kind == "software" else "implementer")
    for path in objects:
        _identifier(node, "linkingObjectIdentifier", "local", path)


def _identifier(parent: etree._Element, name: str, kind: str, value: str) -> etree._Element:
    # PREMIS names the parts after the container: objectIdentifierType, linkingAgentIdentifierValue…
    node = _el(parent, name)
    _el(node, f"{name}Type", kind)
    _el(node, f"{name}Value", value)
    return node


def problems(
    root: etree._Element, where: str, package: Path, digest: Callable[[str], str]
) -> list[str]:
    """PREMIS fixity that disagrees with the files, and events without time, outcome or agent."""
    found = []
    ns = {"p": NS}
    agents = set(
        root.xpath("p:agent/p:agentIdentifier/p:agentIdentifierValue/text()", namespaces=ns)
    )
    for obj in root.iterfind("p:object", ns):
        rel = obj.findtext("p:objectIdentifier/p:objectIdentifierValue", namespaces=ns) or ""
        value = obj.findtext("p:objectCharacteristics/p:fixity/p:messageDigest", namespaces=ns)
        if rel.startswith("/") or ".." in rel.split("/") or not (package / rel).is_file():
            found.append(f"{where}: object {rel!r} is not a file of the package")
        elif (value or "").lower() != digest(rel):
            found.append(f"{rel}: SHA-256 differs from {where} (expected {value})")
    for event in root.iterfind("p:event", ns):
        name = event.findtext("p:eventIdentifier/p:eventIdentifierValue", namespaces=ns)
        for field in ("eventType", "eventDateTime", "eventOutcomeInformation/p:eventOutcome"):
            if not event.findtext(f"p:{field}", namespaces=ns):
                found.append(f"{where}: event {name} has no {field.rsplit(':', 1)[-1]}")
        links = event.xpath(
            "p:linkingAgentIdentifier/p:linkingAgentIdentifierValue/text()", namespaces=ns
        )
        if not links or not set(links) <= agents:
            found.append(f"{where}: event {name} links no agent described in the file")
    return found
