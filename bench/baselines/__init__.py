"""Minimal FastAPI apps doing the service's I/O without its layers, one `app` per module.

Each serves the service's paths (`GET /api/v1/posts/{post_id}`, `POST /api/v1/posts`), so
the runner loads them with the same URLs and scripts. Configured by the environment:
BENCH_DB_URL, BENCH_REDIS_URL, BENCH_REDIS_PREFIX, BENCH_POST_ID, BENCH_AUTHOR_ID.
"""
