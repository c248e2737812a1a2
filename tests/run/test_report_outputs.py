"""What a stage's report keeps of its notebook's outputs: results and warnings, no progress bars."""

from __future__ import annotations

import nbformat
from nbformat.v4 import new_code_cell, new_notebook, new_output

from sohoa_lib.run import _notebook


def test_progress_bars_are_dropped_and_warnings_kept() -> None:
    widget = new_output(
        "display_data",
        data={_notebook.WIDGET: {"model_id": "x"}, "text/plain": "Nhận dạng chữ (OCR): 0/6"},
    )
    # tqdm.auto falls back to its text bar on stderr when the kernel cannot show a widget.
    text_bar = new_output(
        "stream",
        name="stderr",
        text="Ký số:  50%|█████     | 1/2 [00:01<00:01,  1.02 tệp/s]\r"
        "Ký số: 100%|██████████| 2/2 [00:02<00:00,  1.10 tệp/s]\n",
    )
    warning = new_output("stream", name="stderr", text="UserWarning: 3 trang thiếu dpi\n")
    result = new_output("execute_result", data={"text/plain": "42"}, execution_count=1)
    nb = new_notebook(cells=[new_code_cell("x", outputs=[widget, text_bar, warning, result])])
    nb.metadata["widgets"] = {"state": {}}
    _notebook._drop_widgets(nb)
    assert nb.cells[0].outputs == [warning, result]
    assert "widgets" not in nb.metadata
    nbformat.validate(nb)
