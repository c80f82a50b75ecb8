"""Texts about gift draws stored for shoppers (notifications), shown in the reader's language
(see :mod:`shop.core.texts`)."""

from django.utils.translation import gettext_lazy as _

from shop.core.texts import define

YOU_WON = define(
    "gifts.won", title=_("You won a gift: %(package)s"),
    body=_("Open the draw and tell us where to send it."),
)
NOT_WON = define(
    "gifts.not_won", title=_("Not this time: %(package)s"),
    body=_("The gift draw you joined has been drawn. See who won and check the draw yourself."),
)
DRAWN = define(
    "gifts.drawn", title=_("Your gift draw has been drawn"),
    body=_("%(winners)s gifts were won; %(back)s went back to your gifts."),
)
DIRECT_DONE = define(
    "gifts.direct_done", title=_("All your gifts have been handed out"),
    body=_("All %(gifts)s gifts of your direct gift have found someone."),
)
SENT = define(
    "gifts.sent", title=_("Your gift is on its way: %(package)s"),
    body=_("Tracking: %(tracking)s"),
)
