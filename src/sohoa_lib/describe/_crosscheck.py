"""Cross-checks between a document's fields that turn doubt into a flag with its reason."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Mapping

from sohoa_lib.common.text import fold
from sohoa_lib.describe._fields import Field
from sohoa_lib.describe._signer import Signer, authority, known_titles, split_prefix
from sohoa_lib.describe._wordcheck import bad_words, rules, surnames
from sohoa_lib.describe.boxes import Word
from sohoa_lib.records.codes import names

WORD_CONF = 75
"""Below this Tesseract confidence a word a field was read from is doubted. On the five real
scans every misread word of a field scored 71 or less (`lệ` for `thực hiện dự`, handwritten
digits 0–57); printed words read right mostly score 84–97."""

WORD_GAP = 1.2
"""Between two words of a line of a summary or a name, a blank wider than this many word heights
is where words were lost (OCR took them into a stamp or seal beside them). Words of a printed
line stand 0.2–0.5 heights apart; rd05's `lệ án`, read for `thực hiện dự án` under a received
stamp, 1.7."""

LOW_CONF = "OCR không chắc"
"""Opens the reason given for words read with a confidence under WORD_CONF."""
_SYMBOL_CHARS = re.compile(r"[A-Za-z0-9Đđ./-]")

_TEXT_KEYS = ("co_quan_ban_hanh", "trich_yeu", "nguoi_ky", "chuc_vu_nguoi_ky", "noi_ban_hanh")


def cross_check(
    fields: Mapping[str, Field],
    words: Mapping[str, tuple[Word, ...]],
    signer: Signer | None,
    inventory_dates: tuple[dt.date, dt.date] | None,
    today: dt.date,
) -> dict[str, Field]:
    """The fields with a Vietnamese reason added to each one a check doubts."""
    reasons: dict[str, list[str]] = {k: [] for k in fields}
    for k, used in words.items():
        low = [w for w in used if w.conf < WORD_CONF]
        if low and fields[k].value is not None:
            shown = ", ".join(f"«{w.text}» ({w.conf:.0f})" for w in low[:4])
            reasons[k].append(f"{LOW_CONF}: {shown}")
    for k in ("trich_yeu", "nguoi_ky"):
        gap = _gap(words.get(k, ()))
        if gap and fields[k].value is not None:
            reasons[k].append(f"khoảng trống giữa «{gap[0]}» và «{gap[1]}»: có thể mất chữ")
    for k in _TEXT_KEYS:
        value = fields[k].value
        bad = bad_words(value) if value else []
        if bad:
            reasons[k].append("chữ không phải âm tiết tiếng Việt: " + ", ".join(bad[:4]))
    _symbol_checks(fields, reasons)
    _date_checks(fields, reasons, inventory_dates, today)
    _name_checks(fields, reasons, signer)
    _title_checks(fields, reasons)
    out = {}
    for k, field in fields.items():
        found = [r for r in (field.reason, *reasons[k]) if r]
        out[k] = Field(field.value, field.confidence, field.source, "; ".join(dict.fromkeys(found)))
    return out


def _gap(used: tuple[Word, ...]) -> tuple[str, str] | None:
    """The first two neighbouring words of one line with a blank between them wider than
    WORD_GAP word heights, or None."""
    for a, b in itertools.pairwise(used):
        same_row = min(a.y1, b.y1) - max(a.y0, b.y0) > 0
        height = max(a.height, b.height, 1)
        if same_row and b.x0 > a.x1 and b.x0 - a.x1 > WORD_GAP * height:
            return a.text, b.text
    return None


def _parts(symbol: str) -> list[str]:
    """A ký hiệu's letter parts (`2020/NĐ-CP` → NĐ, CP): a year is no part."""
    return [p for p in re.split(r"[-/]", symbol) if p and not p.isdigit()]


def _symbol_checks(fields: Mapping[str, Field], reasons: dict[str, list[str]]) -> None:
    """Ký hiệu's type part against the type; its issuer part against the issuer."""
    symbol, kind = fields["ky_hieu"].value, fields["ten_loai"].value
    if not symbol:
        return
    # A ký hiệu abbreviates with unmarked initials, Đ aside (QĐ, NĐ-CP, HĐLĐ): any other letter
    # is OCR's (`QĐÐ`, an Icelandic eth doubling the Đ in a line read alone).
    odd = sorted({c for c in symbol if not _SYMBOL_CHARS.match(c)})
    if odd:
        reasons["ky_hieu"].append("ký hiệu có ký tự lạ: " + ", ".join(f"«{c}»" for c in odd))
    parts = _parts(symbol)
    if not parts:
        return
    table = names("ten_loai_van_ban")
    coded = next((table[c] for c in sorted(table, key=len, reverse=True) if parts[0] == c), None)
    if kind == "Công văn":
        if coded and coded != "Công văn":
            why = f"ký hiệu «{symbol}» là của {coded}, nhưng không thấy tên loại in trên văn bản"
            reasons["ten_loai"].append(why)
            reasons["ky_hieu"].append(why)
        issuer_parts = parts
    elif kind:
        code = next((c for c, n in table.items() if n == kind), None)
        if code and not parts[0].startswith(code):
            why = f"ký hiệu «{symbol}» không mở đầu bằng «{code}» của {kind}"
            reasons["ten_loai"].append(why)
            reasons["ky_hieu"].append(why)
        issuer_parts = parts[1:]
    else:
        issuer_parts = parts[1:] if coded else parts
    issuer = fields["co_quan_ban_hanh"].value
    if issuer and issuer_parts and not any(_abbreviates(p, issuer) for p in issuer_parts):
        why = f"cơ quan «{issuer}» không khớp phần cơ quan «{'-'.join(issuer_parts)}» của ký hiệu"
        reasons["co_quan_ban_hanh"].append(why)
        reasons["ky_hieu"].append(why)


