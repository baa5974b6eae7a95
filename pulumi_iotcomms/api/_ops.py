"""Typed REST operations shared by every collection: get, create, overwrite, patch, delete, list.

A collection module declares its routes and response shape as a :class:`Collection` subclass; the
HTTP details (paths, which key wraps an item, where the id goes, how lists are paged) stay here and
in ``contract.py``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, ClassVar, TypeVar

from pydantic import ValidationError

from pulumi_iotcomms._transport import QueryValue, Transport, render_path
from pulumi_iotcomms.errors import NotFoundError, error_for_malformed_body

from ._schema import ReplyModel, format_errors
from .contract import route

__all__ = ["Collection", "Doc", "Singleton", "paginate", "parse_list", "parse_reply"]

Doc = dict[str, Any]
_M = TypeVar("_M", bound=ReplyModel)


def parse_reply(
    model: type[_M],
    value: Any,
    method: str,
    path: str,
    path_params: Mapping[str, str] | None = None,
    *,
    where: str = "",
) -> _M:
    """``value`` (an answer, or the part of one at ``where``) read as ``model``.

    Args:
        model: The reply model.
        value: The decoded JSON.
        method: HTTP method of the request, for the error.
        path: Path template of the request, for the error.
        path_params: Values for the template.
        where: Where ``value`` sits in the answer, e.g. ``"statistics[2]"``, prefixed to the field named.

    Raises:
        ApiError: The answer does not have the documented shape (the message names the field).
    """
    try:
        return model.model_validate(value, by_alias=True, by_name=False)
    except ValidationError as exc:
        field, problem = format_errors(exc, where)[0]
        raise error_for_malformed_body(
            method, render_path(path, path_params), 200, f"unexpected answer: {field}: {problem}"
        ) from None


def parse_list(
    model: type[_M],
    body: Any,
    key: str,
    items: str,
    method: str,
    path: str,
    path_params: Mapping[str, str] | None = None,
) -> list[_M]:
    """The list under ``key`` of an answer (or the answer itself when it is a list), each item read as
    ``model`` (:func:`parse_reply`); an absent list is empty.

    Raises:
        ApiError: ``key`` holds no list (``items`` names what it should hold), or an item has not the
            documented shape.
    """
    values = body.get(key) if isinstance(body, dict) else body
    if values is None:
        return []
    if not isinstance(values, list):
        problem = f"unexpected answer: {key}: must be a list of {items}"
        raise error_for_malformed_body(method, render_path(path, path_params), 200, problem)
    return [parse_reply(model, item, method, path, path_params, where=f"{key}[{i}]") for i, item in enumerate(values)]


def paginate(
    transport: Transport,
    path: str,
    path_params: Mapping[str, str] | None = None,
    *,
    items_key: str,
    params: Mapping[str, QueryValue] | None = None,
    limit: int = 100,
) -> Iterator[Doc]:
    """Yield every item of a ``nextToken``-paginated GET listing, fetching each page when it is reached.

    Args:
        transport: The transport to use.
        path: Path template of the listing.
        path_params: Values for the template.
        items_key: Response field holding the page's items.
        params: Extra query parameters.
        limit: Page size requested via the ``limit`` query parameter.

    Raises:
        ApiError: A page is malformed, or the server repeats a ``nextToken`` (would loop forever).
    """
    rendered = render_path(path, path_params)
    seen: set[str] = set()
    token: str | None = None
    while True:
        query: dict[str, QueryValue] = {**(params or {}), "limit": limit}
        if token:
            query["nextToken"] = token
        page = transport.request_json("GET", path, path_params, params=query)
        items = page.get(items_key) if isinstance(page, dict) else None
        if not isinstance(page, dict) or not isinstance(items, list | None):
            raise error_for_malformed_body("GET", rendered, 200, f"expected a JSON object with a list in {items_key!r}")
        for item in items or ():
            if not isinstance(item, dict):
                raise error_for_malformed_body("GET", rendered, 200, f"{items_key!r} contains a non-object item")
            yield item
        next_token = page.get("nextToken")
        if not next_token:
            return
        if not isinstance(next_token, str) or next_token in seen:
            problem = "the same nextToken twice" if isinstance(next_token, str) else "a non-string nextToken"
            raise error_for_malformed_body(
                "GET", rendered, 200, f"the API returned {problem}; stopping to avoid an endless pagination loop"
            )
        seen.add(next_token)
        token = next_token


class Collection:
    """Operations on one collection of id-addressed objects in a domain.

    Subclasses set the class attributes; instances wrap a shared :class:`Transport`.
    """

    kind: ClassVar[str]
    """Route-name prefix in ``contract.ROUTES``, e.g. ``"device"``."""
    id_param: ClassVar[str] = "id"
    """Name of the id in path templates, e.g. ``"deviceId"``."""
    item_key: ClassVar[str | None] = None
    """Key that wraps the object in a GET response; None when its fields are at top level."""
    list_key: ClassVar[str]
    """Key holding the items of a list response."""
    create_route: ClassVar[str] = "create"
    """Route used to create: ``create`` (POST, id in body) or ``put`` (PUT by id, idempotent)."""
    body_id_field: ClassVar[str | None] = "id"
    """Where the id travels in a create body (``None``: only in the path)."""
    has_provisory: ClassVar[bool] = False
    """Whether the collection has a separate provisory space (``?provisory=true``)."""
    drop_fields: ClassVar[frozenset[str]] = frozenset({"success", "reason"})
    """Envelope fields removed from objects read at top level."""

    def __init__(self, transport: Transport) -> None:
        self.transport = transport

    def _call(self, op: str, domain: str, item_id: str | None, *, provisory: bool, json: Any = None) -> Any:
        r = route(f"{self.kind}.{op}")
        params: dict[str, str] = {"domain": domain}
        if item_id is not None and f"{{{self.id_param}}}" in r.path:
            params[self.id_param] = item_id
        query = {"provisory": "true"} if provisory and self.has_provisory else None
        return self.transport.request_json(r.method, r.path, params, params=query, json=json)

    def get(self, domain: str, item_id: str, *, provisory: bool = False) -> Doc | None:
        """The object as the server has it, or None when it does not exist."""
        try:
            body = self._call("get", domain, item_id, provisory=provisory)
        except NotFoundError:
            return None
        if self.item_key is not None:
            return dict(body.get(self.item_key) or {})
        return {k: v for k, v in body.items() if k not in self.drop_fields}

    def create(self, domain: str, item_id: str, doc: Doc, *, provisory: bool = False) -> Doc:
        """Create the object with id ``item_id``; returns the response (may carry generated secrets)."""
        return dict(self._call(self.create_route, domain, item_id, provisory=provisory, json=self._body(doc, item_id)))

    def overwrite(self, domain: str, item_id: str, doc: Doc, *, provisory: bool = False) -> Doc:
        """Replace the whole object (PUT)."""
        return dict(self._call("put", domain, item_id, provisory=provisory, json=self._body(doc, item_id)))

    def _body(self, doc: Doc, item_id: str) -> Doc:
        body = dict(doc)
        if self.body_id_field is not None:
            body[self.body_id_field] = item_id
        return body

    def patch(self, domain: str, item_id: str, ops: list[Doc], *, provisory: bool = False) -> Doc:
        """Apply RFC 6902 operations."""
        return dict(self._call("patch", domain, item_id, provisory=provisory, json=ops))

    def delete(self, domain: str, item_id: str, *, provisory: bool = False) -> bool:
        """Delete the object; False when it did not exist."""
        try:
            self._call("delete", domain, item_id, provisory=provisory)
        except NotFoundError:
            return False
        return True

    def list(self, domain: str, *, provisory: bool = False) -> Iterator[Doc]:
        """Every object of the domain, across pages."""
        r = route(f"{self.kind}.list")
        query = {"provisory": "true"} if provisory and self.has_provisory else None
        return paginate(self.transport, r.path, {"domain": domain}, items_key=self.list_key, params=query)


class Singleton:
    """Operations on a per-domain settings object that is read and set whole (no create/delete)."""

    kind: ClassVar[str]

    def __init__(self, transport: Transport) -> None:
        self.transport = transport

    def get(self, domain: str) -> Doc:
        """The settings as stored (``{}`` when never set)."""
        r = route(f"{self.kind}.get")
        body = self.transport.request_json(r.method, r.path, {"domain": domain})
        return {k: v for k, v in dict(body).items() if k != "success"}

    def put(self, domain: str, doc: Doc) -> None:
        """Set the whole settings object."""
        r = route(f"{self.kind}.put")
        self.transport.request_json(r.method, r.path, {"domain": domain}, json=doc)
