"""Every URL pattern of the portal, for the tests that walk them all."""

import re

from django.urls import URLPattern, URLResolver, get_resolver

PARAMETER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")


def walk(patterns, prefix=""):
    """(route, view) for every pattern, Django's admin site aside: it has its own gate."""
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue
            yield from walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback


def portal_urls() -> list[tuple[str, object]]:
    return list(walk(get_resolver().url_patterns))


def fill(route: str, value_of) -> str:
    """The route as a path, each parameter replaced by `value_of(name, converter)`."""
    path = PARAMETER.sub(
        lambda match: str(value_of(match["name"], match["converter"] or "str")), route
    )
    return "/" + path.lstrip("^").rstrip("$")
