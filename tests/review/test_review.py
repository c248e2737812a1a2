"""Biên mục before signing: flagged files wait, an XLSX round trip corrects them, then they are signed.

Which fields the real extraction flags on the rendered pages is read from the catalogue, never
assumed: only what the pages' make-up guarantees is asserted (a page without a signature block
has no signer, a continuation page no header, and the inventory dates both files to 2005 while
their documents are from 2018 and 2019, so every document's date is flagged, read or not).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from pathlib import Path

import pandas as pd
import pikepdf
import pytest
from lxml import etree
from openpyxl import load_workbook
from PIL import Image

from conftest import ROOT, file_row
from sohoa_lib import UnitPaths, cli, load_unit_settings
from sohoa_lib.catalog import db
from sohoa_lib.common.text import fold
from sohoa_lib.demo._pki import write_demo_pki
from sohoa_lib.demo._scans import ScanRequest, write_demo_scans
from sohoa_lib.errors import InputError
from sohoa_lib.pdf.pdfa import read_xmp
from sohoa_lib.preserve.package import validate_package
from sohoa_lib.reports import sign
from sohoa_lib.review import sheet as review
from sohoa_lib.review.decisions import BOTTOM_THIRD, TOP_HALF, TOP_THIRD, Flag
from sohoa_lib.sign.verify import verify_pdf
from sohoa_lib.stages.digitize import run_digitize
from sohoa_lib.stages.inventory import run_inventory
from sohoa_lib.stages.sign import run_sign

HELD, CLEAN = "TTLT.2019.VP.00001", "TTLT.2018.VP.00002"
FIRST, DOC = f"{HELD}.01", f"{HELD}.02"
"""A two-page document the list splits in two: the first lacks its signer, the second (a
continuation page) its header, so both are flagged by the real extraction."""
PASSWORD = "mật-khẩu-thử-4410"
ORG = "Trung tâm Lưu trữ BHXH Việt Nam"
REVIEWER = "Nguyễn Thị Biên Mục"
CONTROL_REVIEWER = "Trần Văn Đối Chứng"
DEFAULT_BOXES = {TOP_THIRD, TOP_HALF, BOTTOM_THIRD}
ALTO = "{http://www.loc.gov/standards/alto/ns-v4#}"


def _params(root: Path, extra: str = "") -> Path:
    costs = ROOT / "params" / "costs.yaml"
    path = root / ("TTLT-knowingly.yaml" if extra else "TTLT.yaml")
    path.write_text(
        f"unit: TTLT\nname: {ORG}\nlevel: central\nphase: 1\ndeadline: '2023-12-30'\n"
        f"inventory: inventory.csv\nscans: scans\ncosts: {costs}\n"
        "capacity: {scanners: 1, staff: 1}\nselection: {target_share: 1.0}\n"
        "digitize: {workers: 2, document_list: documents.csv}\n"
        f"signing: {{organisation: {ORG}, pkcs12: pki/signer.p12, password_env: TEST_SIGN_PW,\n"
        "          trust_roots: [pki/ca.crt]}\n"
        f"preservation: {{backups: [copies/a, copies/b]}}\n{extra}",
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="module")
def unit(tmp_path_factory):
    root = tmp_path_factory.mktemp("review")
    pki = write_demo_pki(root / "pki", organisation=ORG, password=PASSWORD)
    write_demo_scans(
        [ScanRequest(HELD, "", "BẢO HIỂM XÃ HỘI VIỆT NAM", "Hà Nội", 2019, 2, "jpeg"),
         ScanRequest(CLEAN, "", "BẢO HIỂM XÃ HỘI VIỆT NAM", "Hà Nội", 2018, 2, "jpeg")],
        root / "scans", root / "truth", seed=5,
    )  # fmt: skip
    rows = [file_row(c, **{"Số lượng trang": 2}) for c in (HELD, CLEAN)]
    pd.DataFrame(rows).to_csv(root / "inventory.csv", index=False, encoding="utf-8-sig")
    (root / "documents.csv").write_text(
        f"ma_ho_so,trang_dau,trang_cuoi\n{HELD},1,1\n{HELD},2,2\n", encoding="utf-8"
    )
    settings = load_unit_settings(_params(root))
    paths = UnitPaths(root / "out", "TTLT")
    run_inventory(settings, paths)
    run_digitize(settings, paths)
    return root, paths, pki


def _sign(root: Path, paths: UnitPaths, params: Path | None = None):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TEST_SIGN_PW", PASSWORD)
        return run_sign(load_unit_settings(params or root / "TTLT.yaml"), paths, prompt=None)


@pytest.fixture(scope="module")
def flagged(unit) -> dict[str, dict[str, Flag]]:
    """Every flagged document after stage 2, by code, with its flags by field: as the catalogue
    has them before anyone reviewed anything."""
    _, paths, _ = unit
    with review.unit_catalog(paths) as conn:
        return {i.ma_dinh_danh: {f.field: f for f in i.flags} for i in review.items(paths, conn)}


def _of(flagged: dict, ma_ho_so: str) -> list[str]:
    return [code for code in flagged if code.startswith(f"{ma_ho_so}.")]


@pytest.fixture(scope="module")
def cleared(unit, flagged, tmp_path_factory) -> tuple[str, str]:
    """The control file, reviewed before the first signing through an applied workbook: every
    flag of its documents confirmed, and the first document's số corrected (a value OCR did not
    read, so the signed copies can only carry it through the review). (document, số) returned."""
    _, paths, _ = unit
    documents = _of(flagged, CLEAN)
    assert documents, "every date is flagged (module docstring): the control has flags to review"
    target = documents[0]
    with review.unit_catalog(paths) as conn:
        (current,) = conn.execute(
            "SELECT so FROM documents WHERE ma_dinh_danh = ?", (target,)
        ).fetchone()
    so = "4322" if current == "4321" else "4321"
    assert cli.main(["review", "export", "TTLT", "--outputs", str(paths.outputs)]) == 0
    filled = _fill(paths.root / "review" / "bien-muc-TTLT.xlsx",
                   tmp_path_factory.mktemp("control") / "control.xlsx",
                   {code: {review.DONE: "x"} for code in documents}
                   | {target: {"số": int(so), review.DONE: "x"}})  # fmt: skip
    code = cli.main(["review", "apply", str(filled), "--reviewer", CONTROL_REVIEWER,
                     "--outputs", str(paths.outputs)])  # fmt: skip
    assert code == 0
    return target, so


@pytest.fixture(scope="module")
def first_sign(unit, cleared):
    root, paths, _ = unit
    return _sign(root, paths)


def test_flags_carry_reasons_and_regions(unit, flagged) -> None:
    assert _of(flagged, HELD) == [FIRST, DOC]
    assert {code.rsplit(".", 1)[0] for code in flagged} == {HELD, CLEAN}
    assert all("ngay" in flags for flags in flagged.values())  # dated outside the file
    assert all(f.reason for flags in flagged.values() for f in flags.values())
    flags = flagged[DOC]
    # Nothing read, so no words to box: the top third of its page.
    assert flags["ten_loai"].page == 2 and flags["ten_loai"].box == TOP_THIRD
    # A continuation page has no number line: nothing found is a reason, said in words.
    assert flags["so"].reason == "không tìm thấy"
    signer = flagged[FIRST]["nguoi_ky"]
    assert signer.page == 1 and signer.box == BOTTOM_THIRD  # the bottom third of the last page


def _precise(flagged: dict) -> list[tuple[str, Flag]]:
    """Flags whose box came from the words their value was read from."""
    return [(code, f) for code, flags in flagged.items() for f in flags.values()
            if f.box is not None and f.box not in DEFAULT_BOXES]  # fmt: skip


def _tokens(field: str, value: str) -> list[str]:
    if field == "ngay":  # an ISO date: its printed numbers, day and month maybe unpadded
        return [str(int(part)) for part in value.split("-")]
    return [t for t in (fold(w).strip(".,;:") for w in value.split()) if t.isalnum()]


def _same(token: str, content: str) -> bool:
    """Whether an ALTO string spells the token (a number also zero-padded, or within a date)."""
    for part in content.split("/"):
        if part == token or (part.isdigit() and token.isdigit() and int(part) == int(token)):
            return True
    return False


def test_a_flagged_fields_stored_box_covers_its_words(unit, flagged) -> None:
    """The box stored with a flag is the union of its words' boxes as shares of the page: the
    page's ALTO (in the scan's pixels) has each word of the value inside it."""
    _, paths, _ = unit
    precise = _precise(flagged)
    assert precise, "a flagged date read from the page is boxed by its words"
    checked = 0
    for code, flag in precise:
        x0, y0, x1, y1 = flag.box
        assert 0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1 and y1 - y0 < 0.1, (code, flag)
        # Header fields sit in the top half of the page, the signer in its bottom half.
        assert (y0 > 0.5) == (flag.field in ("chuc_vu_nguoi_ky", "nguoi_ky")), (code, flag)
        if flag.value is None:
            continue
        (alto,) = (paths.digitize / "ocr").glob(f"*/{code[:-3]}_{flag.page:04d}.alto.xml")
        page = etree.parse(str(alto)).find(f".//{ALTO}Page")
        width, height = float(page.get("WIDTH")), float(page.get("HEIGHT"))
        strings = [(fold(s.get("CONTENT")).strip(".,;:"),
                    float(s.get("HPOS")) / width, float(s.get("VPOS")) / height,
                    (float(s.get("HPOS")) + float(s.get("WIDTH"))) / width,
                    (float(s.get("VPOS")) + float(s.get("HEIGHT"))) / height)
                   for s in page.iter(f"{ALTO}String")]  # fmt: skip
        for token in _tokens(flag.field, flag.value):
            where = [s[1:] for s in strings if _same(token, s[0])]
            if not where:
                continue  # respelt or read differently: a spelling question, not a place
            inside = [b for b in where if b[0] >= x0 - 0.002 and b[1] >= y0 - 0.002
                      and b[2] <= x1 + 0.002 and b[3] <= y1 + 0.002]  # fmt: skip
            assert inside, (code, flag, token, where)
            checked += 1
    assert checked


def test_unreviewed_file_waits_and_is_counted(first_sign, unit) -> None:
    _, paths, _ = unit
    assert not (paths.archive / f"{DOC}.pdf").exists()
    assert not (paths.archive / f"{HELD}.01.pdf").exists()  # the whole hồ sơ waits
    assert set(first_sign.signed["ma_ho_so"]) == {CLEAN}
    figures = first_sign.figures()
    assert figures["waiting_review_files"] == 1 and figures["waiting_review_documents"] == 2
    assert figures["sign_unreviewed"] is False
    waiting = pd.read_csv(paths.archive / "waiting_review.csv", encoding="utf-8-sig")
    assert set(waiting["ma_dinh_danh"]) == {FIRST, DOC}
    assert "chờ biên mục" in sign.review(first_sign).text


def test_the_reviewed_control_is_signed_with_its_reviewed_values(first_sign, cleared, unit,
                                                                  flagged) -> None:  # fmt: skip
    _, paths, pki = unit
    target, so = cleared
    assert CLEAN in set(first_sign.signed["ma_ho_so"]) and first_sign.signed_unreviewed == ()
    documents = _of(flagged, CLEAN)
    with review.unit_catalog(paths) as conn:
        assert not [i for i in review.items(paths, conn) if i.ma_ho_so == CLEAN]
        history = review.review_store.history(conn, "TTLT", CLEAN)
        (stored,) = conn.execute(
            "SELECT so FROM documents WHERE ma_dinh_danh = ?", (target,)
        ).fetchone()
    assert stored == so
    # Every flag the extraction raised on the control was decided by the reviewer named.
    decided = {(h["ma_dinh_danh"], h["field"]) for h in history}
    assert decided >= {(code, name) for code in documents for name in flagged[code]}
    assert {h["reviewer"] for h in history} == {CONTROL_REVIEWER}
    changes = [(h["ma_dinh_danh"], h["field"], h["new"]) for h in history if h["action"] == "sửa"]
    assert changes == [(target, "so", so)]
    pdf = paths.archive / f"{target}.pdf"
    assert verify_pdf(pdf, [pki["ca_cert"]]).status == "valid"
    assert read_xmp(pdf)["document"]["so"] == so
    package = paths.archive / "packages" / CLEAN
    assert validate_package(package) == []
    ns = {"s": "https://ns.sohoa.vn/xmp/1.0/", "p": "http://www.loc.gov/premis/v3"}
    record = etree.parse(str(package / "metadata/descriptive/sohoa.xml"))
    node = record.xpath(f"//s:vanBan[@tep='{target}.pdf']", namespaces=ns)[0]
    assert node.findtext("s:vanban_so", namespaces=ns) == so
    premis = etree.parse(str(package / "metadata/preservation/premis.xml"))
    events = premis.xpath("//p:event[p:eventType='metadata modification']", namespaces=ns)
    assert so in " ".join(e.findtext(".//p:eventDetail", namespaces=ns) for e in events)
    agents = premis.xpath("//p:agent[p:agentType='person']/p:agentName/text()", namespaces=ns)
    assert agents == [CONTROL_REVIEWER]


def test_search_marks_unreviewed_fields(first_sign, unit) -> None:
    _, paths, _ = unit
    hits = db.search(paths.root / "catalog.sqlite", HELD.split(".")[-1])
    held = [h for h in hits if h.ma_dinh_danh == DOC]
    assert held and "ten_loai" in held[0].unreviewed
    assert "[chưa biên mục: tên loại" in db.format_hit(held[0])


def test_switch_signs_knowingly_and_the_report_says_so(first_sign, unit) -> None:
    root, paths, _ = unit
    knowingly = _params(root, "review: {sign_unreviewed: true}\n")
    result = _sign(root, paths, knowingly)
    assert (paths.archive / f"{DOC}.pdf").is_file()
    assert result.signed_unreviewed == (HELD,)
    figures = result.figures()
    assert figures["sign_unreviewed"] is True and figures["signed_unreviewed_files"] == 1
    text = sign.review(result).text
    assert "review.sign_unreviewed: true" in text and HELD in text


@pytest.fixture(scope="module")
def workbook(first_sign, unit) -> Path:
    _, paths, _ = unit
    assert cli.main(["review", "export", "TTLT", "--outputs", str(paths.outputs)]) == 0
    return paths.root / "review" / "bien-muc-TTLT.xlsx"


def _fill(workbook: Path, out: Path, rows: dict[str, dict[str, object]]) -> Path:
    """A copy of the workbook with cells typed in, per document code and column label."""
    shutil.copy(workbook, out)
    book = load_workbook(out)
    sheet = book[review.SHEET]
    header = [c.value for c in sheet[1]]
    for code, values in rows.items():
        row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 2).value == code)
        for label, value in values.items():
            sheet.cell(row, header.index(label) + 1).value = value
    book.save(out)
    return out


def test_export_has_one_row_per_flagged_document_with_an_image(workbook) -> None:
    sheet = load_workbook(workbook)[review.SHEET]
    header = [c.value for c in sheet[1]]
    assert header[:3] == [review.UNIT, review.CODE, review.FILE] and review.DONE in header
    assert [sheet.cell(r, 2).value for r in range(2, sheet.max_row + 1)] == [FIRST, DOC]
    link = sheet.cell(2, 4).hyperlink.target
    assert (workbook.parent / link).is_file()
    assert sheet.cell(3, header.index("tên loại – lý do") + 1).value == "không tìm thấy"


def test_each_flagged_fields_reason_links_to_its_crop(workbook, flagged) -> None:
    """The crop is the flag's box (its words, or a third of the page when none): small for a
    value boxed by its words, a third of the page or more for one nothing was read for."""
    sheet = load_workbook(workbook)[review.SHEET]
    header = [c.value for c in sheet[1]]
    with Image.open(workbook.parent / sheet.cell(2, 4).hyperlink.target) as page:
        area = page.size[0] * page.size[1]
        height = page.size[1]
    seen = set()
    for row, code in ((2, FIRST), (3, DOC)):
        for name, flag in flagged[code].items():
            cell = sheet.cell(row, header.index(review.FIELDS[name] + review.REASON) + 1)
            assert cell.value == flag.reason
            with Image.open(workbook.parent / cell.hyperlink.target) as crop:
                width, tall = crop.size
            if flag.box in DEFAULT_BOXES:
                assert tall >= height / 3, (code, name)
            else:
                assert width * tall < area / 10, (code, name)
            seen.add(flag.box in DEFAULT_BOXES)
    assert True in seen  # not found on the continuation page


def test_a_bad_cell_sets_its_row_aside_naming_row_and_column(workbook, unit, tmp_path) -> None:
    _, paths, _ = unit
    bad = _fill(workbook, tmp_path / "bad.xlsx",
                {DOC: {"ngày": "31/02/2018", "tên loại": "Quyết đinh khẩn", "số": "12 bis",
                       review.DONE: "x"}})  # fmt: skip
    before = hashlib.sha256(bad.read_bytes()).hexdigest()
    result = review.apply_xlsx(bad, paths.outputs, REVIEWER)
    assert result.rows_applied == 0 and result.corrections == 0
    where = {(row, column.split(" ")[0]) for row, column, _ in result.problems}
    header = [c.value for c in load_workbook(bad)[review.SHEET][1]]

    def letter(label: str) -> str:
        return load_workbook(bad)[review.SHEET].cell(1, header.index(label) + 1).column_letter

    assert where == {(3, letter("ngày")), (3, letter("tên loại")), (3, letter("số"))}
    messages = " ".join(m for _, _, m in result.problems)
    assert "không phải ngày" in messages and "danh mục" in messages
    assert hashlib.sha256(bad.read_bytes()).hexdigest() == before  # the original untouched
    rejected = pd.read_csv(paths.root / "review" / "rejected.csv", encoding="utf-8-sig")
    assert len(rejected) == 3 and set(rejected["tep"]) == {"bad.xlsx"}
    with review.unit_catalog(paths) as conn:
        assert [i.ma_dinh_danh for i in review.items(paths, conn)] == [FIRST, DOC]  # still open


def test_a_change_without_the_done_mark_is_reported_not_applied(workbook, unit, tmp_path) -> None:
    _, paths, _ = unit
    forgot = _fill(workbook, tmp_path / "forgot.xlsx", {DOC: {"số": "12"}})
    result = review.apply_xlsx(forgot, paths.outputs, REVIEWER)
    assert result.rows_applied == 0 and result.rows_waiting == 1  # FIRST: untouched, waiting
    ((row, column, message),) = result.problems
    assert row == 3 and review.DONE in column and "chưa ghi x" in message


def test_a_workbook_naming_no_registry_unit_is_refused(workbook, unit, tmp_path) -> None:
    _, paths, _ = unit
    odd = _fill(workbook, tmp_path / "odd.xlsx", {c: {review.UNIT: "../X"} for c in (FIRST, DOC)})
    with pytest.raises(InputError, match="không phải mã đơn vị"):
        review.apply_xlsx(odd, paths.outputs, REVIEWER)


def test_apply_needs_a_reviewer(workbook, unit, capsys) -> None:
    _, paths, _ = unit
    code = cli.main(["review", "apply", str(workbook), "--outputs", str(paths.outputs)])
    assert code == 2 and "--reviewer" in capsys.readouterr().err


@pytest.fixture(scope="module")
def copy_before_review(first_sign, unit, tmp_path_factory) -> UnitPaths:
    """The unit's outputs as the first signing left them, for the notebook's form to review."""
    _, paths, _ = unit
    out = tmp_path_factory.mktemp("form") / "out"
    shutil.copytree(paths.outputs, out)
    return UnitPaths(out, "TTLT")


@pytest.fixture(scope="module")
def reviewed(workbook, unit, tmp_path_factory, copy_before_review):
    # copy_before_review first: the notebook's form gets the outputs as they were before.
    root, paths, _ = unit
    filled = _fill(workbook, tmp_path_factory.mktemp("filled") / "reviewed.xlsx",
                   {FIRST: {review.DONE: "x"},  # confirmed: no signer on this page
                    DOC: {"tên loại": "Quyết định", "số": 77, "ký hiệu": "QĐ-BHXH",
                          "ngày": dt.datetime(2018, 5, 3), review.DONE: "x"}})  # fmt: skip
    code = cli.main(["review", "apply", str(filled), "--reviewer", REVIEWER,
                     "--outputs", str(paths.outputs)])  # fmt: skip
    assert code == 0
    return _sign(root, paths)


def test_corrections_are_recorded_in_the_catalogue(reviewed, unit) -> None:
    _, paths, _ = unit
    with review.unit_catalog(paths) as conn:
        assert review.items(paths, conn) == []
        history = review.review_store.history(conn, "TTLT", HELD)
        row = conn.execute(
            "SELECT ten_loai, so, ky_hieu, ngay FROM documents WHERE ma_dinh_danh = ?", (DOC,)
        ).fetchone()
    assert row == ("Quyết định", "77", "QĐ-BHXH", "2018-05-03")
    changes = {h["field"]: h for h in history if h["action"] == "sửa"}
    confirmed = {(h["ma_dinh_danh"], h["field"]) for h in history if h["action"] == "xác nhận"}
    assert (FIRST, "nguoi_ky") in confirmed and (DOC, "trich_yeu") in confirmed
    assert (
        changes["ten_loai"]["new"] == "Quyết định" and changes["ten_loai"]["reviewer"] == REVIEWER
    )
    assert changes["ngay"]["at"].endswith("+07:00") and changes["ngay"]["source"] == "reviewed.xlsx"
    hits = db.search(paths.root / "catalog.sqlite", "quyet dinh 77")
    assert [h.ma_dinh_danh for h in hits] == [DOC] and hits[0].unreviewed == ()
    assert "[đã biên mục]" in db.format_hit(hits[0])


def test_a_rerun_after_review_signs_nothing_again(reviewed, unit) -> None:
    root, paths, _ = unit
    # Only the corrected document's XMP changed, so only it is signed anew (FIRST was confirmed).
    assert reviewed.signed_now == 1
    assert _sign(root, paths).signed_now == 0


def test_signed_pdf_mets_and_premis_carry_the_reviewed_values(reviewed, unit) -> None:
    _, paths, pki = unit
    assert reviewed.figures()["waiting_review_files"] == 0
    pdf = paths.archive / f"{DOC}.pdf"
    assert verify_pdf(pdf, [pki["ca_cert"]]).status == "valid"
    with pikepdf.open(pdf) as doc:
        assert doc.open_metadata().pdfa_status == "2B"
    document = read_xmp(pdf)["document"]
    assert document["ten_loai_van_ban"] == "QĐ" and document["so"] == "77"
    assert document["ky_hieu"] == "QĐ-BHXH" and document["ngay_thang_nam"] == "2018-05-03"
    package = paths.archive / "packages" / HELD
    assert validate_package(package) == []
    ns = {"s": "https://ns.sohoa.vn/xmp/1.0/", "p": "http://www.loc.gov/premis/v3"}
    record = etree.parse(str(package / "metadata/descriptive/sohoa.xml"))
    node = record.xpath(f"//s:vanBan[@tep='{DOC}.pdf']", namespaces=ns)[0]
    assert node.findtext("s:vanban_so", namespaces=ns) == "77"
    assert node.findtext("s:vanban_ngay_thang_nam", namespaces=ns) == "2018-05-03"
    premis = etree.parse(str(package / "metadata/preservation/premis.xml"))
    events = premis.xpath("//p:event[p:eventType='metadata modification']", namespaces=ns)
    details = " ".join(e.findtext(".//p:eventDetail", namespaces=ns) for e in events)
    assert "Quyết định" in details and "77" in details
    agents = premis.xpath("//p:agent[p:agentType='person']/p:agentName/text()", namespaces=ns)
    assert agents == [REVIEWER]


def test_notebook_form_checks_then_records_one_document_at_a_time(copy_before_review) -> None:
    from sohoa_lib.review.form import ReviewForm

    with pytest.raises(Exception, match="reviewer"):
        ReviewForm(copy_before_review, "  ")
    form = ReviewForm(copy_before_review, REVIEWER, dpi=30)
    assert form.current.ma_dinh_danh == FIRST and len(form.items) == 2
    form.move(1)
    assert form.current.ma_dinh_danh == DOC and set(form.inputs) >= {"ten_loai", "ngay", "so"}
    form.inputs["ngay"].value = "32/13/2018"
    assert form.submit() and form.current.ma_dinh_danh == DOC  # refused, nothing recorded
    assert "không phải ngày" in form.message.value
    form.inputs["ngay"].value = "03/05/2018"
    form.inputs["ten_loai"].value = "Quyết định"
    assert form.submit() == [] and form.recorded == 1
    with review.unit_catalog(copy_before_review) as conn:
        assert [i.ma_dinh_danh for i in review.items(copy_before_review, conn)] == [FIRST]
        history = review.review_store.history(conn, "TTLT", HELD)
    assert {(h["field"], h["new"]) for h in history if h["action"] == "sửa"} == {
        ("ngay", "2018-05-03"),
        ("ten_loai", "Quyết định"),
    }
    assert {h["source"] for h in history} == {review.NOTEBOOK_SOURCE}


def test_review_notebook_runs_under_papermill(copy_before_review, tmp_path) -> None:
    import papermill

    notebook = ROOT / "notebooks" / "review.ipynb"
    papermill.execute_notebook(
        str(notebook), str(tmp_path / "review.ipynb"), kernel_name="python3",
        parameters={"outputs": str(copy_before_review.outputs), "reviewer": REVIEWER},
        progress_bar=False, cwd=str(notebook.parent),
    )  # fmt: skip
