"""Text of the demo documents: BHXH administrative letters (văn bản hành chính) from templates."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np


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


class _Topic(NamedTuple):
    """One area of BHXH work that documents are about."""

    unit: str
    """Abbreviation of the drafting department, in symbols and `Lưu:`."""
    department: str
    since: int
    """First year documents on it exist (BHYT joined BHXH in 2003)."""
    decide: str
    """Actions for `Về việc …`, `|`-separated."""
    ask: str
    """Subjects for a Công văn's `V/v …`, `|`-separated."""
    subject: str
    """Work area in the titles of plans and reports."""
    sentences: str
    """Filler templates separated by blank lines; `2010|` opens one valid from 2010 on.
    {n:a-b} (a count), {bn:a-b} (billions of đồng), {pct}, {pct_up} are drawn anew each time;
    other {names} come from _context."""
    recipient: str
    """Who a Công văn on this topic is addressed to."""


_LOCAL = "Các đơn vị sử dụng lao động trên địa bàn"
_TOPICS: dict[str, _Topic] = {
    "thu": _Topic(
        "QLT",
        "Quản lý thu",
        1995,
        "phê duyệt kế hoạch thu {schemes} năm {year}|giao chỉ tiêu thu {schemes} năm {year}",
        "đôn đốc thu nợ {schemes}|đối chiếu danh sách lao động tham gia {schemes}",
        "thu {schemes}",
        """
        Tính đến ngày {day}, {scope} có {n:900-4500} đơn vị với {n:45000-160000} người lao động
        tham gia {schemes} bắt buộc.

        Tổng số thu {schemes} trong kỳ đạt {bn:150-900}, bằng {pct}% kế hoạch năm được giao.

        Số tiền chậm đóng {schemes} đến cuối kỳ là {bn:5-60}, chủ yếu ở các doanh nghiệp ngoài quốc
        doanh.

        Phòng Quản lý thu phối hợp với các đơn vị rà soát, đối chiếu danh sách lao động và tiền
        lương làm căn cứ đóng của từng đơn vị.

        Các đơn vị chậm đóng từ {n:3-6} tháng trở lên được lập danh sách, gửi văn bản đôn đốc và
        đề nghị thanh tra, kiểm tra theo quy định.

        Đơn vị sử dụng lao động có trách nhiệm đóng đủ, đúng hạn {schemes} cho người lao động theo
        mức tiền lương ghi trên hợp đồng lao động.

        Trong kỳ đã phát triển thêm {n:40-300} đơn vị mới với {n:800-6000} lao động tham gia.

        Cán bộ chuyên quản thu thường xuyên nắm tình hình sử dụng lao động của đơn vị để kịp thời
        điều chỉnh mức đóng.
        """,
        _LOCAL,
    ),
    "sothe": _Topic(
        "CST",
        "Cấp sổ, thẻ",
        1995,
        "cấp lại sổ bảo hiểm xã hội|điều chỉnh thông tin trên sổ bảo hiểm xã hội",
        "rà soát, cấp lại sổ BHXH|xác nhận quá trình đóng BHXH trên sổ",
        "cấp sổ BHXH",
        """
        Trong kỳ đã cấp mới {n:1200-9000} sổ BHXH, cấp lại và điều chỉnh thông tin {n:150-900} sổ
        theo đề nghị của người lao động.

        Sổ BHXH trước khi trả cho đơn vị được kiểm tra, đối chiếu với hồ sơ gốc.

        2003|Bộ phận cấp sổ, thẻ đã in và cấp {n:20000-150000} thẻ BHYT cho các nhóm đối tượng,
        bảo đảm đúng thời hạn.

        Hồ sơ đề nghị cấp lại sổ BHXH do mất, hỏng được tiếp nhận và giải quyết trong thời hạn
        quy định.

        Việc ghi, xác nhận quá trình đóng {schemes} trên sổ được thực hiện hằng năm cho người lao
        động.

        Đơn vị có trách nhiệm bảo quản sổ BHXH của người lao động trong thời gian làm việc và trả
        lại khi người lao động thôi việc.
        """,
        _LOCAL,
    ),
    "chedo": _Topic(
        "CĐBHXH",
        "Chế độ BHXH",
        1995,
        "giải quyết hưởng chế độ ốm đau, thai sản tháng {month} năm {year}|hưởng lương hưu hằng "
        "tháng",
        "hướng dẫn lập hồ sơ hưởng chế độ ốm đau, thai sản|giải quyết chế độ hưu trí",
        "giải quyết các chế độ BHXH",
        """
        Trong tháng {month}, đã giải quyết cho {n:800-6000} lượt người hưởng chế độ ốm đau với tổng
        số tiền {bn:2-25}.

        Số người hưởng chế độ thai sản là {n:300-2500} người, số tiền chi trả {bn:5-60}.

        Đã giải quyết hưởng lương hưu hằng tháng cho {n:80-600} người và trợ cấp một lần cho
        {n:30-300} người.

        Hồ sơ được kiểm tra đầy đủ thành phần, đối chiếu thời gian đóng BHXH và mức hưởng theo quy
        định.

        Danh sách người lao động đề nghị hưởng chế độ ốm đau, thai sản do đơn vị lập được xét duyệt
        theo từng đợt.

        Chế độ dưỡng sức, phục hồi sức khỏe được giải quyết cho {n:100-900} lượt người.

        Hồ sơ chưa đủ điều kiện được trả lại đơn vị kèm văn bản nêu rõ lý do.
        """,
        _LOCAL,
    ),
    "ketoan": _Topic(
        "KHTC",
        "Kế hoạch - Tài chính",
        1995,
        "phê duyệt dự toán chi quản lý bộ máy năm {year}|giao dự toán chi năm {year}",
        "đối chiếu số liệu quyết toán năm {prev}|chi trả lương hưu, trợ cấp BHXH",
        "tài chính, kế toán",
        """
        Tổng số chi các chế độ BHXH trong kỳ là {bn:200-1500}, tăng {pct_up}% so với cùng kỳ năm
        trước.

        Kinh phí chi quản lý bộ máy được sử dụng đúng mục đích, đúng định mức và tiết kiệm.

        Sổ kế toán, chứng từ chi trả được lập, lưu giữ đầy đủ và đối chiếu với Kho bạc Nhà nước
        hằng tháng.

        Công tác quyết toán năm {prev} đã hoàn thành, số liệu khớp đúng giữa các bộ phận.

        2010|Việc chi trả lương hưu, trợ cấp BHXH hằng tháng qua hệ thống bưu điện được thực hiện
        đầy đủ, kịp thời.

        Các khoản chi sai chế độ phát hiện qua kiểm tra đã được thu hồi, nộp về quỹ.
        """,
        "Bảo hiểm xã hội các huyện, thị xã, thành phố",
    ),
    "luutru": _Topic(
        "VP",
        "Văn phòng",
        1995,
        "thành lập Tổ chỉnh lý tài liệu lưu trữ năm {year}|thành lập Hội đồng xác định giá trị tài "
        "liệu",
        "giao nộp hồ sơ, tài liệu vào Lưu trữ cơ quan|chỉnh lý tài liệu tồn đọng",
        "chỉnh lý tài liệu lưu trữ",
        """
        Tổng khối lượng tài liệu đưa ra chỉnh lý là {n:30-180} mét giá, thời gian của tài liệu từ
        năm {old} đến năm {prev}.

        Tài liệu sau chỉnh lý được phân loại, lập hồ sơ, xác định thời hạn bảo quản và sắp xếp theo
        phương án đã được duyệt.

        Hồ sơ được biên mục, đánh số tờ, viết mục lục văn bản và đưa vào hộp đúng quy định.

        Tài liệu hết giá trị được thống kê thành danh mục để Hội đồng xác định giá trị tài liệu xem
        xét, đề nghị hủy.

        Kho lưu trữ được trang bị giá, hộp và thiết bị phòng cháy, chữa cháy để bảo quản an toàn
        tài liệu.

        Sau chỉnh lý thu được {n:800-5000} hồ sơ, trong đó {n:200-1500} hồ sơ bảo quản vĩnh viễn.

        Các phòng nghiệp vụ giao nộp hồ sơ, tài liệu đã giải quyết xong vào Lưu trữ cơ quan đúng
        thời hạn.
        """,
        "Các phòng nghiệp vụ",
    ),
    # Sentences after plan 1838/KH-BHXH (seed 000), the programme this tool serves.
    "sohoa": _Topic(
        "VP",
        "Văn phòng",
        2012,
        "phê duyệt danh mục hồ sơ, tài liệu đưa ra số hóa năm {year}",
        "chuẩn bị tài liệu phục vụ số hóa",
        "số hóa hồ sơ, tài liệu lưu trữ",
        """
        Tài liệu được số hóa phải là tài liệu đã được chỉnh lý, xác định thời hạn bảo quản và
        thường xuyên được tra cứu, sử dụng.

        Số hóa tài liệu lưu trữ phải bảo đảm chính xác, nguyên trạng về nội dung, bố cục so với tài
        liệu gốc.

        Tài liệu sau số hóa được bảo quản an toàn, thường xuyên kiểm tra, sao lưu để bảo đảm tính
        toàn vẹn và khả năng truy cập.

        Trong kỳ đã số hóa {n:15000-90000} trang tài liệu của {n:300-2500} hồ sơ có tần suất khai
        thác cao.

        Dữ liệu đặc tả của từng hồ sơ, văn bản được biên mục đầy đủ để phục vụ tra cứu.

        Việc khai thác tài liệu điện tử thay cho bản giấy góp phần cải cách hành chính và kéo dài
        tuổi thọ của tài liệu.
        """,
        "Các phòng nghiệp vụ",
    ),
    "giamdinh": _Topic(
        "GĐBHYT",
        "Giám định BHYT",
        2003,
        "giao dự toán chi khám, chữa bệnh BHYT năm {year}",
        "thanh toán chi phí khám, chữa bệnh BHYT quý {quarter}",
        "giám định BHYT",
        """
        Trong quý, các cơ sở khám, chữa bệnh trên địa bàn đã tiếp nhận {n:80000-450000} lượt người
        có thẻ BHYT.

        Tổng chi phí khám, chữa bệnh BHYT đề nghị thanh toán là {bn:80-600}, trong đó {pct}% được
        chấp nhận thanh toán.

        Giám định viên giám định hồ sơ theo tỷ lệ, từ chối thanh toán các khoản chi không đúng quy
        định.

        Việc tạm ứng, thanh quyết toán chi phí khám, chữa bệnh BHYT với các cơ sở y tế được thực
        hiện theo hợp đồng đã ký.
        """,
        "Các cơ sở khám, chữa bệnh BHYT trên địa bàn",
    ),
    "tccb": _Topic(
        "TCCB",
        "Tổ chức cán bộ",
        1995,
        "nâng bậc lương thường xuyên năm {year}|cử viên chức tham gia lớp bồi dưỡng nghiệp vụ",
        "rà soát, bổ sung hồ sơ viên chức|đăng ký nhu cầu đào tạo, bồi dưỡng năm {next}",
        "tổ chức cán bộ",
        """
        Tổng số viên chức và người lao động của đơn vị đến ngày {day} là {n:120-480} người.

        Trong kỳ đã nâng bậc lương thường xuyên cho {n:15-90} người và nâng bậc lương trước thời
        hạn cho {n:2-12} người.

        Hồ sơ viên chức được cập nhật, bổ sung đầy đủ và quản lý theo quy định.

        Công tác đào tạo, bồi dưỡng được thực hiện theo kế hoạch, đáp ứng yêu cầu nhiệm vụ.

        Việc đánh giá, xếp loại viên chức cuối năm được thực hiện công khai, đúng quy trình.
        """,
        "Các phòng nghiệp vụ",
    ),
    "ttkt": _Topic(
        "TTKT",
        "Thanh tra - Kiểm tra",
        1995,
        "kiểm tra việc đóng {schemes} tại các đơn vị sử dụng lao động|thành lập Đoàn kiểm tra "
        "liên ngành năm {year}",
        "cung cấp hồ sơ, tài liệu phục vụ kiểm tra|thực hiện kiến nghị sau kiểm tra",
        "thanh tra, kiểm tra",
        """
        Trong kỳ đã kiểm tra {n:20-140} đơn vị sử dụng lao động, phát hiện {n:300-2500} lao động
        chưa được đóng {schemes}.

        Đoàn kiểm tra đã yêu cầu các đơn vị truy đóng số tiền {bn:0.5-8} cho người lao động.

        Đơn thư khiếu nại, tố cáo được tiếp nhận, phân loại và giải quyết đúng thẩm quyền, thời hạn.

        Kết luận kiểm tra được gửi đến đơn vị và cơ quan quản lý cấp trên để theo dõi, thực hiện.

        Các sai sót trong giải quyết chế độ phát hiện qua kiểm tra đã được điều chỉnh kịp thời.
        """,
        _LOCAL,
    ),
    "khdt": _Topic(
        "KHTC",
        "Kế hoạch - Tài chính",
        1995,
        "phê duyệt kế hoạch mua sắm tài sản năm {year}|phê duyệt chủ trương sửa chữa trụ sở làm "
        "việc",
        "đăng ký kế hoạch đầu tư, mua sắm năm {next}|báo cáo tình hình sử dụng tài sản",
        "kế hoạch, đầu tư",
        """
        Tổng giá trị kế hoạch mua sắm tài sản, trang thiết bị trong năm là {bn:1-15}.

        Việc mua sắm được thực hiện theo đúng quy định về đấu thầu, bảo đảm công khai, minh bạch.

        Tài sản sau khi mua sắm được bàn giao, theo dõi và hạch toán đầy đủ theo quy định.

        Công trình sửa chữa trụ sở làm việc đã hoàn thành, đưa vào sử dụng đúng tiến độ.

        Kế hoạch năm {year} được xây dựng trên cơ sở nhu cầu thực tế và dự toán được giao.
        """,
        "Các phòng nghiệp vụ",
    ),
}

