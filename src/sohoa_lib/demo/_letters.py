"""The demo documents planned: BHXH administrative letters (văn bản hành chính) from templates."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace

import numpy as np

from sohoa_lib.demo._letter_texts import BASES, COMMON, GROUPS, KINDS, TOPICS, Topic


@dataclass(frozen=True)
class Para:
    """One paragraph: sentences (so it can be shortened to fit a page) and how it is set."""

    sentences: tuple[str, ...]
    style: str = "body"
    """`body` (justified), `italic` (justified), `center` (bold, centred) or `heading` (bold)."""
    lead: str = ""
    """Bold words opening the paragraph, e.g. `Điều 1.`."""


@dataclass(frozen=True)
class Letter:
    """Everything printed on one document except its filler paragraphs."""

    kind: str
    """Tên loại văn bản (document type), e.g. `Quyết định`."""
    title: str
    """The printed type name (`QUYẾT ĐỊNH`); empty for a Công văn, which has none."""
    number: str
    symbol: str
    date: dt.date
    summary: str
    """Trích yếu as printed: `Về việc …`, `V/v …` (Công văn) or a bare subject (Kế hoạch)."""
    recipient: str
    """`Kính gửi: …` line, or empty."""
    authority: str
    """The deciding office above `QUYẾT ĐỊNH:` (Quyết định only), or empty."""
    opening: tuple[Para, ...]
    closing: tuple[Para, ...]
    noi_nhan: tuple[str, ...]
    """`Nơi nhận:` list (who receives copies), without its heading."""
    signer_block: tuple[str, ...]
    """Signer's title lines, e.g. (`KT. GIÁM ĐỐC`, `PHÓ GIÁM ĐỐC`)."""
    signer_name: str
    sentences: tuple[str, ...]
    """Filler templates on the letter's topic, valid in its year."""
    numbered: bool
    """Whether filler paragraphs are numbered points (`1.`, `2.` …)."""


# Family names; middle and given names by gender (Thị is a woman's middle name).
_FAMILY = "Nguyễn Trần Lê Phạm Hoàng Phan Vũ Đặng Bùi Đỗ Ngô Dương Đào Lương"
_MALE = ("Văn Đức Minh Quang Hữu Xuân", "Hùng Dũng Tuấn Sơn Thắng Hải Long Quyết")
_FEMALE = ("Thị Thu Ngọc Thanh", "Lan Hương Hạnh Phương Thủy Hiền Hà Nga")
_ADMIN = ("TỈNH", "THÀNH PHỐ", "HUYỆN", "QUẬN", "THỊ XÃ", "KHU VỰC")
_HEADS = ("TRUNG TÂM", "BAN", "VỤ", "VĂN PHÒNG", "PHÒNG", "VIỆN")
_SLOT = re.compile(r"\{(\w+)(?::([\d.]+)-([\d.]+))?\}")


def plan_letters(
    rng: np.random.Generator,
    *,
    parent: str,
    issuer: str,
    year: int,
    count: int,
    file_code: str = "",
) -> list[Letter]:
    """`count` documents of one issuer, dated in `year`, in date order, numbered plausibly.

    A nhóm hồ sơ code among the dot-separated parts of `file_code` (`BN.2019.THU.0042`) makes
    the documents mostly about that business.
    """
    people = {role: _name(rng) for role in ("head", "deputy", "office")}
    days = sorted(_working_day(rng, year) for _ in range(count))
    group = next((part for part in file_code.split(".") if part in GROUPS), "")
    letters: list[Letter] = []
    for day in days:
        for _ in range(6):  # a file rarely holds two documents on the very same matter
            letter = _letter(rng, people, parent, issuer, day, group)
            if letter.summary not in {x.summary for x in letters}:
                break
        last = max((int(x.number) for x in letters if x.kind == letter.kind), default=0)
        if int(letter.number) <= last:  # numbers of a register only grow through the year
            letter = replace(letter, number=f"{last + int(rng.integers(1, 9)):02d}")
        letters.append(letter)
    return letters


def filler(letter: Letter, rng: np.random.Generator) -> Iterator[Para]:
    """Endless body paragraphs on the letter's topic; the layout takes as many as fit."""
    deck: list[str] = []
    point = 0
    while True:
        sentences = []
        for _ in range(int(rng.integers(2, 4))):
            if not deck:
                # A shuffled deck, so a sentence comes back only after all the others.
                deck = [letter.sentences[i] for i in rng.permutation(len(letter.sentences))]
            sentences.append(_fill(deck.pop(), {}, rng))
        point += 1
        yield Para(tuple(sentences), lead=f"{point}." if letter.numbered else "")


