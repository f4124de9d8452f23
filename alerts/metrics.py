"""Prometheus metrics of one app instance (its own registry, so tests can build many apps)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest


class Metrics:
    """Counters and histograms the service updates."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.filings = Counter(
            "jibao_filings_total", "Filings stored, by kind", ["kind"], registry=self.registry
        )
        self.rejected = Counter(
            "jibao_filings_rejected_total",
            "Filings refused, by HTTP status",
            ["status"],
            registry=self.registry,
        )
        self.filing_seconds = Histogram(
            "jibao_filing_seconds",
            "Time to check, store and assess a filing",
            registry=self.registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1),
        )

        self.steps_fired = Counter(
            "jibao_escalation_steps_total", "Ladder steps fired", registry=self.registry
        )
        self.messages_sent = Counter(
            "jibao_messages_handed_over_total",
            "Notifications handed to a channel (sent or dry)",
            registry=self.registry,
        )

    def render(self) -> bytes:
        """The Prometheus text exposition."""
        return generate_latest(self.registry)
