from django.contrib.messages import get_messages
from django.template.loader import render_to_string


class HtmxMessagesMiddleware:
    """Messages queued during an htmx request are appended as out-of-band toasts, so partial
    responses show feedback the same way full pages do."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            not getattr(request, "htmx", False)
            or "HX-Redirect" in response
            or "HX-Location" in response
            or response.status_code in (204, 301, 302)
            or "text/html" not in response.get("Content-Type", "")
            or getattr(response, "streaming", False)
        ):
            return response
        storage = get_messages(request)
        if not storage:
            return response
        toasts = render_to_string("includes/toasts.html", {"messages": storage, "oob": True}, request=request)
        response.content += toasts.encode(response.charset)
        return response
