"""The source survives a dropped connection: it reconnects and resumes after
the last seq it handled, so nothing is lost or seen twice."""
from __future__ import annotations

import asyncio
from contextlib import aclosing
from urllib.parse import urlparse

from integrations.social.bluesky.network import BlueskySource
from tests.bluesky.conftest import collect_until, mention_ids, post


class CuttableLink:
    """A TCP relay on 127.0.0.1 in front of the PDS whose connections can be cut."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.writers: list[asyncio.StreamWriter] = []
        self.connections = 0

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self.server.sockets[0].getsockname()[1]

    async def _serve(self, client_reader, client_writer) -> None:
        self.connections += 1
        upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        self.writers += [client_writer, upstream_writer]

        async def pipe(reader, writer):
            try:
                while data := await reader.read(65536):
                    writer.write(data)
                    await writer.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                writer.close()
        await asyncio.gather(pipe(client_reader, upstream_writer), pipe(upstream_reader, client_writer))

    def cut(self) -> None:
        for writer in self.writers:
            writer.transport.abort()  # no close handshake: like a network failure
        self.writers.clear()

    async def close(self) -> None:
        self.cut()
        self.server.close()
        await self.server.wait_closed()


async def test_dropped_connection_resumes_without_loss_or_duplicates(bluesky_network, accounts, as_user):
    link = CuttableLink(urlparse(bluesky_network.pds_url).port)
    port = await link.start()
    olek = await as_user("olek")
    source = BlueskySource("bsky-test", bluesky_network.pds_url, f"ws://127.0.0.1:{port}/xrpc", ["koalacog"], [],
                           plc_url=bluesky_network.plc_url)
    before = [await post(olek, accounts["olek"].did, f"koalacog note {n}") for n in range(3)]
    try:
        async with aclosing(source.items("0")) as items:
            seen = await collect_until(items, lambda s: before[-1].uri in mention_ids(s))
            link.cut()
            after = [await post(olek, accounts["olek"].did, f"koalacog note {n}") for n in range(3, 6)]
            seen += await collect_until(items, lambda s: after[-1].uri in mention_ids(s))
    finally:
        await link.close()
    ours = [i for i in mention_ids(seen) if i in {p.uri for p in before + after}]
    assert ours == [p.uri for p in before + after]  # in order, each once
    assert link.connections >= 2
