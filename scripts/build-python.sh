#!/usr/bin/env bash
# Builds the Python package (wheel and sdist) into dist/python: scripts/package.sh for the python target alone,
# idempotent as it is (FORCE=1 rebuilds). Expects `npm run compile && npm run bundle` done.
exec bash "$(dirname "$0")/package.sh" python
