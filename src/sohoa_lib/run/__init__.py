"""Running a unit: stage notebooks through papermill, run.json, the one-run lock, the index page, progress. The top layer: may import any subpackage."""
