"""docker-compose.yml starts the topology the cluster tests run with local
processes: PostgreSQL, Redis, and one Rejoinder service per test process
with the same roles and the settings that make them one cluster. Docker
Compose need not be installed: the file is read as Compose reads it (YAML,
`x-` extensions merged in with `<<`), and each service's settings go
through the same Settings and topology checks `rejoinder run` applies."""
from __future__ import annotations

import yaml

from bot.app.settings import Settings
from bot.cluster.roles import parse_roles
from bot.cluster.topology import topology_problems
from tests.cluster.harness import CLUSTER_SETTINGS, ROOT, TOPOLOGY

COMPOSE = ROOT / "docker-compose.yml"


def services() -> dict:
    data = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert set(data) <= {"version", "name", "services", "volumes", "networks", "configs", "secrets"} | {
        k for k in data if k.startswith("x-")}, "docker-compose.yml: unknown top-level key"
    return data["services"]


def rejoinder_services(all_services: dict) -> dict:
    return {name: s for name, s in all_services.items() if s.get("image") == "rejoinder" or s.get("build")}


def dockerfile_env() -> dict[str, str]:
    """ENV lines of the Dockerfile (KEY=value pairs, continued lines joined)."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    env = {}
    for line in text.splitlines():
        if line.startswith("ENV "):
            for pair in line[4:].split():
                key, _, value = pair.partition("=")
                env[key] = value
    return env


def test_compose_runs_postgres_redis_and_one_service_per_cluster_test_process():
    found = services()
    assert found["postgres"]["image"].startswith("postgres:")
    assert found["redis"]["image"].startswith("redis:")
    assert "--appendonly" in found["redis"].get("command", []), "stream entries must survive a Redis restart"
    ours = rejoinder_services(found)
    assert len(ours) == len(TOPOLOGY)
    assert sorted(sorted(_role(s)) for s in ours.values()) == sorted(sorted(parse_roles(r)) for r in TOPOLOGY.values())
    for name, service in ours.items():
        assert service["command"][0] == "run", name
        for needed in ("postgres", "redis"):
            assert service["depends_on"][needed]["condition"] == "service_healthy", (name, needed)
        assert found[needed].get("healthcheck"), needed
        assert service.get("stop_signal", "SIGTERM") == "SIGTERM"  # a clean stop hands work back


def test_each_service_has_the_cluster_settings_and_passes_the_start_up_checks(monkeypatch):
    image = dockerfile_env()
    for name, service in rejoinder_services(services()).items():
        env = {**image, **{k: str(v) for k, v in service["environment"].items()}}
        for setting in CLUSTER_SETTINGS:
            assert setting in env, f"docker-compose.yml: {name} lacks {setting}, which the cluster tests set"
        for key in list(Settings.model_fields) + ["REDIS_URL"]:
            monkeypatch.delenv(key.upper(), raising=False)
        settings = Settings(_env_file=None, **{_field(k): v for k, v in env.items() if _field(k)})
        assert settings.database_url.startswith("postgresql+asyncpg://") and "@postgres:" in settings.database_url
        assert settings.redis_url.startswith("redis://redis:")
        assert topology_problems(settings, _role(service)) == [], name
        assert settings.http_host == "0.0.0.0", "the published port must reach the process in its container"


def _role(service: dict) -> set[str]:
    command = service["command"]
    return parse_roles(command[command.index("--role") + 1]) if "--role" in command else parse_roles("all")


def _field(env_name: str) -> str | None:
    """The Settings field an environment variable sets (None: not a setting)."""
    for name, field in Settings.model_fields.items():
        if field.validation_alias == env_name or name.upper() == env_name:
            return name
    return None

