"""lifeos's own test run collects examples/ (pyproject's testpaths), but pytest-project/
is a separate project with a test that fails on purpose, for the run_tests mission to run:
leave it out here. It runs as its own rootdir: pytest examples/pytest-project."""

collect_ignore_glob = ["pytest-project/*"]
