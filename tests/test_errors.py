import pytest
from django.urls import path

from staas_portal.core.views import server_error


def broken_view(request):
    raise RuntimeError("simulated fault in a view")


urlpatterns = [path("broken/", broken_view)]
handler500 = server_error


def test_an_unknown_page_gets_the_friendly_404(client, db):
    response = client.get("/no/such/page/")

    assert response.status_code == 404
    assert b"There is nothing here" in response.content


@pytest.mark.urls("tests.test_errors")
def test_a_server_error_shows_a_reference_and_no_traceback(client, db):
    client.raise_request_exception = False

    response = client.get("/broken/")

    assert response.status_code == 500
    assert response["X-Request-ID"].encode() in response.content
    assert b"simulated fault" not in response.content
    assert b"Traceback" not in response.content


def test_a_form_without_its_csrf_token_is_refused_with_a_clear_page(db):
    from tests.conftest import HttpsClient

    client = HttpsClient(enforce_csrf_checks=True)

    response = client.post("/login/", {"username": "ada", "password": "x"})

    assert response.status_code == 403
    assert b"This form has expired" in response.content
