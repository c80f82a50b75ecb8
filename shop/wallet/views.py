from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from .models import Asset
from .selectors import ledger_for
from .services import wallet_of


@login_required
def wallet(request):
    """Balances and the paginated ledger; the history tabs/pages swap ``#wallet-history``."""
    wallet = wallet_of(request.user)
    asset = request.GET.get("asset") or ""
    if asset not in Asset.values:
        asset = ""
    page = Paginator(ledger_for(wallet, asset=asset or None), settings.BAZAAR_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {"wallet": wallet, "page": page, "asset": asset, "assets": Asset.choices}
    template = "wallet/wallet.html#wallet-history" if request.htmx else "wallet/wallet.html"
    return render(request, template, context)
