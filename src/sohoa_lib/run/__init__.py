"""Running a unit: stage notebooks through papermill, run.json, the one-run lock, the index page.

The top layer: may import any subpackage; nothing imports it but the command line.
"""
