"""What the demo letters say: BHXH topics with filler sentences, kinds of document, legal bases."""

from __future__ import annotations

from typing import NamedTuple


class Topic(NamedTuple):
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
    other {names} are the letter's own (`_letters._context`)."""
    recipient: str
    """Who a Công văn on this topic is addressed to."""


_LOCAL = "Các đơn vị sử dụng lao động trên địa bàn"
TOPICS: dict[str, Topic] = {
    "thu": Topic(
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
    "sothe": Topic(
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
    "chedo": Topic(
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
    "ketoan": Topic(
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
    "luutru": Topic(
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
    "sohoa": Topic(
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
    "giamdinh": Topic(
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
    "tccb": Topic(
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
    "ttkt": Topic(
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
    "khdt": Topic(
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
GROUPS = {
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
COMMON = """
Lãnh đạo các phòng nghiệp vụ chịu trách nhiệm tổ chức thực hiện và báo cáo kết quả định kỳ.

Những khó khăn, vướng mắc phát sinh được tổng hợp, báo cáo kịp thời để xem xét, giải quyết.

Công tác phối hợp giữa các phòng nghiệp vụ và BHXH các huyện được duy trì thường xuyên.

Việc tiếp nhận và trả kết quả hồ sơ được thực hiện đúng quy trình, không để tồn đọng.

Cán bộ, viên chức thực hiện nghiêm kỷ luật, kỷ cương hành chính trong thi hành công vụ.
"""

# (type name, title, symbol code, weight, numbers issued a year); a Công văn's symbol is
# `BHXH-<department>` instead.
KINDS = (
    ("Quyết định", "QUYẾT ĐỊNH", "QĐ", 0.3, 900),
    ("Công văn", "", "", 0.3, 2400),
    ("Kế hoạch", "KẾ HOẠCH", "KH", 0.1, 120),
    ("Báo cáo", "BÁO CÁO", "BC", 0.12, 300),
    ("Thông báo", "THÔNG BÁO", "TB", 0.1, 200),
    ("Tờ trình", "TỜ TRÌNH", "TTr", 0.08, 90),
)

# (first year, last year, archives?, basis): legal bases a document cites, by when they were in
# force and whether they govern archives (cited by documents on archives) or BHXH's own work.
BASES = (
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
