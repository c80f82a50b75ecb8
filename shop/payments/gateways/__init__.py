from django.conf import settings

from .base import Gateway


def get_gateway(name: str | None = None) -> Gateway:
    """The configured gateway (``BAZAAR_PAYMENT_GATEWAY``, default ``sandbox``) or one by name."""
    from .alipay import AlipayGateway
    from .sandbox import SandboxGateway

    gateways = {"sandbox": SandboxGateway, "alipay": AlipayGateway}
    name = name or getattr(settings, "BAZAAR_PAYMENT_GATEWAY", "sandbox")
    if name not in gateways:
        raise KeyError(f"unknown gateway {name!r}")
    return gateways[name]()
