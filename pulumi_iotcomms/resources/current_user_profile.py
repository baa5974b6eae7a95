"""``CurrentUserProfile``: the profile of the user the credentials sign in as
(``/provisioning/currentuser/profile``)."""

from __future__ import annotations

from dataclasses import replace

from pulumi_iotcomms.api._ops import Doc
from pulumi_iotcomms.api.profile import Profile, ProfileApi
from pulumi_iotcomms.errors import NotFoundError

from ._config import transport_for
from ._generated.current_user_profile import CurrentUserProfile
from ._provider import Target
from ._singleton import SingletonProvider, settings_spec

__all__ = ["CurrentUserProfile", "CurrentUserProfileProvider"]


class CurrentUserProfileProvider(SingletonProvider):
    """The settings lifecycle on the caller's profile: read whole (absent reads as ``{}``), set whole by
    ``PUT``, or by ``POST`` while it does not exist yet."""

    spec = settings_spec(
        "CurrentUserProfile",
        Profile,
        kind="currentuserprofile",
        noun="user profile",
        doc="The profile of the user the provider's credentials sign in as: name, company and contact"
        " details. The API has one per caller and no domain in its path: ``domain`` must be the domain the"
        " ``iotcomms:token`` or ``iotcomms:privateKey`` acts for (the preview's credential check verifies"
        " it; the JWTs signed with a private key name this domain).\n\n"
        "A profile that does not exist yet is created (``POST``) and counts as empty settings; destroying"
        " the resource then leaves an empty profile (``{}``), since the API cannot delete one.",
    )

    def _profile_api(self, target: Target) -> ProfileApi:
        # The profile is the caller's: requests for this resource carry the resource's domain (a JWT's
        # ``domain`` claim), not the iotcomms:domain default, so a key of several domains acts for this one.
        return ProfileApi(transport_for(replace(self.settings, domain=target.domain)))

    def read_settings(self, target: Target) -> Doc:
        """The profile; ``{}`` before it exists (contract.DECISIONS "client.profile")."""
        return self._profile_api(target).get() or {}

    def write_settings(self, target: Target, doc: Doc) -> None:
        """Replace the profile, creating it when it does not exist yet."""
        api = self._profile_api(target)
        try:
            api.put(doc)
        except NotFoundError:
            api.create(doc)
