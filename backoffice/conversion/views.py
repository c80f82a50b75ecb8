from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from shop.conversion import rules, selectors, services
from shop.conversion.models import SETTINGS_ID, ConversionSettings
from shop.core import clock

from ..access import staff_area
from ..tables import table_page
from .forms import SettingsForm
from .tables import ConversionTable

PERMISSION = "conversion.change_conversionsettings"


@staff_area(PERMISSION)
def conversion_settings(request):
    """The conversion terms (a form), this month's quota use and the recent conversions."""
    now = clock.now()
    row = ConversionSettings.objects.filter(pk=SETTINGS_ID).first()
    table = ConversionTable(selectors.recent_conversions())
    form = SettingsForm(request.POST if request.method == "POST" else None,
                        instance=ConversionSettings.objects.filter(pk=SETTINGS_ID).first())
    if request.method == "POST" and form.is_valid():
        try:
            services.save_settings(actor=request.user, data=form.cleaned_data, now=now)
        except services.InvalidSettings as exc:
            for field, message in exc.errors.items():
                form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, _("Conversion settings saved."))
            return redirect("backoffice:conversion:settings")
    month = rules.month_of(now)
    quota, used, count = selectors.month_summary(month, quota_if_unused=row.monthly_quota if row else 0)
    context = {"form": form, "settings_row": row, "month": month, "quota": quota, "used": used, "count": count}
    return table_page(request, table, "backoffice/conversion/settings.html", context)
