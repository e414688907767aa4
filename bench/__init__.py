"""Benchmarks for SPEC §9 budgets. Run from the repo root: `python -m bench.filing`,
`python -m bench.transitions` (or `make bench`). They report numbers and never fail on
timings; they exit non-zero only when correctness is violated (lost or duplicate data)."""
