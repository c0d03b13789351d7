"""Gives the Python package a command that starts as fast as the npm package's: rewrites the wheel and the sdist that
jsii-pacmak built (python3 scripts/python-package-launcher.py DIR, DIR holding one of each; scripts/package.sh runs it).

jsii-pacmak turns package.json#bin into a Python script that starts the jsii kernel, loads the assembly into it (a
temporary copy of the npm tarball), asks it for the bin's command line and runs that: seconds before the command
says anything. This puts scripts/python-launcher.py in its place, and the bin (the command line's bundle, taken from
the embedded npm tarball: the very bytes the npm package runs) beside the assembly, as package data, for the launcher
to run with node.

Deterministic: every entry keeps its order, time and mode; a new entry takes those of the assembly beside it; the
RECORD (wheel) and setup.py#package_data and SOURCES.txt (sdist) say what changed. Running it again changes nothing.
"""
import base64
import gzip
import hashlib
import io
import json
import re
import sys
import tarfile
import zipfile
from pathlib import Path

LAUNCHER = Path(__file__).with_name("python-launcher.py").read_bytes()
MODULE = "cdk_deployment_script"
SCRIPT = "cdk-deployment-script"
# Where the launcher looks for the bundle, in the package (python-launcher.py's BUNDLE).
BUNDLE = f"{MODULE}/_jsii/bin/{SCRIPT}.js"
PACMAK_MARKER = b"invokeBinScript"


def fail(message: str) -> None:
    sys.exit(f"python-package-launcher: {message}")


def check_launcher() -> None:
    text = LAUNCHER.decode()
    if f'MODULE = "{MODULE}"' not in text or f'BUNDLE = {tuple(BUNDLE.split("/")[1:])!r}'.replace("'", '"') not in text:
        fail("scripts/python-launcher.py's MODULE and BUNDLE do not match this script's")


def bin_from_npm_tarball(tgz: bytes) -> bytes:
    """The bin `SCRIPT` of the npm tarball jsii-pacmak embeds (package/package.json#bin)."""
    with tarfile.open(fileobj=io.BytesIO(tgz), mode="r:gz") as tar:
        manifest = json.load(tar.extractfile("package/package.json"))
        path = (manifest.get("bin") or {}).get(SCRIPT)
        if not path:
            fail(f"the npm tarball's package.json has no bin '{SCRIPT}'")
        member = tar.extractfile("package/" + path.removeprefix("./"))
        if member is None:
            fail(f"the npm tarball has no {path}")
        return member.read()


def record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def with_shebang(script: bytes, shebang: bytes) -> bytes:
    return shebang + script[script.index(b"\n"):]


def put_launcher(path: Path, contents: dict, script: str, bundle_name: str, tgz: str, shebang: bytes) -> bool:
    """Puts the launcher in place of pacmak's script and the bundle at bundle_name, in contents (name → bytes).
    False when both are there already."""
    launcher = with_shebang(LAUNCHER, shebang)
    bundle = bin_from_npm_tarball(contents[tgz])
    if contents[script] == launcher and contents.get(bundle_name) == bundle:
        return False
    if PACMAK_MARKER not in contents[script]:
        fail(f"{path.name}: {script} is neither jsii-pacmak's script nor the launcher")
    contents[script] = launcher
    contents[bundle_name] = bundle
    return True


def rewrite_wheel(path: Path) -> str:
    with zipfile.ZipFile(path) as wheel:
        infos = wheel.infolist()
        contents = {info.filename: wheel.read(info) for info in infos}
    names = [info.filename for info in infos]
    script = next((n for n in names if re.fullmatch(rf"[^/]+\.data/scripts/{re.escape(SCRIPT)}", n)), None)
    record = next((n for n in names if n.endswith(".dist-info/RECORD")), None)
    tgz = next((n for n in names if n.startswith(f"{MODULE}/_jsii/") and n.endswith(".jsii.tgz")), None)
    if not (script and record and tgz):
        fail(f"{path.name}: not the wheel jsii-pacmak builds (script {script}, RECORD {record}, assembly {tgz})")
    # setuptools writes a script's first line as `#!python`, which the installer replaces with its interpreter.
    if not put_launcher(path, contents, script, BUNDLE, tgz, b"#!python"):
        return f"{path.name}: already has the launcher"
    order = [n for n in names if n != BUNDLE]
    order.insert(order.index(tgz) + 1, BUNDLE)
    by_name = {info.filename: info for info in infos}
    if BUNDLE not in by_name:
        info = zipfile.ZipInfo(BUNDLE, date_time=by_name[tgz].date_time)
        info.external_attr = by_name[tgz].external_attr
        info.compress_type = zipfile.ZIP_DEFLATED
        by_name[BUNDLE] = info
    lines = [line for line in contents[record].decode().splitlines() if line]
    listed = {line.rsplit(",", 2)[0]: line for line in lines}
    for name in (script, BUNDLE):
        listed[name] = f"{name},{record_hash(contents[name])},{len(contents[name])}"
    contents[record] = ("\n".join(listed[n] for n in order if n in listed) + "\n").encode()

    temporary = path.with_suffix(".tmp")
    with zipfile.ZipFile(temporary, "w") as out:
        for name in order:
            info = by_name[name]
            out.writestr(info, contents[name], compress_type=info.compress_type)
    temporary.replace(path)
    return f"{path.name}: launcher and {BUNDLE} ({len(contents[BUNDLE])} bytes)"


