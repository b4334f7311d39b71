"""`manage.py collect_usage`: one harvest now, with what it took printed."""

import io

import pytest
from django.core.management import CommandError, call_command

from tests.usage.statistics import generate, listed_names

pytestmark = pytest.mark.django_db


def run(*arguments) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("collect_usage", *arguments, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_it_harvests_and_prints_how_many_objects_and_items(cluster, gateway_emulator):
    generate(gateway_emulator, objects=4, items=3)

    out, _ = run("--cluster", "main")

    assert "main: harvested 4 statistics objects (12 items), deleted 4;" in out
    assert listed_names(gateway_emulator) == []


def test_it_exits_non_zero_when_a_gateway_fails(cluster, gateway_emulator):
    gateway_emulator.stop()

    with pytest.raises(CommandError, match="did not finish on main"):
        run()


def test_it_names_an_unknown_cluster(db):
    with pytest.raises(CommandError, match="no cluster named 'nowhere'"):
        run("--cluster", "nowhere")
