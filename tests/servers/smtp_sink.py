# SPDX-License-Identifier: GPL-3.0-or-later
"""SMTP sink for caltally's integration tests: a real SMTP server that keeps every message.

It runs aiosmtpd's threaded ``Controller`` on a loopback port and stores each accepted
message in a Maildir (``<maildir>/new/``). The stored file is the message exactly as it came
over the wire (CRLF line ends, dot-unstuffed), preceded by three envelope headers, as
aiosmtpd's ``Mailbox`` handler writes them: ``X-Peer``, ``X-MailFrom`` and ``X-RcptTo``
(recipients joined by ", ").

TLS and authentication:

* ``--make-cert DIR`` writes a fresh self-signed certificate for ``localhost`` (and
  127.0.0.1) to ``DIR/cert.pem`` / ``DIR/key.pem`` and offers TLS with it; ``--cert DIR``
  uses the pair a previous ``--make-cert DIR`` wrote (for a restart with the same CA file).
* With a certificate, STARTTLS is offered and required before MAIL; with ``--smtps`` the
  port speaks TLS from the first byte instead (port 465 style, "implicit TLS").
* ``--user U --password P`` requires AUTH (PLAIN or LOGIN) before MAIL; wrong credentials
  get ``535 5.7.8``. In STARTTLS mode AUTH is only offered after STARTTLS. aiosmtpd does
  not count implicit TLS as TLS for that rule (AUTH would never be offered), so in
  ``--smtps`` mode the rule is switched off: the whole connection is encrypted anyway.

``--echo-auth`` makes the refusal of wrong credentials echo them, as a careless or hostile
server might: terminal escape sequences, then ``Rejected: AUTH PLAIN <base64 of the
credentials> (password <password>)``.

``--refuse ADDR`` (repeatable) answers ``RCPT TO:<ADDR>`` with
``550 5.1.1 <ADDR>: mailbox unavailable`` (compared case-insensitively); other recipients
are accepted.

Prints ``ready`` on stdout once it listens, logs the SMTP dialogue summary (aiosmtpd's
INFO log, no passwords) on stderr, and stops cleanly on SIGTERM or SIGINT.
"""

import argparse
import base64
import datetime
import hmac
import ipaddress
import logging
import mailbox
import os
import signal
import socket
import ssl
import sys
import warnings
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

log = logging.getLogger("smtp_sink")

CERT_NAME = "cert.pem"
KEY_NAME = "key.pem"


