"""Brute force on the admin login: failed sign-ins lock an account on an address, and an
address that tries too many, before any password is hashed again; the locked-out page
says why and for how long; an operator can lift a lock with a command."""

from datetime import timedelta
from unittest import mock

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core.management import call_command
from django.urls import reverse

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"
ATTACKER = "203.0.113.7"
EDITORS_ADDRESS = "198.51.100.20"


def sign_in(client, username, password, address=ATTACKER, **headers):
    return client.post(
        LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address, **headers
    )


def signed_in(response):
    return response.status_code == 302 and response.url == "/admin/"


def assert_locked_out(response):
    """Our page (in the admin's design), not a bare text, with the wait it asks for."""
    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    page = BeautifulSoup(response.content, "html.parser")
    assert page.title.text.startswith("Sign-in paused")
    assert "Newsroom desk" in page.select_one("#site-name").text
    message = " ".join(page.select_one("#content-main").text.split())
    assert "Too many failed sign-in attempts" in message
    assert "Try again in 15 minutes" in message
    assert "administrator" in message


@pytest.fixture
def hashing():
    """Counts passwords hashed (checked, or hashed for an unknown user to take the same time)."""
    with (
        mock.patch.object(MD5PasswordHasher, "verify", autospec=True,
                          side_effect=MD5PasswordHasher.verify) as verify,
        mock.patch.object(MD5PasswordHasher, "encode", autospec=True,
                          side_effect=MD5PasswordHasher.encode) as encode,
    ):  # fmt: skip
        yield lambda: verify.call_count + encode.call_count


def test_wrong_passwords_lock_the_account_and_then_the_right_one_fails_too(
    client, editor, settings
):
    assert settings.AXES_FAILURE_LIMIT == 5
    for _ in range(4):
        response = sign_in(client, "editor", "wrong")
        assert response.status_code == 200
        assert "Please enter the correct username and password" in response.content.decode()
    assert_locked_out(sign_in(client, "editor", "wrong"))

    response = sign_in(client, "editor", "pw-editor")
    assert_locked_out(response)
    assert "_auth_user_id" not in client.session


def test_a_locked_out_attempt_is_refused_before_its_password_is_hashed(client, editor, hashing):
    """The attack the throttle exists for: each hashed try costs a worker 0.3 s."""
    for _ in range(5):
        sign_in(client, "editor", "wrong")
    before = hashing()
    assert before >= 4
    for password in ("pw-editor", "wrong"):
        assert sign_in(client, "editor", password).status_code == 429
    assert hashing() == before


def test_a_locked_out_address_is_refused_before_any_password_is_hashed(client, editor, hashing):
    for number in range(20):
        sign_in(client, f"guess{number}", "wrong")
    before = hashing()
    for username in ("editor", "no-such-user"):  # an unknown user is hashed for timing
        for password in ("pw-editor", "wrong"):
            assert sign_in(client, username, password).status_code == 429
    assert hashing() == before


def test_other_accounts_and_other_addresses_still_sign_in(client, editor, writer):
    for _ in range(5):
        sign_in(client, "editor", "wrong")
    assert sign_in(client, "editor", "wrong").status_code == 429

    # Another account from another address.
    assert signed_in(sign_in(client, "writer", "pw-writer", address=EDITORS_ADDRESS))
    client.logout()
    # The locked account itself, from its owner's address: a stranger cannot lock an
    # editor out of the desk by typing their name.
    assert signed_in(sign_in(client, "editor", "pw-editor", address=EDITORS_ADDRESS))


def test_an_address_trying_many_accounts_is_locked_for_every_account(client, editor, settings):
    assert settings.LOGIN_ADDRESS_FAILURE_LIMIT == 20
    for number in range(19):
        assert sign_in(client, f"guess{number % 10}", "wrong").status_code == 200
    assert_locked_out(sign_in(client, "guess-last", "wrong"))
    assert_locked_out(sign_in(client, "editor", "pw-editor"))
    assert signed_in(sign_in(client, "editor", "pw-editor", address=EDITORS_ADDRESS))


def test_a_lock_ends_after_the_cool_off(client, editor):
    from axes.models import AccessAttempt
    from django.core.cache import cache

    for _ in range(5):
        sign_in(client, "editor", "wrong")
    assert sign_in(client, "editor", "pw-editor").status_code == 429
    attempt = AccessAttempt.objects.get(username="editor")
    attempt.attempt_time -= timedelta(minutes=15, seconds=1)
    attempt.save()
    cache.clear()  # the workers' memory of the lock (LOCK_MEMORY_SECONDS) is over too
    assert signed_in(sign_in(client, "editor", "pw-editor"))


@pytest.mark.parametrize(
    "command, arguments",
    [
        ("axes_reset_username", ["editor"]),
        ("axes_reset_ip", [ATTACKER]),
        ("axes_reset_ip_username", [ATTACKER, "editor"]),
        ("axes_reset", []),
    ],
)
def test_an_operator_lifts_a_lock_with_a_command(client, editor, capsys, command, arguments):
    for _ in range(5):
        sign_in(client, "editor", "wrong")
    assert sign_in(client, "editor", "pw-editor").status_code == 429
    call_command(command, *arguments)
    assert "removed" in capsys.readouterr().out
    assert signed_in(sign_in(client, "editor", "pw-editor"))


def test_a_forged_forwarded_for_header_does_not_escape_the_lock(client, editor):
    """Without a proxy in front (TRUSTED_PROXY_COUNT=0), X-Forwarded-For is the client's
    own word: a new value each try must not make a new address."""
    for number in range(6):
        response = sign_in(
            client, "editor", "wrong", headers={"x-forwarded-for": f"192.0.2.{number}"}
        )
    assert response.status_code == 429