# Topics by nhóm hồ sơ (record category, codes.yaml), the third part of a demo mã hồ sơ: a file's
# documents are mostly about its category's business.
_GROUPS = {
    "THU": ("thu",),
    "STHE": ("sothe",),
    "CDCS": ("chedo",),
    "GDYT": ("giamdinh",),
    "KTTC": ("ketoan",),
    "TCCB": ("tccb",),
    "VP": ("luutru", "sohoa"),
    "TTKT": ("ttkt",),
    "KHDT": ("khdt",),
}

# Sentences any topic may use: how an office reports on and organises its work.
_COMMON = """
Lãnh đạo các phòng nghiệp vụ chịu trách nhiệm tổ chức thực hiện và báo cáo kết quả định kỳ.

Những khó khăn, vướng mắc phát sinh được tổng hợp, báo cáo kịp thời để xem xét, giải quyết.

Công tác phối hợp giữa các phòng nghiệp vụ và BHXH các huyện được duy trì thường xuyên.

Việc tiếp nhận và trả kết quả hồ sơ được thực hiện đúng quy trình, không để tồn đọng.

Cán bộ, viên chức thực hiện nghiêm kỷ luật, kỷ cương hành chính trong thi hành công vụ.
"""

# (type name, title, symbol code, weight, numbers issued a year); a Công văn's symbol is
# `BHXH-<department>` instead.
_KINDS = (
    ("Quyết định", "QUYẾT ĐỊNH", "QĐ", 0.3, 900),
    ("Công văn", "", "", 0.3, 2400),
    ("Kế hoạch", "KẾ HOẠCH", "KH", 0.1, 120),
    ("Báo cáo", "BÁO CÁO", "BC", 0.12, 300),
    ("Thông báo", "THÔNG BÁO", "TB", 0.1, 200),
    ("Tờ trình", "TỜ TRÌNH", "TTr", 0.08, 90),
)

