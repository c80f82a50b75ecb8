from datetime import datetime

from . import services


def deliver(notification_id: int) -> bool:
    return services.deliver(notification_id)


def deliver_many(notification_ids: list[int]) -> int:
    return sum(services.deliver(pk) for pk in notification_ids)


def apply_due(now: datetime) -> int:
    """Send every due e-mail that its job has not sent (lost, late or failed)."""
    sent = 0
    for pk in services.due_emails(now).values_list("pk", flat=True)[:500]:
        sent += services.deliver(pk, now=now)
    return sent
