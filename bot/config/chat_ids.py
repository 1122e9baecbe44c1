"""Chat ids the schema cannot check: Discord names channels, servers, users
and roles by number (a "snowflake"), never by `#name`."""
from __future__ import annotations

import re

from bot.config.issues import Loc

SNOWFLAKE = re.compile(r"^\d{15,21}$")
HOW = "turn on Developer Mode in Discord's settings, then right-click it and Copy ID"


def discord_id_problems(data: dict) -> list[tuple[Loc, str]]:
    out: list[tuple[Loc, str]] = []
    teams = data.get("teams") if isinstance(data.get("teams"), list) else []
    for i, team in enumerate(teams):
        if not isinstance(team, dict) or team.get("platform") != "discord":
            continue
        channel = team.get("channel")
        if channel is not None and not SNOWFLAKE.match(str(channel)):
            out.append((("teams", i, "channel"), f"team {team.get('name')!r} is on discord: its channel must be the "
                        f"channel's id (a number), not {str(channel)!r}; {HOW}"))
    roles = data.get("roles") if isinstance(data.get("roles"), dict) else {}
    guilds = roles.get("partner_guilds")
    for i, guild in enumerate(guilds if isinstance(guilds, list) else []):
        if not SNOWFLAKE.match(str(guild)):
            out.append((("roles", "partner_guilds", i), f"{str(guild)!r} is not a Discord server id (a number); {HOW}"))
    if any(isinstance(t, dict) and t.get("platform") == "discord" for t in teams):
        for section in ("members", "groups"):
            entries = roles.get(section)
            for key in (entries if isinstance(entries, dict) else {}):
                text = str(key)
                if isinstance(key, int):
                    out.append((("roles", section, key), f"quote Discord ids ('{text}'): YAML reads a bare number "
                                f"and large ones lose digits"))
    return out
