"""docker-compose.yml cannot run here, so check that it only names what exists."""

import ast
import importlib
import importlib.util
import re

import pytest
import yaml
from django.core.management import get_commands

from tests.conftest import REPO

COMPOSE = yaml.safe_load((REPO / "docker-compose.yml").read_text())
PORTAL_SERVICES = {
    name: service
    for name, service in COMPOSE["services"].items()
    if service.get("build") or service.get("image") == "staas-portal"
}


def variables_the_settings_read() -> set[str]:
    tree = ast.parse((REPO / "staas_portal" / "settings.py").read_text())
    return {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", "").startswith("env_")
        and node.args
        and isinstance(node.args[0], ast.Constant)
    }


def variables_in_the_readme() -> set[str]:
    readme = (REPO / "README.md").read_text()
    section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([A-Z_]+)` \|", section, flags=re.MULTILINE))


def test_the_stack_has_every_part():
    assert set(COMPOSE["services"]) >= {"postgres", "redis", "web", "worker", "beat"}
    assert {"web", "worker", "beat", "migrate"} <= set(PORTAL_SERVICES)


def test_the_emulator_only_starts_when_asked_for():
    assert COMPOSE["services"]["emulator"]["profiles"] == ["emulator"]


@pytest.mark.parametrize("name", sorted(PORTAL_SERVICES))
def test_each_command_names_an_entry_point_the_project_provides(name):
    command = PORTAL_SERVICES[name]["command"]

    if command[0] == "gunicorn":
        module, attribute = command[1].split(":")
        assert callable(getattr(importlib.import_module(module), attribute))
    elif command[0] == "celery":
        app_module = command[command.index("-A") + 1]
        assert importlib.import_module(app_module).celery_app.main == "staas_portal"
        assert command[command.index("-A") + 2] in {"worker", "beat"}
    elif command[:2] == ["python", "-m"]:
        assert importlib.util.find_spec(f"{command[2]}.__main__") is not None
    else:
        assert command[:2] == ["python", "manage.py"]
        assert command[2] in get_commands()


@pytest.mark.parametrize("name", sorted(PORTAL_SERVICES))
def test_each_variable_it_sets_is_one_the_settings_read(name):
    given = set(PORTAL_SERVICES[name]["environment"])

    assert given - variables_the_settings_read() == set()


def test_the_readme_lists_every_variable_the_settings_read():
    assert variables_in_the_readme() == variables_the_settings_read()


def test_the_dockerfile_starts_gunicorn_on_the_wsgi_application():
    dockerfile = (REPO / "Dockerfile").read_text()

    assert 'CMD ["gunicorn", "staas_portal.wsgi:application"' in dockerfile
