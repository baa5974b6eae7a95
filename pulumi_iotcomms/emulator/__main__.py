"""``iotcomms-emulator``: serve the iotcomms.io APIs locally."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

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
    emulator = Emulator(store=Store(args.state), admin=args.admin, tokens=args.token, public_keys=keys)
    server = EmulatorServer(emulator, args.host, args.port)
    print(f"iotcomms emulator listening on {server.url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        emulator.store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
