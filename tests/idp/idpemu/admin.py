# SPDX-License-Identifier: MIT
"""The /_admin/* control API used by the tests (JSON in, JSON out, no auth:
the emulator only listens on the loopback interface)."""

from .messages import Response
from .state import FAULT_ENDPOINTS, FAULT_KINDS, Fault


class AdminError(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def _device_decision(status):
    def handler(state, body):
        user_code = body.get("user_code")
        upn = body.get("upn") or state.config.auto_approve or "relay@example.com"
        if not isinstance(upn, str) or (user_code is not None and not isinstance(user_code, str)):
            raise AdminError(400, "'user_code' and 'upn' must be strings")
        try:
            codes = state.decide_device_codes(user_code, status, upn)
        except KeyError:
            raise AdminError(404, "no pending device code with user_code '%s'" % user_code)
        return {status: codes, "upn": upn}
    return handler


def set_config(state, body):
    with state.lock:
        try:
            state.config.update(body)
        except ValueError as err:
            raise AdminError(400, str(err))
        return state.config.as_dict()


def get_config(state, _body):
    with state.lock:
        return state.config.as_dict()


def revoke(state, body):
    keys = [k for k in ("upn", "refresh_token", "all") if k in body]
    if len(keys) != 1:
        raise AdminError(400, "give exactly one of 'upn', 'refresh_token', 'all'")
    try:
        if keys[0] == "all":
            if body["all"] is not True:
                raise AdminError(400, "'all' must be true")
            grants, access = state.revoke(everything=True)
        elif not isinstance(body[keys[0]], str):
            raise AdminError(400, "'%s' must be a string" % keys[0])
        elif keys[0] == "upn":
            grants, access = state.revoke(upn=body["upn"])
        else:
            grants, access = state.revoke(refresh_token=body["refresh_token"])
    except KeyError:
        raise AdminError(404, "unknown refresh_token")
    return {"revoked_grants": grants, "revoked_access_tokens": access}


def _number(body, name, default, minimum):
    value = body.get(name, default)
    if value is not None and (type(value) not in (int, float) or value < minimum):
        raise AdminError(400, "'%s' must be a number >= %s" % (name, minimum))
    return value


def add_fault(state, body):
    endpoint = body.get("endpoint", "any")
    kind = body.get("kind")
    if endpoint not in FAULT_ENDPOINTS:
        raise AdminError(400, "'endpoint' must be one of %s" % ", ".join(FAULT_ENDPOINTS))
    if kind not in FAULT_KINDS:
        raise AdminError(400, "'kind' must be one of %s" % ", ".join(FAULT_KINDS))
    count = body.get("count", 1)
    if type(count) is not int or (count < 1 and count != -1):
        raise AdminError(400, "'count' must be a positive integer or -1")
    fault = Fault(endpoint, kind, count, _number(body, "retry_after", None, 0), _number(body, "delay", 30, 0))
    with state.lock:
        state.faults.append(fault)
        return {"faults": [f.as_dict() for f in state.faults]}


def list_faults(state, _body):
    with state.lock:
        return {"faults": [f.as_dict() for f in state.faults]}


def clear_faults(state, _body):
    with state.lock:
        n = len(state.faults)
        state.faults.clear()
    return {"cleared": n}


def stats(state, _body):
    return state.stats_json()


def reset_stats(state, _body):
    state.reset_stats()
    return state.stats_json()


def grants(state, _body):
    with state.lock:
        return [g.as_dict() for g in state.grants.values()]


ROUTES = {
    ("POST", "/_admin/device/approve"): _device_decision("approved"),
    ("POST", "/_admin/device/decline"): _device_decision("declined"),
    ("GET", "/_admin/config"): get_config,
    ("POST", "/_admin/config"): set_config,
    ("POST", "/_admin/revoke"): revoke,
    ("GET", "/_admin/fault"): list_faults,
    ("POST", "/_admin/fault"): add_fault,
    ("POST", "/_admin/fault/clear"): clear_faults,
    ("GET", "/_admin/stats"): stats,
    ("POST", "/_admin/stats/reset"): reset_stats,
    ("GET", "/_admin/grants"): grants,
}


def handle(state, req):
    handler = ROUTES.get((req.method, req.path))
    if handler is None:
        if any(path == req.path for _, path in ROUTES):
            return Response.json({"error": "method_not_allowed"}, 405)
        return Response.json({"error": "not_found", "path": req.path}, 404)
    try:
        try:
            body = req.json() if req.method == "POST" else {}
        except (ValueError, UnicodeDecodeError) as err:
            raise AdminError(400, "invalid JSON body: %s" % err)
        return Response.json(handler(state, body))
    except AdminError as err:
        return Response.json({"error": str(err)}, err.status)
