"""MastodonSource against the local Mastodon: streaming first."""
from __future__ import annotations

from datetime import datetime

from tests.social_mastodon.conftest import mention_ids, texts


async def test_streamed_mention_has_every_field(mastodon, people, make_source, read):
    old = await people["maria"].toot("@tandem this one is from before the start")
    reader = read(make_source())
    await mastodon.wait_for_streams(1)
    await reader.wait(lambda items: any(i.cursor for i in items))  # caught up: nothing older is delivered
    polls = len(mastodon.calls_to("GET", "/api/v1/notifications"))

    sent = await people["maria"].toot(
        "@tandem my battery won't charge &amp; the app says <error>\n\n"
        "see https://example.com/a/really/long/path/to/the/photo.jpg #EBike", visibility="unlisted", language="de")
    items = await reader.wait(lambda items: sent["id"] in mention_ids(items))

    assert old["id"] not in mention_ids(items)
    assert len(mastodon.calls_to("GET", "/api/v1/notifications")) == polls  # it came by the stream
    m = next(i.mention for i in items if i.mention)
    assert (m.network, m.external_id, m.lang, m.reply_ref) == ("mastodon", sent["id"], "de", {"visibility": "unlisted"})
    assert m.text == ("@tandem my battery won't charge &amp; the app says <error>\n\n"
                      "see https://example.com/a/really/long/path/to/the/photo.jpg #EBike")
    assert (m.author.handle, m.author.name, m.author.followers) == ("maria", "Maria Example", 87)
    assert m.author.url == "https://social.test/@maria"
    assert m.url == f"https://social.test/@maria/{sent['id']}"
    assert m.created_at == sent["created_at"] and m.created_at.tzinfo is not None
    assert (m.conversation_id, m.in_reply_to) == (sent["id"], None)


async def test_reply_deep_in_a_thread_gets_the_thread_root(mastodon, people, make_source, read):
    reader = read(make_source())
    await mastodon.wait_for_streams(1)
    root = await people["maria"].toot("Ordered a new saddle last week")
    middle = await people["olek"].toot("@maria same here", in_reply_to_id=root["id"])
    deep = await people["maria"].toot("@tandem any news?", in_reply_to_id=middle["id"])
    items = await reader.wait(lambda items: deep["id"] in mention_ids(items))
    m = next(i.mention for i in items if i.mention and i.mention.external_id == deep["id"])
    assert (m.conversation_id, m.in_reply_to) == (root["id"], middle["id"])


async def test_hashtags_and_watch_terms_and_no_doubles(mastodon, people, make_source, read):
    mastodon.follow(people["tandem"].account, people["olek"].account)
    reader = read(make_source(hashtags=["#ZephyrBike"], terms=["quokka"]))
    await mastodon.wait_for_streams(2)
    await reader.wait(lambda items: any(i.cursor and "tag:zephyrbike" in i.cursor for i in items))
    tagged = await people["maria"].toot("Loving the new #zephyrbike frame")
    noise = await people["olek"].toot("Nice weather for a ride")
    term = await people["olek"].toot("Quokka saddles squeak, anyone else?")
    own = await people["tandem"].toot("Our #ZephyrBike spring sale starts today")
    both = await people["maria"].toot("@tandem is the #zephyrbike recall real?")
    items = await reader.wait(lambda items: both["id"] in mention_ids(items))

    ids = mention_ids(items)
    assert ids == [tagged["id"], term["id"], both["id"]]
    assert noise["id"] not in ids and own["id"] not in ids


async def test_deleted_post_is_reported(mastodon, people, make_source, read):
    reader = read(make_source())
    await mastodon.wait_for_streams(1)
    sent = await people["maria"].toot("@tandem never mind, found it")
    await reader.wait(lambda items: sent["id"] in mention_ids(items))
    await people["maria"].delete(sent)
    items = await reader.wait(lambda items: any(i.deleted_id == sent["id"] for i in items))
    gone = next(i for i in items if i.deleted_id)
    assert gone.mention is None and gone.cursor is not None


async def test_edit_is_emitted_as_an_edit_and_bad_events_are_skipped(mastodon, people, make_source, read, caplog):
    reader = read(make_source())
    await mastodon.wait_for_streams(1)
    first = await people["maria"].toot("@tandem first version")
    await reader.wait(lambda items: first["id"] in mention_ids(items))
    await people["maria"].edit(first, "@tandem second version")  # tandem does not follow maria: it comes anyway
    await mastodon.push_raw("event: notification\ndata: {not json\n\n")
    await mastodon.push_raw('event: notification\ndata: {"id": "5", "type": "mention", "status": {"id": "6"}}\n\n')
    await mastodon.push_raw('event: status.update\ndata: {"id": "7", "mentions": 3}\n\n')
    after = await people["maria"].toot("@tandem after the edit")
    items = await reader.wait(lambda items: after["id"] in mention_ids(items))
    assert texts(items) == ["@tandem first version", "@tandem second version", "@tandem after the edit"]
    edited = next(i for i in items if i.edited)
    assert (edited.mention.external_id, edited.mention.conversation_id) == (first["id"], first["id"])
    assert edited.mention.created_at == first["created_at"] and edited.cursor is not None
    assert [i.edited for i in items if i.mention] == [False, True, False]
    assert "malformed" in caplog.text and "status 6" in caplog.text and "status 7" in caplog.text
    assert len(mastodon.live_streams()) == 1  # the connection survived them all
    assert isinstance(items[-1].mention.created_at, datetime)


async def test_edit_reaching_two_streams_is_emitted_once_and_unrelated_edits_are_not(mastodon, people, make_source,
                                                                                   read):
    mastodon.follow(people["tandem"].account, people["olek"].account)
    reader = read(make_source(hashtags=["zephyrbike"]))
    await mastodon.wait_for_streams(2)
    await reader.wait(lambda items: any(i.cursor and "tag:zephyrbike" in i.cursor for i in items))
    tagged = await people["olek"].toot("My #zephyrbike creaks")  # on the home and the tag stream
    chatter = await people["olek"].toot("Nice weather for a ride")
    await reader.wait(lambda items: tagged["id"] in mention_ids(items))
    await people["olek"].edit(chatter, "Nice weather for a long ride")
    await people["olek"].edit(tagged, "My #zephyrbike creaks at the seat post")
    await people["olek"].edit(tagged, "My #zephyrbike creaks at the seat post, fixed it")
    items = await reader.wait(lambda items: "fixed it" in " ".join(texts(items)))
    edits = [(i.mention.external_id, i.mention.text) for i in items if i.edited]
    assert edits == [(tagged["id"], "My #zephyrbike creaks at the seat post"),
                     (tagged["id"], "My #zephyrbike creaks at the seat post, fixed it")]
