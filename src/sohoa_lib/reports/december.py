"""The December progress report (báo cáo tình hình thực hiện) laid out per Decree 30/2020/NĐ-CP."""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass
from pathlib import Path

from sohoa_lib.common.files import atomic_path

ISSUER_PARENT = "BẢO HIỂM XÃ HỘI VIỆT NAM"
"""Cơ quan chủ quản (the issuing unit's parent body), upper case, not bold."""
ISSUER = "VỤ KẾ HOẠCH VÀ ĐẦU TƯ"
"""Cơ quan ban hành (the issuing unit), upper case, bold, a short rule under it."""
NUMBER = "Số:        /BC-KHĐT"
QUOC_HIEU = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
TIEU_NGU = "Độc lập - Tự do - Hạnh phúc"
RECIPIENT = "Kính gửi: Tổng Giám đốc Bảo hiểm xã hội Việt Nam"
NOI_NHAN = ("Như trên;", "Các đơn vị trực thuộc;", "Lưu: VT, KHĐT.")
SIGNER = ("NGƯỜI CÓ THẨM QUYỀN KÝ", "(Ký số, ghi rõ họ tên)")
DRAFT = "DỰ THẢO — do sohoa lập tự động từ số liệu các đơn vị; cần rà soát trước khi ký ban hành"
PDF_NAME = "bao-cao-thang-12.pdf"
DOCX_NAME = "bao-cao-thang-12.docx"


@dataclass(frozen=True)
class Block:
    """One piece of the body: a section heading (h3), a sub-heading (h4), a paragraph or a dash item."""

    kind: str
    text: str


@dataclass(frozen=True)
class December:
    """The whole report: the date it speaks for, its subject line and its body, in order."""

    as_of: dt.date
    subject: str
    body: tuple[Block, ...]

    @property
    def place_date(self) -> str:
        d = self.as_of
        return f"Hà Nội, ngày {d.day:02d} tháng {d.month:02d} năm {d.year}"


# Decree 30/2020/NĐ-CP, Phụ lục I: A4; margins top/bottom 20–25 mm, left 30–35 mm, right 15–20 mm;
# Times New Roman 13–14 pt (Liberation Serif has its metrics); quốc hiệu 12–13 pt bold upper case on
# one line; tiêu ngữ 13–14 pt bold with a rule as long as itself; the issuing unit bold with a short
# rule; place and date italic; title 14 pt bold; body paragraphs justified with a first-line indent.
# Page numbers are not here: Chromium has no @page margin boxes; browser.print_pdf stamps them.
PRINT_CSS = """
<style>
.sh-print{font-family:'Times New Roman','Liberation Serif',serif;font-size:14pt;line-height:1.3;
  max-width:21cm;box-sizing:border-box;margin:1em 0;padding:20mm 20mm 20mm 30mm;border:1px solid #c9d1d9;
  background:#fff;color:#000}
.sh-print table.hdr{width:100%;border:0;margin:0 0 1em 0;border-collapse:collapse}
.sh-print table.hdr td{border:0;text-align:center!important;vertical-align:top;padding:0;font-size:13pt;
  line-height:1.25;background:#fff}
.sh-print table.hdr td.l{width:42%;font-size:12pt}
.sh-print .qh{font-size:12pt;font-weight:bold;white-space:nowrap}
.sh-print .tn{font-weight:bold;font-size:13pt;display:inline-block;border-bottom:1px solid #000;padding-bottom:1px}
.sh-print .cq{font-weight:bold;white-space:nowrap}
.sh-print .gach{width:35%;margin:2px auto .4em auto;border-top:1px solid #000}
.sh-print .so{font-size:13pt}
.sh-print .nd{font-style:italic;margin-top:.6em;font-size:14pt}
.sh-print h2{text-align:center;font-size:14pt;font-weight:bold;margin:.8em 0 0 0;border:0}
.sh-print .ten{text-align:center;font-weight:bold;margin:0 0 .8em 0}
.sh-print .kg{text-align:center;margin:.4em 0 .8em 0}
.sh-print h3{font-size:14pt;font-weight:bold;margin:.6em 0 .2em 0;text-indent:1cm}
.sh-print h4{font-size:14pt;font-weight:bold;font-style:normal;margin:.4em 0 .2em 0;text-indent:1cm}
.sh-print p{text-align:justify;margin:0 0 .3em 0;text-indent:1cm}
.sh-print p.kg,.sh-print p.ten,.sh-print p.draft{text-indent:0}
.sh-print .draft{color:#cf222e;text-align:center;font-weight:bold;font-size:12pt}
.sh-print table.ky{width:100%;border:0;margin-top:1em;border-collapse:collapse}
.sh-print table.ky td{border:0;vertical-align:top;padding:0;background:#fff;text-align:left!important}
.sh-print table.ky td.nn{width:50%;font-size:11pt}.sh-print table.ky td.nn b{font-size:12pt}
.sh-print table.ky td.sg{text-align:center!important;font-size:14pt}
@page{size:A4;margin:20mm 20mm 20mm 30mm}
@media print{
  .jp-Cell:not(:has(.sh-print)),.jp-InputPrompt,.jp-OutputPrompt,.sh-noprint,.sh-nav{display:none!important}
  body,.jp-Notebook,.jp-Cell,.jp-OutputArea-output{margin:0!important;padding:0!important}
  .sh-print{border:0;padding:0;margin:0;max-width:none}
  .sh-print .draft{color:#000}
  .sh-print h3,.sh-print h4{break-after:avoid}
  .sh-print table.ky,.sh-print table.hdr{break-inside:avoid}
  .sh-print p{orphans:3;widows:3}
  .sh-print a{color:#000;text-decoration:none}
}
</style>
"""


