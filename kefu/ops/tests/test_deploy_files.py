"""deploy/: the compose file, the systemd units and the nginx site refer to commands,
settings and routes that exist, and docs/deployment.md documents every setting.

No container runtime or systemd runs here: the files are parsed and each command line is
checked against Kefu's own management commands and Uvicorn's own option parser."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import yaml
from django.core.management import get_commands, load_command_class

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy"
SETTINGS = (ROOT / "kefu" / "settings.py").read_text()
# Read by a library, not by kefu/settings.py.
EXTERNAL = {"PROMETHEUS_MULTIPROC_DIR"}


def settings_variables() -> set[str]:
    """Every environment variable kefu/settings.py reads."""
    names = set(re.findall(r'env(?:_bool|_list)?\(\s*"([A-Z0-9_]+)"', SETTINGS))
    names |= set(re.findall(r'os\.environ\.get\(\s*"([A-Z0-9_]+)"', SETTINGS))
    return names


def check_command(argv: list[str]) -> None:
    """A kefu command with arguments its parser accepts, or Uvicorn serving Kefu."""
    program = Path(argv[0]).name
    if program == "kefu":
        name, *args = argv[1:]
        commands = get_commands()
        if name == "rqworker":
            # django_rq is installed only with the RQ backend (kefu/settings.py)
            assert 'INSTALLED_APPS.append("django_rq")' in SETTINGS
            commands = {**commands, name: "django_rq"}
        assert name in commands, f"no command kefu {name}"
        parser = load_command_class(commands[name], name).create_parser("kefu", name)
        parser.parse_args(args)
    elif program == "uvicorn":
        from uvicorn.main import main as uvicorn_cli

        context = uvicorn_cli.make_context("uvicorn", list(argv[1:]))
        assert context.params["app"] == "kefu.asgi:application"
        assert context.params["lifespan"] == "off"
        assert context.params["proxy_headers"] is False  # Django reads the proxy headers
    else:
        raise AssertionError(f"unexpected program {argv[0]}")


def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def env_file(path: Path) -> dict[str, str]:
    pairs = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            pairs[key] = value
    return pairs


def unit(path: Path) -> dict[str, list[str]]:
    """A systemd unit's keys, `Section.Key` → values (keys may repeat)."""
    section, values = "", {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        values.setdefault(f"{section}.{key}", []).append(value)
    return values


def test_it_runs_every_role_of_the_topology():
    services = compose()["services"]
    assert {"postgres", "redis", "migrate", "web", "worker", "scheduler", "proxy"} <= set(services)
    roles = {name: s for name, s in services.items() if s.get("image") == "kefu:latest"}
    assert set(roles) == {"migrate", "web", "worker", "scheduler"}
    for service in roles.values():
        check_command(service["command"])
    assert services["worker"]["command"][1:] == ["rqworker", "default"]
    assert services["scheduler"]["command"][1:] == ["scheduler"]
    for name in ("web", "worker"):
        assert re.fullmatch(r"\$\{[A-Z_]+:-\d+\}", str(services[name]["deploy"]["replicas"]))


def test_the_web_processes_share_what_several_processes_need():
    config = compose()
    example = env_file(DEPLOY / "kefu.env.example")
    # Redis channel layer and RQ, PostgreSQL, shared keys
    assert example["REDIS_URL"].startswith("redis://redis:")
    assert example["KEFU_TASKS_BACKEND"] == "django_tasks_rq.RQBackend"
    assert (
        example["DATABASE_URL"].startswith("postgres://")
        and "@postgres:5432/" in example["DATABASE_URL"]
    )
    assert example["KEFU_SECRET_KEY"] and example["KEFU_FIELD_ENCRYPTION_SALTS"]
    # uploads (web) are read by the workers; metrics summed across processes
    for name in ("web", "worker", "scheduler"):
        volumes = config["services"][name]["volumes"]
        assert "kefu-var:/var/lib/kefu" in volumes
        assert "kefu-metrics:/run/kefu-metrics" in volumes
        assert (
            config["services"][name]["environment"]["PROMETHEUS_MULTIPROC_DIR"]
            == "/run/kefu-metrics"
        )
    # the compose network is the one /metrics allows
    subnet = config["networks"]["kefu"]["ipam"]["config"][0]["subnet"]
    assert subnet in example["KEFU_METRICS_ALLOWED_NETWORKS"].split(",")
    # the web health check asks readiness
    assert "/readyz" in " ".join(config["services"]["web"]["healthcheck"]["test"])


def test_every_variable_the_deployment_sets_is_a_setting():
    known = settings_variables() | EXTERNAL
    used = set(env_file(DEPLOY / "kefu.env.example"))
    for service in compose()["services"].values():
        if service.get("image") == "kefu:latest":
            used |= set(service.get("environment", {}))
    used |= set(compose()["x-kefu"]["environment"])
    for path in (DEPLOY / "systemd").glob("*.service"):
        for assignment in unit(path).get("Service.Environment", []):
            used.add(assignment.partition("=")[0])
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    used |= set(re.findall(r"\b(KEFU_[A-Z_]+)=", dockerfile))
    assert used - known == set()


def test_the_systemd_units_run_kefu_commands():
    units = sorted((DEPLOY / "systemd").glob("*.service"))
    assert {p.name for p in units} >= {
        "kefu-web@.service",
        "kefu-worker@.service",
        "kefu-scheduler.service",
        "kefu-scheduler-once.service",
        "kefu-migrate.service",
    }
    for path in units:
        values = unit(path)
        assert values["Service.User"] == ["kefu"], path.name
        assert values["Service.EnvironmentFile"] == ["/etc/kefu/kefu.env"], path.name
        (exec_start,) = values["Service.ExecStart"]
        argv = shlex.split(exec_start.replace("%i", "8001"))
        assert argv[0].startswith("/opt/kefu/.venv/bin/"), path.name
        check_command(argv)


def test_the_timer_starts_an_existing_one_shot_pass():
    timer = unit(DEPLOY / "systemd" / "kefu-scheduler-once.timer")
    (target,) = timer["Timer.Unit"]
    service = unit(DEPLOY / "systemd" / target)
    assert service["Service.Type"] == ["oneshot"]
    assert service["Service.ExecStart"][0].endswith("kefu scheduler --once")
    assert timer["Timer.OnCalendar"] == ["*-*-* *:*:05"]


def test_the_target_starts_existing_units():
    target = unit(DEPLOY / "systemd" / "kefu.target")
    names = " ".join(target["Unit.Wants"]).split()
    for name in names:
        template = re.sub(r"@[^.]+\.", "@.", name)
        assert (DEPLOY / "systemd" / template).exists(), name


@pytest.mark.parametrize("site", ["kefu.conf", "compose.conf"])
def test_the_nginx_site_upgrades_websockets_and_hides_metrics(site):
    text = (DEPLOY / "nginx" / site).read_text()
    common = (DEPLOY / "nginx" / "kefu-common.conf").read_text()
    assert "map $http_upgrade $connection_upgrade" in text
    assert "upstream kefu" in text
    assert "include /etc/nginx/kefu-common.conf;" in text
    assert "proxy_set_header Upgrade $http_upgrade;" in common
    assert "proxy_set_header Connection $connection_upgrade;" in common
    assert "location = /metrics" in common
    # the headers Kefu's proxy settings trust are set (overwritten) on every request
    assert common.count("proxy_set_header X-Forwarded-Proto $scheme;") == 2
    assert common.count("proxy_set_header X-Forwarded-For $remote_addr;") == 2
    size = re.search(r"client_max_body_size (\d+)m;", common)
    assert size and int(size.group(1)) * 1024 * 1024 >= 32 * 1024 * 1024


def test_the_nginx_websocket_location_covers_every_socket_route():
    from kefu.routing import websocket_urlpatterns

    for pattern in websocket_urlpatterns:
        assert str(pattern.pattern).startswith("ws/"), pattern


def test_the_systemd_site_proxies_to_the_web_instances_of_the_target():
    ports = re.findall(r"server 127\.0\.0\.1:(\d+)", (DEPLOY / "nginx" / "kefu.conf").read_text())
    target = " ".join(unit(DEPLOY / "systemd" / "kefu.target")["Unit.Wants"])
    assert sorted(ports) == sorted(re.findall(r"kefu-web@(\d+)\.service", target))


def test_the_deployment_docs_document_every_setting():
    docs = (ROOT / "docs" / "deployment.md").read_text()
    table = set(re.findall(r"^\| `([A-Z0-9_]+)`", docs, flags=re.MULTILINE))
    assert settings_variables() | EXTERNAL == table
