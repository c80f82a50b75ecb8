"""Who may use the backoffice: staff only, and each area needs its own permission.

Anonymous users are sent to the log-in page (an htmx request gets HX-Redirect), signed-in
non-staff get 403, staff without the area's permission get 403. Checked in the view, so a
partial request cannot bypass it.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect


def refusal(request, permission: str | None):
    """``None`` if ``request.user`` may enter, else the response to give (or raises 403)."""
    user = request.user
    if not user.is_authenticated:
        if request.htmx:
            return HttpResponseClientRedirect(redirect_to_login(request.get_full_path()).url)
        return redirect_to_login(request.get_full_path())
    if not user.is_staff:
        raise PermissionDenied(_("The backoffice is for staff only."))
    if permission and not user.has_perm(permission):
        raise PermissionDenied(_("You do not have access to this area."))
    return None


class StaffRequiredMixin:
    """Checks staff and ``area_permission`` first; then ``load_objects(**kwargs)`` looks up what
    the URL names (404 only for those allowed in, so ids cannot be probed from outside)."""

    area_permission: str | None = None

    def dispatch(self, request, *args, **kwargs):
        refused = refusal(request, self.area_permission)
        if refused:
            return refused
        self.load_objects(**kwargs)
        return super().dispatch(request, *args, **kwargs)

    def load_objects(self, **kwargs) -> None:
        """Override to fetch the URL's objects (``get_object_or_404``) after the access check."""


def staff_area(permission: str | None = None):
    def decorate(view):
        @wraps(view)
        def guarded(request, *args, **kwargs):
            return refusal(request, permission) or view(request, *args, **kwargs)

        return guarded

    return decorate


