"""The review notebook's form: one flagged document at a time, each field beside its page region."""

from __future__ import annotations

import html
import io

import ipywidgets as widgets

from sohoa_lib.paths import UnitPaths
from sohoa_lib.records import codes
from sohoa_lib.review import decisions as review_store
from sohoa_lib.review import sheet
from sohoa_lib.review.decisions import Decision
from sohoa_lib.review.items import FIELDS, IMAGE_DPI, Item, items, region_image

_PAGE_WIDTH = "520px"


class ReviewForm:
    """Biên mục in JupyterLab: correct or confirm each flagged field, then the next document.

    Keyboard: Tab moves from field to field and on to the buttons; Enter or Space presses the
    focused button. Nothing is recorded until "Lưu" and every value is checked first, as
    `sohoa review apply` checks a spreadsheet cell.
    """

    def __init__(self, paths: UnitPaths, reviewer: str, *, dpi: int = IMAGE_DPI) -> None:
        self.paths = paths
        self.reviewer = sheet.require_reviewer(reviewer)
        self.dpi = dpi
        with sheet.unit_catalog(paths) as conn:
            self.items = items(paths, conn)
        self.index = 0
        self.recorded = 0
        self.inputs: dict[str, widgets.Text | widgets.Combobox] = {}
        self.status = widgets.HTML()
        self.fields = widgets.VBox()
        self.message = widgets.HTML()
        self.save = widgets.Button(description="Lưu, sang văn bản sau", button_style="success",
                                   tooltip="Ghi các giá trị (sửa hoặc xác nhận) rồi mở văn bản sau")  # fmt: skip
        self.skip = widgets.Button(description="Bỏ qua", tooltip="Để văn bản này lại, chưa ghi gì")
        self.save.on_click(lambda _: self.submit())
        self.skip.on_click(lambda _: self.move(1))
        self.widget = widgets.VBox(
            [self.status, self.fields, self.message, widgets.HBox([self.skip, self.save])]
        )
        self.show()

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)

    @property
    def current(self) -> Item | None:
        return self.items[self.index] if self.items else None

    def show(self) -> None:
        """Lay out the current document: for each flagged field its crop, reason and value."""
        item = self.current
        self.inputs = {}
        if item is None:
            self.status.value = "<b>Không còn văn bản nào cần biên mục.</b>"
            self.fields.children = ()
            self.save.disabled = self.skip.disabled = True
            return
        self.status.value = (
            f"<b>{html.escape(item.ma_dinh_danh)}</b> — văn bản {self.index + 1}/{len(self.items)}"
            f" cần biên mục · người biên mục: {html.escape(self.reviewer)}"
        )
        rows = []
        for flag in item.flags:
            crop = io.BytesIO()
            region_image(item, flag, dpi=self.dpi).convert("RGB").save(crop, "JPEG")
            label = FIELDS.get(flag.field, flag.field)
            box = self._input(flag.field, item.values.get(flag.field))
            self.inputs[flag.field] = box
            rows.append(
                widgets.HBox([
                    widgets.Image(value=crop.getvalue(), format="jpeg",
                                  layout=widgets.Layout(max_width=_PAGE_WIDTH)),
                    widgets.VBox([widgets.HTML(f"<b>{html.escape(label)}</b> (trang {flag.page})"
                                               f"<br><i>{html.escape(flag.reason)}</i>"), box]),
                ])
            )  # fmt: skip
        self.fields.children = tuple(rows)
        self.message.value = ""
        self.save.disabled = self.skip.disabled = False

    def _input(self, name: str, value: str | None) -> widgets.Text | widgets.Combobox:
        text = sheet.parse_value("ngay", value) if name == "ngay" and value else value
        if name == "ngay" and text and len(text) == 10:
            text = "/".join(reversed(text.split("-")))  # as archivists type dates
        if name == "ten_loai":
            return widgets.Combobox(value=text or "", placeholder="tên loại văn bản",
                                    options=tuple(codes.names("ten_loai_van_ban").values()),
                                    ensure_option=False)  # fmt: skip
        hint = "dd/mm/yyyy" if name == "ngay" else "để trống nếu văn bản không có"
        return widgets.Text(value=text or "", placeholder=hint)

    def move(self, step: int) -> None:
        if self.items:
            self.index = (self.index + step) % len(self.items)
        self.show()

    def submit(self) -> list[str]:
        """Check every value; record them all, or nothing and the problems shown."""
        item = self.current
        if item is None:
            return []
        problems, decisions = [], []
        at = review_store.now()
        for name, box in self.inputs.items():
            try:
                value = sheet.parse_value(name, box.value)
            except ValueError as exc:
                problems.append(f"{FIELDS.get(name, name)}: {exc}")
                continue
            decisions.append(Decision(item.ma_dinh_danh, name, value, self.reviewer, at,
                                      sheet.NOTEBOOK_SOURCE))  # fmt: skip
        if problems:
            self.message.value = "<br>".join(
                f"<span style='color:#b00'>{html.escape(p)}</span>" for p in problems
            )
            return problems
        with sheet.unit_catalog(self.paths) as conn:
            review_store.record(conn, self.paths.unit, decisions)
        self.recorded += 1
        del self.items[self.index]
        if self.index >= len(self.items):
            self.index = 0
        self.show()
        return []
