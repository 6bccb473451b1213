"""When a consumer counts as not fed by the broker (`StallWatch`), on a pinned clock."""

from __future__ import annotations

from services.common.amqp import StallWatch


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def watch(prefetch: int = 10) -> tuple[StallWatch, Clock]:
    clock = Clock()
    return StallWatch(5.0, prefetch, clock), clock


def test_an_idle_consumer_looks_at_its_queue_once_an_interval():
    stall, clock = watch()
    assert not stall.due()
    clock.now += 5
    assert stall.due()
    stall.looked(0)
    assert not stall.due()
    clock.now += 5
    assert stall.due()


def test_messages_ready_at_two_looks_with_none_delivered_between_are_a_stall():
    stall, clock = watch()
    clock.now += 5
    assert not stall.looked(3)  # may be on their way
    clock.now += 5
    assert stall.due()
    assert stall.looked(3)


def test_a_delivery_between_the_looks_clears_the_suspicion():
    stall, clock = watch()
    clock.now += 5
    stall.looked(3)
    stall.delivered(1)
    clock.now += 5
    assert stall.due()
    assert not stall.looked(3)


def test_an_empty_queue_at_the_second_look_is_no_stall():
    stall, clock = watch()
    clock.now += 5
    stall.looked(3)
    clock.now += 5
    assert not stall.looked(0)


def test_a_consumer_busy_receiving_does_not_look():
    stall, clock = watch()
    for _ in range(10):
        clock.now += 1
        stall.delivered(None)
        stall.settled(1)
    assert not stall.due()


def test_a_consumer_with_a_full_prefetch_in_hand_waits_for_its_workers_not_the_broker():
    stall, clock = watch(prefetch=2)
    stall.delivered(1)
    stall.delivered(2)
    clock.now += 60
    assert not stall.due()
    stall.settled(1)
    assert stall.due()


def test_a_new_subscription_starts_with_nothing_in_hand_and_no_suspicion():
    stall, clock = watch(prefetch=1)
    stall.delivered(1)
    clock.now += 5
    stall.restart()
    clock.now += 5
    assert stall.due()
    assert not stall.looked(2)


def test_an_interval_of_zero_turns_the_watch_off():
    clock = Clock()
    stall = StallWatch(0, 10, clock)
    clock.now += 3600
    assert not stall.due()
