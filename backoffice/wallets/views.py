from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _

from shop.accounts.models import User
from shop.core.errors import DomainError
from shop.wallet.models import Asset
from shop.wallet.selectors import ledger_for
from shop.wallet.services import operator_adjust, wallet_of

from ..access import StaffRequiredMixin
from ..tables import BackofficeListView
from .filters import LedgerFilter, WalletFilter
from .forms import AdjustForm
from .tables import LedgerTable, WalletTable

PERMISSION = "wallet.change_wallet"


class WalletListView(StaffRequiredMixin, BackofficeListView):
    area_permission = PERMISSION
    table_class = WalletTable
    filterset_class = WalletFilter
    template_name = "backoffice/wallets/list.html"

    def get_queryset(self):
        return User.objects.select_related("wallet")


class WalletDetailView(StaffRequiredMixin, BackofficeListView):
    area_permission = PERMISSION
    table_class = LedgerTable
    filterset_class = LedgerFilter
    template_name = "backoffice/wallets/detail.html"

    def load_objects(self, *, user_id, **kwargs):
        self.shopper = get_object_or_404(User, pk=user_id)

    def get_queryset(self):
        return ledger_for(wallet_of(self.shopper))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(shopper=self.shopper, wallet=wallet_of(self.shopper), assets=Asset)
        context.setdefault("form", AdjustForm())
        return context

    def post(self, request, *args, **kwargs):
        form = AdjustForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                entry = operator_adjust(
                    operator=request.user, user=self.shopper, asset=data["asset"], amount=data["amount"],
                    grant=data["direction"] == AdjustForm.GRANT, memo=data["memo"],
                )
            except DomainError as exc:
                form.add_error("amount", exc.message)
            else:
                messages.success(request, _("%(txn)s recorded: %(asset)s is now %(after)s.") % {
                    "txn": entry.txn_no, "asset": Asset(entry.asset).label, "after": entry.balance_after})
                return redirect("backoffice:wallets:detail", user_id=self.shopper.pk)
        self.object_list = self.get_queryset()
        self.filterset = self.get_filterset(self.get_filterset_class())
        self.object_list = self.filterset.qs
        return self.render_to_response(self.get_context_data(form=form))
