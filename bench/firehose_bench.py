"""Bluesky firehose throughput: frame decode -> commit parse -> CAR decode ->
post filter, through the same handler the BlueskySource runs per frame.

The frames are built like a PDS builds them (DAG-CBOR header + body, the new
blocks as a CAR with the record, MST nodes and the signed commit), in a mix
close to the public relay's: mostly likes, follows and reposts, ~18% posts of
~200 characters, a few deletions and identity/account events. About 1 post in
100 names the watched brand.

`jetstream_eps` runs the same generated events, as Jetstream would send them
for `wantedCollections=app.bsky.feed.post` (posts, post deletions, identity
events, one JSON message each), through the Jetstream source's decoder.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import random
import time

import libipld
from atproto import AsyncFirehoseSubscribeReposClient
from atproto_subscription.frames import Frame

from integrations.social.bluesky.network import FirehosePump
from integrations.social.bluesky.jetstream import JetstreamDecoder
from integrations.social.bluesky.records import FirehoseDecoder, PostFilter
from integrations.social.bluesky.reply import encode_tid

BRAND_DID = "did:plc:brandbrandbrandbrandbrnd"
WORDS = ("the a ride morning coffee train bike late again love this new city rain sunny weekend "
         "friends photo music great really today work home think maybe people thread art").split()


def _cid(data: bytes) -> bytes:
    return bytes([1, 0x71, 0x12, 0x20]) + hashlib.sha256(data).digest()


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _car(root: bytes, blocks: list[tuple[bytes, bytes]]) -> bytes:
    header = libipld.encode_dag_cbor({"version": 1, "roots": [root]})
    parts = [_varint(len(header)), header]
    for cid, data in blocks:
        parts += [_varint(len(cid) + len(data)), cid, data]
    return b"".join(parts)


class _FrameMaker:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.dids = [f"did:plc:{self.rng.getrandbits(120):030x}"[:32] for _ in range(2000)]
        self.seq = 0
        self.micros = 1_730_000_000_000_000

    def _tid(self) -> str:
        self.micros += self.rng.randrange(1, 2000)
        return encode_tid((self.micros << 10) | self.rng.randrange(1024))

    def _text(self, matching: bool) -> str:
        words: list[str] = []
        while sum(len(w) + 1 for w in words) < 200:
            words.append(self.rng.choice(WORDS))
        if matching:
            words.insert(self.rng.randrange(len(words)), self.rng.choice(["Tandem", "@tandem.test"]))
        return " ".join(words)

    def _record(self, kind: str, matching: bool) -> dict:
        day, minute, second = self.rng.randrange(1, 9), self.rng.randrange(60), self.rng.randrange(60)
        now = f"2024-11-0{day}T12:{minute:02d}:{second:02d}.000Z"
        subject = {"uri": f"at://{self.rng.choice(self.dids)}/app.bsky.feed.post/{self._tid()}",
                   "cid": _cid(self.rng.randbytes(8))}
        if kind == "app.bsky.feed.post":
            return {"$type": kind, "text": self._text(matching), "langs": ["en"], "createdAt": now}
        if kind == "app.bsky.graph.follow":
            return {"$type": kind, "subject": self.rng.choice(self.dids), "createdAt": now}
        return {"$type": kind, "subject": subject, "createdAt": now}

    def _commit(self, repo: str, action: str, collection: str, matching: bool) -> dict:
        path = f"{collection}/{self._tid()}"
        blocks: list[tuple[bytes, bytes]] = []
        record_cid = None
        if action == "create":
            data = libipld.encode_dag_cbor(self._record(collection, matching))
            record_cid = _cid(data)
            blocks.append((record_cid, data))
        for _ in range(3):  # the MST nodes on the path to the new key
            entries = [{"k": f"{collection}/{self._tid()}".encode()[: self.rng.randrange(8, 30)],
                        "p": self.rng.randrange(0, 20), "t": None, "v": _cid(self.rng.randbytes(8))}
                       for _ in range(self.rng.randrange(3, 9))]
            node = libipld.encode_dag_cbor({"e": entries, "l": _cid(self.rng.randbytes(8))})
            blocks.append((_cid(node), node))
        commit = libipld.encode_dag_cbor({"did": repo, "rev": self._tid(), "sig": self.rng.randbytes(64),
                                          "data": blocks[-1][0], "prev": None, "version": 3})
        commit_cid = _cid(commit)
        blocks.append((commit_cid, commit))
        return {"ops": [{"cid": record_cid, "path": path, "action": action}], "rev": self._tid(), "seq": self.seq,
                "repo": repo, "time": "2024-11-01T12:00:00.000Z", "blobs": [], "since": self._tid(),
                "commit": commit_cid, "rebase": False, "tooBig": False, "prevData": _cid(b"prev"),
                "blocks": _car(commit_cid, blocks)}

    def frame(self) -> tuple[bytes, bool]:
        """One encoded frame, and whether the source should keep it."""
        self.seq += 1
        repo = self.rng.choice(self.dids)
        roll = self.rng.random()
        if roll < 0.03:
            kind, body = "#identity", {"did": repo, "seq": self.seq, "time": "2024-11-01T12:00:00.000Z",
                                       "handle": f"user{self.seq}.bsky.social"}
            matching = False
        else:
            collection = ("app.bsky.feed.like" if roll < 0.53 else "app.bsky.graph.follow" if roll < 0.68
                          else "app.bsky.feed.repost" if roll < 0.78 else "app.bsky.feed.post")
            action = "delete" if self.rng.random() < 0.04 else "create"
            matching = collection == "app.bsky.feed.post" and action == "create" and self.rng.random() < 0.01
            kind, body = "#commit", self._commit(repo, action, collection, matching)
        return libipld.encode_dag_cbor({"op": 1, "t": kind}) + libipld.encode_dag_cbor(body), matching


def make_frames(count: int, seed: int = 7) -> tuple[list[bytes], int]:
    maker = _FrameMaker(seed)
    frames, kept = [], 0
    for _ in range(count):
        raw, matching = maker.frame()
        frames.append(raw)
        kept += matching
    return frames, kept


async def _measure(frames: list[bytes], rounds: int) -> tuple[float, int]:
    """Events per second through BlueskySource's per-frame handler (no socket)."""
    decoder = FirehoseDecoder(PostFilter(["tandem"], ["tandem.test"], [BRAND_DID]), skip_dids=[BRAND_DID])
    queue: asyncio.Queue = asyncio.Queue()
    pump = FirehosePump("bench", "ws://127.0.0.1:9/xrpc", 30.0, decoder, queue, None)
    pump.client = AsyncFirehoseSubscribeReposClient(base_uri=pump.url)  # never started: no connection
    handle = pump._on_message
    best = 0.0
    for _ in range(rounds):
        started = time.process_time()  # one core's CPU time, whatever else runs on the machine
        for raw in frames:
            await handle(Frame.from_bytes(raw))
        best = max(best, len(frames) / (time.process_time() - started))
    kept = 0
    while not queue.empty():
        kept += sum(1 for event in queue.get_nowait() if hasattr(event, "record"))
    return best, kept // rounds