def to_html(report: December) -> str:
    """The report as an HTML section: on screen a page-like box, on paper the only thing printed."""
    e = html.escape
    header = (
        "<table class='hdr'><tr>"
        f"<td class='l'>{e(ISSUER_PARENT)}<br><span class='cq'>{e(ISSUER)}</span><div class='gach'></div>"
        f"<span class='so'>{e(NUMBER).replace('  ', '&nbsp; ')}</span></td>"
        f"<td><span class='qh'>{e(QUOC_HIEU)}</span><br><span class='tn'>{e(TIEU_NGU)}</span>"
        f"<div class='nd'>{e(report.place_date)}</div></td></tr></table>"
    )
    body = "".join(_block_html(b) for b in report.body)
    noi_nhan = "".join(f"- {e(line)}<br>" for line in NOI_NHAN)
    signature = (
        "<table class='ky'><tr>"
        f"<td class='nn'><b><i>Nơi nhận:</i></b><br>{noi_nhan}</td>"
        f"<td class='sg'><b>{e(SIGNER[0])}</b><br><i>{e(SIGNER[1])}</i></td></tr></table>"
    )
    return (
        f"<section class='sh-print'>{header}<p class='draft'>{e(DRAFT)}</p><h2>BÁO CÁO</h2>"
        f"<p class='ten'>{e(report.subject)}</p><p class='kg'>{e(RECIPIENT)}</p>"
        f"{body}{signature}</section>"
    )


def _block_html(block: Block) -> str:
    text = html.escape(block.text)
    if block.kind in {"h3", "h4"}:
        return f"<{block.kind}>{text}</{block.kind}>"
    return f"<p>- {text}</p>" if block.kind == "dash" else f"<p>{text}</p>"


def write_docx(report: December, path: Path) -> Path:
    """The same report as a Word document, for the office that edits, numbers and issues it."""
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Mm, Pt

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = section.bottom_margin = Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(20)
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = "Times New Roman", Pt(14)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), "Times New Roman")
    normal.paragraph_format.space_after = Pt(4)
    centre, justify = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.JUSTIFY

    def para(where, text: str = "", *, size=14, bold=False, italic=False, align=justify,
             indent=False, rule=False):  # fmt: skip
        p = where.add_paragraph() if where is not None else doc.add_paragraph()
        p.alignment = align
        p.paragraph_format.space_after = Pt(0 if where is not None else 4)
        if indent:
            p.paragraph_format.first_line_indent = Cm(1)
        run = p.add_run(text)
        run.font.size, run.bold, run.italic = Pt(size), bold, italic
        if rule:  # a rule under the line, as the decree draws under tiêu ngữ and the issuing unit
            border = OxmlElement("w:pBdr")
            bottom = OxmlElement("w:bottom")
            for key, value in (("val", "single"), ("sz", "6"), ("space", "1"), ("color", "000000")):
                bottom.set(qn(f"w:{key}"), value)
            border.append(bottom)
            p._p.get_or_add_pPr().append(border)
            p.paragraph_format.left_indent = p.paragraph_format.right_indent = Cm(rule)
        return p

    header = doc.add_table(rows=1, cols=2)
    header.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = header.rows[0].cells
    left.width, right.width = Cm(6.2), Cm(9.8)
    left.paragraphs[0].text = ""
    para(left, ISSUER_PARENT, size=12, align=centre)
    para(left, ISSUER, size=12, bold=True, align=centre, rule=1.6)
    para(left, NUMBER, size=13, align=centre)
    para(right, QUOC_HIEU, size=12, bold=True, align=centre)
    para(right, TIEU_NGU, size=13, bold=True, align=centre, rule=2.1)
    para(right, report.place_date, size=14, italic=True, align=centre)
    for cell in (left, right):  # python-docx starts a cell with an empty paragraph
        first = cell.paragraphs[0]
        first._p.getparent().remove(first._p)
    para(None, DRAFT, size=12, bold=True, align=centre)
    para(None, "BÁO CÁO", bold=True, align=centre)
    para(None, report.subject, bold=True, align=centre)
    para(None, RECIPIENT, align=centre)
    for block in report.body:
        heading = block.kind in {"h3", "h4"}
        text = f"- {block.text}" if block.kind == "dash" else block.text
        para(None, text, bold=heading, indent=True)
    sign = doc.add_table(rows=1, cols=2)
    nn, sg = sign.rows[0].cells
    para(nn, "Nơi nhận:", size=12, bold=True, italic=True, align=WD_ALIGN_PARAGRAPH.LEFT)
    for line in NOI_NHAN:
        para(nn, f"- {line}", size=11, align=WD_ALIGN_PARAGRAPH.LEFT)
    para(sg, SIGNER[0], bold=True, align=centre)
    para(sg, SIGNER[1], italic=True, align=centre)
    for cell in (nn, sg):
        first = cell.paragraphs[0]
        first._p.getparent().remove(first._p)
    _page_numbers(doc, section)
    with atomic_path(path) as tmp:
        doc.save(str(tmp))
    return path


def _page_numbers(doc, section) -> None:
    """A PAGE field centred at the top, from page 2 on (the first page's header left empty)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    section.different_first_page_header_footer = True
    p = section.header.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = p.add_run()
    run.font.size = Pt(13)
    for kind, text in (("begin", None), (None, " PAGE "), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._r.append(el)
