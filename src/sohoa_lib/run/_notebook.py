"""Thin wrapper over papermill (run a notebook) and nbconvert (export a code-free HTML report)."""

from __future__ import annotations

import importlib
import logging
import os
import re
import sys
import types
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sohoa_lib.common.files import write_text
from sohoa_lib.errors import MissingToolError, StageError

log = logging.getLogger(__name__)

# Cells whose content is plumbing, not report: the defaults and what papermill injected over them.
PARAMETER_TAGS = ("parameters", "injected-parameters")

# papermill tags the two banners it adds to a failed notebook; their wording is English.
ERROR_MARKER_TAG = "papermill-error-cell-tag"
ERROR_STYLE = 'style="color:#b00020; font-size:1.6em;"'
WIDGET = "application/vnd.jupyter.widget-view+json"
ERROR_HERE = "Lỗi xảy ra tại đây; các ô sau không được thực hiện:"

# The lab template, minus the scripts it fetches from CDNs (require.js, MathJax, Mermaid): reports
# are read offline and sent by mail, and a government report should not call out to third parties.
_REPORT_TEMPLATE = """\
{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
"""


def check_kernel(kernel_name: str = "sohoa") -> None:
    """MissingToolError unless the Jupyter kernel is registered (papermill would fail obscurely)."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec(kernel_name)
    except NoSuchKernel:
        raise MissingToolError(
            f"chưa đăng ký Jupyter kernel {kernel_name!r}: hãy chạy `make setup`"
        ) from None


def papermill_module() -> Any:
    """papermill, imported without building the IRI grammar nothing here uses (see below)."""
    _defer_iri_grammar()
    import papermill

    return papermill


# jsonschema imports rfc3987_syntax at import time (its "iri" format check, a dependency
# jupyter-events pulls in), and that module builds a Lark grammar on import: 0.9-1.1 s of every
# stage's start-up, measured with `python -X importtime -c "import papermill"`. nbformat validates
# notebooks with Draft4Validator and no format checker, so the grammar is never used here. The
# stand-in loads the real module on first use, so a format check anyone does still gets it.
_IRI_MODULE = "rfc3987_syntax"


def _defer_iri_grammar() -> None:
    if _IRI_MODULE in sys.modules:
        return
    stand_in = types.ModuleType(_IRI_MODULE, "Loads rfc3987_syntax when first used.")

    def real() -> types.ModuleType:
        if sys.modules.get(_IRI_MODULE) is stand_in:
            del sys.modules[_IRI_MODULE]
        module = importlib.import_module(_IRI_MODULE)
        stand_in.__dict__.update({k: v for k, v in vars(module).items() if k != "is_valid_syntax"})
        return module

    def is_valid_syntax(*args: Any, **kwargs: Any) -> Any:
        return real().is_valid_syntax(*args, **kwargs)

    def __getattr__(name: str) -> Any:  # PEP 562: what the module does not define
        if name.startswith("__"):  # the import system asks for __path__ and the like
            raise AttributeError(name)
        return getattr(real(), name)

    stand_in.is_valid_syntax = is_valid_syntax  # type: ignore[attr-defined]
    stand_in.__getattr__ = __getattr__  # type: ignore[attr-defined]
    sys.modules[_IRI_MODULE] = stand_in


def execute(
    input_nb: Path,
    output_nb: Path,
    parameters: Mapping[str, Any],
    kernel_name: str = "sohoa",
    cwd: Path | None = None,
) -> None:
    """Run `input_nb` with `parameters` into `output_nb`; StageError naming the cell if one fails.

    The executed notebook lands under its final name even when a cell fails, so the error can be
    read there; it is written under a temporary name first, so a crash never leaves half of it.
    """
    papermill = papermill_module()
    from papermill.exceptions import PapermillExecutionError

    input_nb, output_nb = Path(input_nb), Path(output_nb)
    stage = input_nb.stem
    check_kernel(kernel_name)
    output_nb.parent.mkdir(parents=True, exist_ok=True)
    # Ends in .ipynb so papermill picks its notebook writer without a warning.
    tmp = output_nb.with_name(f".{output_nb.stem}.{uuid.uuid4().hex[:8]}.tmp.ipynb")
    # The kernel's working folder goes through nbclient's resources rather than papermill's
    # `cwd`, which changes the whole process's directory while the notebook runs.
    # The kernel logs to our stderr; when it is shut down after a failed cell it may log "Keyboard
    # Interrupt caught in kernel", which would break the one-line error contract. The notebook
    # keeps every error of the code it runs; only the kernel's own log is quieted.
    engine_kwargs: dict[str, Any] = {
        "config": _client_config(),
        "extra_arguments": ["--IPKernelApp.log_level=CRITICAL"],
    }
    if cwd is not None:
        engine_kwargs["resources"] = {"metadata": {"path": str(cwd)}}
    try:
        papermill.execute_notebook(
            str(input_nb),
            str(tmp),
            parameters=dict(parameters),
            kernel_name=kernel_name,
            progress_bar=False,  # its bar counts cells, in English; `progress` shows pages
            log_output=False,
            **engine_kwargs,
        )
        os.replace(tmp, output_nb)
    except PapermillExecutionError as exc:
        _keep(tmp, output_nb)
        cell = exc.exec_count if exc.exec_count is not None else exc.cell_index
        raise StageError(
            f"giai đoạn {stage} lỗi tại ô [{cell}]: {one_line(exc.ename, exc.evalue)}"
        ) from exc
    except (KeyboardInterrupt, MissingToolError):
        raise
    except Exception as exc:
        # Kernel died, start-up timed out, unreadable notebook: still one line, stage named.
        _keep(tmp, output_nb)
        raise StageError(
            f"giai đoạn {stage} lỗi: {one_line(type(exc).__name__, str(exc))}"
        ) from exc
    finally:
        tmp.unlink(missing_ok=True)


def export_html(executed_nb: Path, html_path: Path, title: str) -> None:
    """Write the executed notebook as an HTML report: outputs and text only, no code, no prompts."""
    import jinja2

    _defer_iri_grammar()  # nbformat imports jsonschema, when exporting alone
    import nbformat
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    nb = nbformat.read(str(executed_nb), as_version=4)
    nb.metadata["title"] = title  # the template prefers it to the file name for <title>
    _translate_error_markers(nb)
    _drop_widgets(nb)
    _fold_tracebacks(nb)
    config = Config()
    # Drop the parameter cells entirely: with code hidden they could only show stray outputs.
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_cell_tags = set(PARAMETER_TAGS)
    exporter = HTMLExporter(
        config=config,
        extra_loaders=[jinja2.DictLoader({"sohoa_report.html.j2": _REPORT_TEMPLATE})],
        template_file="sohoa_report.html.j2",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        language_code="vi",
    )
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    write_text(Path(html_path), body)


def _translate_error_markers(nb: Any) -> None:
    """Say in Vietnamese what papermill's banners say in English: reviewers read the page."""
    for cell in nb.cells:
        if ERROR_MARKER_TAG not in cell.metadata.get("tags", []):
            continue
        if 'id="papermill-error-cell"' in cell.source:
            cell.source = f'<span id="papermill-error-cell" {ERROR_STYLE}>{ERROR_HERE}</span>'
        else:
            found = re.search(r"In \[([^\]]*)\]", cell.source)
            where = f"ô [{found.group(1)}]" if found else "một ô"
            cell.source = (
                f'<span {ERROR_STYLE}>Có lỗi tại <a href="#papermill-error-cell">{where}</a>: '
                f"báo cáo dừng ở đó và chưa đầy đủ.</span>"
            )


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _fold_tracebacks(nb: Any) -> None:
    """A failed cell, for a reviewer: what went wrong in one Vietnamese sentence, the Python
    traceback folded under it for whoever fixes it. The executed notebook keeps the raw error."""
    import html

    from nbformat.v4 import new_output

    for cell in nb.cells:
        for i, out in enumerate(cell.get("outputs", [])):
            if out.get("output_type") != "error":
                continue
            trace = html.escape(_ANSI.sub("", "\n".join(out.get("traceback", []))))
            what = html.escape(one_line(out.get("ename", ""), out.get("evalue", "")))
            text = (
                "<div style='border-left:4px solid #cf222e;background:#fff0f0;padding:8px 12px'>"
                f"<b>Giai đoạn dừng vì lỗi:</b> {what}<br>Các phần sau của báo cáo chưa được "
                "lập. Cán bộ kỹ thuật xem chi tiết dưới đây, sửa nguyên nhân rồi chạy lại.</div>"
                "<details><summary>Chi tiết kỹ thuật (traceback)</summary>"
                f"<pre style='white-space:pre-wrap;font-size:.85em'>{trace}</pre></details>"
            )
            cell.outputs[i] = new_output("display_data", data={"text/html": text})


