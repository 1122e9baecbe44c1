"""BlueskyPublisher against the real local PDS: reply refs, facets, idempotency."""
from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import datetime, timezone

import pytest
from atproto import AsyncClient, models

from bot.types import Author, Mention
from integrations.social.bluesky.network import BlueskyPublisher
from tests.bluesky.conftest import expire_access_token, log_out, post, reply_ref


def as_mention(sent, text: str, root=None) -> Mention:
    """What BlueskySource yields for a post (its parsing is tested in test_source)."""
    root = root or sent
    return Mention(network="bluesky", external_id=sent.uri, author=Author(handle="maria.test"), text=text,
                   created_at=datetime.now(timezone.utc), conversation_id=root.uri, lang="en",
                   reply_ref={"uri": sent.uri, "cid": sent.cid, "root_uri": root.uri, "root_cid": root.cid})


@pytest.fixture
async def new_publisher(bluesky_network, accounts) -> AsyncIterator[Callable[..., BlueskyPublisher]]:
    """A factory for brand publishers (default: the right password); all are closed afterwards."""
    made: list[BlueskyPublisher] = []

    def make(password: str | None = None, session_string: str | None = None) -> BlueskyPublisher:
        made.append(BlueskyPublisher(bluesky_network.pds_url, "tandem.test",
                                     password or accounts["tandem"].password, session_string=session_string))
        return made[-1]
    yield make
    for publisher in made:
        await publisher.close()


@pytest.fixture
def publisher(new_publisher) -> BlueskyPublisher:
    return new_publisher()


async def replies_to(client: AsyncClient, did: str, uri: str) -> list:
    listed = await client.com.atproto.repo.list_records(
        models.ComAtprotoRepoListRecords.Params(repo=did, collection="app.bsky.feed.post", limit=100))
    return [r for r in listed.records if r.value.reply and r.value.reply.parent.uri == uri]


async def test_reply_to_top_level_post_has_refs_and_facets(publisher, accounts, as_user):
    maria = await as_user("maria")
    sent = await post(maria, accounts["maria"].did, "@tandem.test my battery won't charge")
    text = "Sorry @maria.test — très désolés 🔋 please see https://example.com/help?id=7 and DM us"

    posted = await publisher.reply(as_mention(sent, "..."), text, "case-1-draft-1")

    did, rkey = accounts["tandem"].did, posted.external_id.rsplit("/", 1)[1]
    assert posted.external_id.startswith(f"at://{did}/app.bsky.feed.post/")
    assert (posted.network, posted.url) == ("bluesky", f"https://bsky.app/profile/tandem.test/post/{rkey}")
    record = (await maria.app.bsky.feed.post.get(did, rkey)).value
    assert record.text == text
    assert (record.reply.root.uri, record.reply.root.cid) == (sent.uri, sent.cid)
    assert (record.reply.parent.uri, record.reply.parent.cid) == (sent.uri, sent.cid)
    raw = text.encode("utf-8")
    spans = {f.features[0].py_type: (raw[f.index.byte_start:f.index.byte_end].decode(), f.features[0])
             for f in record.facets}
    mention_text, mention = spans["app.bsky.richtext.facet#mention"]
    link_text, link = spans["app.bsky.richtext.facet#link"]
    assert (mention_text, mention.did) == ("@maria.test", accounts["maria"].did)
    assert link_text == link.uri == "https://example.com/help?id=7"


async def test_reply_deep_in_thread_keeps_thread_root(publisher, accounts, as_user):
    maria, olek = await as_user("maria"), await as_user("olek")
    root = await post(maria, accounts["maria"].did, "Anyone else waiting on a tandem order?")
    middle = await post(olek, accounts["olek"].did, "Three weeks here", reply_to=reply_ref(root, root))
    deep = await post(maria, accounts["maria"].did, "@tandem.test any news?", reply_to=reply_ref(root, middle))

    posted = await publisher.reply(as_mention(deep, "any news?", root=root), "Checking now!", "case-2-draft-1")

    record = (await maria.app.bsky.feed.post.get(accounts["tandem"].did, posted.external_id.rsplit("/", 1)[1])).value
    assert (record.reply.root.uri, record.reply.root.cid) == (root.uri, root.cid)
    assert (record.reply.parent.uri, record.reply.parent.cid) == (deep.uri, deep.cid)


