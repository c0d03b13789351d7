"""Normalises what differs between two syntheses of the same app only by asset hashes, and nothing else.

Each rule is tied to one key and one exact shape of value, and each hash becomes a placeholder numbered by its
first occurrence (keys sorted, depth first), so two templates compare equal only if they use their assets at
the same places in the same pattern: a hash used twice on one side must be used twice on the other.
"""
import copy
import re

HASH = r"[0-9a-f]{64}"
# key → the exact shape of a value that holds an asset hash (group 1) and a suffix kept as it is (group 2)
RULES = {
    "S3Key": re.compile(rf"^({HASH})(\.zip|\.json)$"),  # Lambda Code, layers, and any other asset reference
    "aws:asset:path": re.compile(rf"^asset\.({HASH})(\.[A-Za-z0-9]+)?$"),  # resource metadata
}
SCRIPT_TYPE = "Custom::DeploymentScript"
RUN_TOKEN = re.compile(rf"^{HASH}$")


def asset_hashes(template: dict) -> list:
    """The asset hashes of a template, in canonical order."""
    found = []
    _rewrite(copy.deepcopy(template), lambda digest: found.append(digest) or digest)
    return found


def normalise(template: dict, *, run_tokens: bool = False) -> dict:
    """A copy of the template with each asset hash replaced by `<asset N>`.

    With run_tokens, also the RunToken of each deployment script when it is a hash: it hashes the template,
    asset hashes included, so it differs whenever they do. Use it only when the asset hashes differ.
    """
    numbers = {}
    out = copy.deepcopy(template)
    _rewrite(out, lambda digest: numbers.setdefault(digest, f"<asset {len(numbers) + 1}>"))
    if run_tokens:
        for resource in out.get("Resources", {}).values():
            properties = resource.get("Properties", {})
            if resource.get("Type") == SCRIPT_TYPE and RUN_TOKEN.match(str(properties.get("RunToken", ""))):
                properties["RunToken"] = "<run token>"
    return out


def _rewrite(node, replace) -> None:
    if isinstance(node, dict):
        for key in sorted(node):
            value = node[key]
            rule = RULES.get(key)
            match = rule.match(value) if rule and isinstance(value, str) else None
            if match:
                node[key] = replace(match.group(1)) + (match.group(2) or "")
            else:
                _rewrite(value, replace)
    elif isinstance(node, list):
        for item in node:
            _rewrite(item, replace)
