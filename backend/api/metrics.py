"""Prometheus metrics over HTTP: /metrics, with the pool's metrics and per-route request
counts and durations, added up over every gunicorn worker when running under gunicorn."""

from __future__ import annotations

import os
import time
from functools import partial

from flask import Flask, Response, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Histogram,
    generate_latest,
    multiprocess,
)

from backend.api.access import OPEN, declare

# prometheus-client's own switch: set (by gunicorn.conf.py) when workers share metrics.
MULTIPROCESS_DIRECTORY = "PROMETHEUS_MULTIPROC_DIR"

REQUEST_DURATION = Histogram(
    "http_server_request_duration_seconds",
    "HTTP requests by method, route and status code: count, and time to answer.",
    ["method", "route", "status_code"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)


def init_app(app: Flask) -> None:
    app.before_request(_start_timer)
    app.after_request(_observe)
    # Read once, as prometheus-client did when first imported.
    shared = bool(os.environ.get(MULTIPROCESS_DIRECTORY))
    app.add_url_rule("/metrics", "metrics", declare(OPEN)(partial(_metrics, shared=shared)))


def _start_timer() -> None:
    g.request_started = time.perf_counter()


def _observe(response: Response) -> Response:
    started = g.get("request_started")
    if started is not None:
        # The route's pattern, not the path: one series per endpoint, not per game id.
        route = request.url_rule.rule if request.url_rule is not None else "unmatched"
        REQUEST_DURATION.labels(request.method, route, str(response.status_code)).observe(
            time.perf_counter() - started
        )
    return response


def _metrics(*, shared: bool) -> Response:
    registry = REGISTRY
    if shared:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)
