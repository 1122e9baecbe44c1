"""The core stays platform-neutral: bot/ and skills/ never import vendor SDKs."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENDORS = ("slack_bolt", "slack_sdk", "discord", "openai", "langchain", "langchain_core", "langchain_openai")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_core_sources_do_not_import_vendor_libraries():
    offenders = []
    for folder in ("bot", "skills"):
        for path in (ROOT / folder).rglob("*.py"):
            for name in imported_modules(path):
                if name.split(".")[0] in VENDORS:
                    offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert offenders == []


def test_loading_the_core_loads_no_vendor_library():
    """Also catches indirect imports through integrations."""
    code = (
        "import sys, bot.core, bot.chat.commands, bot.intake.pipeline, bot.app.demo.run, skills\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {VENDORS!r}))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
