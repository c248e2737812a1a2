"""Demo-only test PKI: a root CA, the archive's signing certificate, a timestamp authority, a seal."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import numpy as np
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from PIL import Image

from sohoa_lib.common.files import atomic_path

__all__ = ["DEMO_NOTICE", "write_demo_crl", "write_demo_pki"]

DEMO_NOTICE = "DEMO ONLY, NOT FOR PRODUCTION"
# RFC 9336 id-kp-documentSigning; emailProtection is kept beside it because NSS (hence pdfsig)
# checks document signatures under its "email signer" usage and rejects a certificate whose
# extended key usage leaves emailProtection out.
DOCUMENT_SIGNING = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")
# The root outlives what it vouches for (25 years, as national roots do), so the demo can show
# a file validated 15 years on, after its signer's and timestamp authority's certificates ended.
CA_YEARS, SIGNER_YEARS = 25, 3
SEAL_DPI = 300


def write_demo_pki(
    folder: Path, *, organisation: str, password: str, seed_time: dt.datetime | None = None
) -> dict[str, Path]:
    """Write a demo PKI under `folder`; return its files by role.

    Roles: `ca_cert` (ca.crt, PEM root), `ca_key` (ca.key, PEM encrypted with `password`),
    `crl` (ca.crl, DER, revokes nothing: lets the demo embed revocation data, PAdES B-LT),
    `signer` (signer.p12: `organisation`'s signing key, certificate and chain), `tsa` (tsa.p12:
    a timestamp authority, critical EKU timeStamping), `expired` (expired.p12: a signing
    certificate that expired before `seed_time`), `untrusted` (untrusted.p12: chains to another
    root), `seal` (seal.png: the organisation's red seal, transparent, actual size at 300 dpi).
    Every PKCS#12 file is encrypted with `password`. Keys are fresh each run (never derived from
    a seed anyone can read); names, serial numbers and validity follow from the arguments.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    start = (seed_time or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(microsecond=0)
    secret = password.encode("utf-8")

    def serial(role: str) -> int:
        digest = hashlib.sha256(f"{organisation}\0{role}\0{start.isoformat()}".encode()).digest()
        return int.from_bytes(digest[:16], "big") >> 1  # positive, at most 20 octets (RFC 5280)

    ca_name = _name(f"sohoa demo root CA ({DEMO_NOTICE})", "sohoa demo PKI")
    ca_key = _key()
    ca = _root(ca_name, ca_key, serial("ca"), start, _years(start, CA_YEARS))
    other_name = _name(f"Other demo root CA ({DEMO_NOTICE})", "Untrusted demo PKI")
    other_key = _key()
    other = _root(other_name, other_key, serial("other-ca"), start, _years(start, CA_YEARS))

    org = _name(organisation, organisation)
    end = _years(start, SIGNER_YEARS)
    signing = [ExtendedKeyUsageOID.EMAIL_PROTECTION, DOCUMENT_SIGNING]
    signer_key, expired_key, untrusted_key, tsa_key = _key(), _key(), _key(), _key()
    signer = _leaf(org, signer_key, ca, ca_key, serial("signer"), start, end, signing)
    expired = _leaf(
        org,
        expired_key,
        ca,
        ca_key,
        serial("expired"),
        _years(start, -SIGNER_YEARS),
        start - dt.timedelta(days=1),
        signing,
    )
    untrusted = _leaf(
        org, untrusted_key, other, other_key, serial("untrusted"), start, end, signing
    )
    tsa_name = _name(f"sohoa demo timestamp authority ({DEMO_NOTICE})", "sohoa demo PKI")
    tsa = _leaf(
        tsa_name,
        tsa_key,
        ca,
        ca_key,
        serial("tsa"),
        start,
        end,
        [ExtendedKeyUsageOID.TIME_STAMPING],
    )

    paths = {
        "ca_cert": folder / "ca.crt",
        "ca_key": folder / "ca.key",
        "crl": folder / "ca.crl",
        "signer": folder / "signer.p12",
        "tsa": folder / "tsa.p12",
        "expired": folder / "expired.p12",
        "untrusted": folder / "untrusted.p12",
        "seal": folder / "seal.png",
    }
    _write(paths["ca_cert"], ca.public_bytes(serialization.Encoding.PEM))
    key_pem = ca_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(secret),
    )
    _write(paths["ca_key"], key_pem, private=True)
    _write(paths["crl"], _crl(ca, ca_key, start).public_bytes(serialization.Encoding.DER))
    for role, key, cert, chain in (
        ("signer", signer_key, signer, [ca]),
        ("tsa", tsa_key, tsa, [ca]),
        ("expired", expired_key, expired, [ca]),
        ("untrusted", untrusted_key, untrusted, [other]),
    ):
        data = pkcs12.serialize_key_and_certificates(
            role.encode(), key, cert, chain, serialization.BestAvailableEncryption(secret)
        )
        _write(paths[role], data, private=True)
    seal = draw_seal(organisation)
    with atomic_path(paths["seal"]) as tmp:
        seal.save(tmp, format="PNG", dpi=(SEAL_DPI, SEAL_DPI))
    return paths


