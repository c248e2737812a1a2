"""Stage start-up: papermill is imported without building the IRI grammar, which still works."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
from sohoa_lib.run import _notebook
_notebook.papermill_module()
import nbformat, jsonschema
print("built" if "rfc3987_syntax.syntax_helpers" in sys.modules else "deferred")
checker = jsonschema.Draft7Validator.FORMAT_CHECKER
print(checker.conforms("http://example.org/tài-liệu", "iri"), checker.conforms("no iri", "iri"))
print("built" if "rfc3987_syntax.syntax_helpers" in sys.modules else "deferred")
"""


def test_papermill_import_defers_the_iri_grammar_until_a_format_check_needs_it():
    # A fresh interpreter: this test process may already have imported jsonschema.
    out = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True
    ).stdout.split("\n")
    assert out[:3] == ["deferred", "True False", "built"]


def test_export_after_deferral_reads_and_validates_notebooks(tmp_path):
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    from sohoa_lib.run import _notebook

    _notebook.papermill_module()
    path = tmp_path / "nb.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell("1")]), str(path))
    bad = nbformat.read(str(path), as_version=4)
    bad.cells[0]["outputs"] = [{"output_type": "nonsense"}]
    assert nbformat.validator.isvalid(nbformat.read(str(path), as_version=4))
    assert not nbformat.validator.isvalid(bad)
