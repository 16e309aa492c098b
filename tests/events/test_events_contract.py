"""The events slot contract (Valkey-Streams-like consumer groups), for every backend."""

from __future__ import annotations

import random
from collections.abc import Callable

import anyio
import anyio.lowlevel
import pytest

from segue.slots.events import EventsBackend

pytestmark = pytest.mark.anyio


async def drain(events: EventsBackend, topic: str, group: str) -> list[str]:
    """Claim and ack everything waiting; the event ids in delivery order."""
    seen: list[str] = []
    while deliveries := await events.claim(topic, group, "drainer", limit=50):
        for delivery in deliveries:
            await events.ack(delivery)
            seen.append(delivery.event_id)
    return seen


async def test_publish_then_claim_hands_out_the_payload(events: EventsBackend) -> None:
    event_id = await events.publish("jobs", {"n": 1, "name": "é", "tags": ["a"]})

    [delivery] = await events.claim("jobs", "g", "c1")

    assert delivery.event_id == event_id
    assert delivery.payload == {"n": 1, "name": "é", "tags": ["a"]}
    assert (delivery.topic, delivery.group, delivery.attempt) == ("jobs", "g", 1)
    assert delivery.published_at > 0


async def test_deliveries_come_in_publish_order(events: EventsBackend) -> None:
    ids = [await events.publish("jobs", {"n": n}) for n in range(25)]

    assert await drain(events, "jobs", "g") == ids


async def test_claim_respects_the_limit(events: EventsBackend) -> None:
    for n in range(7):
        await events.publish("jobs", {"n": n})

    first = await events.claim("jobs", "g", "c", limit=3)
    second = await events.claim("jobs", "g", "c", limit=10)

    assert [d.payload["n"] for d in first] == [0, 1, 2]
    assert [d.payload["n"] for d in second] == [3, 4, 5, 6]


async def test_an_event_id_published_twice_is_one_event(events: EventsBackend) -> None:
    first = await events.publish("jobs", {"v": 1}, event_id="report-1")
    second = await events.publish("jobs", {"v": 2}, event_id="report-1")

    deliveries = await events.claim("jobs", "g", "c")

    assert first == second == "report-1"
    assert [(d.event_id, d.payload) for d in deliveries] == [("report-1", {"v": 1})]
    assert await events.lag("jobs", "g") == 1


async def test_event_ids_needing_escapes_come_back_unchanged(events: EventsBackend) -> None:
    # Plain ids take a fast path in the Valkey claim script; these must not.
    odd = ['say "hi"', "back\\slash", "new\nline", "tab\there", "café-ü", "emoji-🎵", "plain-1"]
    for n, event_id in enumerate(odd):
        await events.publish("jobs", {"n": n}, event_id=event_id)

    deliveries = await events.claim("jobs", "g", "c", limit=20)

    assert [(d.event_id, d.payload["n"]) for d in deliveries] == [
        (event_id, n) for n, event_id in enumerate(odd)
    ]


async def test_published_events_survive_a_restart(
    open_backend: Callable[[], EventsBackend],
) -> None:
    first = open_backend()
    await first.start()
    handled = await first.publish("jobs", {"n": "handled"})
    in_hand = await first.publish("jobs", {"n": "in hand"})
    waiting = await first.publish("jobs", {"n": "waiting"})
    [d1, _d2] = await first.claim("jobs", "g", "c", limit=2, claim_timeout=0.2)
    assert d1.event_id == handled
    await first.ack(d1)
    await first.close()

    second = open_backend()
    await second.start()
    try:
        assert await second.lag("jobs", "g") == 2
        [fresh] = await second.claim("jobs", "g", "c", claim_timeout=30)
        assert fresh.event_id == waiting
        await anyio.sleep(0.3)  # the claim made before the restart expires
        [again] = await second.claim("jobs", "g", "c")
        assert (again.event_id, again.attempt) == (in_hand, 2)
        # a group created after the restart still sees every event
        assert sorted(await drain(second, "jobs", "late")) == sorted([handled, in_hand, waiting])
    finally:
        await second.close()


async def test_every_group_sees_every_event(events: EventsBackend) -> None:
    ids = [await events.publish("jobs", {"n": n}) for n in range(5)]

    assert await drain(events, "jobs", "search-index") == ids
    assert await drain(events, "jobs", "stats") == ids
    assert await events.lag("jobs", "search-index") == 0


