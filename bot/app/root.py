"""Composition root: builds everything from the settings and the workspace
file and runs sources, the pipeline, the outbox workers and the chat
platforms in one TaskGroup. Vendor integrations are imported only when the
configuration asks for them, so the core stays importable without them."""
from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from dataclasses import replace
from pathlib import Path

from bot.intake.bus import InProcessBus
from bot.chat.effects import ChatEffects
from bot.clock import Clock, SystemClock
from bot.chat.commands import Dispatcher
from bot.chat.inbox import ChatInbox
from bot.config.workspace import Workspace
from bot.core import Core
from bot.insights.service import Insights
from bot.crm.setup import Crm, build_directory, build_sinks
from bot.publishing.outbox import OutboxWorker
from bot.cluster.heartbeat import Heartbeat
from bot.cluster.stopping import Quit, cancel_until_done
from bot.cluster.leases import Leases
from bot.cluster.pumps import SourcePump
from bot.cluster.roles import ROLES
from bot.intake.consumer import Consumer
from bot.ports import Bus, ChatPlatform, Drafter, Publisher, Source
from bot.triage.model import use as use_triage_model
from bot.publishing.replies import ReplyPublishing
from bot.app.settings import Settings
from bot.app.sources import build_sources
from bot.store.db import Database

log = logging.getLogger(__name__)
TOPIC = "mentions"
BATCH = 1000  # mentions ingested in one transaction at most (batches hold only what is waiting)
# Batches a pipeline process on PostgreSQL and Redis stores at once (REJOINDER_PIPELINE_LANES):
# while one waits on the database, the next is parsed and routed. They share the
# work as two processes would (conversation locks, fenced cursors, held replies).
LANES = 2


def build_drafter(settings: Settings, ws: Workspace) -> tuple[Drafter, Drafter]:
    """The LLM drafter when a key is set; the offline template library always, as fallback."""
    from bot.drafting.template import TemplateDrafter

    offline = TemplateDrafter(organisation=ws.organisation.name)
    if settings.openai_api_key is None:
        return offline, offline
    from integrations.llm.langchain_drafter import LangChainDrafter

    llm = LangChainDrafter(settings.openai_model, api_key=settings.openai_api_key.get_secret_value(),
                           base_url=settings.openai_base_url, timeout=settings.openai_timeout,
                           organisation=ws.organisation.name,
                           prices=(settings.llm_price_input_per_mtok, settings.llm_price_output_per_mtok))
    return llm, offline


def build_llm_triage(settings: Settings, ws: Workspace, db: Database, clock: Clock):
    """The LLM triage step when an LLM is configured and the workspace gives it a daily budget."""
    if settings.openai_api_key is None or ws.triage.llm_daily_budget <= 0:
        return None
    from bot.triage.llm_step import LlmTriage
    from integrations.llm.langchain_triage import LangChainTriage

    judge = LangChainTriage(settings.openai_model, api_key=settings.openai_api_key.get_secret_value(),
                            base_url=settings.openai_base_url, timeout=settings.openai_timeout)
    return LlmTriage(db, clock, judge, ws.triage.llm_daily_budget)


def build_bus(settings: Settings) -> Bus:
    if settings.redis_url:
        from integrations.bus.redis_streams import RedisStreamsBus

        return RedisStreamsBus(settings.redis_url, prefix=settings.stream_prefix,
                               claim_idle_ms=int(settings.lease_seconds * 1500), claim_every=settings.lease_seconds / 5, pack=100)
    return InProcessBus()


def build_platforms(ws: Workspace, settings: Settings) -> dict[str, ChatPlatform]:
    wanted = {team.platform for team in ws.teams}
    platforms: dict[str, ChatPlatform] = {}
    if "console" in wanted:
        from integrations.chat.console import ConsolePlatform

        platforms["console"] = ConsolePlatform()
    if "slack" in wanted:
        from integrations.chat.slack.platform import SlackPlatform

        platforms["slack"] = SlackPlatform(
            bot_token=settings.slack_bot_token.get_secret_value(),
            app_token=settings.slack_app_token.get_secret_value() if settings.slack_app_token else None,
            signing_secret=settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None,
            api_base_url=settings.slack_api_base_url, http_host=settings.http_host, http_port=settings.http_port,
        )
    if "discord" in wanted:
        from integrations.chat.discord.platform import DiscordPlatform

        token = settings.discord_bot_token
        own = [t.channel for t in ws.teams if t.platform == "discord" and not t.partner]
        platforms["discord"] = DiscordPlatform(token.get_secret_value() if token else "", home_channels=own)
    return platforms


