# SPDX-License-Identifier: MIT
"""Scope strings as the v2.0 endpoint understands them.

A v2.0 scope string names permissions of ONE resource plus OpenID Connect
scopes, e.g. "https://outlook.office.com/SMTP.Send offline_access".  Bare
names ("SMTP.Send", "User.Read") belong to Microsoft Graph.
"""

from . import errors

GRAPH_URL = "https://graph.microsoft.com"
GRAPH_ID = "00000003-0000-0000-c000-000000000000"
EXCHANGE_ID = "00000002-0000-0ff1-ce00-000000000000"
EXCHANGE_URLS = ("https://outlook.office.com", "https://outlook.office365.com")
OIDC = ("openid", "profile", "email", "offline_access")

# What "/.default" stands for in delegated flows (the "consented" permissions).
DEFAULT_DELEGATED = {
    "exchange": ("IMAP.AccessAsUser.All", "POP.AccessAsUser.All", "SMTP.Send"),
    "graph": ("User.Read",),
}


class Scope:
    """A parsed scope request.

    resource: the resource as the client spelled it (no trailing slash), e.g.
              "https://outlook.office.com", or GRAPH_URL for Graph.
    names:    short permission names in request order ("SMTP.Send"), with
              ".default" expanded.
    oidc:     the OpenID Connect scopes requested (incl. offline_access).
    default:  True when "/.default" was requested.
    """

    def __init__(self, resource, names, oidc, default):
        self.resource = resource
        self.names = tuple(names)
        self.oidc = frozenset(oidc)
        self.default = default

    @property
    def kind(self):
        r = self.resource.lower()
        if r == GRAPH_URL:
            return "graph"
        if r in EXCHANGE_URLS:
            return "exchange"
        return "other"

    @property
    def resource_key(self):
        """Identity of the resource: the two Exchange Online URIs are one resource."""
        return self.kind if self.kind != "other" else self.resource.lower()

    @property
    def offline(self):
        return "offline_access" in self.oidc

    def audience(self, app_only=False):
        if self.kind == "graph":
            return GRAPH_URL if app_only else GRAPH_ID
        if self.kind == "exchange" and app_only:
            return "https://outlook.office365.com"
        return self.resource

    def render(self, names=None):
        """The 'scope' member of a token reply (Graph names stay short,
        other resources keep their URI prefix; offline_access is not echoed)."""
        names = self.names if names is None else names
        if self.kind == "graph":
            out = list(names)
        else:
            out = ["%s/%s" % (self.resource, n) for n in names]
        out += [s for s in ("openid", "profile", "email") if s in self.oidc]
        return " ".join(out)

    def __repr__(self):
        return "Scope(%r)" % self.render()


def _split(token):
    """'https://host/Name' -> ('https://host', 'Name'); bare names belong to Graph."""
    if "://" not in token and not token.lower().startswith((GRAPH_ID + "/", EXCHANGE_ID + "/")):
        return GRAPH_URL, token
    resource, _, name = token.rpartition("/")
    resource = resource.rstrip("/")
    if not name or not resource or resource.endswith(":"):
        raise errors.invalid_scope("The scope '%s' is not valid." % token)
    low = resource.lower()
    if low in (GRAPH_URL, GRAPH_ID):
        return GRAPH_URL, name
    if low == EXCHANGE_ID:
        return "https://outlook.office365.com", name
    return resource, name


def parse(text):
    """Parse a scope parameter; raises OAuthError(invalid_scope) when unusable."""
    tokens = text.split()
    if not tokens:
        raise errors.missing_param("scope")
    oidc, names, resources, default = set(), [], {}, False
    for token in tokens:
        if token.lower() in OIDC:
            oidc.add(token.lower())
            continue
        resource, name = _split(token)
        key = Scope(resource, (), (), False).resource_key
        resources.setdefault(key, resource)
        if name == ".default":
            default = True
        elif name not in names:
            names.append(name)
    if len(resources) > 1:
        raise errors.multiple_resources(text)
    if default and names:
        raise errors.invalid_scope("'/.default' cannot be combined with other permissions of the same resource.")
    resource = next(iter(resources.values()), GRAPH_URL)
    scope = Scope(resource, names, oidc, default)
    if default or not names:
        scope.names = DEFAULT_DELEGATED.get(scope.kind, ("user_impersonation",))
    return scope
