"""Downloads that reach the public internet only.

The addresses of images come from archive files, which whoever wrote the old site's
pages controls: one naming http://169.254.169.254/… (a cloud server's metadata),
http://127.0.0.1:6379/ or an intranet host would make the importer fetch an internal
address and, if the answer passes for an image, publish it. So the host is resolved
once, every address it resolves to is checked, and the connection goes to an address
that was checked: resolving the name again when connecting would let a DNS server that
answers differently the second time ("DNS rebinding") slip a private address past the
check. Each redirect opens a new connection through the same classes, so every hop is
checked too. The request keeps the host's name, in its Host header and, for https, in
the TLS server name and the certificate check.

Proxies from the environment (http_proxy…) are not used: a proxy connects wherever it
is told, where no check of ours can follow.
"""

import ipaddress
import socket
import sys
import urllib.error
import urllib.request
from http import client
from urllib.parse import urlsplit

# RFC 6052's well-known prefix: a NAT64 gateway reaches the IPv4 address in the low bits.
NAT64_PREFIX = ipaddress.ip_network("64:ff9b::/96")


class PrivateAddress(OSError):
    """The host is, or resolves to, an address that is not on the public internet.

    An OSError, so that urllib reports it like a failed connection (as URLError.reason).
    """


def refusal(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    """What kind of address `address` is if it is not a public one; else ''."""
    if address.version == 6:
        # An IPv6 form of an IPv4 address reaches that IPv4 address: judge it.
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in NAT64_PREFIX:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            kind = refusal(embedded)
            return f"{kind} ({embedded} written in IPv6)" if kind else ""
    for kind, found in (
        ("an unspecified address", address.is_unspecified),
        ("a loopback address", address.is_loopback),
        ("a link-local address", address.is_link_local),
        ("a multicast address", address.is_multicast),
        ("a reserved address", address.is_reserved),  # 240.0.0.0/4 is is_private too
        ("a private-network address", address.is_private),
        ("not a globally routable address", not address.is_global),
    ):
        if found:
            return kind
    return ""


def checked_addresses(host: str, port: int, allow_private: bool) -> list[tuple]:
    """getaddrinfo()'s answers for `host`, every one of them checked: a name with one
    private address among public ones is refused whole (whichever would be tried first)."""
    answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    if allow_private:
        return answers
    for *_, sockaddr in answers:
        address = ipaddress.ip_address(sockaddr[0])
        kind = refusal(address)
        if kind:
            where = host if _is_literal(host, address) else f"{host} ({address})"
            raise PrivateAddress(
                f"{where} is {kind}, not a public one; refused (an intranet archive's "
                "images need --fetch-images-from-private-network)"
            )
    return answers


def _is_literal(host: str, address) -> bool:
    try:
        return ipaddress.ip_address(host) == address
    except ValueError:
        return False  # a name


def connect(host: str, port: int, timeout, allow_private: bool) -> socket.socket:
    """A socket connected to one of `host`'s checked addresses, tried in turn as
    socket.create_connection() does, but with no second look-up of the name."""
    errors = []
    for family, kind, protocol, _, sockaddr in checked_addresses(host, port, allow_private):
        sock = socket.socket(family, kind, protocol)
        try:
            if isinstance(timeout, int | float):  # else urllib's "no timeout given"
                sock.settimeout(timeout)
            sock.connect(sockaddr)
            return sock
        except OSError as error:
            sock.close()
            errors.append(error)
    if errors:
        raise errors[0]
    raise OSError(f"{host} has no address")


class _CheckedConnect(client.HTTPConnection):
    """HTTPConnection connecting through connect() above; HTTPSConnection.connect() calls
    this connect() (see the MRO below) and then wraps the socket for the host's name."""

    allow_private = False

    def connect(self):
        sys.audit("http.client.connect", self, self.host, self.port)  # as the base class does
        self.sock = connect(self.host, self.port, self.timeout, self.allow_private)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class CheckedHTTPConnection(_CheckedConnect):
    def __init__(self, *args, allow_private: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.allow_private = allow_private


class CheckedHTTPSConnection(client.HTTPSConnection, _CheckedConnect):
    # MRO: HTTPSConnection.connect() → _CheckedConnect.connect(), then TLS with
    # server_hostname=self.host: SNI and the certificate check are for the name.

    def __init__(self, *args, allow_private: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.allow_private = allow_private


class _CheckedHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, allow_private: bool):
        super().__init__()
        self.allow_private = allow_private

    def http_open(self, req):
        return self.do_open(CheckedHTTPConnection, req, allow_private=self.allow_private)


class _CheckedHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, allow_private: bool):
        super().__init__()
        self.allow_private = allow_private

    def https_open(self, req):
        return self.do_open(
            CheckedHTTPSConnection, req, context=self._context, allow_private=self.allow_private
        )


class WebOnlyRedirects(urllib.request.HTTPRedirectHandler):
    """Follows redirects to http(s) addresses only (each then connects through the checked
    classes) and remembers the last, to name it when it is refused."""

    def __init__(self):
        self.last = ""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if urlsplit(newurl).scheme not in {"http", "https"}:
            raise urllib.error.URLError(f"redirected to a non-web address {newurl[:80]!r}")
        self.last = newurl
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def opener(allow_private: bool = False) -> tuple[urllib.request.OpenerDirector, WebOnlyRedirects]:
    """An opener for http and https only, through the checked connections, with no proxy
    (nor ftp, file or data handler), and its redirect handler."""
    redirects = WebOnlyRedirects()
    director = urllib.request.OpenerDirector()
    for handler in (
        _CheckedHTTPHandler(allow_private),
        _CheckedHTTPSHandler(allow_private),
        redirects,
        urllib.request.HTTPDefaultErrorHandler(),
        urllib.request.HTTPErrorProcessor(),
        urllib.request.UnknownHandler(),
    ):
        director.add_handler(handler)
    return director, redirects
