"""``iotcomms-emulator``: serve the iotcomms.io APIs locally."""

from __future__ import annotations

import argparse
import errno
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from .core import Emulator
from .server import EmulatorServer
from .store import Store

__all__ = ["main", "parse_args"]


def _pair(text: str) -> tuple[str, str]:
    domain, sep, value = text.partition("=")
    if not sep or not domain or not value:
        raise argparse.ArgumentTypeError(f"expected DOMAIN=VALUE, got {text!r}")
    return domain, value


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(prog="iotcomms-emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8787, help="port to bind; 0 picks a free one (default 8787)")
    parser.add_argument("--state", metavar="FILE.sqlite", help="persist every write to this SQLite file")
    parser.add_argument(
        "--token",
        metavar="DOMAIN=TOKEN",
        type=_pair,
        action="append",
        default=[],
        help="accept TOKEN as a bearer token for DOMAIN (repeatable)",
    )
    parser.add_argument(
        "--public-key",
        metavar="DOMAIN=PEMFILE",
        type=_pair,
        action="append",
        default=[],
        help="accept RS256 JWTs signed by this key's private key for DOMAIN (repeatable)",
    )
    parser.add_argument("--admin", action="store_true", help="enable the /_emulator/* test endpoints")
    parser.add_argument(
        "--log",
        metavar="FILE",
        help="append the access log (time, method, path, status, ms per request) to FILE (default: stderr)",
    )
    parser.add_argument(
        "--alvaria-client",
        metavar="ID=SECRET",
        type=_pair,
        action="append",
        default=[],
        help="serve the Alvaria AutoFacilitate API; its token endpoint accepts this OAuth2 client (repeatable)",
    )
    parser.add_argument(
        "--alvaria-api-key",
        metavar="KEY",
        action="append",
        default=[],
        help="serve the Alvaria AutoFacilitate API; it accepts this x-api-key (repeatable)",
    )
    parser.add_argument(
        "--provd-user",
        metavar="USER=PASS",
        type=_pair,
        action="append",
        default=[],
        help="the /provd API (XiVO provd) requires HTTP digest or basic auth and accepts this user (repeatable)",
    )
    parser.add_argument(
        "--aws-endpoint",
        metavar="URL",
        help="publish SNS events (alarmTopic, sipEventsTopic) to this endpoint, e.g. a moto or LocalStack "
        "server (default: AWS itself, with boto3's usual credentials)",
    )
    parser.add_argument(
        "--allow-loopback-http",
        action="store_true",
        help="also deliver HTTP callbacks to http:// URLs of loopback hosts (for tests; otherwise https:// only)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the emulator until interrupted."""
    args = parse_args(argv)
    keys = []
    for domain, path in args.public_key:
        try:
            keys.append((domain, Path(path).read_text()))
        except OSError as exc:
            print(f"iotcomms-emulator: --public-key {domain}={path}: {exc.strerror}", file=sys.stderr)
            return 2
    try:
        access_log: TextIO = sys.stderr if args.log is None else open(args.log, "a", buffering=1)  # noqa: SIM115
        store = Store(args.state)
    except (OSError, sqlite3.Error) as exc:
        which = f"--log {args.log}" if args.log is not None and not isinstance(exc, sqlite3.Error) else "--state"
        print(f"iotcomms-emulator: {which}: {getattr(exc, 'strerror', None) or exc}", file=sys.stderr)
        return 2
    emulator = Emulator(
        store=store,
        admin=args.admin,
        tokens=args.token,
        public_keys=keys,
        alvaria_clients=args.alvaria_client,
        alvaria_api_keys=args.alvaria_api_key,
        aws_endpoint=args.aws_endpoint,
        allow_loopback_http=args.allow_loopback_http,
        provd_users=args.provd_user,
        access_log=access_log,
    )
    try:
        server = EmulatorServer(emulator, args.host, args.port)
    except OSError as exc:
        emulator.store.close()
        print(f"iotcomms-emulator: cannot listen on {args.host}:{args.port}: {_why(exc)}", file=sys.stderr)
        return 1
    print(f"iotcomms emulator listening on {server.url}", flush=True)
    if not (args.token or keys or emulator.auth.has_keys()):
        print(
            "iotcomms-emulator: no --token or --public-key given, so every API request is refused (401). "
            "Start it with --token DOMAIN=TOKEN, e.g. --token dev.acme.example=dev-local-token (what "
            "`make emulator` and the examples' dev stacks use), and send 'Authorization: Bearer TOKEN'.",
            file=sys.stderr,
            flush=True,
        )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        emulator.notifier.close()
        emulator.store.close()
        if access_log is not sys.stderr:
            access_log.close()
    return 0


def _why(exc: OSError) -> str:
    if exc.errno == errno.EADDRINUSE:
        return (
            "the address is already in use (another emulator? `make emulator-stop` stops the one `make up` "
            "started; --port 0 picks a free port)"
        )
    if exc.errno == errno.EACCES:
        return "permission denied (ports below 1024 need privileges; try --port 8787)"
    return exc.strerror or str(exc)


if __name__ == "__main__":
    sys.exit(main())