@pytest.mark.parametrize(
    "forwarded_for, expected",
    [
        ("192.0.2.1", "192.0.2.1"),
        ("10.9.9.9, 192.0.2.1", "192.0.2.1"),  # the client's own entry first: ignored
        (" 2001:db8::1 ", "2001:db8::1"),
        ("", "127.0.0.1"),  # no header: the proxy's own address, not an error
        ("not-an-address", "127.0.0.1"),
        ("192.0.2.1\x00", "127.0.0.1"),
    ],
)
def test_behind_a_proxy_the_address_it_forwarded_is_the_clients(settings, rf, forwarded_for,
                                                                 expected):
    from newsroom.security import client_address

    settings.TRUSTED_PROXY_COUNT = 1
    request = rf.post(LOGIN, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=forwarded_for)
    assert client_address(request) == expected


def test_two_proxies_take_the_second_address_from_the_right(settings, rf):
    from newsroom.security import client_address

    settings.TRUSTED_PROXY_COUNT = 2
    request = rf.post(
        LOGIN, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 192.0.2.1, 10.0.0.1"
    )
    assert client_address(request) == "192.0.2.1"


def test_behind_a_proxy_each_client_is_throttled_on_its_own(client, editor, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(5):
        sign_in(client, "editor", "wrong", address="127.0.0.1",
                headers={"x-forwarded-for": ATTACKER})  # fmt: skip
    assert sign_in(client, "editor", "pw-editor", address="127.0.0.1",
                   headers={"x-forwarded-for": ATTACKER}).status_code == 429  # fmt: skip
    assert signed_in(sign_in(client, "editor", "pw-editor", address="127.0.0.1",
                             headers={"x-forwarded-for": EDITORS_ADDRESS}))  # fmt: skip


def test_an_empty_username_is_a_failed_form_not_an_error(client, editor):
    for _ in range(6):
        assert sign_in(client, "", "wrong").status_code == 200


def test_a_username_holding_nul_is_refused_before_any_sign_in(client, editor):
    # The site-wide refusal of what PostgreSQL cannot store (newsroom/middleware.py).
    for _ in range(6):
        assert sign_in(client, "editor\x00", "wrong").status_code == 400
    assert signed_in(sign_in(client, "editor", "pw-editor"))


def test_a_username_longer_than_any_is_a_failed_sign_in_not_an_error(client, editor):
    """The admin's form lets it through to authenticate(); PostgreSQL would refuse to
    store it among the attempts."""
    for _ in range(4):
        assert sign_in(client, "x" * 1000, "wrong").status_code == 200
    assert_locked_out(sign_in(client, "x" * 1000, "wrong"))
    assert_locked_out(sign_in(client, "x" * 300, "wrong"))  # the same 255 characters


def test_a_successful_sign_in_clears_the_accounts_failures(client, editor):
    for _ in range(4):
        sign_in(client, "editor", "wrong")
    assert signed_in(sign_in(client, "editor", "pw-editor"))
    client.logout()
    for _ in range(4):
        assert sign_in(client, "editor", "wrong").status_code == 200


def test_the_public_site_makes_no_query_for_the_throttle(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert client.get(reverse("robots_txt"), REMOTE_ADDR=ATTACKER).status_code == 200


def test_a_locked_out_attempt_is_refused_without_a_query_once_a_worker_knows(
    client, editor, django_assert_max_num_queries, django_assert_num_queries
):
    """Refused before the login form runs (no session, no admin page, no bookkeeping),
    and from memory: a script trying passwords must not cost a worker more than a reader."""
    for _ in range(5):
        sign_in(client, "editor", "wrong")
    with django_assert_max_num_queries(2):
        assert sign_in(client, "editor", "pw-editor").status_code == 429
    with django_assert_num_queries(0):
        assert sign_in(client, "editor", "pw-editor").status_code == 429


def test_a_lock_lifted_behind_the_workers_back_ends_when_their_memory_does(client, editor):
    """`manage.py axes_reset` runs in a process of its own: with the default per-process
    cache, workers hear of it when their LOCK_MEMORY_SECONDS run out."""
    from axes.models import AccessAttempt
    from django.core.cache import cache

    for _ in range(5):
        sign_in(client, "editor", "wrong")
    assert sign_in(client, "editor", "pw-editor").status_code == 429
    AccessAttempt.objects.all()._raw_delete(AccessAttempt.objects.db)  # no signal here
    assert sign_in(client, "editor", "pw-editor").status_code == 429
    cache.clear()  # what LOCK_MEMORY_SECONDS later looks like
    assert signed_in(sign_in(client, "editor", "pw-editor"))


def test_a_locked_out_address_sees_the_lockout_page_instead_of_the_login_form(client):
    for number in range(20):
        sign_in(client, f"guess{number}", "wrong")
    assert_locked_out(client.get(LOGIN, REMOTE_ADDR=ATTACKER))
    assert client.get(LOGIN, REMOTE_ADDR=EDITORS_ADDRESS).status_code == 200


def test_limits_cool_off_and_proxies_come_from_the_environment():
    from tests.test_settings import manage

    show = (
        "from django.conf import settings as s; "
        "print(s.AXES_FAILURE_LIMIT, s.LOGIN_ADDRESS_FAILURE_LIMIT, "
        "s.AXES_COOLOFF_TIME.total_seconds(), s.TRUSTED_PROXY_COUNT)"
    )
    result = manage(
        "shell", "--no-imports", "-c", show,
        LOGIN_FAILURE_LIMIT="3", LOGIN_ADDRESS_FAILURE_LIMIT="50", LOGIN_LOCKOUT_MINUTES="60",
        TRUSTED_PROXY_COUNT="1",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["3", "50", "3600.0", "1"]
