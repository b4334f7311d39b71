from datetime import UTC, datetime

import pytest

from staas_portal.usage.months import Month


def test_it_reads_a_month_written_as_year_and_month():
    assert Month.parse("2026-02") == Month(2026, 2)


@pytest.mark.parametrize("text", ["2026-2", "2026-00", "2026-13", "1970-01", "Feb 2026", ""])
def test_it_refuses_anything_else(text):
    with pytest.raises(ValueError):
        Month.parse(text)


def test_it_knows_its_bounds_neighbours_and_hours():
    december = Month(2026, 12)

    assert (december.start, december.end) == (
        datetime(2026, 12, 1, tzinfo=UTC),
        datetime(2027, 1, 1, tzinfo=UTC),
    )
    assert (december.preceding, december.following) == (Month(2026, 11), Month(2027, 1))
    assert (Month(2026, 2).hours, Month(2028, 2).hours, december.hours) == (672, 696, 744)
    assert len(december.days()) == 31


def test_it_counts_the_hours_gone_by():
    november = Month(2026, 11)

    assert november.hours_until(datetime(2026, 11, 2, 6, tzinfo=UTC)) == 30
    assert november.hours_until(datetime(2027, 1, 1, tzinfo=UTC)) == 720
    assert november.hours_until(datetime(2026, 10, 1, tzinfo=UTC)) == 0