def _drop_widgets(nb: Any) -> None:
    """Remove live widgets (the progress bars): a static report cannot draw them, and a reviewer
    wants the result, not how long it took."""
    for cell in nb.cells:
        if cell.get("outputs"):
            cell.outputs = [o for o in cell.outputs if WIDGET not in o.get("data", {})]
    # Their saved state makes the template load a widget manager from a CDN: reports stay offline.
    nb.metadata.pop("widgets", None)


def _client_config() -> Any:
    """nbclient settings: encrypt the kernel's sockets when its kernelspec says it can.

    Without it ipykernel warns on stderr about plain TCP, which garbles the one-line error contract
    and leaves code and outputs readable by other users of a shared machine.
    """
    from traitlets.config import Config

    return Config({"KernelManager": {"transport_encryption": "auto"}})


def _keep(tmp: Path, final: Path) -> None:
    """Move a failed run's notebook to its final name, if papermill got as far as writing it.

    Otherwise remove an earlier run's notebook there: it would pass for this run's.
    """
    if tmp.exists() and tmp.stat().st_size > 0:
        os.replace(tmp, final)
    else:
        final.unlink(missing_ok=True)


def one_line(ename: str, evalue: str) -> str:
    """`Name: first line of the message`, the form every stage error takes."""
    first = next((line.strip() for line in (evalue or "").splitlines() if line.strip()), "")
    return f"{ename}: {first}" if first else ename
