"""Where to go after a form: the ``next`` a request asks for, only when it stays on this site."""

from urllib.parse import urlsplit

from django.http import HttpResponseRedirect
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request, fallback: str) -> str:
    """The ``next`` URL the request asks for (POST, else the query string) if it is safe to go
    to — validated as Django's log-in does (this host, http(s), https when the request is) and
    a path on this site, not a relative one — else ``fallback`` (a URL name or path)."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if (url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()},
                                        require_https=request.is_secure())
            and urlsplit(candidate).path.startswith("/")):
        return candidate
    return resolve_url(fallback)


def redirect_to_next(request, fallback: str) -> HttpResponseRedirect:
    """Redirect to :func:`safe_next` — never to a user-supplied URL off this site."""
    return HttpResponseRedirect(safe_next(request, fallback))
