"""Summaries of timings and the printed table."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Latency:
    median_ms: float
    p99_ms: float
    count: int

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Latency:
        ordered = sorted(seconds)
        p99 = ordered[max(0, math.ceil(0.99 * len(ordered)) - 1)]
        return cls(statistics.median(ordered) * 1000, p99 * 1000, len(ordered))


@dataclass(frozen=True)
class Throughput:
    """A flood of events: how fast they went through, how long each took; and the
    latency of a few events at a time (`paced`), without a queue in front of them."""

    events: int
    seconds: float
    latency: Latency
    paced: Latency | None

    @property
    def per_second(self) -> float:
        return self.events / self.seconds


def rpc_table(
    rows: list[tuple[str, Latency]], baseline: Latency, title: str = "RPC, sequential calls"
) -> str:
    lines = [
        f"{title:<58} {'calls':>6} {'median':>9} {'p99':>9} {'x raw':>7}",
    ]
    for label, latency in rows:
        ratio = latency.median_ms / baseline.median_ms
        lines.append(
            f"{label:<58} {latency.count:>6} {latency.median_ms:>7.3f}ms "
            f"{latency.p99_ms:>7.3f}ms {ratio:>6.2f}x"
        )
    return "\n".join(lines)


def event_table(rows: list[tuple[str, Throughput]], baseline: Throughput) -> str:
    lines = [
        f"{'Events, end to end':<48} {'events':>6} {'events/s':>9} {'% raw':>6} "
        f"{'flood median':>13} {'p99':>9} {'paced median':>13} {'p99':>9}",
    ]
    for label, run in rows:
        share = 100 * run.per_second / baseline.per_second
        paced = (
            f"{run.paced.median_ms:>11.2f}ms {run.paced.p99_ms:>7.2f}ms"
            if run.paced
            else f"{'-':>13} {'-':>9}"
        )
        lines.append(
            f"{label:<48} {run.events:>6} {run.per_second:>9.0f} {share:>5.0f}% "
            f"{run.latency.median_ms:>11.2f}ms {run.latency.p99_ms:>7.2f}ms {paced}"
        )
    return "\n".join(lines)


def rush_table(rows: list[tuple[str, Throughput]]) -> str:
    """Requests sent all at once: how fast they were answered, how long each took."""
    lines = [
        f"{'Booking rush, all sent at once':<48} {'sent':>6} {'seconds':>8} {'per s':>7} "
        f"{'median':>10} {'p99':>10}",
    ]
    for label, rush in rows:
        lines.append(
            f"{label:<48} {rush.events:>6} {rush.seconds:>8.2f} {rush.per_second:>7.0f} "
            f"{rush.latency.median_ms:>8.1f}ms {rush.latency.p99_ms:>8.1f}ms"
        )
    return "\n".join(lines)


def verdict(passed: bool) -> str:
    return "PASS" if passed else "MISS"
