"""Prometheus metrics (O-1), shared by every API process and worker of one installation.

prometheus-client's multiprocess mode: each process writes its samples to memory-mapped files in
PROMETHEUS_MULTIPROC_DIR and a scrape sums the files of all processes, so `/metrics` answers the
same totals whichever API process serves it, workers included. The directory must be known
before prometheus_client is imported (it picks its value class at import), hence the set-up at
the top of this module. The launcher (`python -m app run`) wipes it when it starts; a bare
`python -m app serve` / `worker` without the variable uses `<DATA_DIR>/prometheus`.

The domain does not import this module: `install()` plugs these functions into
`app.domain.observe`, whose hooks fire after commit, so a rolled-back order is never counted.
"""

import os
import shutil
from collections import Counter as Tally
from pathlib import Path

ENV = "PROMETHEUS_MULTIPROC_DIR"


def default_dir() -> str:
    from app.settings import get_settings

    return str(Path(get_settings().data_dir).resolve() / "prometheus")


def ensure_dir() -> str:
    """The directory of this process (created); sets the variable when it was unset."""
    path = os.environ.get(ENV) or default_dir()
    os.environ[ENV] = path
    Path(path).mkdir(parents=True, exist_ok=True)
    return path


def wipe_dir(path: str) -> None:
    """At supervisor start: the totals of processes from an earlier run must not be summed in."""
    shutil.rmtree(path, ignore_errors=True)
    Path(path).mkdir(parents=True, exist_ok=True)


ensure_dir()

from prometheus_client import (  # noqa: E402  (after the directory is set: see above)
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily  # noqa: E402

MAX_OPERATION_NAMES = 200  # per process: a client cannot blow up the label set with random names

REQUESTS = Counter("roomkit_requests", "GraphQL requests by operation name and outcome.", ["operation", "outcome"])
REQUEST_DURATION = Histogram(
    "roomkit_request_duration_seconds",
    "GraphQL request duration.",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
ORDERS = Counter("roomkit_orders", "Committed orders by kind and edition.", ["kind", "edition"])
ORDER_AMOUNT = Counter(
    "roomkit_order_amount_fen", "Committed order amounts in fen by kind and edition.", ["kind", "edition"]
)
AUTO_RENEW = Counter(
    "roomkit_auto_renew_attempts", "Auto-renewal attempts by outcome and failure reason.", ["outcome", "reason"]
)
TIMER_LATENESS = Histogram(
    "roomkit_timer_lateness_seconds",
    "Timer lateness: due instant to transition done.",
    buckets=(0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900, 3600),
)
WEBHOOK_DELIVERIES = Counter("roomkit_webhook_deliveries", "Webhook delivery attempts by outcome.", ["outcome"])
ENTITLEMENTS_CACHE = Counter("roomkit_entitlements_cache", "Entitlements cache lookups.", ["result"])

_operations: set[str] = set()


def operation_label(name: str | None) -> str:
    if not name:
        return "anonymous"
    name = name[:64]
    if name not in _operations:
        if len(_operations) >= MAX_OPERATION_NAMES:
            return "other"
        _operations.add(name)
    return name


_request_counters: dict[tuple[str, str], object] = {}


def request_done(operation: str | None, outcome: str, duration_s: float) -> None:
    # The labelled child is looked up once per label pair: `labels()` takes a lock and
    # builds a key on every call, on the path of every request. Both label sets are bounded.
    key = (operation_label(operation), outcome)
    counter = _request_counters.get(key)
    if counter is None:
        counter = _request_counters[key] = REQUESTS.labels(*key)
    counter.inc()  # type: ignore[attr-defined]
    REQUEST_DURATION.observe(duration_s)


def order_placed(kind: str, edition: str | None, amount_fen: int) -> None:
    ORDERS.labels(kind, edition or "none").inc()
    ORDER_AMOUNT.labels(kind, edition or "none").inc(amount_fen)


def auto_renew_attempt(outcome: str, reason: str | None) -> None:
    """outcome "success" (reason "none") or "failure" with the R-3 reason."""
    AUTO_RENEW.labels(outcome, reason or "none").inc()


def timer_done(lateness_s: float) -> None:
    TIMER_LATENESS.observe(max(0.0, lateness_s))


def timers_done(lateness_s: list[float]) -> None:
    """A bulk sweep's many transitions: equal latenesses are added in one step (one mmap write per
    bucket instead of one per row), which is what `observe` would do n times."""
    bounds = TIMER_LATENESS._upper_bounds
    for value, n in Tally(max(0.0, v) for v in lateness_s).items():
        TIMER_LATENESS._sum.inc(value * n)
        for i, bound in enumerate(bounds):
            if value <= bound:
                TIMER_LATENESS._buckets[i].inc(n)
                break


def webhook_delivery(outcome: str) -> None:
    """outcome: "success", "failure" (non-2xx or network error), … — issue 12 calls it per attempt."""
    WEBHOOK_DELIVERIES.labels(outcome).inc()


def entitlements_cache(hit: bool) -> None:
    ENTITLEMENTS_CACHE.labels("hit" if hit else "miss").inc()


def install() -> None:
    """Plug the domain's after-commit hooks into these counters (idempotent)."""
    from app.domain import observe

    observe.install(
        observe.Sink(
            order_placed=order_placed,
            auto_renew_attempt=auto_renew_attempt,
            timer_done=timer_done,
            timers_done=timers_done,
            webhook_delivery=webhook_delivery,
        )
    )


def render(timers_due: int | None) -> tuple[bytes, str]:
    """The scrape: every process's files summed, plus the gauge computed from the database."""
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=os.environ[ENV])
    if timers_due is not None:
        registry.register(
            _Fixed(GaugeMetricFamily("roomkit_timers_due", "Timers due and not yet done.", value=timers_due))
        )
    return generate_latest(registry), CONTENT_TYPE_LATEST


class _Fixed:
    def __init__(self, family) -> None:
        self.family = family

    def collect(self):
        yield self.family
