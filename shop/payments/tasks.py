from . import services


def deliver_notification(gateway: str, fields: dict) -> bool:
    """The sandbox gateway's asynchronous notification, delivered in-process through the same
    service as the HTTP notify endpoint."""
    ack, _row = services.handle_notification(gateway, fields)
    return ack


def execute_refund(refund_id: int) -> bool:
    return services.execute_refund(refund_id)


def apply_due(now) -> int:
    """Sweeper: refunds owed whose payout failed or whose worker died; cap the junk log."""
    done = services.retry_due_refunds(now)
    services.prune_rejected_notifications()
    return done