def _abbreviates(part: str, issuer: str) -> bool:
    """Whether a ký hiệu part abbreviates the issuer: by the list, or as its words' initials
    (`UBND` for ỦY BAN NHÂN DÂN TỈNH …, `BHXH` for BẢO HIỂM XÃ HỘI …)."""
    folded = fold(issuer)
    listed = rules()["abbreviations"]["names"]
    if part in listed:
        return folded.startswith(listed[part])
    initials = "".join(w[0] for w in folded.split() if w[0].isalpha())
    return len(part) >= 2 and initials.startswith(fold(part))


def _date_checks(fields, reasons, inventory_dates, today: dt.date) -> None:
    value = fields["ngay"].value
    if not value or len(value) != 10:
        return
    date = dt.date.fromisoformat(value)
    if date > today:
        reasons["ngay"].append(f"ngày {date:%d/%m/%Y} ở sau ngày tính số liệu {today:%d/%m/%Y}")
    if inventory_dates:
        start, end = inventory_dates
        if not start <= date <= end:
            reasons["ngay"].append(
                f"ngày {date:%d/%m/%Y} ngoài thời gian của hồ sơ ({start:%d/%m/%Y}–{end:%d/%m/%Y})"
            )


def _name_checks(fields, reasons, signer: Signer | None) -> None:
    """A name: a common surname as spelt, two to four more syllables, none cut."""
    name = fields["nguoi_ky"].value
    if not name:
        if fields["chuc_vu_nguoi_ky"].value:
            reasons["nguoi_ky"].append("không đọc được tên người ký dưới chức vụ")
        return
    parts = name.split()
    if parts[0].lower() not in surnames():
        reasons["nguoi_ky"].append(f"«{parts[0]}» không phải họ thường gặp")
    if len(parts) < 3:
        reasons["nguoi_ky"].append("tên chỉ có hai chữ: có thể mất họ hoặc tên")
    if len(parts) > 5 or any(not p[0].isupper() for p in parts):
        reasons["nguoi_ky"].append("tên có chữ bị cắt hoặc không viết hoa")
    if signer and signer.name_words and len(signer.lines) > 1:
        block = signer.lines[:-1]
        axis = sum((ln.x0 + ln.x1) / 2 for ln in block) / len(block)
        line = signer.lines[-1]
        height = max(w.height for w in signer.name_words)
        # Names are centred under their title lines; a lost word shifts the rest off the axis.
        if abs((line.x0 + line.x1) / 2 - axis) > 1.2 * height:
            reasons["nguoi_ky"].append("tên lệch khỏi trục khối chữ ký: có thể mất chữ")


def _title_checks(fields, reasons) -> None:
    """The signer's title lines against the authority word that opens them (TM., KT., …)."""
    value = fields["chuc_vu_nguoi_ky"].value
    if not value:
        return
    lines = [t.strip() for t in value.split(" / ")]
    needs = rules()["authority"]["prefixes"]
    known = set(known_titles().values())
    for i, line in enumerate(lines):
        prefix, rest = split_prefix(line)
        following = lines[i + 1] if i + 1 < len(lines) else None
        need = needs.get(authority(prefix))
        if need != "body" and rest not in known:
            reasons["chuc_vu_nguoi_ky"].append(f"chức vụ «{rest}» không có trong danh mục")
        if need in ("body", "deputy", "title") and following is None:
            reasons["chuc_vu_nguoi_ky"].append(f"sau «{line}» thiếu dòng chức vụ của người ký")
        elif need == "deputy" and following and not split_prefix(following)[1].startswith("PHÓ"):
            reasons["chuc_vu_nguoi_ky"].append(f"ký thay «{line}» mà chức vụ không phải cấp phó")
        # Only an authority line (TM., KT., TL., TUQ.) has a line under it; a deputy (PHÓ …)
        # signs under KT. (an OCR that lost `KT.` leaves two bare titles, or a bare PHÓ).
        if not prefix and following is not None:
            reasons["chuc_vu_nguoi_ky"].append(
                f"dòng «{line}» không có TM./KT./TL. mà còn dòng dưới"
            )
        before = split_prefix(lines[i - 1])[0] if i else ""
        if not prefix and rest.startswith("PHÓ ") and i and authority(before) != "KT.":
            reasons["chuc_vu_nguoi_ky"].append(f"cấp phó «{line}» ký mà dòng trên không có KT.")
