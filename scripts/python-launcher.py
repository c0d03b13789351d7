#!/usr/bin/env python
# The `cdk-deployment-script` command of the Python package (scripts/python-package-launcher.py puts it in the wheel
# and the sdist in place of the script jsii-pacmak writes). It runs the command line's bundle, which the package ships
# beside its jsii assembly, with `node` in place of this process: no jsii kernel starts (that took seconds), and
# arguments, stdin/stdout/stderr, signals and the exit code are node's own, as from the npm package's `bin`.
#
# It imports neither `jsii` nor the package itself (whose __init__ loads the assembly into a kernel): find_spec
# only locates the package's folder.
import os
import sys

MODULE = "cdk_deployment_script"
BUNDLE = ("_jsii", "bin", "cdk-deployment-script.js")
NODE_VERSIONS = "Node.js 22 or 24"


def main() -> None:
    from importlib.util import find_spec

    spec = find_spec(MODULE)
    bundle = os.path.join(list(spec.submodule_search_locations)[0], *BUNDLE) if spec else ""
    if not os.path.isfile(bundle):
        sys.stderr.write(f"cdk-deployment-script: the package {MODULE} is incomplete: {bundle or MODULE} is missing. "
                         "Reinstall it: pip install --force-reinstall cdk-deployment-script\n")
        sys.exit(3)
    # The node the package's jsii kernel would use (JSII_NODE), else the first on PATH.
    node = os.environ.get("JSII_NODE") or "node"
    # `--` first: node reads its own `--env-file` wherever it appears, and exits 9 when that file is missing; after
    # `--`, the command's `--env-file` is the command's, which says what is wrong and exits 3.
    argv = [node, "--", bundle, *sys.argv[1:]]
    try:
        if os.name == "nt":
            # No exec on Windows: node runs as a child, Ctrl-C reaches it (same console), its code is ours.
            import signal
            import subprocess

            signal.signal(signal.SIGINT, signal.SIG_IGN)
            sys.exit(subprocess.call(argv))
        # Python ignores SIGPIPE and SIGXFSZ, and an ignored signal stays ignored across exec: node starts with the
        # dispositions a shell would give it.
        import signal

        for name in ("SIGPIPE", "SIGXFSZ"):
            if hasattr(signal, name):
                signal.signal(getattr(signal, name), signal.SIG_DFL)
        os.execvp(node, argv)
    except OSError as error:
        sys.stderr.write(f"cdk-deployment-script: cannot run '{node}' ({error.strerror}). The command runs on "
                         f"{NODE_VERSIONS}: install it (https://nodejs.org) and put `node` on PATH, or set "
                         "JSII_NODE to its path.\n")
        # 127, as a shell says of a command it cannot find (and as `#!/usr/bin/env node` does without node).
        sys.exit(127)


main()