def draw_seal(organisation: str, seed: int = 1838) -> Image.Image:
    """The organisation's round red seal as an RGBA image at 300 dpi, transparent around the ink.

    The demo scans' seal drawing is reused: it multiplies red ink onto paper, so drawn on white,
    how far the green channel fell is how much ink lies there (its alpha).
    """
    from sohoa_lib.demo._scanner import _seal
    from sohoa_lib.demo._typeset import DPI, _px

    size = _px(44)
    paper = Image.new("RGB", (size, size), "white")
    _seal(paper, np.random.default_rng(seed), organisation.upper(), size // 2, size // 2)
    green = np.asarray(paper, dtype=np.float32)[..., 1]
    alpha = np.clip((255 - green) / (255 - 28) * 255, 0, 255).astype(np.uint8)
    rgba = np.zeros((size, size, 4), np.uint8)
    rgba[..., :3] = (200, 28, 42)  # the seal ink of the demo scans
    rgba[..., 3] = alpha
    image = Image.fromarray(rgba, "RGBA")
    image = image.crop(image.getbbox())
    image.info["dpi"] = (DPI, DPI)
    return image


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(common: str, organisation: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, common),
        ]
    )


def _years(start: dt.datetime, years: int) -> dt.datetime:
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February
        return start.replace(year=start.year + years, day=28)


def _root(name, key, serial, start, end) -> x509.Certificate:
    public = key.public_key()
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(serial)
        .not_valid_before(start - dt.timedelta(hours=1))  # a little slack for clock skew
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(key_cert_sign=True, crl_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )


def _leaf(name, key, issuer, issuer_key, serial, start, end, purposes) -> x509.Certificate:
    public = key.public_key()
    timestamping = purposes == [ExtendedKeyUsageOID.TIME_STAMPING]
    issuer_ski = issuer.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer.subject)
        .public_key(public)
        .serial_number(serial)
        .not_valid_before(start - dt.timedelta(hours=1))
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            _usage(digital_signature=True, content_commitment=not timestamping), critical=True
        )
        # RFC 3161 2.3: a timestamp authority's certificate has exactly this EKU, critical.
        .add_extension(x509.ExtendedKeyUsage(purposes), critical=timestamping)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(issuer_ski),
            critical=False,
        )
        .sign(issuer_key, hashes.SHA256())
    )


def _usage(**flags: bool) -> x509.KeyUsage:
    names = (
        "digital_signature",
        "content_commitment",
        "key_encipherment",
        "data_encipherment",
        "key_agreement",
        "key_cert_sign",
        "crl_sign",
        "encipher_only",
        "decipher_only",
    )
    return x509.KeyUsage(**{name: flags.get(name, False) for name in names})


def write_demo_crl(
    pki: dict[str, Path],
    out: Path,
    *,
    password: str,
    issued: dt.datetime,
    revoked: dict[Path, dt.datetime] | None = None,
) -> Path:
    """A later CRL of the demo CA, issued at `issued`, revoking the certificates of the given
    PKCS#12 files at the given times: what a CA publishes after revoking a key, for the demo and
    tests of revocation after signing."""
    secret = password.encode("utf-8")
    ca = x509.load_pem_x509_certificate(pki["ca_cert"].read_bytes())
    ca_key = serialization.load_pem_private_key(pki["ca_key"].read_bytes(), secret)
    entries = []
    for p12, when in (revoked or {}).items():
        _, cert, _ = pkcs12.load_key_and_certificates(Path(p12).read_bytes(), secret)
        entries.append((cert.serial_number, when))
    # _crl backdates by an hour for clock skew; a later CRL is dated when it is issued.
    later = issued + dt.timedelta(hours=1)
    crl = _crl(ca, ca_key, later, entries, number=2 + int(issued.timestamp()))
    _write(Path(out), crl.public_bytes(serialization.Encoding.DER))
    return Path(out)


def _crl(
    ca: x509.Certificate, key, start: dt.datetime, revoked=(), number: int = 1
) -> x509.CertificateRevocationList:
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca.subject)
        .last_update(start - dt.timedelta(hours=1))
        .next_update(_years(start, 1))
        .add_extension(x509.CRLNumber(number), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.public_key()), critical=False
        )
    )
    for serial, when in revoked:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(serial)
            .revocation_date(when.astimezone(dt.UTC))
            .build()
        )
    return builder.sign(key, hashes.SHA256())


def _write(path: Path, data: bytes, *, private: bool = False) -> None:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    if private:  # atomic_path leaves outputs world-readable; keys are for their owner only
        path.chmod(0o600)
