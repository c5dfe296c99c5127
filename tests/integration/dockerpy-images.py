#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Images through docker-py, against the daemon in DOCKER_HOST.

usage: dockerpy-images.py BUSYBOX-ARCHIVE LAYERS-ARCHIVE REGISTRY-ADDRESS

Loads the two docker save archives, then tags, lists with filters,
reads history, saves, removes and prunes images, and pulls and pushes
against the registry at REGISTRY-ADDRESS (host:port, plain HTTP), which
contains sockerless-test/busybox:1.35-single. Prints "ok NAME" or "not ok
NAME" per check (see dockerpy_checks.py) and exits 1 when any check
failed.
"""
import io
import json
import sys
import tarfile

import docker

from dockerpy_checks import run_checks

BUSYBOX_ARCHIVE = sys.argv[1]
LAYERS_ARCHIVE = sys.argv[2]
REGISTRY = sys.argv[3]

BUSYBOX = "sockerless-test/busybox:1.35"
LAYERS = "sockerless-test/layers:1"
# Every tag this script makes is in this repository or the registry.
REPO = "sl-dp-images/bb"


def remove_tags(client, *names):
    for name in names:
        try:
            client.images.remove(name)
        except docker.errors.ImageNotFound:
            pass


def tar_members(chunks):
    """Return {name: bytes} of the regular files in a tar stream."""
    archive = tarfile.open(fileobj=io.BytesIO(b"".join(chunks)))
    return {m.name: archive.extractfile(m).read() for m in archive.getmembers() if m.isfile()}


def load_and_get(checks):
    client = checks.client
    with open(BUSYBOX_ARCHIVE, "rb") as f:
        loaded = client.images.load(f.read())
    checks.eq("load returns the image", [image.tags for image in loaded], [[BUSYBOX]])
    with open(LAYERS_ARCHIVE, "rb") as f:
        loaded = client.images.load(f)
    checks.eq("load from a file object", [image.tags for image in loaded], [[LAYERS]])

    image = client.images.get(BUSYBOX)
    checks.true("get: id is a digest", image.id.startswith("sha256:") and len(image.id) == 71, image.id)
    checks.eq("get: tags", image.tags, [BUSYBOX])
    checks.eq("get: short id", image.short_id, image.id[:17])
    checks.eq("get: os", image.attrs["Os"], "linux")
    checks.eq("get by id", client.images.get(image.id).id, image.id)
    checks.eq("get by short id", client.images.get(image.id[7:19]).id, image.id)
    layers = client.images.get(LAYERS)
    checks.eq("get: labels", layers.labels, {"org.example.layers": "4", "org.example.suite": "sockerless"})
    error = checks.api_error("get of a missing image", lambda: client.images.get("sl-dp-images/nosuch:1"), 404)
    checks.true("a missing image raises ImageNotFound", isinstance(error, docker.errors.ImageNotFound), repr(error))


def tag_and_list(checks):
    client = checks.client
    image = client.images.get(BUSYBOX)
    checks.true("tag", image.tag(REPO, "t1"))
    checks.true("tag with the tag in the name", client.api.tag(BUSYBOX, f"{REPO}:t2"))
    image.reload()
    checks.eq("tags after tag", sorted(image.tags), sorted([BUSYBOX, f"{REPO}:t1", f"{REPO}:t2"]))
    checks.eq("get by the new tag", client.images.get(f"{REPO}:t1").id, image.id)
    checks.api_error("tag of a missing image", lambda: client.api.tag("sl-dp-images/nosuch:1", REPO, "x"), 404)

    def ids(images):
        return sorted(i.id for i in images)

    layers = client.images.get(LAYERS)
    checks.eq("list by repository name", ids(client.images.list(name=REPO)), [image.id])
    checks.eq("list by name and tag", ids(client.images.list(name=f"{REPO}:t2")), [image.id])
    checks.eq("list filter reference", ids(client.images.list(filters={"reference": "sockerless-test/*"})),
              sorted([image.id, layers.id]))
    checks.eq("list filter label", ids(client.images.list(filters={"label": "org.example.suite=sockerless"})),
              [layers.id])
    checks.eq("list filter label key", ids(client.images.list(filters={"label": "org.example.layers"})),
              [layers.id])
    checks.eq("list filter dangling=false", ids(client.images.list(filters={"dangling": False})),
              sorted([image.id, layers.id]))
    listed = {i.id: i for i in client.images.list()}
    checks.eq("list shows every tag", sorted(listed[image.id].tags),
              sorted([BUSYBOX, f"{REPO}:t1", f"{REPO}:t2"]))
    summary = client.api.images(name=LAYERS)[0]
    checks.eq("list: labels", summary["Labels"], layers.labels)
    checks.eq("list: size", summary["Size"], layers.attrs["Size"])
    checks.eq("list ids only", client.api.images(name=LAYERS, quiet=True), [layers.id])
    checks.api_error("list with an unknown filter", lambda: client.images.list(filters={"nosuch": "x"}), 400)


def history(checks):
    client = checks.client
    layers = client.images.get(LAYERS)
    entries = layers.history()
    checks.eq("history has an entry per step", len(entries), 14)
    newest = entries[0]
    checks.eq("history: newest first", newest["Id"], layers.id)
    checks.eq("history: tags on the newest", newest["Tags"], [LAYERS])
    checks.contains("history: created by", newest["CreatedBy"], "CMD [\"echo $GREETING")
    checks.eq("history: empty layers have no size", newest["Size"], 0)
    checks.eq("history: older steps are <missing>", {e["Id"] for e in entries[1:]}, {"<missing>"})
    checks.eq("history: layer sizes add up", sum(e["Size"] for e in entries), layers.attrs["Size"])
    checks.true("history: created is a timestamp", all(isinstance(e["Created"], int) for e in entries))
    checks.api_error("history of a missing image", lambda: client.api.history("sl-dp-images/nosuch:1"), 404)


def save(checks):
    client = checks.client
    image = client.images.get(BUSYBOX)
    files = tar_members(image.save(named=BUSYBOX))
    manifest = json.loads(files["manifest.json"])
    checks.eq("save named: one image", len(manifest), 1)
    checks.eq("save named: repo tags", manifest[0]["RepoTags"], [BUSYBOX])
    checks.true("save: config is in the archive", manifest[0]["Config"] in files, sorted(files))
    checks.true("save: layers are in the archive", all(layer in files for layer in manifest[0]["Layers"]),
                sorted(files))

    files = tar_members(client.images.get(image.id).save())
    manifest = json.loads(files["manifest.json"])
    checks.eq("save by id has no repo tags", manifest[0]["RepoTags"], None)

    files = tar_members(client.api.get_image(LAYERS))
    manifest = json.loads(files["manifest.json"])
    checks.eq("get_image: repo tags", manifest[0]["RepoTags"], [LAYERS])
    checks.eq("get_image: layer count", len(manifest[0]["Layers"]), 4)

    # GET /images/get with two names, as docker save A B does.
    response = client.api._get(client.api._url("/images/get"), params={"names": [BUSYBOX, LAYERS]}, stream=True)
    client.api._raise_for_status(response)
    files = tar_members(response.iter_content(65536))
    manifest = json.loads(files["manifest.json"])
    checks.eq("save two images", sorted(t for m in manifest for t in m["RepoTags"]), sorted([BUSYBOX, LAYERS]))

    def save_missing():
        return b"".join(client.api.get_image("sl-dp-images/nosuch:1"))

    checks.api_error("save of a missing image", save_missing, 404)


def remove(checks):
    client = checks.client
    image = client.images.get(BUSYBOX)
    image.tag(REPO, "gone")
    deleted = client.api.remove_image(f"{REPO}:gone")
    checks.eq("remove a tag untags it", deleted, [{"Untagged": f"{REPO}:gone"}])
    checks.eq("the image stays", client.images.get(BUSYBOX).id, image.id)
    checks.api_error("remove of a missing image", lambda: client.images.remove("sl-dp-images/nosuch:1"), 404)

    container = client.containers.create(BUSYBOX, ["true"], name=checks.name("user"))
    checks.api_error("remove of an image a container uses", lambda: client.images.remove(image.id), 409)
    # Several tags name the image: without force a removal by ID fails.
    container.remove()
    checks.api_error("remove by id of an image with several tags", lambda: client.images.remove(image.id), 409,
                     "must be forced")

    committed = client.containers.create(BUSYBOX, ["true"], name=checks.name("commit-src"))
    new_image = committed.commit(repository=REPO, tag="removed")
    committed.remove()
    deleted = client.api.remove_image(f"{REPO}:removed")
    checks.eq("remove of the last tag deletes the image",
              sorted(list(entry)[0] for entry in deleted), ["Deleted", "Untagged"])
    checks.true("remove reports the deleted id", {"Deleted": new_image.id} in deleted, deleted)
    checks.api_error("the removed image is gone", lambda: client.images.get(new_image.id), 404)


def prune(checks):
    client = checks.client
    source = client.containers.create(BUSYBOX, ["true"], name=checks.name("prune-src"))
    dangling = source.commit()
    source.remove()
    checks.eq("a commit without a name is dangling", dangling.tags, [])
    checks.true("list dangling=true shows it",
                dangling.id in [i.id for i in client.images.list(filters={"dangling": True})])
    labeled = client.containers.create(BUSYBOX, ["true"], name=checks.name("prune-keep"))
    kept = labeled.commit(conf={"Labels": {"sl.keep": "1"}})
    labeled.remove()

    result = client.images.prune(filters={"dangling": True, "label!": "sl.keep"})
    deleted = [entry.get("Deleted") for entry in result["ImagesDeleted"] or []]
    checks.true("prune deletes the dangling image", dangling.id in deleted, result)
    checks.true("prune keeps an image excluded by label!", kept.id not in deleted, result)
    checks.true("prune reports the space reclaimed", isinstance(result["SpaceReclaimed"], int), result)
    checks.eq("prune keeps tagged images", client.images.get(BUSYBOX).tags != [], True)
    checks.api_error("the pruned image is gone", lambda: client.images.get(dangling.id), 404)

    result = client.images.prune(filters={"dangling": True})
    deleted = [entry.get("Deleted") for entry in result["ImagesDeleted"] or []]
    checks.true("a second prune deletes the labeled one", kept.id in deleted, result)
    result = client.images.prune()
    checks.eq("prune with nothing to delete", result["ImagesDeleted"], None)
    checks.eq("prune with nothing to delete reclaims nothing", result["SpaceReclaimed"], 0)


def pull_and_push(checks):
    client = checks.client
    repository = f"{REGISTRY}/sockerless-test/busybox"
    image = client.images.pull(repository, tag="1.35-single")
    checks.true("pull returns the image", f"{repository}:1.35-single" in image.tags, image.tags)
    checks.eq("pull: same id as the archive", image.id, client.images.get(BUSYBOX).id)
    checks.true("pull: repo digest", any(d.startswith(f"{repository}@sha256:") for d in image.attrs["RepoDigests"]),
                image.attrs["RepoDigests"])
    lines = list(client.api.pull(repository, tag="1.35-single", stream=True, decode=True))
    checks.contains("pull again reports it is up to date", lines[-1].get("status", ""), "Image is up to date")
    checks.api_error("pull of a missing tag", lambda: client.images.pull(repository, tag="nosuch"), 404)

    pushed = f"{REGISTRY}/sl-dp-images/pushed"
    checks.true("tag for the registry", image.tag(pushed, "v1"))
    lines = list(client.images.push(pushed, tag="v1", stream=True, decode=True))
    errors = [line for line in lines if "error" in line or "errorDetail" in line]
    checks.eq("push reports no error", errors, [])
    aux = [line["aux"] for line in lines if "aux" in line]
    checks.true("push reports the digest", aux and aux[-1]["Tag"] == "v1" and aux[-1]["Digest"].startswith("sha256:"),
                lines)
    output = client.images.push(pushed, tag="v1")
    checks.contains("push without stream returns the progress text", output, "v1: digest: sha256:")

    client.images.remove(f"{pushed}:v1")
    again = client.images.pull(pushed, tag="v1")
    checks.eq("pull of the pushed image gives the same id", again.id, image.id)
    if aux:
        checks.true("the pulled repo digest is the pushed one",
                    f"{pushed}@{aux[-1]['Digest']}" in again.attrs["RepoDigests"], again.attrs["RepoDigests"])
        by_digest = client.images.pull(f"{pushed}@{aux[-1]['Digest']}")
        checks.eq("pull by digest", by_digest.id, image.id)

    data = client.images.get_registry_data(f"{pushed}:v1")
    checks.eq("registry data: digest", data.id, aux[-1]["Digest"] if aux else None)
    checks.true("registry data: platform", data.has_platform("linux/amd64") or data.has_platform("linux/arm64"),
                data.attrs.get("Platforms"))

    client.images.get(LAYERS).tag(pushed, "layers")
    lines = list(client.images.push(pushed, tag="layers", stream=True, decode=True))
    checks.eq("push of a second tag", [line for line in lines if "error" in line], [])
    remove_tags(client, f"{pushed}:v1", f"{pushed}:layers")
    lines = list(client.api.pull(pushed, all_tags=True, stream=True, decode=True))
    pulling = [(line.get("id"), line["status"]) for line in lines if line.get("status", "").startswith("Pulling from")]
    # The tags come in the registry's order.
    checks.eq("pull all tags: each tag", sorted(pulling),
              [("layers", "Pulling from sl-dp-images/pushed"), ("v1", "Pulling from sl-dp-images/pushed")])
    checks.eq("pull all tags: a digest per tag",
              len([line for line in lines if line.get("status", "").startswith("Digest: sha256:")]), 2)
    checks.eq("pull all tags: one status for the repository", lines[-1].get("status"),
              f"Status: Downloaded newer image for {pushed}")
    tags = client.images.list(name=pushed)
    checks.eq("pull all tags", sorted(t for i in tags for t in i.tags if t.startswith(pushed + ":")),
              sorted([f"{pushed}:layers", f"{pushed}:v1"]))
    lines = list(client.api.pull(pushed, all_tags=True, stream=True, decode=True))
    checks.eq("pull all tags again is up to date", lines[-1].get("status"),
              f"Status: Image is up to date for {pushed}")
    checks.api_error("pull all tags of a missing repository",
                     lambda: client.images.pull(f"{REGISTRY}/sl-dp-images/nosuch", all_tags=True), 404)
    remove_tags(client, f"{pushed}:v1", f"{pushed}:layers", f"{repository}:1.35-single")


def cleanup_tags(checks):
    client = checks.client
    for image in client.images.list(name=REPO):
        for tag in image.tags:
            if tag.startswith(REPO + ":"):
                remove_tags(client, tag)
    checks.eq("no test tags left", client.images.list(name=REPO), [])


if __name__ == "__main__":
    sys.exit(run_checks("sl-dp-images-", [load_and_get, tag_and_list, history, save, remove, prune, pull_and_push,
                                          cleanup_tags]))
