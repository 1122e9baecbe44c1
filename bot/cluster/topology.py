"""Which deployments can work: SQLite and the in-process bus serve one
process; several processes need PostgreSQL and Redis."""
from __future__ import annotations

from bot.app.settings import Settings
from bot.cluster.roles import ROLES


def topology_problems(settings: Settings, roles: set[str] | None = None) -> list[str]:
    """Plain reasons why this process cannot run as set up (empty when it can)."""
    out = []
    split = roles is not None and set(roles) != set(ROLES)
    sqlite = settings.database_url.startswith("sqlite")
    if sqlite and settings.redis_url:
        out.append("REDIS_URL is set, so several processes would share the work, but REJOINDER_DATABASE_URL is "
                   "SQLite, which only one process can use safely: set REJOINDER_DATABASE_URL to PostgreSQL "
                   "(postgresql+asyncpg://user:password@host/db), or unset REDIS_URL to run in one process")
    if split:
        given = ",".join(sorted(roles))
        if sqlite:
            out.append(f"--role {given} runs only part of Rejoinder here, so other processes must run the rest, "
                       "and SQLite serves one process only: use PostgreSQL (REJOINDER_DATABASE_URL) and Redis "
                       "(REDIS_URL), or run --role all")
        if not settings.redis_url:
            out.append(f"--role {given} needs REDIS_URL: without it mentions travel inside one process, so a "
                       "process reading sources and one running the pipeline cannot reach each other")
    return out
