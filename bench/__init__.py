"""The load generator, scenarios and report of `make bench` (docs/performance.md)."""
