import logging

from staas_portal.core.request_context import current_request_id


class RequestIdFilter(logging.Filter):
    """Stamps every record with the id of the request or task that produced it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id()
        return True
