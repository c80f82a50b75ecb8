"""Payment gateways: the interface (:mod:`.base`), the built-in ``sandbox`` and ``alipay``.

``get_gateway()`` returns the configured one (``settings.BAZAAR_PAYMENT_GATEWAY``, default
``"sandbox"``); ``get_gateway("alipay")`` a named one.
"""

from django.conf import settings

from .base import Gateway, GatewayError, GatewayNotification, InvalidSignature, PaymentRequest, TokenExpired

__all__ = [
    "GATEWAYS", "Gateway", "GatewayError", "GatewayNotification", "InvalidSignature", "PaymentRequest", "TokenExpired",
    "UnknownGateway", "get_gateway",
]

GATEWAYS = {
    "sandbox": "shop.payments.gateways.sandbox.SandboxGateway",
    "alipay": "shop.payments.gateways.alipay.AlipayGateway",
}


class UnknownGateway(KeyError):
    """No gateway by that name (a configuration error)."""


def get_gateway(name: str | None = None) -> Gateway:
    """A new instance of the gateway called ``name``, or of the configured one."""
    from django.utils.module_loading import import_string

    name = name or getattr(settings, "BAZAAR_PAYMENT_GATEWAY", "sandbox") or "sandbox"
    if name not in GATEWAYS:
        raise UnknownGateway(f"unknown payment gateway {name!r} (known: {', '.join(GATEWAYS)})")
    return import_string(GATEWAYS[name])()
