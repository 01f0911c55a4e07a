"""Prometheus metrics: requests by route, method and status, and their latency, at /metrics.

Each app has its own registry, so two apps in one process (tests) count separately. Routes are
labelled by their template (``/api/gpts/{gpt_id}``), never the concrete path, so ids do not explode
the label space or leak into monitoring.
"""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Scope


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "actionforge_http_requests",
            "HTTP requests served",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "actionforge_http_request_seconds",
            "HTTP request latency",
            ["route", "method"],
            registry=self.registry,
        )

        # Each (route, method, status)'s two labelled series, found once: `labels` checks and
        # joins its values on every call, a fifth of this method's time per request.
        self._series: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}

    def observe(self, scope: Scope, status: int, seconds: float) -> None:
        """One request answered (`edge.Edge` reports each)."""
        key = (_route(scope), scope["method"], status)
        series = self._series.get(key)
        if series is None:
            route, method, _ = key
            series = self._series[key] = (
                self.requests.labels(route, method, str(status)),
                self.latency.labels(route, method),
            )
        count, latency = series
        count.inc()
        latency.observe(seconds)

    def endpoint(self, _request: Request) -> Response:
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)


def _route(scope: Scope) -> str:
    """The matched route's template; FastAPI leaves the route in the scope once it has routed."""
    return str(getattr(scope.get("route"), "path", "unmatched"))