def date_line(place: str, day: dt.date) -> str:
    """`Bắc Ninh, ngày 08 tháng 7 năm 2019`: days below 10 and months below 3 take a leading 0."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def short_name(body: str) -> str:
    """How running text names a body: `BẢO HIỂM XÃ HỘI TỈNH BẮC NINH` → `BHXH tỉnh Bắc Ninh`."""
    return long_name(body).replace("Bảo hiểm xã hội", "BHXH", 1)


def long_name(body: str) -> str:
    """A body's name in running text: `BẢO HIỂM XÃ HỘI TỈNH BẮC NINH` → `Bảo hiểm xã hội tỉnh Bắc
    Ninh`, `TRUNG TÂM LƯU TRỮ` → `Trung tâm Lưu trữ`."""
    name = " ".join(body.split())
    prefix = "BẢO HIỂM XÃ HỘI"
    if name.startswith(prefix):
        rest = name[len(prefix) :].strip()
        for admin in _ADMIN:
            if rest.startswith(admin + " "):
                return f"Bảo hiểm xã hội {admin.lower()} {_proper(rest[len(admin) :])}"
        return f"Bảo hiểm xã hội {_proper(rest)}".strip()
    for head in _HEADS:
        if name.startswith(head + " "):
            tail = name[len(head) :].strip().lower()
            return f"{head.capitalize()} {tail[:1].upper()}{tail[1:]}"
    return name[:1] + name[1:].lower()


def head_title(issuer: str) -> str:
    """The head of the issuing body: the Tổng Giám đốc at national level, else a Giám đốc."""
    national = " ".join(issuer.split()) == "BẢO HIỂM XÃ HỘI VIỆT NAM"
    return "TỔNG GIÁM ĐỐC" if national else "GIÁM ĐỐC"


def _proper(words: str) -> str:
    # Roman numerals (khu vực XII) stay upper case; place names take a capital per syllable.
    return " ".join(w if set(w) <= set("IVXLC") else w.capitalize() for w in words.split())


def _name(rng: np.random.Generator) -> str:
    middles, givens = _FEMALE if rng.random() < 0.4 else _MALE
    return " ".join(str(rng.choice(part.split())) for part in (_FAMILY, middles, givens))


def _working_day(rng: np.random.Generator, year: int) -> dt.date:
    while True:
        day = dt.date(year, 1, 2) + dt.timedelta(days=int(rng.integers(0, 360)))
        if day.weekday() < 5:
            return day


def _letter(
    rng: np.random.Generator,
    people: dict[str, str],
    parent: str,
    issuer: str,
    day: dt.date,
    group: str,
) -> Letter:
    weights = np.array([k[3] for k in KINDS])
    kind, title, code, _, per_year = KINDS[int(rng.choice(len(KINDS), p=weights / weights.sum()))]
    # Only BHXH offices handle contributions and benefits; other bodies write about their archives.
    bhxh = issuer.split()[:4] == ["BẢO", "HIỂM", "XÃ", "HỘI"]
    keys = [k for k, t in TOPICS.items() if t.since <= day.year and (bhxh or k in GROUPS["VP"])]
    preferred = [k for k in GROUPS.get(group, ()) if k in keys]
    if preferred and rng.random() < 0.8:
        keys = preferred
    topic = TOPICS[keys[rng.integers(len(keys))]]
    org = "BHXH" if bhxh else "".join(word[0] for word in issuer.split())
    head = head_title(issuer)
    signer_block, signer = _signer(rng, kind, head, people)
    ctx = _context(day, issuer)
    # Reports and submissions go up to the parent body; BHXH Việt Nam's own to its board.
    ctx["above"] = long_name(parent) or "Hội đồng quản lý Bảo hiểm xã hội Việt Nam"
    number = max(1, int(per_year * day.timetuple().tm_yday / 366 * rng.uniform(0.85, 1.0)))
    subject = _fill(topic.subject, ctx, rng)
    if kind == "Công văn":
        summary = "V/v " + _fill(_pick(rng, topic.ask), ctx, rng)
    elif kind == "Kế hoạch":
        summary = f"{subject[:1].upper()}{subject[1:]} năm {day.year}"
    elif kind == "Báo cáo":
        period = "6 tháng đầu năm" if day.month <= 7 else "năm"
        summary = f"Kết quả công tác {subject} {period} {day.year}"
    else:
        wish = "đề nghị " if kind == "Tờ trình" else ""
        summary = f"Về việc {wish}{_fill(_pick(rng, topic.decide), ctx, rng)}"
    opening, closing, recipient = _frame(rng, kind, ctx, topic, summary, day)
    pool = [s for s in _blocks(topic.sentences) + _blocks(COMMON) if _since(s) <= day.year]
    return Letter(
        kind=kind,
        title=title,
        number=f"{number:02d}",
        symbol=f"{org}-{topic.unit}" if kind == "Công văn" else f"{code}-{org}",
        date=day,
        summary=summary,
        recipient=recipient,
        authority=f"{head} {' '.join(issuer.split())}" if kind == "Quyết định" else "",
        opening=opening,
        closing=closing,
        noi_nhan=_noi_nhan(kind, topic.unit, signer_block, short_name(parent)),
        signer_block=signer_block,
        signer_name=signer,
        sentences=tuple(_fixed(s.split("|", 1)[-1], ctx) for s in pool),
        numbered=kind in ("Quyết định", "Kế hoạch", "Báo cáo"),
    )


def _signer(
    rng: np.random.Generator, kind: str, head: str, people: dict[str, str]
) -> tuple[tuple[str, ...], str]:
    """The head signs, or a deputy on the head's behalf (KT.), or the office by order (TL.)."""
    pick = rng.random()
    if pick < 0.35:
        return (head,), people["head"]
    if pick < 0.85 or kind in ("Quyết định", "Tờ trình", "Báo cáo"):
        return (f"KT. {head}", f"PHÓ {head}"), people["deputy"]
    return (f"TL. {head}", "CHÁNH VĂN PHÒNG"), people["office"]


def _frame(
    rng: np.random.Generator,
    kind: str,
    ctx: dict[str, str],
    topic: Topic,
    summary: str,
    day: dt.date,
) -> tuple[tuple[Para, ...], tuple[Para, ...], str]:
    """Opening paragraphs, closing paragraphs and `Kính gửi` line of one kind of document."""
    short, department = ctx["short"], topic.department
    archives = topic.unit == "VP"
    bases = [text for a, z, about, text in BASES if a <= day.year <= z and about == archives]
    cited = [
        bases[i] for i in sorted(rng.choice(len(bases), size=min(2, len(bases)), replace=False))
    ]
    via = f"(qua Phòng {department})" if department != "Văn phòng" else "(qua Văn phòng)"
    above = ctx["above"]
    to_above = f"Kính gửi: {above}"
    if kind == "Quyết định":
        action = summary.removeprefix("Về việc ")
        opening = (
            *(Para((f"Căn cứ {text};",), "italic") for text in cited),
            Para((f"Xét đề nghị của {_proposer(department)},",), "italic"),
            Para(("QUYẾT ĐỊNH:",), "center"),
            Para((f"{action[:1].upper()}{action[1:]}, cụ thể như sau:",), lead="Điều 1."),
        )
        duty = (
            f"Chánh Văn phòng, {_proposer(department)}"
            if department != "Văn phòng"
            else ("Chánh Văn phòng, Trưởng các phòng nghiệp vụ")
        )
        closing = (
            Para(("Quyết định này có hiệu lực kể từ ngày ký.",), lead="Điều 2."),
            Para((f"{duty} và các cá nhân có liên quan chịu trách nhiệm thi hành Quyết định "
                  "này./.",), lead="Điều 3."),
        )  # fmt: skip
        return opening, closing, ""
    if kind == "Kế hoạch":
        subject = f"{summary[:1].lower()}{summary[1:]}"
        opening = (
            Para((f"Căn cứ {cited[0]}, {short} xây dựng Kế hoạch {subject} như sau:",)),
            Para(("I. MỤC ĐÍCH, YÊU CẦU",), "heading"),
        )
        closing = (
            Para(("II. TỔ CHỨC THỰC HIỆN",), "heading"),
            Para((f"Các phòng nghiệp vụ căn cứ Kế hoạch này tổ chức triển khai, báo cáo kết quả "
                  f"về {short} {via} để tổng hợp./.",)),
        )  # fmt: skip
        return opening, closing, ""
    if kind == "Báo cáo":
        opening = (
            Para((f"Thực hiện chỉ đạo của {above}, {short} báo cáo kết quả như "
                  "sau:",)),
            Para(("I. KẾT QUẢ THỰC HIỆN",), "heading"),
        )  # fmt: skip
        closing = (Para((f"Trên đây là báo cáo kết quả công tác của {short}./.",)),)
        return opening, closing, to_above
    if kind == "Tờ trình":
        opening = (Para((f"Căn cứ {cited[-1]}, {short} kính trình nội dung như sau:",)),)
        closing = (Para((f"{short} kính trình {above} xem xét, phê duyệt./.",)),)
        return opening, closing, to_above
    if kind == "Thông báo":
        opening = (Para((f"{short} thông báo một số nội dung như sau:",)),)
        closing = (Para((f"{short} thông báo để các đơn vị, cá nhân biết và thực hiện./.",)),)
        return opening, closing, ""
    opening = (Para((f"Thực hiện {cited[0]}, {short} đề nghị các đơn vị thực hiện một số nội "
                     "dung sau:",)),)  # fmt: skip
    closing = (Para((f"Trong quá trình thực hiện, nếu có vướng mắc đề nghị phản ánh về {short} "
                     f"{via} để được hướng dẫn./.",)),)  # fmt: skip
    return opening, closing, f"Kính gửi: {topic.recipient}"


def _proposer(department: str) -> str:
    return "Chánh Văn phòng" if department == "Văn phòng" else f"Trưởng phòng {department}"


def _noi_nhan(kind: str, unit: str, signer_block: tuple[str, ...], above: str) -> tuple[str, ...]:
    first = {"Quyết định": "- Như Điều 3;", "Kế hoạch": "- Các phòng nghiệp vụ;"}
    lines = [first.get(kind, "- Như trên;")]
    if len(signer_block) > 1:
        head = signer_block[0].split(" ", 1)[1].lower().replace("giám đốc", "Giám đốc")
        lines.append(f"- {head[:1].upper()}{head[1:]} (để b/c);")
    if above and kind in ("Kế hoạch", "Thông báo", "Quyết định"):
        lines.append(f"- {above} (để b/c);")
    lines.append(f"- Lưu: VT, {unit}.")
    return tuple(lines)


def _context(day: dt.date, issuer: str) -> dict[str, str]:
    """Fixed values a template can name; `{n:a-b}`, `{bn:a-b}` and `{pct}` are drawn per use."""
    year = day.year
    schemes = "BHXH" if year < 2003 else "BHXH, BHYT" if year < 2009 else "BHXH, BHYT, BHTN"
    words = f" {' '.join(issuer.split())} "
    scope = next((f"toàn {a.lower()}" for a in _ADMIN[:5] if f" {a} " in words), "toàn ngành")
    return {
        "year": str(year),
        "prev": str(year - 1),
        "next": str(year + 1),
        "old": str(max(1995, year - 8)),
        "month": str(day.month),
        "quarter": ("I", "II", "III", "IV")[(day.month - 1) // 3],
        "day": f"{day.day:02d}/{day.month:02d}/{year}",
        "schemes": schemes,
        "scope": scope,
        "short": short_name(issuer),
    }


def _fill(template: str, ctx: dict[str, str], rng: np.random.Generator) -> str:
    def value(match: re.Match[str]) -> str:
        name, low, high = match.groups()
        if name == "n":
            return f"{int(rng.integers(int(low), int(high) + 1)):,}".replace(",", ".")
        if name == "bn":
            return f"{rng.uniform(float(low), float(high)):.1f} tỷ đồng".replace(".", ",")
        if name == "pct":
            return f"{rng.uniform(86, 104):.1f}".replace(".", ",")
        if name == "pct_up":
            return f"{rng.uniform(2, 18):.1f}".replace(".", ",")
        return ctx[name]

    return _SLOT.sub(value, template)


def _fixed(template: str, ctx: dict[str, str]) -> str:
    """Fill the names that stay the same for the whole letter, leave the drawn ones."""
    return _SLOT.sub(lambda m: ctx.get(m.group(1), m.group(0)), template)


def _pick(rng: np.random.Generator, options: str) -> str:
    choices = options.split("|")
    return choices[int(rng.integers(len(choices)))]


def _blocks(text: str) -> list[str]:
    """Sentences of a template block: separated by blank lines, wrapped freely inside."""
    return [" ".join(chunk.split()) for chunk in text.split("\n\n") if chunk.strip()]


def _since(template: str) -> int:
    head, sep, _ = template.partition("|")
    return int(head) if sep and head.isdigit() else 0
