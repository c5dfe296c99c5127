#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Unpack one image of a `docker save` archive into a root filesystem.

    image-rootfs.py ARCHIVE REPO:TAG DIR

ARCHIVE may be gzip'd. The image's layers are applied in order, with
numeric owners, modes and times kept, and OCI whiteouts applied: a
`.wh.NAME` entry deletes NAME from the layers below, and `.wh..wh..opq`
empties its directory. The archives are the project's own test images, so
their entries are trusted: an entry whose name leads outside DIR is
rejected, but symbolic links in the layers are followed as tar follows them.
"""

import json
import os
import shutil
import sys
import tarfile

WHITEOUT_PREFIX = ".wh."
OPAQUE_WHITEOUT = ".wh..wh..opq"


def find_layers(archive, tag):
    manifest = json.load(archive.extractfile("manifest.json"))
    for image in manifest:
        if tag in (image.get("RepoTags") or []):
            return image["Layers"]
    raise SystemExit("image-rootfs.py: no image tagged %s in the archive" % tag)


def inside(root, name):
    path = os.path.normpath(os.path.join(root, name.lstrip("/")))
    if path != root and not path.startswith(root + os.sep):
        raise SystemExit("image-rootfs.py: layer entry %r is outside the root filesystem" % name)
    return path


def remove(path):
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    elif os.path.lexists(path):
        os.unlink(path)


def apply_whiteout(root, member):
    directory, base = os.path.split(member.name)
    parent = inside(root, directory)
    if base == OPAQUE_WHITEOUT:
        for entry in os.listdir(parent) if os.path.isdir(parent) else []:
            remove(os.path.join(parent, entry))
    else:
        remove(os.path.join(parent, base[len(WHITEOUT_PREFIX):]))


def apply_layer(root, layer):
    entries = []
    for member in layer:
        inside(root, member.name)
        if os.path.basename(member.name).startswith(WHITEOUT_PREFIX):
            apply_whiteout(root, member)
        else:
            # A file of a lower layer is replaced, not written through.
            path = inside(root, member.name)
            if not member.isdir() and os.path.lexists(path):
                remove(path)
            entries.append(member)
    options = {"numeric_owner": True}
    # Python 3.14 defaults to the "data" filter, which would drop set-user-ID
    # bits and device nodes that the image has.
    if hasattr(tarfile, "fully_trusted_filter"):
        options["filter"] = "fully_trusted"
    layer.extractall(root, members=entries, **options)


def main():
    if len(sys.argv) != 4:
        raise SystemExit("usage: image-rootfs.py ARCHIVE REPO:TAG DIR")
    archive_path, tag, root = sys.argv[1:]
    root = os.path.abspath(root)
    os.makedirs(root, exist_ok=True)
    with tarfile.open(archive_path) as archive:
        for name in find_layers(archive, tag):
            with tarfile.open(fileobj=archive.extractfile(name)) as layer:
                apply_layer(root, layer)


if __name__ == "__main__":
    main()