# (first year, last year, archives?, basis): legal bases a document cites, by when they were in
# force and whether they govern archives (cited by documents on archives) or BHXH's own work.
_BASES = (
    (1995, 2002, False, "Nghị định số 19/CP ngày 16 tháng 02 năm 1995 của Chính phủ về việc "
     "thành lập Bảo hiểm xã hội Việt Nam"),
    (1995, 2006, False, "Nghị định số 12/CP ngày 26 tháng 01 năm 1995 của Chính phủ ban hành Điều "
     "lệ Bảo hiểm xã hội"),
    (2003, 2008, False, "Nghị định số 100/2002/NĐ-CP ngày 06 tháng 12 năm 2002 của Chính phủ quy "
     "định chức năng, nhiệm vụ, quyền hạn và cơ cấu tổ chức của Bảo hiểm xã hội Việt Nam"),
    (2007, 2015, False, "Luật Bảo hiểm xã hội ngày 29 tháng 6 năm 2006"),
    (2009, 2099, False, "Luật Bảo hiểm y tế ngày 14 tháng 11 năm 2008"),
    (2016, 2099, False, "Luật Bảo hiểm xã hội ngày 20 tháng 11 năm 2014"),
    (2016, 2020, False, "Nghị định số 01/2016/NĐ-CP ngày 05 tháng 01 năm 2016 của Chính phủ quy "
     "định chức năng, nhiệm vụ, quyền hạn và cơ cấu tổ chức của Bảo hiểm xã hội Việt Nam"),
    (1995, 2001, True, "Pháp lệnh Bảo vệ tài liệu lưu trữ quốc gia ngày 11 tháng 12 năm 1982"),
    (2002, 2011, True, "Pháp lệnh Lưu trữ quốc gia ngày 04 tháng 4 năm 2001"),
    (2004, 2020, True, "Nghị định số 110/2004/NĐ-CP ngày 08 tháng 4 năm 2004 của Chính phủ về "
     "công tác văn thư"),
    (2012, 2099, True, "Luật Lưu trữ ngày 11 tháng 11 năm 2011"),
    (2021, 2099, True, "Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ về "
     "công tác văn thư"),
)  # fmt: skip

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
    group = next((part for part in file_code.split(".") if part in _GROUPS), "")
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
    weights = np.array([k[3] for k in _KINDS])
    kind, title, code, _, per_year = _KINDS[int(rng.choice(len(_KINDS), p=weights / weights.sum()))]
    # Only BHXH offices handle contributions and benefits; other bodies write about their archives.
    bhxh = issuer.split()[:4] == ["BẢO", "HIỂM", "XÃ", "HỘI"]
    keys = [k for k, t in _TOPICS.items() if t.since <= day.year and (bhxh or k in _GROUPS["VP"])]
    preferred = [k for k in _GROUPS.get(group, ()) if k in keys]
    if preferred and rng.random() < 0.8:
        keys = preferred
    topic = _TOPICS[keys[rng.integers(len(keys))]]
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
    pool = [s for s in _blocks(topic.sentences) + _blocks(_COMMON) if _since(s) <= day.year]
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
    topic: _Topic,
    summary: str,
    day: dt.date,
) -> tuple[tuple[Para, ...], tuple[Para, ...], str]:
    """Opening paragraphs, closing paragraphs and `Kính gửi` line of one kind of document."""
    short, department = ctx["short"], topic.department
    archives = topic.unit == "VP"
    bases = [text for a, z, about, text in _BASES if a <= day.year <= z and about == archives]
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