class App:
    def __init__(self, ws: Workspace, db: Database, core: Core, platforms: dict[str, ChatPlatform],
                 sources: list[Source], publishers: dict[str, Publisher], bus: Bus, clock: Clock,
                 crm: Crm | None = None) -> None:
        self.ws, self.db, self.core, self.platforms = ws, db, core, platforms
        self.sources, self.publishers, self.bus, self.clock = sources, publishers, bus, clock
        self.llm_triage = None  # set by create() when an LLM and a daily budget are configured
        self.dispatcher = Dispatcher(core, on_change=self.poke)
        self.inbox = ChatInbox(db, clock)  # chat input, recorded before the platform's ack
        effects = ChatEffects(db, ws, platforms, core.cards)
        self.insights = Insights(db, ws, clock, core, effects)  # SLA clocks, spikes, scheduled reports
        self.chat_worker = OutboxWorker(db, clock, "chat.", {**effects.handlers(), **self.insights.effects.handlers()},
                                        lane_by="team", batch=50)
        # Publishing queues the card update and the "Published" thread line:
        # it wakes the chat worker, or they would wait for the next command.
        publishing = ReplyPublishing(db, clock, publishers, core.cases, core.directory, on_change=self.chat_worker.poke)
        self.publish_worker = OutboxWorker(db, clock, "publish.", {"publish.reply": publishing.handle},
                                           on_failed=publishing.failed)
        # The CRM and webhook sinks: cards read its cache; its worker redraws them when it answers.
        self.crm = crm or Crm(ws, db, clock, None)
        if self.crm.reads is not None:
            self.crm.reads.on_change = self.chat_worker.poke
            core.cards.crm = self.crm.reads
        self.crm_worker = self.crm.worker
        self.leases = Leases(db)
        self.consumer = Consumer(db, core.pipeline, clock)
        self.stopping = asyncio.Event()
        self.grace = 10.0  # seconds a stopping process gives the work in hand
        self.lanes = LANES
        self._batches: list[asyncio.Lock] = []  # one per lane, held while it stores a batch: a stop waits for them
        self._lane_tasks: list[asyncio.Task] = []  # the pipeline lanes' tasks, when there are several
        self._group_tasks: list[asyncio.Task] = []  # every task `run` started

    @classmethod
    async def create(cls, settings: Settings, ws: Workspace, base_dir: Path, clock: Clock | None = None,
                     platforms: dict[str, ChatPlatform] | None = None) -> "App":
        clock = clock or SystemClock()
        use_triage_model(base_dir / ws.triage.model if ws.triage.model else None)
        db = await Database(settings.database_url).start()
        drafter, offline = build_drafter(settings, ws)
        core = Core(ws, db, clock, drafter, offline)
        sources, publishers = build_sources(ws, settings, base_dir, db, clock)  # db: sessions kept between runs

        def secret(name: str) -> str | None:
            value = settings.env_secret(name)
            return value.get_secret_value() if value else None

        crm = Crm(ws, db, clock, build_directory(ws, secret, db), build_sinks(ws, db, secret))
        app = cls(ws, db, core, platforms if platforms is not None else build_platforms(ws, settings),
                  sources, publishers, build_bus(settings), clock, crm)
        app.llm_triage = build_llm_triage(settings, ws, db, clock)
        if app.llm_triage is not None:  # the kept mentions only: those that opened a case
            app.consumer.after_ingest = app.llm_triage.after_ingest
        app.leases.ttl = settings.lease_seconds
        app.lanes = settings.pipeline_lanes
        for worker in (app.chat_worker, app.publish_worker, app.crm_worker):
            worker.lease = timedelta(seconds=3 * settings.lease_seconds)
        return app

    async def pump(self, source: Source) -> None:
        """Source → bus, without a lease (one process). The cursor travels with
        each item and is saved by the pipeline in the same transaction as the mention."""
        await SourcePump(source, self.db, self.bus, self.leases).pump()

    async def consume(self) -> None:
        """Bus → pipeline in batches of whatever is waiting, so a burst costs a
        few statements per batch; each source's cursor is saved with its mentions.
        On PostgreSQL and Redis, `lanes` batches are stored at once, each lane
        reading under its own consumer name; else one."""
        lanes = self.lanes if hasattr(self.bus, "consumer") and self.db.engine.dialect.name == "postgresql" else 1
        self._batches = [asyncio.Lock() for _ in range(lanes)]
        if lanes == 1:
            await self._lane(self.consumer, self.bus.consume_batches(TOPIC, "pipeline", BATCH), self._batches[0])
            return
        async with asyncio.TaskGroup() as tg:
            for n, lock in enumerate(self._batches):
                consumer = self.consumer if n == 0 else Consumer(self.db, self.core.pipeline, self.clock)
                consumer.after_ingest = self.consumer.after_ingest
                reader = self.bus.consume_batches(TOPIC, "pipeline", BATCH, consumer=f"{self.bus.consumer}-{n}")
                self._lane_tasks.append(tg.create_task(self._lane(consumer, reader, lock), name=f"pipeline:{n}"))

    async def _lane(self, consumer: Consumer, reader, lock: asyncio.Lock) -> None:
        ack_batch = getattr(self.bus, "ack_batch", None)
        async for deliveries in reader:
            async with lock:
                await consumer.handle([d.payload for d in deliveries])
                if ack_batch is not None:
                    await ack_batch(deliveries)
                else:
                    for delivery in deliveries:
                        await delivery.ack()
            self.poke()
            if self.stopping.is_set():
                return

    async def run(self, console_user: str | None = None, roles: set[str] | frozenset[str] = frozenset(ROLES)) -> None:
        """Run until cancelled or stopped (`stop()`, SIGTERM); `console_user` also reads
        commands typed in the terminal as that person. `roles` says which parts run here."""
        handlers = replace(self.dispatcher.handlers(), record_input=self.inbox.record)
        for platform in self.platforms.values():
            if hasattr(platform, "handle_input"):
                self.inbox.add_platform(platform.name, platform.handle_input)
        for publisher in {id(p): p for p in self.publishers.values()}.values():
            if hasattr(publisher, "connect"):  # e.g. Mastodon reads the instance's length limit
                await publisher.connect()

        def text_limit(network: str, author_handle: str | None) -> int | None:
            # The publisher that will post the reply (as publishing picks it) knows what it can take.
            publisher = self.publishers.get(network) or self.publishers.get("*")
            limit = getattr(publisher, "text_limit", None)
            return limit(author_handle) if limit is not None else None

        await self.core.crisis.load(self.db)  # routes switched to crisis mode before a restart stay so
        # Drafts checked from now on are held to what the network really takes, not only the guidelines.
        self.core.guardrails.text_limit = text_limit
        for platform in self.platforms.values() if "chat" in roles else ():
            await platform.start(handlers)
            # People from another chat workspace (Slack Connect) are partners.
            home = getattr(platform, "home_team_id", None)
            if home and self.core.roles.home_team_id is None:
                self.core.roles.home_team_id, self.core.roles.home_platform = home, platform.name
            if getattr(platform, "home_teams", None):  # Discord: the servers of our own team channels
                self.core.roles.home_teams[platform.name] = frozenset(platform.home_teams)
        try:
            async with asyncio.TaskGroup() as tg:
                def start(coro, name: str) -> asyncio.Task:  # kept, so a stop can see each one end
                    self._group_tasks.append(tg.create_task(coro, name=name))
                    return self._group_tasks[-1]
                pumps = [SourcePump(source, self.db, self.bus, self.leases) for source in self.sources]
                for pump in pumps if "sources" in roles else ():
                    start(pump.run(), f"source:{pump.source.name}")
                consumer = start(self.consume(), "pipeline") if "pipeline" in roles else None
                # Insights and CRM write-back ride with the publish workers; the inbox with chat.
                crm = self.crm_worker if self.ws.crm is not None or self.ws.sinks else None
                workers = [w for w, role in ((self.chat_worker, "chat"), (self.publish_worker, "workers"),
                                             (crm, "workers")) if w is not None and role in roles]
                for worker in workers:
                    start(worker.run_forever(), f"outbox:{worker.prefix}")
                if "workers" in roles:
                    start(self.insights.run_forever(self.chat_worker.poke), "insights")
                if "chat" in roles:
                    start(self.inbox.run_forever(), "chat-inbox")  # what was acked before a restart too
                start(Heartbeat(self.db, self.clock, set(roles)).run(), "heartbeat")
                start(self._stop_when_asked(pumps, consumer, workers), "stop")
                console = self.platforms.get("console")
                if console_user and console is not None:
                    start(self._console(console, console_user), "console")
        except* Quit:
            pass
        finally:
            await self.close()

    def stop(self) -> None:
        """Ask for a graceful stop (SIGTERM): take no new work, finish or hand back what is in hand."""
        self.stopping.set()

    async def _stop_when_asked(self, pumps: list[SourcePump], consumer: asyncio.Task | None,
                               workers: list[OutboxWorker]) -> None:
        await self.stopping.wait()
        log.info("stopping: no new work taken; finishing what is in hand")
        for pump in pumps:
            pump.stopping.set()  # each hands its lease back
        if consumer is not None:
            try:  # the batches being stored are finished and acknowledged, the next ones never read
                async with asyncio.timeout(self.grace):
                    for lock in self._batches:
                        await lock.acquire()
            except TimeoutError:
                pass
            await cancel_until_done([consumer, *self._lane_tasks])
        await asyncio.gather(*(w.drain(self.grace) for w in workers))
        # The rest are cancelled here, not by the task group, which would ask each only once: outbox rows
        # still in hand go back as uncertain.
        await cancel_until_done([t for t in self._group_tasks if t is not asyncio.current_task()])
        raise Quit

    async def _console(self, console, user_id: str) -> None:
        await console.repl(console.user(user_id))
        raise Quit  # `quit` typed: stop every task

    def poke(self) -> None:
        """Commands and ingests write outbox rows: wake the workers."""
        self.chat_worker.poke()
        self.publish_worker.poke()
        self.crm_worker.poke()
        self.insights.poke()

    async def close(self) -> None:
        for platform in self.platforms.values():
            await platform.stop()
        await self.bus.close()
        await asyncio.to_thread(self.leases.close)  # the lease keeper thread, if any
        await self.db.close()
