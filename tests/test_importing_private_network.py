"""--fetch-images against addresses an archive file names on this machine or a private
network (server-side request forgery): refused by name, before any connection, for the
first host and every redirect; allowed only with --fetch-images-from-private-network."""

import ipaddress
import socket
import threading

import pytest

from articles.importing import Result, public_web
from articles.importing.image_files import ImageUnavailable, fetch_image
from articles.models import Article, Figure
from tests.factories import image_bytes
from tests.test_importing import FIGURE, article_file, only, run
from tests.test_importing_hostile import call, image_server  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db


def missing_image_warning(tmp_path, url, **options) -> str:
    """The import's warning about the lead image of a file naming `url`."""
    path = article_file(tmp_path, "a.md", {**FIGURE, "img_url_full": url})
    outcome = only(run(path, fetch_images=True, **options), Result.CREATED)
    assert not Article.objects.get().lead_figure.image
    [warning] = [line for line in outcome.warning_lines() if "image file missing" in line]
    assert warning.startswith(f"{path}: page_image_src_rel: image file missing: ")
    return warning


def listening_socket(address="127.0.0.1"):
    """A socket listening on `address` that nobody answers: connections made to it wait
    in its queue, where connections() counts them."""
    sock = socket.socket()
    sock.bind((address, 0))
    sock.listen()
    sock.setblocking(False)
    return sock


@pytest.fixture
def listener():
    with listening_socket() as sock:
        yield sock


def connections(listener) -> int:
    count = 0
    while True:
        try:
            connection, _ = listener.accept()
        except BlockingIOError:
            return count
        connection.close()
        count += 1


@pytest.fixture
def no_connections(monkeypatch):
    """Every socket made is recorded and refused to connect (the addresses tried below
    would otherwise be real ones of this machine's networks)."""
    made = []

    class Recorder(socket.socket):
        def connect(self, address):
            made.append(address)
            raise OSError("the test allows no connection")

    monkeypatch.setattr(socket, "socket", Recorder)
    yield made


@pytest.fixture
def resolve(monkeypatch):
    """resolve(name, *addresses, later=()): getaddrinfo answers these for `name`, and
    `later` from its second look-up on if given (each look-up is counted in
    resolve.calls); other names resolve as usual."""
    real = socket.getaddrinfo
    names = {}

    def getaddrinfo(host, port, *args, **kwargs):
        if host not in names:
            return real(host, port, *args, **kwargs)
        first, later = names[host]
        asked_before = host in getaddrinfo.calls
        getaddrinfo.calls.append(host)
        answers = []
        for address in later if asked_before and later else first:
            if ipaddress.ip_address(address).version == 6:
                answers.append((socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port, 0, 0)))
            else:
                answers.append((socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port)))
        return answers

    def resolve(name, *addresses, later=()):
        names[name] = (addresses, later)

    getaddrinfo.calls = []
    resolve.calls = getaddrinfo.calls
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return resolve


@pytest.fixture
def loopback_is_public(monkeypatch):
    """127.0.0.1 passes for a public address: the test servers on it stand for an old site
    on the internet, so that what happens after the first connection can be seen."""
    real = public_web.refusal

    def refusal(address):
        return "" if str(address) == "127.0.0.1" else real(address)

    monkeypatch.setattr(public_web, "refusal", refusal)


# --- Which addresses are public -----------------------------------------------------


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "a loopback address"),
        ("127.8.9.10", "a loopback address"),
        ("::1", "a loopback address"),
        ("169.254.169.254", "a link-local address"),
        ("fe80::1", "a link-local address"),
        ("10.0.0.5", "a private-network address"),
        ("172.16.3.4", "a private-network address"),
        ("192.168.1.1", "a private-network address"),
        ("fd00:ec2::254", "a private-network address"),
        ("0.0.0.0", "an unspecified address"),  # noqa: S104 - not bound, judged
        ("::", "an unspecified address"),
        ("224.0.0.1", "a multicast address"),
        ("239.1.2.3", "a multicast address"),
        ("ff0e::1", "a multicast address"),
        ("240.0.0.1", "a reserved address"),
        ("100.64.0.1", "not a globally routable address"),
        ("::127.0.0.1", "a reserved address"),
        ("::ffff:127.0.0.1", "a loopback address (127.0.0.1 written in IPv6)"),
        ("::ffff:169.254.169.254", "a link-local address (169.254.169.254 written in IPv6)"),
        ("2002:a00:5::1", "a private-network address (10.0.0.5 written in IPv6)"),
        ("64:ff9b::a9fe:a9fe", "a link-local address (169.254.169.254 written in IPv6)"),
        ("8.8.8.8", ""),
        ("151.101.1.69", ""),
        ("2a04:4e42::645", ""),
        ("::ffff:8.8.8.8", ""),
        ("64:ff9b::808:808", ""),
    ],
)
def test_addresses_not_on_the_public_internet_are_named(address, kind):
    assert public_web.refusal(ipaddress.ip_address(address)) == kind


