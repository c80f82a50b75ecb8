"""``{% load fragments %}`` and ``{% fragment key %}…{% endfragment %}``: the enclosed template
is rendered once per ``key`` (see :mod:`shop.core.fragments`) and reused; with an empty key
it is rendered every time."""

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