async def test_same_idempotency_key_leaves_exactly_one_reply(publisher, new_publisher, accounts, as_user):
    maria = await as_user("maria")
    sent = await post(maria, accounts["maria"].did, "@tandem.test hello?")
    target = as_mention(sent, "hello?")
    assert await publisher.find_reply(target, "case-3-draft-1") is None

    first = await publisher.reply(target, "Hi! How can we help?", "case-3-draft-1")
    again = await publisher.reply(target, "Hi! How can we help?", "case-3-draft-1")
    # a new process after a crash, with no memory of the first attempt
    fresh = new_publisher()
    third = await fresh.reply(target, "Hi! How can we help?", "case-3-draft-1")

    assert first == again == third == await publisher.find_reply(target, "case-3-draft-1")
    assert len(await replies_to(maria, accounts["tandem"].did, sent.uri)) == 1
    other = await publisher.reply(target, "A second, different reply", "case-3-draft-2")
    assert other.external_id != first.external_id
    assert len(await replies_to(maria, accounts["tandem"].did, sent.uri)) == 2


async def test_session_is_reused_across_replies(publisher, new_publisher, accounts, as_user):
    maria = await as_user("maria")
    sent = await post(maria, accounts["maria"].did, "@tandem.test ping")
    for n in range(3):
        await publisher.reply(as_mention(sent, "ping"), f"pong {n}", f"case-4-draft-{n}")
    assert publisher.password_logins == 1

    resumed = new_publisher("wrong password on purpose", session_string=publisher.session_string)
    posted = await resumed.reply(as_mention(sent, "ping"), "pong again", "case-4-draft-9")
    assert resumed.password_logins == 0 and posted.external_id.startswith(f"at://{accounts['tandem'].did}/")


async def test_logged_out_session_leads_to_one_new_login(publisher, new_publisher, accounts, as_user,
                                                         bluesky_network):
    maria = await as_user("maria")
    sent = await post(maria, accounts["maria"].did, "@tandem.test are you there?")
    await publisher.reply(as_mention(sent, "?"), "Yes!", "case-5-draft-1")
    stored = publisher.session_string
    await log_out(bluesky_network.pds_url, stored)

    resumed = new_publisher(session_string=expire_access_token(stored))
    posted = await resumed.reply(as_mention(sent, "?"), "Still here!", "case-5-draft-2")
    assert posted.external_id.startswith(f"at://{accounts['tandem'].did}/")
    assert resumed.password_logins == 1 and resumed.session_string.split(":::")[3] != stored.split(":::")[3]


async def test_length_counts_graphemes_not_code_points(publisher, accounts, as_user):
    maria = await as_user("maria")
    sent = await post(maria, accounts["maria"].did, "@tandem.test long one")
    target = as_mention(sent, "long one")
    accented = "e\u0301"  # one grapheme, two code points
    with pytest.raises(ValueError, match="301 characters"):
        await publisher.reply(target, accented * 301, "case-6-draft-1")
    assert await publisher.find_reply(target, "case-6-draft-1") is None
    posted = await publisher.reply(target, accented * 300, "case-6-draft-2")
    assert posted.external_id.startswith("at://")


async def test_target_without_reply_ref_is_refused(publisher):
    target = Mention(network="bluesky", external_id="at://did:plc:x/app.bsky.feed.post/3k",
                     author=Author(handle="x.test"), text="hi", created_at=datetime.now(timezone.utc))
    with pytest.raises(ValueError, match="reply_ref"):
        await publisher.reply(target, "hello", "k")