# --- Refused by name, before connecting ---------------------------------------------


@pytest.mark.parametrize(
    ("where", "host", "named"),
    [
        ("lead", "127.0.0.1", "127.0.0.1 is a loopback address"),
        ("lead", "localhost", "localhost (127.0.0.1) is a loopback address"),
        (
            "lead",
            "[::ffff:127.0.0.1]",
            "::ffff:127.0.0.1 is a loopback address (127.0.0.1 written in IPv6)",
        ),
        # Forms a lead image's URL may not take (the URL check refuses them first), but an
        # image in a body may: inet_aton() reads both as 127.0.0.1.
        ("body", "2130706433", "2130706433 (127.0.0.1) is a loopback address"),
        ("body", "0x7f.1", "0x7f.1 (127.0.0.1) is a loopback address"),
        ("body", "127.0.0.1", "127.0.0.1 is a loopback address"),
    ],
)
def test_this_machine_is_refused_by_name_and_never_connected_to(
    tmp_path, listener, where, host, named
):
    url = f"http://{host}:{listener.getsockname()[1]}/latest/meta-data/a.jpg"
    refused = (
        f"{url}: {named}, not a public one; refused (an intranet archive's images need "
        "--fetch-images-from-private-network)"
    )
    if where == "lead":
        assert refused in missing_image_warning(tmp_path, url)
    else:
        path = article_file(tmp_path, "a.md", {"title": "T"}, body=f"![a]({url})\n")
        outcome = only(run(path, fetch_images=True), Result.CREATED)
        assert (
            f"{path}: body: 1 image(s) not brought over, left at their old address: "
            + (f"{url} ({refused})")
            in outcome.warning_lines()
        )
        assert f"![a]({url})" in Article.objects.get().body
        assert not Figure.objects.exists()
    assert connections(listener) == 0


@pytest.mark.parametrize(
    ("url", "named"),
    [
        (
            "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
            "169.254.169.254 is a link-local address",
        ),
        ("http://10.0.0.5/admin", "10.0.0.5 is a private-network address"),
        ("https://192.168.1.1/router.png", "192.168.1.1 is a private-network address"),
        ("http://[fd00:ec2::254]/latest/", "fd00:ec2::254 is a private-network address"),
        ("http://[fe80::1]:8080/a.jpg", "fe80::1 is a link-local address"),
        ("http://0.0.0.0:6379/", "0.0.0.0 is an unspecified address"),
        ("http://224.0.0.1/a.jpg", "224.0.0.1 is a multicast address"),
    ],
)
def test_private_network_addresses_are_refused_by_name_without_connecting(
    tmp_path, no_connections, url, named
):
    warning = missing_image_warning(tmp_path, url)
    assert f"{url}: {named}, not a public one; refused" in warning
    assert no_connections == []


def test_a_name_resolving_to_a_private_address_is_refused(tmp_path, no_connections, resolve):
    resolve("images.old-site.example", "10.0.0.5")
    resolve("cdn.old-site.example", "151.101.1.69", "169.254.169.254")  # one bad is enough
    warning = missing_image_warning(tmp_path, "http://images.old-site.example/a.jpg")
    assert (
        "http://images.old-site.example/a.jpg: images.old-site.example (10.0.0.5) is a "
        "private-network address, not a public one; refused" in warning
    )
    Article.objects.all().delete()
    warning = missing_image_warning(tmp_path, "https://cdn.old-site.example/a.jpg")
    assert "cdn.old-site.example (169.254.169.254) is a link-local address" in warning
    assert no_connections == []


