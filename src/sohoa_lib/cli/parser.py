"""The command line's parser: one sub-command per job, help and usage errors in Vietnamese."""

from __future__ import annotations

import argparse
import datetime as dt

from sohoa_lib.cli.archive import cmd_backup_accept, cmd_preserve_renew, cmd_verify
from sohoa_lib.cli.demo import cmd_demo_data, cmd_screenshots
from sohoa_lib.cli.review import cmd_review_apply, cmd_review_export
from sohoa_lib.cli.runs import cmd_batch, cmd_run
from sohoa_lib.cli.search import cmd_search
from sohoa_lib.errors import ParamsError

OUTPUTS_HELP = "thư mục kết quả (mặc định outputs/)"
AS_OF_HELP = "ngày tính số liệu của báo cáo (mặc định hôm nay)"
SCHEDULER_HELP = (
    "địa chỉ bộ lập lịch Dask (tcp://máy:8786) nhận việc từng trang của bước số hóa "
    "(mặc định: biến SOHOA_DASK_SCHEDULER, rồi digitize.scheduler trong tệp tham số, "
    "không có thì dùng các lõi của máy này)"
)


# argparse writes its own words in English; users of the command read Vietnamese.
_HELP_WORDS = {
    "usage:": "cách dùng:",
    "positional arguments:": "tham số:",
    "options:": "tùy chọn:",
    "show this help message and exit": "hiện hướng dẫn này rồi thoát",
}
_ERROR_WORDS = (
    (r"the following arguments are required: (.*)", r"thiếu tham số bắt buộc: \1"),
    (r"unrecognized arguments: (.*)", r"tham số không nhận ra: \1"),
    (r"argument (\S+): invalid choice: (.*?) \(choose from (.*)\)",
     r"tham số \1: không có lựa chọn \2 (chọn một trong: \3)"),
    (r"argument (\S+): invalid (\w+) value: (.*)", r"tham số \1: giá trị không hợp lệ: \3"),
    (r"argument (\S+): expected one argument", r"tham số \1: cần một giá trị"),
    (r"argument (\S+): (.*)", r"tham số \1: \2"),
)  # fmt: skip


class _Parser(argparse.ArgumentParser):
    """argparse in Vietnamese; a usage error becomes a ParamsError: one line, like every other."""

    def error(self, message: str) -> None:  # type: ignore[override]
        import re

        for pattern, words in _ERROR_WORDS:
            if re.fullmatch(pattern, message):
                message = re.sub(pattern, words, message)
                break
        command = self.prog.removeprefix("sohoa").strip()  # "run" in `sohoa run`'s parser
        raise ParamsError(f"{command}: {message}" if command else message)

    def format_usage(self) -> str:
        return _vietnamese(super().format_usage())

    def format_help(self) -> str:
        return _vietnamese(super().format_help())


def _vietnamese(text: str) -> str:
    for english, words in _HELP_WORDS.items():
        text = text.replace(english, words)
    return text


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"cần ngày dạng YYYY-MM-DD, nhận được {text!r}") from None


def _stage_list(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _moment(text: str) -> dt.datetime:
    """--at: a date (its start, Vietnam time) or a date and time (unzoned: Vietnam time)."""
    from sohoa_lib.common.clock import in_vietnam

    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][+HH:MM], got {text!r}"
        ) from None
    return in_vietnam(moment)


