"""A unit's settings, loaded from `params/units/<UNIT>.yaml` and validated on load."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from sohoa_lib.common.config import build, read_yaml
from sohoa_lib.errors import ParamsError
from sohoa_lib.records import registry

PROFILES = ("tt05-2025", "tt02-2019")
PROFILE_NAMES = {"tt05-2025": "Thông tư 05/2025/TT-BNV", "tt02-2019": "Thông tư 02/2019/TT-BNV"}
"""Each compliance profile by the circular a reader knows it by."""
LEVELS = ("central", "province", "regional", "local")
# What an environment variable's name looks like (POSIX: capitals, digits, underscore). A password
# pasted where the name goes rarely does, and is then refused without being shown.
ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]{0,63}")

# Circular 05/2025/TT-BNV: a digitized archive is kept in at least two copies on independent storage.
MIN_BACKUP_COPIES = 2


@dataclass(frozen=True)
class Selection:
    """Which files plan 1838 lets us digitize, and how much of the holdings to reach."""

    target_share: float = 0.30
    """Share of the non-electronic holdings' pages to digitize (plan 1838 II.2.1: at least 30%)."""
    year_from: int = 1995
    """First year of formation in scope (plan 1838 II.2)."""
    year_to: int = 2021
    """Last year of formation in scope (plan 1838 II.2)."""


@dataclass(frozen=True)
class InventoryFacts:
    """What the unit declares for its whole inventory where the sheet has no column for it.

    An archivist's mục lục hồ sơ lists arranged files only and gives its phông once; such facts
    are declared here rather than assumed. Each one used is stated in the inventory report; a
    column in the sheet wins over a declaration. Unset (null) means "not declared".
    """

    phong: str | None = None
    """Phông (fonds) code that composes the mã hồ sơ when neither rows nor title rows give it."""
    muc_luc: str | None = None
    """Mục lục số that composes the mã hồ sơ when neither rows nor title rows give it."""
    da_chinh_ly: bool | None = None
    """Every file listed has been arranged (a mục lục made in the chỉnh lý work)."""
    mat: bool | None = None
    """Whether the files listed are state secret."""
    qppl: bool | None = None
    """Whether the files listed are legal normative documents."""
    da_co_dien_tu: bool | None = None
    """Whether the files listed already exist in the electronic document systems."""


@dataclass(frozen=True)
class Capacity:
    """The unit's digitization means, for the pace estimate."""

    scanners: int
    """Scanners in service."""
    staff: int
    """People working on digitization full time."""
    pages_per_scanner_day: int = 1500
    """Pages one scanner produces in a working day (feeding, scanning, reloading)."""
    hours_per_day: float = 8.0
    """Working hours in a day, for labour-day conversions."""
    weekmask: str = "Mon Tue Wed Thu Fri"
    """Working days of the week (numpy busday weekmask)."""
    holidays: tuple[dt.date, ...] = ()
    """Public holidays falling on working days (Tết moves every year, so list them)."""


@dataclass(frozen=True)
class Digitize:
    """How stage 2 checks, reads and packages the scans."""

    ocr_model: str = "fast"
    """`fast`: Debian's tesseract-ocr-vie; `best`: tessdata_best vie (scripts/fetch-tessdata-best.sh)."""
    tessdata_dir: Path | None = None
    """Folder holding the `best` model's vie.traineddata."""
    workers: int = 0
    """Processes for page work; 0 means one per core."""
    pdf_per: str = "document"
    """`document`: one PDF/A per văn bản, `<mã hồ sơ>.<seq>.pdf`; `file`: `<mã hồ sơ>.pdf`."""
    document_list: Path | None = None
    """CSV of known documents (ma_ho_so, trang_dau, trang_cuoi); it wins over detection."""
    scheduler: str | None = None
    """Address of a Dask scheduler (`tcp://host:8786`) to send page work to; none means a local
    process pool. $SOHOA_DASK_SCHEDULER and `sohoa run --scheduler` take precedence."""


@dataclass(frozen=True)
class Token:
    """A PKCS#11 token (USB token or HSM) holding the signing key."""

    module: Path
    """The vendor's PKCS#11 library (.so)."""
    token_label: str
    """Label of the token in its slot."""
    key_label: str
    """Label of the signing key (and its certificate) on the token."""
    pin_env: str = "SOHOA_TOKEN_PIN"
    """Environment variable holding the PIN; prompted for when unset and a terminal is attached."""


