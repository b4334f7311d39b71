"""What more than one journey does: make usage happen and harvest it, and read the charts
a page drew."""

from datetime import timedelta

from django.utils import timezone

from staas_portal.usage.services import GUARD_SECONDS, usage_harvest
from tests.emulator_fixtures import TEST_PERIOD
from tests.usage.statistics import counted

CHARTS_DRAWN = """() => Object.fromEntries(
  Array.from(document.querySelectorAll("canvas[data-chart]")).map((canvas) => [
    canvas.dataset.chart,
    Chart.getChart(canvas).data.datasets.map((set) => [set.label, set.data]),
  ]))"""


def use_bucket(s3, bucket: str, body: bytes = b"x" * 5000) -> None:
    """A bucket made, an object written to it and read back, and the bucket listed."""
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="logo.png", Body=body)
    s3.get_object(Bucket=bucket, Key="logo.png")["Body"].read()
    s3.list_objects_v2(Bucket=bucket)


def harvest_usage(emulator, cluster) -> dict[str, int]:
    """Ends the emulator's statistics period and harvests it, as a harvest would once
    the period its object names has passed; what the emulator counted in that period."""
    name = emulator.end_period()
    expected = counted(emulator, [name])
    later = timezone.now() + timedelta(seconds=TEST_PERIOD + GUARD_SECONDS)

    report = usage_harvest(cluster=cluster, now=later)

    assert report.ok and report.deleted == 1, report.summary()
    return expected


def drawn_charts(page) -> dict[str, dict[str, list]]:
    """Each chart the page drew, by kind: each data set's figures by its label."""
    return {kind: dict(sets) for kind, sets in page.evaluate(CHARTS_DRAWN).items()}
