"""poppler's `pdfsig`, an independent check of PDF signatures, and the NSS database it trusts."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from sohoa_lib.errors import InputError, MissingToolError

__all__ = ["check", "nss_db"]

_PACKAGES = {"pdfsig": "poppler-utils", "certutil": "libnss3-tools"}
_TIMEOUT = 120
_FIELDS = {
    "Signature Field Name": "field",
    "Signer Certificate Common Name": "signer",
    "Signer full Distinguished Name": "signer_dn",
    "Signing Time": "time",
    "Signing Hash Algorithm": "hash",
    "Signature Type": "type",
    "Signed Ranges": "ranges",
    "Signature Validation": "signature",
    "Certificate Validation": "certificate",
}


def nss_db(folder: Path, ca_certs: Sequence[Path]) -> Path:
    """An NSS database in `folder` (empty password) trusting `ca_certs` to issue signing
    certificates; an existing database there is reused and the certificates (re)added."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    target = f"sql:{folder}"
    # certutil -N on an existing database asks for its password on the terminal, for ever.
    if not (folder / "cert9.db").is_file():
        _tool("certutil", "-N", "-d", target, "--empty-password")
    for index, cert in enumerate(ca_certs):
        if not Path(cert).is_file():
            raise InputError(f"{cert}: không tìm thấy chứng thư số CA")
        nickname = f"sohoa-ca-{index}-{Path(cert).stem}"
        # C: trusted CA for server and client auth, T: for client auth too, the email usage (the
        # third field) is the one NSS checks document signatures under.
        _tool("certutil", "-A", "-n", nickname, "-t", "CT,C,C", "-i", str(cert), "-d", target)
    return folder


def check(pdf: Path, nssdir: Path, *, ocsp: bool = True) -> list[dict]:
    """Every signature of `pdf` as pdfsig judges it against the roots in `nssdir`.

    Per signature: field, signer (common name), signer_dn, time, hash, type, ranges (as pdfsig
    prints them), total (the signature covers the whole file: False once a later revision,
    such as PAdES B-LT's validation data, follows it), signature and certificate (pdfsig's
    verdicts, e.g. "Signature is Valid.", "Certificate is Trusted."), valid (both verdicts
    good) and lines (pdfsig's own lines). An unsigned file gives [].

    `ocsp=False` passes -no-ocsp; poppler 22.12 then reports every certificate as "Unknown issue
    with Certificate or corrupted data", so by default pdfsig asks the OCSP responder that a
    certificate names, if it names one (the demo certificates name none).
    """
    pdf, nssdir = Path(pdf), Path(nssdir)
    if not pdf.is_file():
        raise InputError(f"{pdf}: không tìm thấy tệp")
    if not (nssdir / "cert9.db").is_file():
        # pdfsig would carry on without it, reporting every signature "Unknown Validation Failure".
        raise InputError(
            f"{nssdir}: không phải cơ sở dữ liệu NSS (không có cert9.db); hãy tạo bằng nss_db()"
        )
    options = () if ocsp else ("-no-ocsp",)
    done = _tool("pdfsig", *options, "-nssdir", f"sql:{nssdir}", str(pdf), ok=(0, 2))
    if done.returncode == 2 and "does not contain any signatures" in done.stdout:
        return []
    if done.returncode:
        raise InputError(f"{pdf}: pdfsig không đọc được tệp: {done.stderr.strip() or done.stdout}")
    return parse(done.stdout)


def parse(text: str) -> list[dict]:
    """pdfsig's report, one dict per `Signature #n:` block (see `check`)."""
    signatures: list[dict] = []
    for line in text.splitlines():
        if re.match(r"Signature #\d+:", line):
            signatures.append({"total": False, "lines": []})
            continue
        if not signatures or not line.startswith("  - "):
            continue
        item = line[4:]
        current = signatures[-1]
        current["lines"].append(item)
        key, sep, value = item.partition(": ")
        if sep and key in _FIELDS:
            current[_FIELDS[key]] = value.strip()
        elif item == "Total document signed":
            current["total"] = True
    for current in signatures:
        current["valid"] = (
            current.get("signature") == "Signature is Valid."
            and current.get("certificate") == "Certificate is Trusted."
        )
    return signatures


def _tool(name: str, *args: str, ok: tuple[int, ...] = (0,)) -> subprocess.CompletedProcess:
    if shutil.which(name) is None:
        raise MissingToolError(f"chưa cài {name}: apt-get install {_PACKAGES[name]}")
    env = {**os.environ, "LC_ALL": "C.UTF-8"}  # pdfsig's and certutil's words, not translations
    done = subprocess.run(
        [name, *args],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=_TIMEOUT,
        check=False,
    )
    if done.returncode not in ok:
        raise InputError(f"{name} {' '.join(args)} bị lỗi: {(done.stderr or done.stdout).strip()}")
    return done