@dataclass(frozen=True)
class Signing:
    """Who signs the archive's files and with what; secrets are never here (see SPEC §5)."""

    organisation: str
    """Name of the archive organisation shown in the visible signature."""
    pkcs12: Path | None = None
    """PKCS#12 file with the signing key and certificate chain (or use `token`)."""
    password_env: str = "SOHOA_KEY_PASSWORD"
    """Environment variable holding the PKCS#12 password; prompted for when unset on a terminal."""
    token: Token | None = None
    """PKCS#11 token instead of a PKCS#12 file."""
    trust_roots: tuple[Path, ...] = ()
    """Root certificates (PEM or DER) that signatures must chain to."""
    tsa_url: str | None = None
    """RFC 3161 timestamp authority: signatures become PAdES B-T."""
    demo_tsa: Path | None = None
    """Demo only: a PKCS#12 of a test timestamp authority, used offline instead of `tsa_url`."""
    revocation: tuple[Path, ...] = ()
    """CRL files to embed (PAdES B-LT) when revocation information cannot be fetched live."""
    document_timestamp: bool = True
    """Once B-LT is reached, add a document timestamp over the whole file (PAdES B-LTA), so the
    validation data is itself protected and can be renewed (`sohoa preserve renew`)."""
    seal_image: Path | None = None
    """Transparent PNG of the organisation's red seal (profile tt02-2019), drawn at actual size."""
    seal_dpi: float = 300.0
    """Resolution the seal image was scanned at, so it is drawn at its actual size."""


@dataclass(frozen=True)
class Preservation:
    """Where the information packages go and how they are kept."""

    backups: tuple[Path, ...] = ()
    """Backup locations on independent storage (at least two, tt05-2025)."""
    renew_margin_days: int = 730
    """`sohoa preserve renew` renews a file whose newest timestamp certificate expires within
    this many days (two years: time to notice and act before the timestamp proves nothing)."""


@dataclass(frozen=True)
class Review:
    """The cataloguer's review before signing (biên mục)."""

    sign_unreviewed: bool = False
    """Sign files whose documents still have flagged fields nobody has looked at. Off: they wait
    as "chờ biên mục". On: they are signed and the stage's report and summary say so."""


@dataclass(frozen=True)
class UnitSettings:
    """Everything one unit's run needs, as written in its params file."""

    unit: str
    """Registry code (`TTLT`, `BN`, …)."""
    name: str
    """Unit name as shown in reports."""
    level: str
    """One of central, province, regional, local."""
    phase: int
    """Phase of plan 1838."""
    deadline: dt.date
    """Date the unit's digitization must be complete."""
    inventory: Path
    """The records inventory (CSV or XLSX)."""
    costs: Path
    """Labour norms and prices (params/costs.yaml)."""
    capacity: Capacity
    """Scanners and staff."""
    signing: Signing
    """Signing organisation."""
    scans: Path | None = None
    """Scan folder: one sub-folder per mã hồ sơ."""
    statistics: Path | None = None
    """Statistics folder: the unit's report tables."""
    indicators: Path | None = None
    """Indicator definitions (params/indicators.yaml), for the statistics stage."""
    new_target_date: dt.date | None = None
    """Revised completion date, used for the pace when the deadline has passed."""
    profile: str = "tt05-2025"
    """Compliance profile: tt05-2025 (default) or tt02-2019."""
    selection: Selection = field(default_factory=Selection)
    """Eligibility years and target share."""
    inventory_facts: InventoryFacts = field(default_factory=InventoryFacts)
    """Facts declared for the whole inventory (phông, mục lục, đã chỉnh lý, mật, QPPL, điện tử)."""
    digitize: Digitize = field(default_factory=Digitize)
    """OCR model, workers and PDF packaging."""
    preservation: Preservation = field(default_factory=Preservation)
    """Backup locations of the information packages."""
    review: Review = field(default_factory=Review)
    """Whether unreviewed flagged files may be signed (they may not, by default)."""
    source: Path = field(default=Path(), compare=False)
    """The params file these settings came from."""


def load_unit_settings(path: str | Path) -> UnitSettings:
    """Read and validate a unit's params file; ParamsError names the file and the bad key."""
    path = Path(path).resolve()
    settings: UnitSettings = build(UnitSettings, read_yaml(path), source=path)
    object.__setattr__(settings, "source", path)
    _validate(settings, path)
    return settings