async def test_a_group_created_later_starts_from_the_beginning(events: EventsBackend) -> None:
    early = [await events.publish("jobs", {"n": n}) for n in range(3)]
    assert await drain(events, "jobs", "first") == early
    late = await events.publish("jobs", {"n": 3})

    assert await drain(events, "jobs", "newcomer") == [*early, late]
    assert await drain(events, "jobs", "first") == [late]


async def test_acking_in_one_group_leaves_the_others_alone(events: EventsBackend) -> None:
    await events.publish("jobs", {"n": 1})
    [mine] = await events.claim("jobs", "a", "c")
    await events.ack(mine)

    [theirs] = await events.claim("jobs", "b", "c")

    assert theirs.event_id == mine.event_id
    assert await events.lag("jobs", "a") == 0
    assert await events.lag("jobs", "b") == 1


async def test_topics_are_separate(events: EventsBackend) -> None:
    on_a = await events.publish("a", {"x": 1})
    on_b = await events.publish("b", {"x": 2})

    assert await drain(events, "a", "g") == [on_a]
    assert await drain(events, "b", "g") == [on_b]


async def test_a_claimed_event_is_not_handed_out_twice_before_its_timeout(
    events: EventsBackend,
) -> None:
    await events.publish("jobs", {"n": 1})
    assert len(await events.claim("jobs", "g", "crashing", claim_timeout=30)) == 1

    assert await events.claim("jobs", "g", "other") == []


async def test_an_unacked_claim_is_delivered_again_after_the_timeout(
    events: EventsBackend,
) -> None:
    event_id = await events.publish("jobs", {"n": 1})
    [lost] = await events.claim("jobs", "g", "crashed", claim_timeout=0.2)
    assert await events.claim("jobs", "g", "survivor") == []

    await anyio.sleep(0.3)
    [again] = await events.claim("jobs", "g", "survivor")

    assert (again.event_id, again.attempt) == (event_id, 2)
    assert lost.attempt == 1
    await events.ack(again)
    assert await events.lag("jobs", "g") == 0


async def test_failures_are_retried_then_dead_lettered_after_three(events: EventsBackend) -> None:
    event_id = await events.publish("jobs", {"n": "poison"})
    attempts = []
    for n in range(3):
        [delivery] = await events.claim("jobs", "g", "c")
        attempts.append(delivery.attempt)
        await events.fail(delivery, f"boom {n + 1}", max_attempts=3)

    assert attempts == [1, 2, 3]
    assert await events.claim("jobs", "g", "c") == []
    assert await events.lag("jobs", "g") == 0
    [dead] = await events.dead_letters()
    assert (dead.event_id, dead.topic, dead.group) == (event_id, "jobs", "g")
    assert (dead.attempts, dead.last_error, dead.payload) == (3, "boom 3", {"n": "poison"})


async def test_a_retry_keeps_later_events_flowing(events: EventsBackend) -> None:
    await events.publish("jobs", {"n": 1})
    await events.publish("jobs", {"n": 2})
    [first] = await events.claim("jobs", "g", "c", limit=1)
    await events.fail(first, "later", max_attempts=3)

    both = await events.claim("jobs", "g", "c")

    assert sorted((d.payload["n"], d.attempt) for d in both) == [(1, 2), (2, 1)]


async def test_a_stale_failure_report_changes_nothing(events: EventsBackend) -> None:
    await events.publish("jobs", {"n": 1})
    [old] = await events.claim("jobs", "g", "slow", claim_timeout=0.1)
    await anyio.sleep(0.2)
    [current] = await events.claim("jobs", "g", "fast", claim_timeout=30)

    await events.fail(old, "too late", max_attempts=1)  # would dead-letter if honoured

    assert await events.dead_letters() == []
    assert await events.claim("jobs", "g", "fast") == []  # still held by the current claim
    await events.ack(current)
    assert await events.lag("jobs", "g") == 0


async def test_acking_twice_is_harmless(events: EventsBackend) -> None:
    await events.publish("jobs", {"n": 1})
    [delivery] = await events.claim("jobs", "g", "c")

    await events.ack(delivery)
    await events.ack(delivery)

    assert await events.lag("jobs", "g") == 0


