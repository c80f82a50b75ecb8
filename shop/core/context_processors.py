from django.conf import settings


def shop(request):
    return {"CURRENCY_SYMBOL": settings.BAZAAR_CURRENCY_SYMBOL, "CURRENCY": settings.BAZAAR_CURRENCY}
