"""Behind a proxy, the site's address is the configured one: a forged Host or X-Forwarded-Host moves neither
the links in mail nor the socket's origin check."""

import json

import pytest
import simple_websocket

from tests.support.browser import session_cookie
from tests.support.factories import PASSWORD
from tests.test_accounts import register
from tests.test_realtime import connect

SITE = "social.example.org"
FORGED = {"Host": "evil.example", "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "http"}
behind_nginx = pytest.mark.parametrize(
    "app_overrides", [{"SERVER_NAME": SITE, "PREFERRED_URL_SCHEME": "https", "TRUSTED_PROXIES": 1}], indirect=True
)


@behind_nginx
def test_a_reset_mail_links_to_the_site_whatever_host_the_request_names(client, make_user, outbox):
    make_user("ada", email="ada@example.com")
    response = client.post("/password/forgot", data={"email": "ada@example.com"}, headers=FORGED)
    assert response.status_code == 200
    assert outbox.last_link("ada@example.com").startswith(f"https://{SITE}/password/reset/")


@behind_nginx
def test_verification_and_email_change_links_go_to_the_site_too(client, login, make_user, outbox):
    register(client, email="grace@example.com", username="grace")
    ada = make_user("ada")
    login(ada)
    client.post("/settings/email", data={"em-email": "new@example.com", "em-password": PASSWORD})
    for address in ("grace@example.com", "new@example.com", "ada@example.com"):
        assert outbox.last_link(address).startswith(f"https://{SITE}/"), address


@pytest.fixture
def live_overrides(request):
    return getattr(request, "param", {"SERVER_NAME": SITE, "TRUSTED_PROXIES": 1})


def refused(ws):
    with pytest.raises(simple_websocket.ConnectionClosed) as closed:
        ws.receive(timeout=5)
    return closed.value.reason == 1008


def test_a_socket_from_another_site_is_refused_even_when_it_names_itself_as_the_host(live_server):
    ada, _, _ = live_server.make_user("ada")
    cookie = session_cookie(live_server.app, ada)
    forged = connect(live_server, cookie, origin="https://evil.example", headers={"X-Forwarded-Host": "evil.example"})
    assert refused(forged)
    ours = connect(live_server, cookie, origin=f"https://{SITE}", headers={"X-Forwarded-Host": "evil.example"})
    assert json.loads(ours.receive(timeout=5)) == {"ready": True}
    ours.close()


@pytest.mark.parametrize("live_overrides", [{"TRUSTED_PROXIES": 1}], indirect=True)
def test_without_a_site_address_a_forwarded_host_still_does_not_pass_the_origin_check(live_server):
    ada, _, _ = live_server.make_user("ada")
    ws = connect(
        live_server,
        session_cookie(live_server.app, ada),
        origin="https://evil.example",
        headers={"X-Forwarded-Host": "evil.example"},
    )
    assert refused(ws)