@pytest.mark.parametrize(
    ("target", "named"),
    [
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
        ("https://10.0.0.5/admin.png", "10.0.0.5 is a private-network address"),
        ("http://internal.old-site.example/a.jpg", "internal.old-site.example (192.168.0.9) is"),
    ],
)
def test_a_redirect_to_a_private_address_is_refused(
    tmp_path,
    image_server,  # noqa: F811
    loopback_is_public,
    resolve,
    target,
    named,  # noqa: F811
):
    resolve("internal.old-site.example", "192.168.0.9")
    image_server.routes["/a.jpg"] = (302, target.encode())
    warning = missing_image_warning(tmp_path, f"{image_server.url}/a.jpg")
    assert f"{image_server.url}/a.jpg: redirected to {target!r}: {named}" in warning


def test_the_connection_goes_to_the_address_checked_under_the_name_asked_for(
    tmp_path,
    monkeypatch,
    image_server,  # noqa: F811
    loopback_is_public,
    resolve,
):
    # A DNS server that answers a public address first and an internal one after
    # ("rebinding") is asked once: the connection goes to the answer that was checked, and
    # the request still names the host. (Connecting by name after checking would reach
    # the internal listener, on 127.0.0.2 at the same port.)
    hosts = []
    image_server.routes["/a.jpg"] = (200, image_bytes(300, 200))
    port = image_server.server_address[1]
    handler = image_server.RequestHandlerClass
    handle = handler.do_GET

    def do_get(self):
        hosts.append(self.headers["Host"])
        handle(self)

    monkeypatch.setattr(handler, "do_GET", do_get)
    internal = socket.socket()
    internal.bind(("127.0.0.2", port))
    internal.listen()
    internal.setblocking(False)
    resolve("images.old-site.example", "127.0.0.1", later=("127.0.0.2",))
    url = f"http://images.old-site.example:{port}/a.jpg"
    path = article_file(tmp_path, "a.md", {**FIGURE, "img_url_full": url})
    with internal:
        only(run(path, fetch_images=True), Result.CREATED)
        assert connections(internal) == 0
    assert Figure.objects.get().width == 300
    assert hosts == [f"images.old-site.example:{port}"]
    assert resolve.calls == ["images.old-site.example"]


def test_https_names_the_host_to_tls_not_the_address(listener, resolve):
    # The TLS server name (SNI), which the certificate is checked against, is the host's.
    resolve("images.old-site.example", "127.0.0.1")
    received = []

    def read_client_hello():
        listener.setblocking(True)
        listener.settimeout(5)
        connection, _ = listener.accept()
        with connection:
            received.append(connection.recv(4096))

    thread = threading.Thread(target=read_client_hello, daemon=True)
    thread.start()
    url = f"https://images.old-site.example:{listener.getsockname()[1]}/a.jpg"
    with pytest.raises(ImageUnavailable, match="download failed"):
        fetch_image(url, timeout=2, allow_private=True)
    thread.join(5)
    assert b"images.old-site.example" in received[0] and b"127.0.0.1" not in received[0]
    assert resolve.calls == ["images.old-site.example"]


# --- Allowed for an intranet archive ----------------------------------------------


def test_the_command_downloads_from_a_private_address_only_when_told(
    tmp_path,
    image_server,  # noqa: F811
):
    image_server.routes["/road.jpg"] = (200, image_bytes(400, 300))
    path = article_file(
        tmp_path, "a.md", {**FIGURE, "img_url_full": f"{image_server.url}/road.jpg"}
    )
    code, out, err = call(path, "--fetch-images")
    assert code == 0, err
    assert (
        f"{image_server.url}/road.jpg: 127.0.0.1 is a loopback address, not a public one; "
        "refused (an intranet archive's images need --fetch-images-from-private-network)"
    ) in out
    assert not Figure.objects.get().image

    code, out, err = call(path, "--fetch-images", "--fetch-images-from-private-network")
    assert code == 0, err
    assert "image file missing" not in out
    figure = Article.objects.get().lead_figure
    assert figure.image and figure.width == 400


def test_the_allowance_without_fetch_images_is_a_usage_error(tmp_path):
    path = article_file(tmp_path, "a.md", {"title": "T"})
    code, _, err = call(path, "--fetch-images-from-private-network")
    assert code == 2
    assert "--fetch-images-from-private-network needs --fetch-images" in err
    assert not Article.objects.exists()
