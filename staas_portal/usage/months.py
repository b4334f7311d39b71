"""Calendar months in UTC, the periods that reports and billing use."""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

MONTH_TEXT = re.compile(r"^(?P<year>\d{4})-(?P<month>\d{2})$")


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def of(cls, moment: datetime) -> "Month":
        moment = moment.astimezone(UTC)
        return cls(moment.year, moment.month)

    @classmethod
    def parse(cls, text: str) -> "Month":
        """`2026-11`; ValueError for anything else."""
        found = MONTH_TEXT.match(text.strip())
        if found is None or not 1 <= int(found["month"]) <= 12 or int(found["year"]) < 1971:
            raise ValueError(f"{text!r} is not a month written as YYYY-MM")
        return cls(int(found["year"]), int(found["month"]))

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def label(self) -> str:
        return self.start.strftime("%B %Y")

    @property
    def start(self) -> datetime:
        return datetime(self.year, self.month, 1, tzinfo=UTC)

    @property
    def end(self) -> datetime:
        return self.following.start

    @property
    def following(self) -> "Month":
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    @property
    def preceding(self) -> "Month":
        return Month(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    @property
    def hours(self) -> int:
        return int((self.end - self.start).total_seconds()) // 3600

    def hours_until(self, now: datetime) -> float:
        """Hours of the month gone by at `now`: all of them once it has ended."""
        elapsed = (min(max(now, self.start), self.end) - self.start).total_seconds()
        return elapsed / 3600

    def days(self) -> list[date]:
        first = self.start.date()
        return [first + timedelta(days=number) for number in range(self.hours // 24)]
