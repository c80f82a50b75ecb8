"""``manage.py verify_gift_draw <token>``: recompute a drawn gift draw from what its page reveals
(seed, commitment, participants in joining order) and check the stored winners."""

from django.core.management.base import BaseCommand, CommandError

from shop.gifts import fairness
from shop.gifts.models import GiftDraw, Participant


class Command(BaseCommand):
    help = "Check a drawn gift draw: the seed matches its published SHA-256 and gives exactly its winners."

    def add_arguments(self, parser):
        parser.add_argument("token", help="the draw's share-link token (/gifts/<token>/)")

    def handle(self, *args, token, **options):
        draw = GiftDraw.objects.filter(token=token).first()
        if draw is None:
            raise CommandError(f"No gift draw with token {token!r}.")
        if not draw.is_random:
            raise CommandError("A direct gift has no draw to check: each participant received a gift as they joined.")
        if not draw.is_drawn():
            raise CommandError("Not drawn yet: the seed is revealed after the draw.")
        entries = list(Participant.objects.filter(draw=draw).order_by("position").values_list("position", "won"))
        numbers = [position for position, _won in entries]
        winners = fairness.pick_winners(draw.seed, numbers, draw.gifts)
        stored = sorted(position for position, won in entries if won)
        self.stdout.write(f"commitment  {draw.seed_hash}\nseed        {draw.seed}\n"
                          f"participants {len(numbers)}, gifts {draw.gifts}\n"
                          f"winners     {', '.join(map(str, winners)) or '—'}")
        if fairness.commitment(draw.seed) != draw.seed_hash:
            raise CommandError("FAILED: SHA-256 of the seed is not the published commitment.")
        if sorted(winners) != stored:
            raise CommandError(f"FAILED: the seed gives {sorted(winners)}, but the stored winners are {stored}.")
        self.stdout.write(self.style.SUCCESS("OK: the seed matches its commitment and gives exactly the stored winners."))
