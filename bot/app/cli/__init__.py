"""The `rejoinder` command line. Each group of commands lives in its own
module and is registered here explicitly."""
from __future__ import annotations

import typer

from bot.app.cli import (
    cluster_cmd, config_cmd, crm_cmd, customers_cmd, guard_cmd, report_cmd, run_cmd, sources_cmd, triage_cmd,
)

app = typer.Typer(
    name="rejoinder",
    help="Social-CRM chat-ops: public mentions become routed cases with drafted, guarded, approved replies.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
for module in (config_cmd, run_cmd, triage_cmd, guard_cmd, customers_cmd, sources_cmd, report_cmd, crm_cmd,
               cluster_cmd):
    module.register(app)


def main() -> None:
    app()
