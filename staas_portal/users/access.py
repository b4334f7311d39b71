"""Who may do what: one check used by views and again by services."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from staas_portal.users.models import Role

ALL_ROLES = (Role.ADMIN, Role.SUPPORT, Role.CUSTOMER)
STAFF_ROLES = (Role.ADMIN, Role.SUPPORT)


def has_role(actor, *roles: Role) -> bool:
    return bool(
        actor is not None
        and actor.is_authenticated
        and actor.is_active
        and getattr(actor, "role", None) in roles
    )


def require_role(actor, *roles: Role) -> None:
    """Raises PermissionDenied unless the actor holds one of the roles."""
    if not has_role(actor, *roles):
        names = " or ".join(Role(role).label.lower() for role in roles)
        raise PermissionDenied(f"This needs the {names} role.")


def is_own_customer(actor, customer_id) -> bool:
    """The actor is a customer login of exactly this customer."""
    if customer_id is None or not has_role(actor, Role.CUSTOMER):
        return False
    return actor.customer_id == customer_id


def require_customer_read(actor, customer_id) -> None:
    """Staff read any customer's data; a customer login only its own customer's."""
    if has_role(actor, *STAFF_ROLES) or is_own_customer(actor, customer_id):
        return
    require_role(actor, *STAFF_ROLES)
    raise PermissionDenied("This belongs to another customer.")


def role_required(*roles: Role) -> Callable:
    """Anonymous requests go to the login page; a signed-in user of another role gets 403."""

    def decorator(view):
        @wraps(view)
        def guarded(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            require_role(request.user, *roles)
            return view(request, *args, **kwargs)

        guarded.allowed_roles = roles
        return guarded

    return decorator


def public(view):
    """Marks a view that anyone may open, so the access test knows it was meant."""
    view.allowed_roles = None
    return view
