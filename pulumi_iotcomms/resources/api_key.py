"""``ApiKey``: an RS256 public key registered for a domain, or a bearer token the service generates
(``/provisioning/apiKey``)."""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from pulumi.dynamic import CreateResult

from pulumi_iotcomms.api._ops import Doc
from pulumi_iotcomms.api.apikey import ApiKey as ApiKeyModel
from pulumi_iotcomms.api.apikey import ApiKeyApi
from pulumi_iotcomms.errors import ConflictingObjectError, DeadlineExceededError, IotcommsError

from . import _claims
from ._generated.api_key import ApiKey
from ._provider import AMBIGUOUS, INTERNAL, IotcommsProvider, Spec, Target, _attempts

__all__ = ["TOKEN", "ApiKey", "ApiKeyProvider"]

TOKEN = "token"
"""The output holding a generated token: the API answers it once, so the state is its only copy."""

log = logging.getLogger(__name__)

_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def _domain_lock(domain: str) -> threading.Lock:
    """One lock per domain and provider process (one process serves a deployment): while a create holds
    it, a key that appears in the domain's list is that create's, not a sibling resource's."""
    with _locks_guard:
        return _locks.setdefault(domain, threading.Lock())


class ApiKeyProvider(IotcommsProvider):
    """Lifecycle of API keys: ``POST`` registers a public key or generates a token, the listing is the only
    read, ``DELETE`` revokes. The service chooses the key id, so a create whose answer was lost cannot read
    it back by id: it is reconciled through the listing (contract.DECISIONS "client.apikey.create")."""

    spec = Spec(
        name="ApiKey",
        model=ApiKeyModel,
        identity=frozenset({"public_key"}),
        extra={
            "adopt": replace(
                INTERNAL["adopt"],
                doc="take over the registration when the domain already has this public key (destroying then"
                " deletes it), instead of failing.",
            )
        },
        kept=(TOKEN,),
        kept_docs={
            TOKEN: "the bearer token the service generated when no ``public_key`` was given; the API shows it"
            " once, so the state (encrypted) is its only copy."
        },
        noun="key",
        doc="An API key of a tenant domain: an RS256 public key registered for it, so that JWTs signed with"
        " the matching private key authenticate as the domain (``iotcomms:privateKey`` of another stack, say),"
        " or, without ``public_key``, a bearer token the service generates (the secret output ``token``).\n\n"
        "Pulumi id: ``<domain>/<key_id>``; the service chooses ``key_id``. Nothing changes in place: changing"
        " ``public_key`` or ``domain`` replaces the key (the new one is made before the old one is deleted)."
        " Destroying deletes the key, and the credentials it stood for stop working. A token whose answer was"
        " lost is revoked before the create tries again, so no unknown token is left working. A public key the"
        " domain already has is not taken over unless ``adopt=True``.",
    )

    def _api(self) -> ApiKeyApi:
        return ApiKeyApi(self.transport)

    # -- identity ----------------------------------------------------------------------------------

    def target(self, props: Mapping[str, Any]) -> Target:
        return Target(str(props["domain"]), str(props.get("key_id") or ""))

    def target_from_id(self, pulumi_id: str, props: Mapping[str, Any]) -> Target:
        domain, _, key_id = pulumi_id.partition("/")
        if not domain or not key_id:
            raise IotcommsError(f"cannot import {pulumi_id!r}: expected an id of the form <domain>/<key id>")
        return Target(domain, key_id)

    def claim_target(self, inputs: Mapping[str, Any]) -> Target:
        """A public key is claimed by its digest (its id is not known before it is registered); two
        resources registering one key in one domain would be one key."""
        digest = hashlib.sha256(str(inputs["public_key"]).strip().encode()).hexdigest()[:16]
        return Target(str(inputs["domain"]), f"public-key-sha256:{digest}")

    # -- HTTP hooks ----------------------------------------------------------------------------------

    def fetch(self, target: Target) -> Doc | None:
        return self._api().get(target.domain, target.local_id) if target.local_id else None

    def write_changes(self, target: Target, ops: list[Doc], wire: Doc) -> Doc:
        # Every input replaces the key: the engine never asks for an update that writes.
        raise IotcommsError(f"ApiKey {target.pulumi_id} cannot be changed in place; it is replaced")

    def remove(self, target: Target, props: Mapping[str, Any]) -> None:
        self._api().delete(target.domain, target.local_id)

    # -- lifecycle -----------------------------------------------------------------------------------

    def create(self, props: dict[str, Any]) -> CreateResult:
        """Register the public key or generate a token; the domain's keys are listed first, so that a
        key id the answer names which was listed before is a public key the domain already had (refused
        unless ``adopt=True``: nothing changed, registering an identical key again is a no-op)."""
        domain, public_key = str(props["domain"]), props.get("public_key")
        api = self._api()
        with _domain_lock(domain):
            before = {str(doc.get("sk")): doc for doc in api.list(domain)}
            answer = self._register(api, domain, public_key, before)
        target = Target(domain, str(answer["sk"]))
        existed = target.local_id in before
        if existed and not props.get("adopt"):
            message = self._exists_message(target, before[target.local_id], props)
            raise ConflictingObjectError(
                message + "\n- Left by an earlier create of this resource whose outcome was unknown? Set adopt=True "
                "once."
            )
        try:
            server = self.fetch(target)
            if server is None:
                raise IotcommsError(f"ApiKey {target.pulumi_id} was created but is not in the domain's key list")
        except Exception as exc:
            if not existed:
                self._discard_after_failure(target, props, exc)
            raise
        _claims.record_owned(self._claim_key(target))
        return CreateResult(target.pulumi_id, self._outputs(props, server, {TOKEN: answer.get(TOKEN)}))

    def _register(self, api: ApiKeyApi, domain: str, public_key: str | None, before: Mapping[str, Doc]) -> Doc:
        """``POST`` the key, tried again while its outcome is unknown (at most three times; a deadline is
        final). Registering a public key again is idempotent (its key id answers), so only a create that
        gives up removes what it may have registered; a token whose answer was lost is revoked at once, as
        nobody can use it (contract.DECISIONS "client.apikey.create")."""
        kind = "token" if public_key is None else "RS256"
        answer: Doc | None = None
        try:
            for attempt in _attempts():
                try:
                    answer = api.create(domain, public_key)
                except AMBIGUOUS:
                    if kind == "token":
                        self._remove_new_keys(api, domain, before, kind)
                    attempt.failed()
        except (*AMBIGUOUS, DeadlineExceededError) as exc:
            try:
                self._remove_new_keys(api, domain, before, kind)
            except Exception as cleanup:
                exc.add_note(
                    f"a key that a lost answer may have created in {domain} could not be looked for ({cleanup});"
                    " list the domain's API keys and delete the unknown ones"
                )
            else:
                exc.add_note(f"whatever the failed create of an ApiKey in {domain} may have registered was deleted")
            raise
        assert answer is not None
        return answer

    @staticmethod
    def _remove_new_keys(api: ApiKeyApi, domain: str, before: Mapping[str, Doc], kind: str) -> None:
        """Delete the keys of ``kind`` listed now but not ``before``: registered by a request of this create
        whose answer was lost (the domain's lock keeps sibling creates out while it runs)."""
        for doc in api.list(domain):
            key_id = str(doc.get("sk"))
            if key_id not in before and doc.get("type") == kind:
                api.delete(domain, key_id)
                log.warning("deleted the API key %s of %s: made by a request whose answer was lost", key_id, domain)
