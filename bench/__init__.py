"""Benchmark harness: seed a MariaDB dataset, load the service and minimal baselines with wrk."""
