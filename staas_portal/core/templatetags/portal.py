from datetime import timedelta

from django import template

register = template.Library()


@register.filter
def whole_minutes(duration: timedelta | None) -> int:
    """A duration rounded up to whole minutes, so a wait is never understated."""
    if not duration:
        return 0
    return -(-int(duration.total_seconds()) // 60)
