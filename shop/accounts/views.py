from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shop.cart import services as cart_services
from shop.core.errors import DomainError
from shop.core.redirects import redirect_to_next, safe_next

from . import services
from .forms import AddressForm, ProfileForm, SignupForm


class LoginView(auth_views.LoginView):
    """Django's log-in, then the anonymous cart joins the shopper's cart."""

    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        cart_services.merge_at_login(self.request, form.get_user())
        return response


def signup(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.register_user(
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password1"],
                email=form.cleaned_data.get("email", ""),
            )
        except DomainError as exc:  # the username was taken a moment ago
            form.add_error("username", exc.message)
        else:
            login(request, user, backend="shop.accounts.backends.UserBackend")
            cart_services.merge_at_login(request, user)
            messages.success(request, _("Welcome to Bazaar, %(name)s!") % {"name": user.username})
            return redirect_to_next(request, "home")
    next_url = safe_next(request, "home")
    return render(request, "accounts/signup.html", {"form": form, "next": next_url if next_url != "/" else ""})


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, request.FILES or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your profile was saved."))
        return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form})


@login_required
def address_list(request):
    return render(request, "accounts/address_list.html", {"addresses": request.user.addresses.all()})


@login_required
def address_edit(request, pk=None):
    address = get_object_or_404(request.user.addresses, pk=pk) if pk else None
    form = AddressForm(request.POST or None, instance=address)
    if request.method == "POST" and form.is_valid():
        services.address_save(
            user=request.user, address=form.save(commit=False), make_default=form.cleaned_data["make_default"]
        )
        messages.success(request, _("Address saved."))
        return redirect_to_next(request, "accounts:addresses")
    return render(request, "accounts/address_form.html",
                  {"form": form, "address": address, "next": safe_next(request, "accounts:addresses")})


@require_POST
@login_required
def address_default(request, pk):
    get_object_or_404(request.user.addresses, pk=pk)
    services.address_set_default(user=request.user, address_id=pk)
    messages.success(request, _("Default address changed."))
    return redirect("accounts:addresses")


@require_POST
@login_required
def address_delete(request, pk):
    get_object_or_404(request.user.addresses, pk=pk)
    services.address_delete(user=request.user, address_id=pk)
    messages.success(request, _("Address deleted."))
    return redirect("accounts:addresses")
