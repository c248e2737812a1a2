"""Trust roots for verification: certificate files, $SOHOA_TRUST_ROOTS, a unit's signing.trust_roots."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509

from sohoa_lib.common.config import read_yaml
from sohoa_lib.errors import ParamsError

TRUST_ENV = "SOHOA_TRUST_ROOTS"


def load_trust_roots(files: Sequence[Path]) -> list[asn1_x509.Certificate]:
    """Every certificate in the given PEM (one or several) or DER files; ParamsError naming a bad one."""
    if not files:
        # An empty list would make pyHanko fall back to the system's TLS roots: never what we want.
        raise ParamsError(
            "chưa có chứng thư gốc tin cậy: chữ ký chỉ được tin cậy khi đối chiếu với một chứng thư gốc"
        )
    roots = []
    for file in files:
        try:
            data = Path(file).read_bytes()
            blobs = (
                [der for _, _, der in pem.unarmor(data, multiple=True)]
                if pem.detect(data)
                else [data]
            )
            certs = [asn1_x509.Certificate.load(der) for der in blobs]
            for cert in certs:
                cert.native  # noqa: B018 - parse now, so a bad file fails here, not mid-validation
        except FileNotFoundError:
            raise ParamsError(f"{file}: không tìm thấy tệp chứng thư gốc tin cậy") from None
        except (OSError, ValueError, TypeError) as exc:
            raise ParamsError(f"{file}: không phải chứng thư số PEM hoặc DER: {exc}") from None
        if not certs:
            raise ParamsError(f"{file}: tệp PEM này không chứa chứng thư số nào")
        roots.extend(certs)
    return roots


def trust_roots_from_env() -> list[Path]:
    """The trust root files listed in $SOHOA_TRUST_ROOTS (os.pathsep-separated), if any."""
    value = os.environ.get(TRUST_ENV, "")
    return [Path(part) for part in value.split(os.pathsep) if part.strip()]


def unit_trust_roots(path: Path, outputs: Path, params_dir: Path) -> list[Path]:
    """`signing.trust_roots` of the unit whose outputs hold `path` (`<outputs>/<UNIT>/…`), if any.

    Only that key is read, not the whole settings: verifying must not depend on the unit's
    inventory or scans still being where the params file says.
    """
    try:
        unit = path.resolve().relative_to(outputs.resolve()).parts[0]
    except (ValueError, IndexError):
        return []
    params = params_dir / f"{unit}.yaml"
    if not params.is_file():
        return []
    signing = read_yaml(params).get("signing")
    roots = signing.get("trust_roots") if isinstance(signing, dict) else None
    if isinstance(roots, str):
        roots = [roots]
    if not isinstance(roots, list):
        return []
    return [(params.parent / str(root)).resolve() for root in roots]
