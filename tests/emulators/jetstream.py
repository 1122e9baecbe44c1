"""A local Jetstream fed by the real local PDS.

It follows the PDS firehose (`subscribeRepos`, from seq 0) with the atproto
SDK, splits each commit into one JSON event per op as Jetstream does
(`{"did", "time_us", "kind": "commit", "commit": {...}}`, records in DAG-JSON
form, `cid` as a string), stamps a strictly increasing `time_us` and keeps
the events in a ring buffer. `GET /subscribe` honours `wantedCollections`
(also `prefix.*`), `wantedDids` and `cursor` (replay of buffered events with
`time_us >= cursor`, then live). `drop()` aborts every open connection, as a
network failure would. Only the transport is ours: posts and records are real.
"""
from __future__ import annotations

import asyncio
import base64
import json
import time
from collections import deque
from collections.abc import Callable

import libipld
from aiohttp import WSMsgType, web
from atproto import CAR, AsyncFirehoseSubscribeReposClient, models, parse_subscribe_repos_message


def dag_json(value):
    """A decoded DAG-CBOR value in DAG-JSON form: links as {"$link"}, bytes as {"$bytes"}."""
    if isinstance(value, dict):
        return {key: dag_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [dag_json(item) for item in value]
    if isinstance(value, bytes):
        # libipld hands CID links over as their bytes; a CIDv1 is 0x01 + codec + multihash.
        if len(value) >= 36 and value[0] == 1:
            try:
                return {"$link": libipld.encode_cid(value)}
            except ValueError:
                pass
        return {"$bytes": base64.b64encode(value).decode().rstrip("=")}
    return value


class LocalJetstream:
    def __init__(self, firehose_url: str, buffer: int = 50_000) -> None:
        self.firehose_url = firehose_url
        self.events: deque[dict] = deque(maxlen=buffer)
        self.connections = 0  # websocket subscriptions accepted so far
        self.cursors: list[int | None] = []  # the cursor each subscription asked for
        self._subscribers: set[asyncio.Queue] = set()
        self._transports: set[asyncio.Transport] = set()
        self._last_us = 0
        self._changed = asyncio.Condition()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self._port}/subscribe"

    async def start(self) -> LocalJetstream:
        app = web.Application()
        app.router.add_get("/subscribe", self._subscribe)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = site._server.sockets[0].getsockname()[1]
        self._firehose = AsyncFirehoseSubscribeReposClient(params={"cursor": 0}, base_uri=self.firehose_url)
        self._feed = asyncio.create_task(self._firehose.start(self._on_frame))
        return self

    async def close(self) -> None:
        await self._firehose.stop()
        self._feed.cancel()
        await asyncio.wait({self._feed}, timeout=5.0)
        self.drop()
        await self._runner.cleanup()

    def drop(self) -> None:
        for transport in list(self._transports):
            transport.abort()  # no close handshake

    async def wait_for(self, predicate: Callable[[dict], bool], timeout: float = 10.0) -> dict:
        """The first buffered event matching `predicate`, once the firehose has delivered it."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: any(map(predicate, self.events))), timeout)
            return next(e for e in self.events if predicate(e))

    async def wait_connections(self, count: int, timeout: float = 10.0) -> None:
        """Until `count` subscriptions have been accepted (their backlog is being sent)."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: self.connections >= count), timeout)

    # --- feed -------------------------------------------------------------

    def _stamp(self) -> int:
        self._last_us = max(time.time_ns() // 1000, self._last_us + 1)
        return self._last_us

    async def _on_frame(self, frame) -> None:
        message = parse_subscribe_repos_message(frame)
        if isinstance(message, models.ComAtprotoSyncSubscribeRepos.Commit):
            blocks = CAR.from_bytes(message.blocks).blocks if message.blocks else {}
            for op in message.ops:
                collection, rkey = op.path.split("/", 1)
                commit = {"rev": message.rev, "operation": op.action, "collection": collection, "rkey": rkey}
                if op.action != "delete":
                    commit["record"] = dag_json(blocks.get(op.cid))
                    commit["cid"] = str(op.cid)
                await self._emit({"did": message.repo, "time_us": self._stamp(), "kind": "commit",
                                  "commit": commit})
        elif isinstance(message, models.ComAtprotoSyncSubscribeRepos.Identity):
            await self._emit({"did": message.did, "time_us": self._stamp(), "kind": "identity", "identity": {
                "did": message.did, "handle": message.handle, "seq": message.seq, "time": message.time}})
        elif isinstance(message, models.ComAtprotoSyncSubscribeRepos.Account):
            await self._emit({"did": message.did, "time_us": self._stamp(), "kind": "account", "account": {
                "active": message.active, "did": message.did, "seq": message.seq, "time": message.time}})

    async def _emit(self, event: dict) -> None:
        async with self._changed:
            self.events.append(event)
            for queue in self._subscribers:
                queue.put_nowait(event)
            self._changed.notify_all()

    # --- subscribers -------------------------------------------------------

    async def _subscribe(self, request: web.Request) -> web.StreamResponse:
        query = request.query
        wanted = [c for c in query.getall("wantedCollections", []) if c]
        dids = {d for d in query.getall("wantedDids", []) if d}
        try:
            cursor = int(query["cursor"]) if query.get("cursor") else None
        except ValueError:
            return web.json_response({"error": "BadRequest", "message": "cursor must be an integer"}, status=400)

        def keep(event: dict) -> bool:
            if dids and event["did"] not in dids:
                return False
            if event["kind"] != "commit" or not wanted:
                return True
            name = event["commit"]["collection"]
            return any(name == w or (w.endswith(".*") and name.startswith(w[:-1])) for w in wanted)

        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.connections += 1
        self.cursors.append(cursor)
        queue: asyncio.Queue = asyncio.Queue()
        # Snapshot and subscribe with no await in between: nothing falls between replay and live.
        backlog = [e for e in self.events if cursor is not None and e["time_us"] >= cursor]
        self._subscribers.add(queue)
        transport = request.transport
        self._transports.add(transport)
        async with self._changed:
            self._changed.notify_all()
        try:
            for event in backlog:
                if keep(event):
                    await ws.send_str(json.dumps(event))
            reader = asyncio.create_task(self._drain_client(ws))
            while not reader.done():
                getter = asyncio.create_task(queue.get())
                await asyncio.wait({getter, reader}, return_when=asyncio.FIRST_COMPLETED)
                if not getter.done():
                    getter.cancel()
                    break
                if keep(getter.result()):
                    await ws.send_str(json.dumps(getter.result()))
        except (ConnectionError, RuntimeError):
            pass  # the client went away, or drop() cut it
        finally:
            self._subscribers.discard(queue)
            self._transports.discard(transport)
        return ws

    @staticmethod
    async def _drain_client(ws: web.WebSocketResponse) -> None:
        async for msg in ws:  # Jetstream clients may send options updates; they are not needed here
            if msg.type in (WSMsgType.CLOSE, WSMsgType.ERROR):
                break


__all__ = ["LocalJetstream", "dag_json"]
