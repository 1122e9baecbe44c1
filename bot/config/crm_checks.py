"""What `config check` says about the `crm:` and `sinks:` sections beyond the
schema: ticket routes that name no route (with their line), handle fields
for networks no source listens to, and secrets that are not set."""
from __future__ import annotations

from bot.config.issues import ConfigIssue, Loc, SourceMap, suggest
from bot.config.workspace import Workspace


def crm_reference_problems(data: dict) -> list[tuple[Loc, str]]:
    crm = data.get("crm") if isinstance(data, dict) else None
    tickets = crm.get("tickets") if isinstance(crm, dict) else None
    routes = tickets.get("routes") if isinstance(tickets, dict) else None
    known = [r.get("name") for r in data.get("routes") or [] if isinstance(r, dict)]
    out: list[tuple[Loc, str]] = []
    for i, name in enumerate(routes if isinstance(routes, list) else []):
        if isinstance(name, str) and name not in known:
            out.append((("crm", "tickets", "routes", i), f"crm.tickets.routes names unknown route {name!r}"
                        + suggest(name, [k for k in known if isinstance(k, str)], "routes are")))
    return out


def crm_environment_problems(ws: Workspace, secret, smap: SourceMap) -> list[ConfigIssue]:
    """`secret(name)`: whether the environment (or .env) sets that variable."""
    out: list[ConfigIssue] = []
    crm = ws.crm
    if crm is not None and crm.type != "builtin":
        fields = ("token_env",) if crm.type == "hubspot" else (
            "client_id_env", "client_secret_env", "refresh_token_env", "username_env", "private_key_env")
        for field in fields:
            var = getattr(crm, field, None)
            if var and not secret(var):
                out.append(smap.issue(("crm", field), f"crm ({crm.type}) reads {field[:-4].replace('_', ' ')} from {var}, "
                                                      "which is not set"))
        networks = {s.network for s in ws.sources if hasattr(s, "network")} | {s.type for s in ws.sources}
        for network in crm.handle_fields:
            if ws.sources and network not in networks:
                out.append(smap.issue(("crm", "handle_fields", network),
                                      f"crm.handle_fields maps {network!r}, but no source listens to {network}"
                                      + suggest(network, sorted(networks), "networks are")))
    for i, sink in enumerate(ws.sinks):
        if not secret(sink.secret_env):
            out.append(smap.issue(("sinks", i, "secret_env"), f"sink {sink.name!r} signs with the secret in "
                                                             f"{sink.secret_env}, which is not set"))
    return out
