"""``iotcomms-export``: write a Pulumi project that adopts a whole existing tenant.

The tenant is read through the typed API operations (:mod:`pulumi_iotcomms.export.reader`), GET requests
only; the project is written by :mod:`pulumi_iotcomms.export.writer` with every object ``adopt=True`` and
its secrets read from the stack config. See docs/export.md.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

from pulumi_iotcomms._transport import Transport
from pulumi_iotcomms.errors import ConfigurationError, IotcommsError
from pulumi_iotcomms.resources._config import Settings

from .reader import KINDS, Tenant, read_tenant
from .writer import Project, SecretValue, write_project

__all__ = ["DEFAULT_FLEET_THRESHOLD", "KINDS", "Project", "SecretValue", "export_tenant", "main", "secret_lines"]

DEFAULT_FLEET_THRESHOLD = 200
"""More devices than this go into one ``DeviceFleet`` (with a CSV file) instead of one ``Device`` each."""
_PROJECT_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def export_tenant(
    transport: Transport,
    domain: str,
    out: Path,
    *,
    endpoint: str,
    include: Sequence[str] = KINDS,
    fleet_threshold: int = DEFAULT_FLEET_THRESHOLD,
    stack: str = "dev",
    project: str | None = None,
) -> Project:
    """Read ``domain`` and write its project into ``out`` (created when missing; files of the same names
    are replaced). Returns the project, whose ``secrets`` the stack must get before ``pulumi up``.

    Raises:
        ApiError: A read failed.
    """
    tenant: Tenant = read_tenant(transport, domain, include)
    name = project or "iotcomms-" + (_PROJECT_UNSAFE.sub("-", domain).strip("-") or "tenant")
    result = write_project(tenant, project=name, stack=stack, endpoint=endpoint, fleet_threshold=fleet_threshold)
    out.mkdir(parents=True, exist_ok=True)
    for filename, text in result.files.items():
        (out / filename).write_text(text, encoding="utf-8", newline="\n")
    return result


def secret_lines(secrets: Sequence[SecretValue], stack: str, *, show: bool) -> list[str]:
    """The ``pulumi config set --secret`` commands for ``secrets``: with ``show``, the values the API
    returned, shell-quoted; otherwise ``<hidden>``. A value the API does not return is ``<unknown>``."""
    out = []
    for secret in secrets:
        text = secret.text()
        if text is None:
            value, comment = "'<unknown>'", f"  # unknown: {secret.what}"
        elif show:
            value, comment = shlex.quote(text), ""
        else:
            value, comment = "'<hidden>'", ""
        # A value starting with "-" would be read as a flag: "--" ends the flags.
        dash = "-- " if show and text is not None and text.startswith("-") else ""
        key = shlex.quote(secret.key)
        out.append(f"pulumi config set --stack {shlex.quote(stack)} --secret {dash}{key} {value}{comment}")
    return out


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="iotcomms-export",
        description="Write a Pulumi project that adopts every object of an iotcomms.io tenant (GET requests only).",
    )
    parser.add_argument("--endpoint", required=True, help="API base URL, e.g. https://api.prod-eu-north-1.iotcomms.io")
    parser.add_argument("--domain", required=True, help="the tenant domain")
    parser.add_argument("--out", required=True, type=Path, help="directory to write the project to")
    parser.add_argument(
        "--include",
        nargs="+",
        action="extend",
        metavar="KIND",
        help=f"only these kinds (default: all): {', '.join(KINDS)}",
    )
    parser.add_argument(
        "--fleet-threshold",
        type=int,
        default=DEFAULT_FLEET_THRESHOLD,
        metavar="N",
        help=f"more devices than N go into one DeviceFleet with a CSV file (default {DEFAULT_FLEET_THRESHOLD})",
    )
    parser.add_argument("--token-env", metavar="NAME", help="environment variable holding the token (IOTCOMMS_TOKEN)")
    parser.add_argument(
        "--private-key-file", type=Path, metavar="FILE", help="RS256 private key PEM, instead of a token"
    )
    parser.add_argument("--stack", default="dev", help="stack name of the Pulumi.<stack>.yaml written (default dev)")
    parser.add_argument("--project", help="Pulumi project name (default iotcomms-<domain>)")
    parser.add_argument(
        "--show-secrets",
        action="store_true",
        help="print the secret values the API returned in the `pulumi config set` lines (default: <hidden>)",
    )
    return parser


def _kinds(parser: argparse.ArgumentParser, given: Sequence[str] | None) -> list[str]:
    if not given:
        return list(KINDS)
    by_lower = {k.lower(): k for k in KINDS}
    unknown = [g for g in given if g.lower() not in by_lower]
    if unknown:
        parser.error(f"--include: unknown kind {unknown[0]!r}; allowed: {', '.join(KINDS)}")
    return [by_lower[g.lower()] for g in given]


def _settings(parser: argparse.ArgumentParser, args: argparse.Namespace) -> Settings:
    token_var = args.token_env or "IOTCOMMS_TOKEN"
    token = os.environ.get(token_var) or None
    private_key: str | None = None
    if args.private_key_file is not None:
        try:
            private_key = args.private_key_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            parser.error(
                f"--private-key-file: cannot read {args.private_key_file}: {getattr(exc, 'strerror', None) or exc}"
            )
    elif token is None and not args.token_env:
        private_key = os.environ.get("IOTCOMMS_PRIVATE_KEY") or None
    if token is None and private_key is None:
        where = f"${token_var}" if args.token_env else "$IOTCOMMS_TOKEN or $IOTCOMMS_PRIVATE_KEY"
        parser.error(f"no credentials: set {where}, or give --token-env NAME or --private-key-file FILE")
    return Settings(endpoint=args.endpoint.rstrip("/"), domain=args.domain, token=token, private_key=private_key)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``iotcomms-export``; returns the exit status (2: bad arguments, 1: the export failed)."""
    parser = _parser()
    args = parser.parse_args(argv)
    include = _kinds(parser, args.include)
    if args.fleet_threshold < 0:
        parser.error("--fleet-threshold: must be 0 or more")
    settings = _settings(parser, args)
    try:
        with Transport(
            settings.endpoint, settings.credentials(), timeout_seconds=settings.timeout_seconds
        ) as transport:
            project = export_tenant(
                transport,
                args.domain,
                args.out,
                endpoint=settings.endpoint,
                include=include,
                fleet_threshold=args.fleet_threshold,
                stack=args.stack,
                project=args.project,
            )
    except (IotcommsError, OSError) as exc:
        # One line, no traceback: the messages name what failed and never hold credentials. A configuration
        # error's own hint names a stack config key, which the command line does not have.
        full = exc.message if isinstance(exc, ConfigurationError) else str(exc)
        text = full.splitlines()[0] if full else type(exc).__name__
        print(f"iotcomms-export: error: {text}", file=sys.stderr)
        return 1
    _report(project, args)
    return 0


def _report(project: Project, args: argparse.Namespace) -> None:
    counts = ", ".join(f"{n} {kind}" for kind, n in project.declared.items()) or "nothing"
    out = args.out
    print(f"Exported {args.domain} to {out}: {counts} (every one adopt=True).")
    for note in project.notes:
        print(f"Note: {note}.")
    print(f"\nNext, in {out}:")
    stack = shlex.quote(args.stack)
    print(f"  pulumi stack init {stack}   # Pulumi.{args.stack}.yaml holds iotcomms:endpoint and iotcomms:domain")
    print(f"  pulumi config set --stack {stack} --secret iotcomms:token '<your token>'   # or IOTCOMMS_TOKEN")
    if project.secrets:
        hidden = "" if args.show_secrets else " (values hidden: run again with --show-secrets to print them)"
        print(f"  # the secrets the program reads{hidden}:")
        for line in secret_lines(project.secrets, args.stack, show=args.show_secrets):
            print(f"  {line}")
    print("  pulumi preview   # every object a create: an adoption, which writes nothing to an unchanged tenant")
    print("  pulumi up")