def make_cert(directory: Path) -> None:
    """Write a self-signed RSA-2048 certificate (CN=localhost, valid 7 days) and its key.

    The certificate is an end-entity one (CA:FALSE): rustls/webpki refuse a certificate
    marked CA:TRUE as a server certificate, even when it is also the trusted root.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=7))
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.DNSName("localhost"),
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                ]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    key_path = directory / KEY_NAME
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    # Written last: a reader that sees cert.pem can also read key.pem.
    (directory / CERT_NAME).write_bytes(cert.public_bytes(serialization.Encoding.PEM))


class Sink:
    """aiosmtpd handler: refuses some recipients, stores the rest in a Maildir."""

    def __init__(self, maildir: Path, refuse: list[str], hang_up: bool = False):
        self.maildir = mailbox.Maildir(maildir, create=True)
        self.refuse = {a.casefold() for a in refuse}
        self.hang_up = hang_up

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.casefold() in self.refuse:
            # (aiosmtpd's own log then says "recip: ADDR" all the same.)
            log.info("refused RCPT <%s>", address)
            return f"550 5.1.1 <{address}>: mailbox unavailable"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content
        # The envelope as header lines; CRLF like every line aiosmtpd accepted in DATA.
        trace = [
            ("X-Peer", str(session.peer)),
            ("X-MailFrom", envelope.mail_from or ""),
            ("X-RcptTo", ", ".join(envelope.rcpt_tos)),
        ]
        head = b"".join(f"{k}: {v}\r\n".encode("utf-8") for k, v in trace)
        key = self.maildir.add(head + raw)
        log.info(
            "stored %s: from <%s> to %s, %d bytes",
            key, envelope.mail_from, envelope.rcpt_tos, len(raw),
        )
        if self.hang_up:
            # Stored, but the client never hears so: the connection drops before the reply.
            log.info("hanging up instead of answering the end of DATA")
            server.transport.abort()
        return "250 2.0.0 OK: queued"


def authenticator(user: str, password: str, echo: bool = False):
    """An aiosmtpd authenticator accepting exactly USER / PASSWORD (PLAIN and LOGIN).

    With ``echo``, a refusal repeats the credentials it was given (see ``--echo-auth``).
    """
    want_user = user.encode("utf-8")
    want_password = password.encode("utf-8")

    def check(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and hmac.compare_digest(auth_data.login, want_user)
            and hmac.compare_digest(auth_data.password, want_password)
        )
        if not ok and echo and isinstance(auth_data, LoginPassword):
            payload = base64.b64encode(b"\0" + auth_data.login + b"\0" + auth_data.password)
            given = auth_data.password.decode("utf-8", "replace")
            message = (
                f"535 5.7.8 \x1b[2J\x1b]0;owned\x07Rejected: AUTH {mechanism} "
                f"{payload.decode()} (password {given})"
            )
            return AuthResult(success=False, handled=False, message=message)
        # handled=False: aiosmtpd answers "535 5.7.8 Authentication credentials invalid".
        return AuthResult(success=ok, handled=False)

    return check


class BoundController(Controller):
    """A ``Controller`` serving on a socket bound beforehand.

    ``Controller`` binds in its thread and, when the port is taken, only reports it after its
    ready timeout (5 s); binding first makes "address already in use" immediate.
    """

    def __init__(self, listener: socket.socket, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.listener = listener

    def _create_server(self):
        return self.loop.create_server(
            self._factory_invoker, sock=self.listener, ssl=self.ssl_context
        )


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    p.add_argument("--port", type=int, required=True, help="TCP port to listen on")
    p.add_argument("--maildir", type=Path, required=True, help="Maildir for accepted messages")
    certs = p.add_mutually_exclusive_group()
    certs.add_argument(
        "--make-cert", type=Path, metavar="DIR",
        help="write a self-signed DIR/cert.pem + DIR/key.pem for localhost and offer TLS",
    )
    certs.add_argument(
        "--cert", type=Path, metavar="DIR",
        help="offer TLS with DIR/cert.pem + DIR/key.pem made earlier by --make-cert",
    )
    p.add_argument(
        "--smtps", action="store_true",
        help="implicit TLS on the port (port 465 style) instead of STARTTLS",
    )
    p.add_argument("--user", help="require AUTH PLAIN/LOGIN with this user ...")
    p.add_argument("--password", help="... and this password")
    p.add_argument(
        "--refuse", action="append", default=[], metavar="ADDR",
        help="answer RCPT TO:<ADDR> with 550 5.1.1 (repeatable)",
    )
    p.add_argument(
        "--echo-auth", action="store_true",
        help="echo the credentials (base64 and clear) in the 535 refusing them",
    )
    p.add_argument(
        "--hang-up-after-data", action="store_true",
        help="store each message, then drop the connection instead of answering the end of DATA",
    )
    args = p.parse_args(argv)
    if (args.user is None) != (args.password is None):
        p.error("--user and --password go together")
    if args.smtps and not (args.make_cert or args.cert):
        p.error("--smtps needs --make-cert DIR or --cert DIR")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(name)s %(message)s"
    )

    tls = None
    cert_dir = args.make_cert or args.cert
    if args.make_cert:
        make_cert(args.make_cert)
    if cert_dir:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(cert_dir / CERT_NAME, cert_dir / KEY_NAME)

    smtp_options = dict(
        # A fixed name: the default, socket.getfqdn(), may wait for DNS on every connection.
        server_hostname="localhost",
        enable_SMTPUTF8=True,
    )
    if tls is not None and args.smtps:
        smtp_options.update(ssl_context=tls)
    elif tls is not None:
        smtp_options.update(tls_context=tls, require_starttls=True)
    if args.user is not None:
        smtp_options.update(
            authenticator=authenticator(args.user, args.password, args.echo_auth),
            auth_required=True,
            # Implicit TLS does not count for aiosmtpd: relax the rule in --smtps mode (the
            # whole session is encrypted). Without a certificate there is no TLS at all, and
            # AUTH goes in clear text.
            auth_require_tls=tls is not None and not args.smtps,
        )
        # aiosmtpd warns about auth_required without auth_require_tls; known and wanted here.
        warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")

    # Block the stop signals in every thread (the controller's thread inherits the mask) and
    # wait for them with sigwait below, so a signal cannot interrupt anything half-way.
    stop_signals = {signal.SIGTERM, signal.SIGINT}
    signal.pthread_sigmask(signal.SIG_BLOCK, stop_signals)
    try:
        listener = socket.create_server((args.host, args.port))
    except OSError as e:
        log.error("cannot listen on %s:%s: %s", args.host, args.port, e)
        return 2
    controller = BoundController(
        listener,
        Sink(args.maildir, args.refuse, args.hang_up_after_data),
        hostname=args.host,
        port=args.port,
        **smtp_options,
    )
    controller.start()

    mode = "smtps" if args.smtps else ("starttls" if tls else "plain")
    log.info(
        "listening on %s:%s (%s, auth %s, refusing %s)",
        args.host, args.port, mode, "on" if args.user else "off", sorted(args.refuse),
    )
    # One write(2): stdout and stderr may share one file, and other threads log meanwhile.
    sys.stdout.flush()
    os.write(sys.stdout.fileno(), b"ready\n")
    received = signal.sigwait(stop_signals)
    controller.stop()
    log.info("stopped (%s)", signal.Signals(received).name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
