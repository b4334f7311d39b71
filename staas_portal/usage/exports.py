"""The monthly billing export: one CSV of customers, one of their buckets.

Two files rather than one with two kinds of row, so that a billing import reads
each with one column layout. Requests are whole numbers; GB are decimal
(10^9 bytes) with six places.
"""

import csv
import io
from datetime import datetime

from staas_portal.usage.months import Month
from staas_portal.usage.selectors import MonthFigures, bucket_lines, customers_month

FIGURE_COLUMNS = (
    "requests_put", "requests_get", "requests_list", "requests_other", "requests_total",
    "uploaded_gb", "downloaded_gb", "stored_gb_average", "stored_gb_peak", "stored_gb_months",
)  # fmt: skip
CUSTOMER_COLUMNS = ("month", "customer_id", "customer", "email", "s3_users", *FIGURE_COLUMNS)
BUCKET_COLUMNS = (
    "month", "customer_id", "customer", "cluster", "s3_user_id", "bucket", *FIGURE_COLUMNS,
)  # fmt: skip
# A spreadsheet runs a cell that starts like this as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def figure_cells(figures: MonthFigures) -> list:
    return [
        figures.ops_put, figures.ops_get, figures.ops_list, figures.ops_other,
        figures.requests, figures.gb_uploaded, figures.gb_downloaded, figures.gb_average,
        figures.gb_peak, figures.gb_months,
    ]  # fmt: skip


def text_cell(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def customers_csv(month: Month, *, now: datetime) -> str:
    rows = [
        [str(month), line.customer.pk, text_cell(line.customer.name),
         text_cell(line.customer.email), " ".join(sorted(line.accounts)),
         *figure_cells(line.figures)]
        for line in customers_month(month, now=now)
    ]  # fmt: skip
    return as_csv(CUSTOMER_COLUMNS, rows)


def buckets_csv(month: Month, *, now: datetime) -> str:
    rows = [
        [str(month), customer.pk, text_cell(customer.name), line.cluster, line.user_id,
         line.bucket, *figure_cells(line.figures)]
        for customer, line in bucket_lines(month, now=now)
    ]  # fmt: skip
    return as_csv(BUCKET_COLUMNS, rows)


def as_csv(header, rows) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()
