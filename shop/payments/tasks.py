from . import services


def deliver_notification(gateway: str, fields: dict) -> bool:
    """The sandbox gateway's asynchronous notification, delivered in-process through the same
    service as the HTTP notify endpoint."""
    ack, _row = services.handle_notification(gateway, fields)
    return ack