def build_parser() -> argparse.ArgumentParser:
    """The command line, with one sub-command per job."""
    common = argparse.ArgumentParser(add_help=False)
    # SUPPRESS so `-v` given before the sub-command is not reset by the sub-command's default
    # (the action object is shared by every parser built from `common`, so no set_defaults).
    common.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=argparse.SUPPRESS,
        help="in thêm thông tin (-vv: gỡ lỗi)",
    )
    parser = _Parser(
        prog="sohoa",
        description="Số hóa tài liệu lưu trữ và thống kê ngành BHXH Việt Nam.",
        parents=[common],
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", parents=[common], help="chạy các notebook giai đoạn của một đơn vị")
    run.add_argument("unit", metavar="UNIT", help="mã đơn vị, ví dụ TTLT")
    run.add_argument(
        "--params", metavar="FILE", help="tệp tham số (mặc định params/units/UNIT.yaml)"
    )
    run.add_argument(
        "--stages",
        type=_stage_list,
        metavar="LIST",
        help="các giai đoạn, cách nhau bởi dấu phẩy: inventory,digitize,sign,statistics "
        "(mặc định: mọi giai đoạn có notebook)",
    )
    run.add_argument("--outputs", metavar="DIR", help=OUTPUTS_HELP)
    run.add_argument("--as-of", type=_date, metavar="YYYY-MM-DD", help=AS_OF_HELP)
    run.add_argument("--scheduler", metavar="ADDRESS", help=SCHEDULER_HELP)
    run.set_defaults(func=cmd_run)

    batch = sub.add_parser(
        "batch", parents=[common], help="chạy các đơn vị, rồi báo cáo toàn Ngành và trang mục lục"
    )
    batch.add_argument(
        "units", nargs="*", metavar="UNIT", help="mã đơn vị (mặc định: mọi tệp tham số)"
    )
    batch.add_argument(
        "--parallel", type=int, default=2, metavar="N", help="số đơn vị chạy cùng lúc (mặc định 2)"
    )
    batch.add_argument("--outputs", metavar="DIR", help=OUTPUTS_HELP)
    batch.add_argument("--as-of", type=_date, metavar="YYYY-MM-DD", help=AS_OF_HELP)
    batch.add_argument("--scheduler", metavar="ADDRESS", help=SCHEDULER_HELP)
    batch.set_defaults(func=cmd_batch)

    demo = sub.add_parser("demo-data", parents=[common], help="tạo dữ liệu mẫu và tệp tham số")
    demo.add_argument("--out", metavar="DIR", help="nơi ghi (mặc định data/demo/)")
    demo.add_argument(
        "--seed", type=int, default=0, metavar="N", help="hạt giống ngẫu nhiên (mặc định 0)"
    )
    demo.set_defaults(func=cmd_demo_data)

    search = sub.add_parser(
        "search", parents=[common], help="tìm trong mục lục dữ liệu (gõ có hoặc không dấu)"
    )
    search.add_argument("query", metavar="QUERY", help='các từ, "một cụm từ" hoặc tiền tố*')
    search.add_argument("--outputs", metavar="DIR", help=OUTPUTS_HELP)
    search.add_argument("--unit", metavar="UNIT", help="chỉ văn bản của đơn vị này")
    search.add_argument(
        "--limit", type=int, default=20, metavar="N", help="tối đa N kết quả (mặc định 20)"
    )
    search.set_defaults(func=cmd_search)

    review = sub.add_parser(
        "review", parents=[common], help="biên mục: các trường cần xem xuất ra XLSX và nhập lại"
    )
    review_sub = review.add_subparsers(dest="review_command", required=True, metavar="ACTION")
    export = review_sub.add_parser(
        "export", parents=[common], help="ghi các văn bản cần biên mục của đơn vị ra tệp XLSX"
    )
    export.add_argument("unit", metavar="UNIT", help="mã đơn vị, ví dụ TTLT")
    export.add_argument("--outputs", metavar="DIR", help=OUTPUTS_HELP)
    export.add_argument(
        "--out", metavar="FILE", help="tệp XLSX (mặc định outputs/UNIT/review/bien-muc-UNIT.xlsx)"
    )
    export.set_defaults(func=cmd_review_export)
    apply = review_sub.add_parser(
        "apply", parents=[common], help="ghi tệp XLSX đã biên mục vào mục lục dữ liệu"
    )
    apply.add_argument("file", metavar="FILE", help="tệp XLSX do review export tạo, đã điền")
    apply.add_argument(
        "--reviewer", metavar="NAME", help="người biên mục (bắt buộc: ghi cùng mỗi thay đổi)"
    )
    apply.add_argument("--outputs", metavar="DIR", help=OUTPUTS_HELP)
    apply.set_defaults(func=cmd_review_apply)

    verify = sub.add_parser(
        "verify", parents=[common], help="kiểm tra chữ ký số và mã băm của một thư mục hoặc tệp PDF"
    )
    verify.add_argument("path", metavar="PATH", help="một tệp PDF đã ký hoặc thư mục lưu trữ")
    verify.add_argument(
        "--trust",
        action="append",
        metavar="FILE",
        help="chứng thư gốc tin cậy, PEM hoặc DER (lặp lại được; mặc định $SOHOA_TRUST_ROOTS)",
    )
    verify.add_argument(
        "--fixity",
        action="store_true",
        help="đối chiếu thư mục lưu trữ (hoặc packages/) và các bản sao trong backups.json với "
        "manifest-sha256.txt; mỗi lần kiểm tra được ghi vào nhật ký bảo quản",
    )
    verify.add_argument(
        "--at",
        type=_moment,
        metavar="DATE",
        help="kiểm tra như vào ngày hoặc thời điểm này (YYYY-MM-DD: đầu ngày, giờ Việt Nam), "
        "để kiểm toán; mặc định: bây giờ. Luôn ngoại tuyến, từ dữ liệu xác thực trong chính tệp",
    )
    verify.add_argument("--outputs", metavar="DIR", help=OUTPUTS_HELP)
    verify.set_defaults(func=cmd_verify)

    preserve = sub.add_parser(
        "preserve", parents=[common], help="duy trì khả năng xác thực lâu dài của tệp đã ký"
    )
    preserve_sub = preserve.add_subparsers(dest="action", required=True, metavar="ACTION")
    renew = preserve_sub.add_parser(
        "renew",
        parents=[common],
        help="thêm dữ liệu xác thực mới và dấu thời gian tài liệu cho tệp có chứng thư "
        "dấu thời gian mới nhất sắp hết hạn, rồi dựng lại gói và thay các bản sao dự phòng",
    )
    renew.add_argument("path", metavar="PATH", help="một tệp PDF đã ký hoặc thư mục archive")
    renew.add_argument("--params", metavar="FILE", help="tệp tham số của đơn vị")
    renew.add_argument(
        "--margin-days",
        type=int,
        metavar="N",
        help="gia hạn khi chứng thư hết hạn trong vòng N ngày "
        "(mặc định preservation.renew_margin_days, 730)",
    )
    renew.add_argument(
        "--dry-run",
        action="store_true",
        help="chỉ liệt kê tệp cần gia hạn và thời hạn, không thay đổi gì",
    )
    renew.add_argument("--outputs", metavar="DIR", help=OUTPUTS_HELP)
    renew.set_defaults(func=cmd_preserve_renew)

    backup = sub.add_parser("backup", parents=[common], help="xử lý bản sao dự phòng bị sai lệch")
    backup_sub = backup.add_subparsers(dest="action", required=True, metavar="ACTION")
    accept = backup_sub.add_parser(
        "accept",
        parents=[common],
        help="chấp nhận gói làm phiên bản mới trong các bản sao, giữ lại bản sao cũ",
    )
    accept.add_argument(
        "package", metavar="PACKAGE", help="outputs/<UNIT>/archive/packages/<mã hồ sơ>"
    )
    accept.set_defaults(func=cmd_backup_accept)

    shots = sub.add_parser(
        "screenshots",
        parents=[common],
        help="chụp màn hình trang mục lục và từng báo cáo (rộng 1024 px) vào outputs/screenshots/",
    )
    shots.add_argument("--outputs", metavar="DIR", help=OUTPUTS_HELP)
    shots.set_defaults(func=cmd_screenshots)
    return parser
