from certauth.models import LoginAttempt, Outcome
from tests.conftest import LAWYER


def test_lawyer_certificate_logs_in_and_lands_on_dashboard(login_with, member_factory):
    member_factory(oab="123456SP")
    response = login_with(LAWYER)
    assert response.status_code == 302
    assert response["Location"].endswith("/painel/")
    assert LoginAttempt.objects.get().outcome == Outcome.ACCEPTED