async def test_lag_counts_new_and_unacked_events(events: EventsBackend) -> None:
    assert await events.lag("jobs", "g") == 0
    for n in range(5):
        await events.publish("jobs", {"n": n})
    assert await events.lag("jobs", "g") == 5  # a group that never claimed lags by everything

    claimed = await events.claim("jobs", "g", "c", limit=3)
    assert await events.lag("jobs", "g") == 5  # claimed is not handled
    await events.ack(claimed[0])
    assert await events.lag("jobs", "g") == 4
    assert await events.lag("jobs", "other") == 5


async def test_dead_letters_can_be_filtered_by_topic(events: EventsBackend) -> None:
    for topic in ("a", "b"):
        await events.publish(topic, {"topic": topic})
        [delivery] = await events.claim(topic, "g", "c")
        await events.fail(delivery, f"failed on {topic}", max_attempts=1)

    assert [d.topic for d in await events.dead_letters("a")] == ["a"]
    assert sorted(d.topic for d in await events.dead_letters()) == ["a", "b"]
    assert len(await events.dead_letters(limit=1)) == 1


async def test_concurrent_consumers_never_hold_the_same_delivery(events: EventsBackend) -> None:
    published = {await events.publish("jobs", {"n": n}) for n in range(300)}
    handled: list[str] = []
    rng = random.Random(7)

    async def consumer(name: str) -> None:
        while deliveries := await events.claim("jobs", "g", name, limit=rng.randint(1, 12)):
            for delivery in deliveries:
                handled.append(delivery.event_id)
                await anyio.lowlevel.checkpoint()
                await events.ack(delivery)

    async with anyio.create_task_group() as tg:
        for n in range(8):
            tg.start_soon(consumer, f"c{n}")

    assert len(handled) == len(set(handled)) == 300
    assert set(handled) == published


async def test_wait_wakes_at_once_for_a_publish_in_this_process(events: EventsBackend) -> None:
    await events.claim("jobs", "g", "c")
    woke = anyio.Event()

    async def waiter() -> None:
        await events.wait("jobs", within=60)
        woke.set()

    async with anyio.create_task_group() as tg:
        tg.start_soon(waiter)
        await anyio.sleep(0.05)
        assert not woke.is_set()
        await events.publish("jobs", {"n": 1})
        with anyio.fail_after(5):  # far below `within`: the publish woke it
            await woke.wait()


async def test_wait_notices_a_publish_from_another_process(
    open_backend: Callable[[], EventsBackend], events: EventsBackend
) -> None:
    other = open_backend()  # a second handle on the same store, as `segue worker` would have
    await other.start()
    try:
        await events.claim("jobs", "g", "c")

        async def publish_later() -> None:
            await anyio.sleep(0.1)
            await other.publish("jobs", {"from": "elsewhere"})

        async with anyio.create_task_group() as tg:
            tg.start_soon(publish_later)
            with anyio.fail_after(10):
                await events.wait("jobs", within=60)
        [delivery] = await events.claim("jobs", "g", "c")
        assert delivery.payload == {"from": "elsewhere"}
    finally:
        await other.close()


async def test_wait_returns_after_within_when_nothing_comes(events: EventsBackend) -> None:
    await events.claim("jobs", "g", "c")
    with anyio.fail_after(5):
        await events.wait("jobs", within=0.1)


async def test_ping_answers(events: EventsBackend) -> None:
    await events.ping()


async def test_cancelled_publishers_do_not_stall_the_others(events: EventsBackend) -> None:
    published: list[str] = []

    async def publish(n: int) -> None:
        published.append(await events.publish("jobs", {"n": n}))

    async with anyio.create_task_group() as tg:
        for n in range(50):
            tg.start_soon(publish, n)
        with anyio.CancelScope() as doomed:
            doomed.cancel()
            await events.publish("jobs", {"n": "cancelled"})
    with anyio.move_on_after(0.001):  # cancelled while queued behind a running batch
        async with anyio.create_task_group() as tg:
            for n in range(50, 100):
                tg.start_soon(publish, n)

    with anyio.fail_after(10):
        await events.publish("jobs", {"n": "last"})
        claimed = await drain(events, "jobs", "g")
    assert set(published) <= set(claimed)
    assert len(published) >= 50
