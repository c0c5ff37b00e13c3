"""Permission decorators: every view declares who may use it.

`@public` marks a view open to everyone; `@roles_required(...)` lets only those roles in.
Both leave a `harkop_access` mark that the authorization-matrix test reads, so a view
without a declaration is found at once.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort
from flask_login import current_user

from ..extensions import login_manager
from .models import Role

PUBLIC = "public"
AUTHENTICATED = "authenticated"


def public(view: Callable[..., Any]) -> Callable[..., Any]:
    """Declare a view open to everyone, logged in or not."""
    view.harkop_access = frozenset({PUBLIC})  # type: ignore[attr-defined]
    return view


def login_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Declare a view open to any logged-in, active user."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return view(*args, **kwargs)

    wrapped.harkop_access = frozenset({AUTHENTICATED})  # type: ignore[attr-defined]
    return wrapped


def roles_required(*roles: Role | str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Let only the given roles in: anonymous users are sent to log in, others get 403."""
    names = frozenset(r.value if isinstance(r, Role) else Role(r).value for r in roles)

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role.value not in names:
                abort(403)
            return view(*args, **kwargs)

        wrapped.harkop_access = names  # type: ignore[attr-defined]
        return wrapped

    return decorator


admin_required = roles_required(Role.admin)


def token_principal(view: Callable[..., Any]) -> Callable[..., Any]:
    """Let a bearer-token request to this view authenticate as a `TokenPrincipal` (plain values).

    For the hot device endpoints (a scan at the gate), which use only the user's id, role and
    name; put it under the permission decorator. Browser sessions still load the `User`.
    """
    view.harkop_token_principal = True  # type: ignore[attr-defined]
    return view
