# Sourced by the scripts that build and test (scripts/test.sh, scripts/test-python.sh): the project's Node.js 24,
# which scripts/setup.sh installs into .tools/node/ from its package-lock.json, first on PATH for them and everything
# they start (npm, jsii, jest, the cdk CLI, the Python package's jsii kernel), whatever Node.js the machine has.
# Fails loudly when it is missing or is not Node.js 24.
#
# On PATH as .tools/bin, a folder that holds only `node` (a link the setup makes): a test that runs a command as a
# new user would, with every node_modules folder taken off PATH, still runs it on this Node.js.
node_env_bin="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.tools/bin"
case ":$PATH:" in
  ":$node_env_bin:"*) ;;
  *) export PATH="$node_env_bin:$PATH" ;;
esac
# npm run sets NODE to the node that runs npm; tools that honour it must get this one too.
export NODE="$node_env_bin/node"
node_env_version=$(node --version 2>/dev/null || true)
if [[ "$node_env_version" != v24.* ]]; then
  echo "!! Node.js 24 is required, and 'node' is ${node_env_version:-missing} ($(command -v node || echo 'not on PATH'))." >&2
  echo "!! Run 'bash scripts/setup.sh': it installs Node.js 24 into .tools/node/." >&2
  exit 1
fi
unset node_env_version
