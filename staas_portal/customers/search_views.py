"""The support lookup: one search box on every staff page, results grouped by field."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from staas_portal.customers.search_forms import SupportSearchForm
from staas_portal.customers.search_selectors import customer_search
from staas_portal.users.access import STAFF_ROLES, role_required


@role_required(*STAFF_ROLES)
@require_GET
def search(request):
    form = SupportSearchForm(request.GET if "q" in request.GET else None)
    term, groups = "", None
    if form.is_valid():
        term = form.cleaned_data["q"]
        groups = customer_search(actor=request.user, term=term)
    return render(request, "customers/search.html", {"form": form, "term": term, "groups": groups})
