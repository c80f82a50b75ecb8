"""``{% load fragments %}``: ``{% fragment key %}…{% endfragment %}`` renders the enclosed template
once per ``key`` (see :mod:`shop.core.fragments`) and reuses it (with an empty key, every time);
``{% page %}…{% endpage %}`` does the same for a whole page whose content has a key."""

from django import template
from django.utils.safestring import mark_safe

from shop.core import fragments

register = template.Library()


class FragmentNode(template.Node):
    def __init__(self, nodelist, key):
        self.nodelist = nodelist
        self.key = key

    def render(self, context):
        key = self.key.resolve(context)
        if not key or not fragments.enabled():
            return self.nodelist.render(context)
        html = fragments.get(key)
        if html is None:
            html = self.nodelist.render(context)
            if fragments.still_current(key):
                fragments.put(key, html)
        return mark_safe(html)


class PageNode(template.Node):
    """The whole page, kept under :func:`shop.core.fragments.page_key` — so that a page seen before
    is answered by :func:`shop.core.fragments.render_page` before any template starts (the body's
    CSRF token is valid for the browser's secret, which the key carries)."""

    def __init__(self, nodelist):
        self.nodelist = nodelist

    def render(self, context):
        key = fragments.page_key(context) if fragments.enabled() else None
        if key is None:
            return self.nodelist.render(context)
        html = fragments.get(key)
        if html is None:
            html = self.nodelist.render(context)
            if fragments.still_current(context.get("content_key")):
                fragments.put(key, html)
        else:
            fragments.renew_csrf_cookie(context["request"])
        return mark_safe(html)


@register.tag
def page(parser, token):
    if len(token.split_contents()) != 1:
        raise template.TemplateSyntaxError("{% page %} takes no argument")
    nodelist = parser.parse(("endpage",))
    parser.delete_first_token()
    return PageNode(nodelist)


@register.tag
def fragment(parser, token):
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError("{% fragment key %} takes exactly one argument")
    nodelist = parser.parse(("endfragment",))
    parser.delete_first_token()
    return FragmentNode(nodelist, parser.compile_filter(bits[1]))


@register.filter
def fragment_part(key, part):
    """``{% fragment content_key|fragment_part:"head" %}``: another fragment of a page, addressed
    by the same content (empty when the key is)."""
    return fragments.key(key, part) if key else ""
