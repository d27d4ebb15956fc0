"""Acceptance checks of the subscription feed over HTTP against the running bot: a weak
validator from a proxy still gets its 304, a feed's
events keep their UIDs across changes while SEQUENCE and LAST-MODIFIED move, and a deleted
application's events leave the feed."""

from __future__ import annotations

from datetime import timedelta

from tests.adapters.test_calendar_feed import ALICE, Running, events, running

__all__ = ["running"]


async def test_a_weak_etag_from_a_proxy_still_gets_304(running: Running) -> None:
    await running.say(ALICE, "add Acme; Data Engineer; tomorrow 10:00; Jane Doe")
    secret = await running.subscribe(ALICE)
    status, headers, _ = await running.get(secret)
    assert status == 200
    status, _, body = await running.get(secret, f'W/{headers["ETag"]}')
    assert status == 304 and body == ""
    status, _, _ = await running.get(secret, 'W/"something-else"')
    assert status == 200


async def test_uids_stay_while_sequence_and_last_modified_follow_each_change(
    running: Running,
) -> None:
    await running.say(ALICE, "add Acme; Data Engineer; tomorrow 10:00; Jane Doe")
    await running.say(ALICE, "add Globex; Analyst; tomorrow 15:00; Wei Zhang")
    secret = await running.subscribe(ALICE)
    first = events((await running.get(secret))[2])
    assert len(first) == 2
    running.clock.advance(timedelta(minutes=5))
    await running.say(ALICE, "snooze 2 1d")
    second = events((await running.get(secret))[2])
    assert second.keys() == first.keys()
    changed = {
        uid for uid in second if int(second[uid].get("sequence")) > int(first[uid].get("sequence"))
    }
    assert len(changed) == 1
    [uid] = changed
    assert "Globex" in str(second[uid].get("summary"))
    assert second[uid].decoded("last-modified") == running.clock.now()
    other = next(u for u in second if u != uid)
    assert second[other].decoded("last-modified") == first[other].decoded("last-modified")

    deleted = await running.runtime.followup.handle_text(ALICE, "delete 2")
    assert not deleted.is_error, deleted.as_text()
    third = events((await running.get(secret))[2])
    assert uid not in third and other in third
