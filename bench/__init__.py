"""
The benchmarks (`make bench`, `make loadtest`) and the harness they share with the live-server
tests. The scripts run as `python bench/<name>.py`, with bench/ on sys.path, and import one
another by bare name (`import harness`); the tests import `bench.harness`.
"""