def rewrite_sdist(path: Path) -> str:
    raw = path.read_bytes()
    # The gzip header's time, kept: the same input gives the same bytes.
    mtime = int.from_bytes(raw[4:8], "little")
    with tarfile.open(fileobj=io.BytesIO(raw), mode="r:gz") as tar:
        members = tar.getmembers()
        contents = {m.name: tar.extractfile(m).read() for m in members if m.isfile()}
        fmt = tar.format
    top = members[0].name.split("/")[0]
    src = f"{top}/src/{MODULE}"
    script = f"{src}/_jsii/bin/{SCRIPT}"
    bundle_name = f"{top}/src/{BUNDLE}"
    setup_py = f"{top}/setup.py"
    sources = f"{top}/src/{MODULE}.egg-info/SOURCES.txt"
    tgz = next((n for n in contents if n.startswith(f"{src}/_jsii/") and n.endswith(".jsii.tgz")), None)
    if not (script in contents and setup_py in contents and tgz):
        fail(f"{path.name}: not the sdist jsii-pacmak builds (no {script}, setup.py or assembly)")
    if not put_launcher(path, contents, script, bundle_name, tgz, b"#!/usr/bin/env python"):
        return f"{path.name}: already has the launcher"
    # setup.py: the bundle is package data of MODULE._jsii, as the assembly is.
    setup = contents[setup_py].decode()
    data_entry = json.dumps("bin/" + BUNDLE.rsplit("/bin/", 1)[1])
    assembly_entry = json.dumps(tgz.rsplit("/", 1)[1])
    if data_entry not in setup:
        if setup.count(assembly_entry) != 1:
            fail(f"{path.name}: setup.py does not list {assembly_entry} once in package_data")
        setup = setup.replace(assembly_entry, f"{assembly_entry},\n            {data_entry}")
    contents[setup_py] = setup.encode()
    if sources in contents:
        listed = set(contents[sources].decode().splitlines()) | {f"src/{BUNDLE}"}
        contents[sources] = ("\n".join(sorted(listed)) + "\n").encode()

    by_name = {m.name: m for m in members}
    if bundle_name not in by_name:
        member = tarfile.TarInfo(bundle_name)
        template = by_name[tgz]
        for attr in ("mtime", "mode", "uid", "gid", "uname", "gname"):
            setattr(member, attr, getattr(template, attr))
        by_name[bundle_name] = member
        order = [m.name for m in members]
        order.insert(order.index(tgz) + 1, bundle_name)
    else:
        order = [m.name for m in members]

    out = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=mtime) as gz:
        with tarfile.open(fileobj=gz, mode="w", format=fmt) as tar:
            for name in order:
                member = by_name[name]
                if member.isfile():
                    member.size = len(contents[name])
                    tar.addfile(member, io.BytesIO(contents[name]))
                else:
                    tar.addfile(member)
    temporary = path.with_suffix(".tmp")
    temporary.write_bytes(out.getvalue())
    temporary.replace(path)
    return f"{path.name}: launcher and src/{BUNDLE}"


def main(directory: str) -> None:
    check_launcher()
    folder = Path(directory)
    wheels, sdists = sorted(folder.glob("*.whl")), sorted(folder.glob("*.tar.gz"))
    if len(wheels) != 1 or len(sdists) != 1:
        fail(f"{folder} must hold one wheel and one sdist (found {[p.name for p in wheels + sdists]})")
    print(f"python-package-launcher: {rewrite_wheel(wheels[0])}")
    print(f"python-package-launcher: {rewrite_sdist(sdists[0])}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python3 scripts/python-package-launcher.py DIR")
    main(sys.argv[1])