def _validate(s: UnitSettings, path: Path) -> None:
    try:
        registry.unit(s.unit)
    except ParamsError as exc:
        raise ParamsError(f"{path}: khóa 'unit': {exc}") from None
    if s.level not in LEVELS:
        raise ParamsError(
            f"{path}: khóa 'level' phải là một trong {', '.join(LEVELS)}, nhận được {s.level!r}"
        )
    if s.profile not in PROFILES:
        raise ParamsError(
            f"{path}: khóa 'profile' phải là một trong {', '.join(PROFILES)}, "
            f"nhận được {s.profile!r}"
        )
    if not 0 < s.selection.target_share <= 1:
        raise ParamsError(
            f"{path}: khóa 'selection.target_share' phải là một tỷ lệ trong (0, 1], "
            f"nhận được {s.selection.target_share!r}"
        )
    if s.selection.year_from > s.selection.year_to:
        raise ParamsError(f"{path}: khóa 'selection.year_from' lớn hơn 'selection.year_to'")
    if s.capacity.scanners < 1 or s.capacity.staff < 1:
        raise ParamsError(f"{path}: khóa 'capacity.scanners' và 'capacity.staff' phải ≥ 1")
    for key, value in [
        ("capacity.pages_per_scanner_day", s.capacity.pages_per_scanner_day),
        ("capacity.hours_per_day", s.capacity.hours_per_day),
        ("signing.seal_dpi", s.signing.seal_dpi),
    ]:
        if not value > 0:
            raise ParamsError(f"{path}: khóa {key!r} phải lớn hơn 0, nhận được {value!r}")
    if s.preservation.renew_margin_days < 1:
        raise ParamsError(
            f"{path}: khóa 'preservation.renew_margin_days' phải từ 1 trở lên, "
            f"nhận được {s.preservation.renew_margin_days!r}"
        )
    if s.digitize.workers < 0:
        raise ParamsError(
            f"{path}: khóa 'digitize.workers' phải từ 0 (mỗi lõi CPU một tiến trình) trở lên, "
            f"nhận được {s.digitize.workers!r}"
        )
    if s.new_target_date is not None and s.new_target_date <= s.deadline:
        raise ParamsError(f"{path}: khóa 'new_target_date' phải sau 'deadline' ({s.deadline})")
    for name in ("inventory", "costs", "indicators"):
        if getattr(s, name) is not None and not getattr(s, name).is_file():
            raise ParamsError(f"{path}: khóa {name!r}: không tìm thấy tệp: {getattr(s, name)}")
    if s.digitize.ocr_model not in ("fast", "best"):
        raise ParamsError(
            f"{path}: khóa 'digitize.ocr_model' phải là fast hoặc best, "
            f"nhận được {s.digitize.ocr_model!r}"
        )
    if s.digitize.pdf_per not in ("document", "file"):
        raise ParamsError(
            f"{path}: khóa 'digitize.pdf_per' phải là document hoặc file, "
            f"nhận được {s.digitize.pdf_per!r}"
        )
    if s.digitize.document_list is not None and not s.digitize.document_list.is_file():
        raise ParamsError(
            f"{path}: khóa 'digitize.document_list': không tìm thấy tệp: {s.digitize.document_list}"
        )
    sign = s.signing
    for key, name in [
        ("signing.password_env", sign.password_env),
        ("signing.token.pin_env", sign.token.pin_env if sign.token else None),
    ]:
        if name is not None and not ENV_NAME.fullmatch(name):
            raise ParamsError(
                f"{path}: khóa {key!r} phải là tên một biến môi trường (chữ in hoa, chữ số và _, "
                "như SOHOA_KEY_PASSWORD); giá trị đã nhập không được hiển thị vì có thể chính là "
                "thông tin bí mật: hãy đặt bí mật vào biến đó, không bao giờ ghi vào tệp tham số"
            )
    if sign.pkcs12 is not None and sign.token is not None:
        raise ParamsError(
            f"{path}: khóa 'signing.pkcs12' và 'signing.token': chỉ khai báo một, không khai cả hai"
        )
    for name, file in [
        ("signing.pkcs12", sign.pkcs12),
        ("signing.demo_tsa", sign.demo_tsa),
        ("signing.seal_image", sign.seal_image),
        *((f"signing.trust_roots[{i}]", p) for i, p in enumerate(sign.trust_roots)),
        *((f"signing.revocation[{i}]", p) for i, p in enumerate(sign.revocation)),
    ]:
        if file is not None and not file.is_file():
            raise ParamsError(f"{path}: khóa {name!r}: không tìm thấy tệp: {file}")
    if s.profile == "tt02-2019" and (sign.pkcs12 or sign.token) and sign.seal_image is None:
        raise ParamsError(
            f"{path}: profile tt02-2019 cần khóa 'signing.seal_image' (ảnh PNG con dấu đỏ)"
        )
    for name in ("scans", "statistics"):
        folder = getattr(s, name)
        if folder is not None and not folder.is_dir():
            raise ParamsError(f"{path}: khóa {name!r}: không tìm thấy thư mục: {folder}")
    backups = set(s.preservation.backups)
    if (s.preservation.backups or s.signing.pkcs12 or s.signing.token) and len(
        backups
    ) < MIN_BACKUP_COPIES:
        raise ParamsError(
            f"{path}: khóa 'preservation.backups' liệt kê {len(backups)} vị trí khác nhau; "
            f"tt05-2025 yêu cầu ít nhất {MIN_BACKUP_COPIES} vị trí, trên các thiết bị lưu trữ độc lập"
        )