def as_jetstream(frames: list[bytes]) -> list[str]:
    """The frames Jetstream would pass for posts only, as its JSON messages."""
    messages, time_us = [], 1_730_000_000_000_000
    for raw in frames:
        header, body = libipld.decode_dag_cbor_multi(raw)
        time_us += 1
        if header["t"] == "#identity":
            messages.append(json.dumps({"did": body["did"], "time_us": time_us, "kind": "identity",
                                        "identity": body}))
            continue
        op = body["ops"][0]
        collection, rkey = op["path"].split("/")
        if collection != "app.bsky.feed.post":
            continue
        commit = {"rev": body["rev"], "operation": op["action"], "collection": collection, "rkey": rkey}
        if op["action"] == "create":
            commit |= {"record": libipld.decode_car(body["blocks"])[1][op["cid"]], "cid": libipld.encode_cid(op["cid"])}
        messages.append(json.dumps({"did": body["repo"], "time_us": time_us, "kind": "commit", "commit": commit}))
    return messages


def _measure_jetstream(messages: list[str], rounds: int) -> tuple[float, int]:
    best, kept = 0.0, 0
    for _ in range(rounds):
        decoder = JetstreamDecoder(PostFilter(["tandem"], ["tandem.test"], [BRAND_DID]), skip_dids=[BRAND_DID])
        on_message = decoder.on_message
        started = time.process_time()
        events = [event for message in messages for event in on_message(message)]
        best = max(best, len(messages) / (time.process_time() - started))
        kept = sum(1 for event in events if hasattr(event, "record"))
    return best, kept


def run(quick: bool, note=print) -> dict:
    """Figures: firehose_eps and jetstream_eps (best of a few rounds)."""
    frames, expected = make_frames(10_000 if quick else 50_000)
    eps, kept = asyncio.run(_measure(frames, 3))
    size = sum(map(len, frames)) / len(frames)
    note(f"{len(frames):,} frames (avg {size:,.0f} bytes), kept {kept} matching posts of {expected} planted")
    if kept != expected:
        raise AssertionError(f"the filter kept {kept} posts but {expected} were planted")
    messages = as_jetstream(frames)
    jet_eps, jet_kept = _measure_jetstream(messages, 3)
    note(f"jetstream: {len(messages):,} messages (avg {sum(map(len, messages)) / len(messages):,.0f} bytes) "
         f"for the {len(frames):,} frames, i.e. {jet_eps * len(frames) / len(messages):,.0f} firehose events/s "
         f"covered; kept {jet_kept}")
    if jet_kept != expected:
        raise AssertionError(f"the Jetstream decoder kept {jet_kept} posts but {expected} were planted")
    return {"firehose_eps": round(eps), "jetstream_eps": round(jet_eps)}


if __name__ == "__main__":
    print(run(quick=True))
