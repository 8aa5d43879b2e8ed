"""The benchmark: `make bench` (python -m bench.run). Not part of the test suite; see bench/README.md."""
