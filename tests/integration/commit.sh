#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# A container's filesystem against its image: docker diff, docker commit
# (config, history, parent, pause, empty changes, errors), docker export
# and import of the result, and the parent links of committed images.

# Single quotes keep $ for the container shell.
# shellcheck disable=SC2016
. "$(dirname "$0")/lib.sh"
sl_setup
sl_image_load busybox layers

busybox=sockerless-test/busybox:1.35
layers=sockerless-test/layers:1

image_id() {
        sl_docker image inspect -f '{{.Id}}' "$1" 2>/dev/null
}

# Lists docker diff sorted, one "K /path" per line, as dockerd orders
# siblings at random.
sorted_diff() {
        sl_docker diff "$1" | LC_ALL=C sort
}

# The changes of the reference run against dockerd 20.10: create files and
# directories, modify one, delete a file and a directory, replace a
# directory, change a mode, add a symlink, a hard link and a FIFO. The
# layers image has /keep/k (its /keep/gone deleted by a whiteout) and
# /data/new (in an opaque directory).
changes_script='
echo new > /newfile
mkdir -p /newdir/sub && echo x > /newdir/sub/f
echo more >> /etc/passwd
rm /etc/group
rm -rf /data
rm -rf /keep && mkdir /keep && echo y > /keep/y
chmod 700 /root
ln -s /newfile /link
ln /newfile /hardlink
mkfifo /fifo
touch /tmp/t
'

# ---- docker diff
sl_check "run the changes" sl_docker run --name sl-commit-changed -u 0 --entrypoint sh "$layers" -c "$changes_script"
# Both engines add the mount point of the image's anonymous volume
# /home/app/state.
sl_run sorted_diff sl-commit-changed
diff=$SL_OUT
sl_assert_eq "diff lists dockerd's changes" "A /fifo
A /hardlink
A /home/app/state
A /keep/y
A /link
A /newdir
A /newdir/sub
A /newdir/sub/f
A /newfile
A /tmp/t
C /etc
C /etc/passwd
C /home
C /home/app
C /keep
C /root
C /tmp
D /data
D /etc/group
D /keep/k" "$diff"

# Each directory comes before what changed inside it, in either engine.
sl_run sl_docker diff sl-commit-changed
order_ok=yes
seen=" "
while read -r _ path; do
        parent=${path%/*}
        if [ -n "$parent" ] && [[ $seen != *" $parent "* ]]; then
                order_ok="no: $path before $parent"
        fi
        seen="$seen$path "
done <<<"$SL_OUT"
sl_assert_eq "diff lists parents first" yes "$order_ok"
if ! sl_engine_is dockerd; then
        sl_assert_eq "diff order is by name, deletions last" \
                "C C D A A C C A C A D A A A A A C C A D" \
                "$(cut -c1 <<<"$SL_OUT" | tr '\n' ' ' | sed 's/ $//')"
fi

sl_api GET /containers/sl-commit-changed/changes
sl_assert_eq "changes API status" 200 "$SL_API_STATUS"
sl_assert_eq "changes API kinds" '{"Kind":2,"Path":"/etc/group"}' \
        "$(jq -c '.[] | select(.Path == "/etc/group") | {Kind, Path}' <<<"$SL_API_BODY")"

sl_docker create --name sl-commit-fresh "$busybox" true >/dev/null
sl_run sl_docker diff sl-commit-fresh
sl_assert_rc "diff of a new container" 0
sl_assert_out "diff of a new container is empty" ""
sl_api GET /containers/sl-commit-fresh/changes
sl_assert_eq "changes API of a new container is null" "200 null" "$SL_API_STATUS $SL_API_BODY"

sl_run sl_docker diff sl-commit-missing
sl_assert_ne "diff of a missing container fails" 0 "$SL_RC"
sl_assert_contains "diff of a missing container message" "No such container: sl-commit-missing" "$SL_ERR"

# ---- docker commit of a stopped container
parent=$(image_id "$layers")
container=$(sl_docker inspect -f '{{.Id}}' sl-commit-changed)
sl_run sl_docker commit -a 'Ann <ann@example.com>' -m 'commit message' -c 'ENV FOO=bar' \
        -c 'ENTRYPOINT ["cat"]' -c 'CMD ["/newfile"]' sl-commit-changed sl-commit/changed:v1
sl_assert_rc "commit" 0
sl_assert_match "commit prints the image ID" '^sha256:[0-9a-f]{64}$' "$SL_OUT"
committed=$SL_OUT
sl_assert_eq "commit ID is the tag's" "$committed" "$(image_id sl-commit/changed:v1)"

inspect() {
        sl_docker image inspect -f "$1" sl-commit/changed:v1
}
sl_assert_eq "committed Parent" "$parent" "$(inspect '{{.Parent}}')"
sl_assert_eq "committed Author" 'Ann <ann@example.com>' "$(inspect '{{.Author}}')"
sl_assert_eq "committed Comment" 'commit message' "$(inspect '{{.Comment}}')"
sl_assert_eq "committed Container" "$container" "$(inspect '{{.Container}}')"
sl_assert_eq "committed Config.Cmd" '["/newfile"]' "$(inspect '{{json .Config.Cmd}}')"
sl_assert_eq "committed Config.Env" \
        '["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","GREETING=hello world","EMPTY=","FOO=bar"]' \
        "$(inspect '{{json .Config.Env}}')"
sl_assert_eq "committed Config.Entrypoint" '["cat"]' "$(inspect '{{json .Config.Entrypoint}}')"
sl_assert_eq "committed Config.User" 0 "$(inspect '{{.Config.User}}')"
sl_assert_eq "committed Config.WorkingDir" /home/app "$(inspect '{{.Config.WorkingDir}}')"
sl_assert_eq "committed Config.Labels" '{"org.example.layers":"4","org.example.suite":"sockerless"}' \
        "$(inspect '{{json .Config.Labels}}')"
sl_assert_eq "committed Config.StopSignal" SIGUSR1 "$(inspect '{{.Config.StopSignal}}')"
sl_assert_eq "committed Config.OnBuild" null "$(inspect '{{json .Config.OnBuild}}')"
sl_assert_eq "committed ContainerConfig.Cmd" "$(sl_docker inspect -f '{{json .Config.Cmd}}' sl-commit-changed)" \
        "$(inspect '{{json .ContainerConfig.Cmd}}')"
sl_assert_eq "committed ContainerConfig.Env has no change" \
        '["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","GREETING=hello world","EMPTY="]' \
        "$(inspect '{{json .ContainerConfig.Env}}')"
parent_layers=$(sl_docker image inspect -f '{{json .RootFS.Layers}}' "$layers")
sl_assert_eq "committed layers extend the parent's" "$parent_layers" \
        "$(inspect '{{json .RootFS.Layers}}' | jq -c '.[:-1]')"
sl_assert_eq "committed adds one layer" 5 "$(inspect '{{len .RootFS.Layers}}')"

# created_by is the container's Cmd; the entrypoint is left out.
sl_api GET /images/sl-commit/changed:v1/history
sl_assert_eq "history top row ID" "$committed" "$(jq -r '.[0].Id' <<<"$SL_API_BODY")"
sl_assert_eq "history top row CreatedBy" "$(printf -- '-c %s' "$changes_script")" \
        "$(jq -r '.[0].CreatedBy' <<<"$SL_API_BODY")"
sl_assert_eq "history top row Comment" "commit message" "$(jq -r '.[0].Comment' <<<"$SL_API_BODY")"
sl_assert_eq "history top row Tags" '["sl-commit/changed:v1"]' "$(jq -c '.[0].Tags' <<<"$SL_API_BODY")"
sl_assert_eq "history second row is the parent" "$parent" "$(jq -r '.[1].Id' <<<"$SL_API_BODY")"
sl_assert_eq "history second row has the parent's tags" "[\"$layers\"]" "$(jq -c '.[1].Tags' <<<"$SL_API_BODY")"
sl_assert_eq "history third row is unknown" "<missing>" "$(jq -r '.[2].Id' <<<"$SL_API_BODY")"

# The image runs with the changes: files added, modified and deleted, in
# the image's layers too.
sl_run sl_docker run --rm sl-commit/changed:v1
sl_assert_out "committed image runs its new Cmd" new
sl_run sl_docker run --rm --entrypoint sh sl-commit/changed:v1 -c \
        'ls /keep; ls -d /data 2>&1; test -e /etc/group || echo no group; tail -n 1 /etc/passwd; stat -c %a /root; readlink /link; test -p /fifo && echo fifo; echo $FOO'
sl_assert_rc "committed image shows the changes" 0
sl_assert_eq "committed image content" "y
ls: /data: No such file or directory
no group
more
700
/newfile
fifo
bar" "$SL_OUT"

# ---- an unchanged container: a new image with the parent's layers
sl_run sl_docker commit sl-commit-fresh sl-commit/fresh
sl_assert_rc "commit without changes" 0
sl_assert_eq "no changes, no new layer" "$(sl_docker image inspect -f '{{json .RootFS.Layers}}' "$busybox")" \
        "$(sl_docker image inspect -f '{{json .RootFS.Layers}}' sl-commit/fresh)"
sl_run sl_docker history --format '{{.CreatedBy}}|{{.Size}}' sl-commit/fresh
sl_assert_eq "no changes, an empty history entry" "true|0B" "$(head -n 1 <<<"$SL_OUT")"
sl_assert_eq "no changes, Comment" "" "$(sl_docker image inspect -f '{{.Comment}}' sl-commit/fresh)"

# ---- a running container, paused while its changes are read
running_ready() {
        sl_docker diff sl-commit-running | grep -q ' /ready$'
}
sl_docker run -d --name sl-commit-running "$busybox" \
        sh -c 'echo hello > /greeting; mkdir -p /opt/x; touch /ready; exec sleep 1000' >/dev/null
sl_wait_for 20 running_ready || sl_bail "the running container did not write /ready"
commit_since=$(date +%s.%N)
sl_run sl_docker commit -c 'CMD ["cat","/greeting"]' sl-commit-running sl-commit/running
sl_assert_rc "commit of a running container" 0
sl_assert_eq "container still runs after the commit" running \
        "$(sl_docker inspect -f '{{.State.Status}}' sl-commit-running)"
sl_run sl_docker run --rm sl-commit/running
sl_assert_out "image of a running container" hello
# The pause shows in the events, as docker pause would show it.
sl_run sl_docker events --since "$commit_since" --until "$(($(date +%s) + 1))" --filter container=sl-commit-running \
        --format '{{.Action}}'
sl_assert_eq "commit paused the container" "commit pause unpause" "$(sort <<<"$SL_OUT" | xargs)"
sl_run sl_docker commit --pause=false sl-commit-running sl-commit/unpaused
sl_assert_rc "commit without pause" 0
sl_assert_eq "container runs after a commit without pause" running \
        "$(sl_docker inspect -f '{{.State.Status}}' sl-commit-running)"

# ---- bad requests
sl_run sl_docker commit -c 'BOGUS x' sl-commit-fresh sl-commit/bad
sl_assert_ne "commit with an invalid change fails" 0 "$SL_RC"
sl_assert_contains "commit with an invalid change message" "bogus is not a valid change command" "$SL_ERR"
sl_api POST "/commit?container=sl-commit-fresh&changes=RUN%20x"
sl_assert_eq "commit with RUN is 400" 400 "$SL_API_STATUS"
sl_assert_eq "commit with RUN message" "run is not a valid change command" "$(jq -r .message <<<"$SL_API_BODY")"
sl_api POST "/commit?container=sl-commit-missing"
sl_assert_eq "commit of a missing container is 404" 404 "$SL_API_STATUS"
sl_assert_eq "commit of a missing container message" "No such container: sl-commit-missing" \
        "$(jq -r .message <<<"$SL_API_BODY")"
sl_api POST "/commit"
sl_assert_eq "commit without a container is 400" 400 "$SL_API_STATUS"
sl_assert_eq "commit without a container message" 'invalid name or ID supplied: ""' \
        "$(jq -r .message <<<"$SL_API_BODY")"
# dockerd creates the image before it fails to tag it.
sl_api POST "/commit?container=sl-commit-fresh&repo=BAD"
sl_assert_eq "commit with an invalid repository is 500" 500 "$SL_API_STATUS"
sl_assert_eq "commit with an invalid repository message" \
        "invalid reference format: repository name must be lowercase" "$(jq -r .message <<<"$SL_API_BODY")"
sl_api POST "/commit?container=sl-commit-fresh&repo=ok&tag=BAD%20TAG"
sl_assert_eq "commit with an invalid tag is 500" 500 "$SL_API_STATUS"
sl_api POST "/commit?container=sl-commit-fresh&repo=ok@sha256:$(printf 'a%.0s' {1..64})"
sl_assert_eq "commit with a digest is 400" 400 "$SL_API_STATUS"
sl_assert_eq "commit with a digest message" "refusing to create a tag with a digest reference" \
        "$(jq -r .message <<<"$SL_API_BODY")"
sl_api POST "/commit?container=sl-commit-fresh" -H 'Content-Type: application/json' -d '{"Cmd":"x"}'
sl_assert_eq "commit with a config body" 201 "$SL_API_STATUS"
sl_assert_eq "config body is the base of the new config" '["x"]' \
        "$(sl_docker image inspect -f '{{json .Config.Cmd}}' "$(jq -r .Id <<<"$SL_API_BODY")")"
sl_api POST "/commit?container=sl-commit-fresh" -H 'Content-Type: application/json' -d '{"Env":"x"}'
sl_assert_eq "commit with a bad config body is 500" 500 "$SL_API_STATUS"
sl_assert_eq "commit with a bad config body message" \
        "json: cannot unmarshal string into Go struct field ContainerConfigWrapper.Env of type []string" \
        "$(jq -r .message <<<"$SL_API_BODY")"

# ---- docker export, then docker import of the result
sl_run sh -c 'docker export sl-commit-changed >"$1"' sh "$SL_TMP/export.tar"
sl_assert_rc "export" 0
tar -tf "$SL_TMP/export.tar" | LC_ALL=C sort >"$SL_TMP/export.list"
# Without the mount point dockerd makes for the image's volume.
export_list=$(grep -v -e '^bin/.' -e '^home/app/state/$' "$SL_TMP/export.list" | tr '\n' ' ')
sl_assert_eq "export lists the merged tree" \
        ".dockerenv bin/ dev/ dev/console dev/pts/ dev/shm/ etc/ etc/hostname etc/hosts etc/mtab etc/passwd etc/resolv.conf fifo hardlink home/ home/app/ keep/ keep/y link newdir/ newdir/sub/ newdir/sub/f newfile proc/ root/ sys/ tmp/ tmp/t " \
        "$export_list"
sl_assert_eq "export has busybox" 1 "$(grep -c '^bin/busybox$' "$SL_TMP/export.list")"
sl_assert_eq "export content of a changed file" "root:x:0:0:root:/root:/bin/sh" \
        "$(tar -xOf "$SL_TMP/export.tar" etc/passwd | head -n 1)"
sl_assert_eq "export keeps the owner of /home/app" 1234 \
        "$(tar --numeric-owner -tvf "$SL_TMP/export.tar" home/app/ | awk 'NR == 1 { split($2, o, "/"); print o[1] }')"

sl_run sl_docker import -c 'CMD ["cat","/newfile"]' "$SL_TMP/export.tar" sl-commit/imported
sl_assert_rc "import of the export" 0
sl_run sl_docker run --rm sl-commit/imported
sl_assert_out "imported export runs" new
sl_run sh -c 'docker export "$(docker create sl-commit/imported true)" | tar -t | LC_ALL=C sort' sh
sl_assert_eq "imported export has the same files" "$(cat "$SL_TMP/export.list")" "$SL_OUT"

sl_run sh -c 'docker export sl-commit-running | tar -xOf - greeting' sh
sl_assert_out "export of a running container" hello
sl_api GET /containers/sl-commit-missing/export
sl_assert_eq "export of a missing container is 404" 404 "$SL_API_STATUS"

# ---- parents: a committed image keeps the image it came from
sl_docker rm -f sl-commit-changed sl-commit-running >/dev/null
sl_docker tag "$layers" sl-commit/layers:copy
sl_run sl_docker rmi "$layers" sl-commit/layers:copy
sl_assert_rc "untag the parent" 0
sl_run sl_docker images -q --no-trunc --filter dangling=true
sl_assert_not_contains "an untagged parent is not dangling" "$parent" "$SL_OUT"
sl_run sl_docker images -q --no-trunc
sl_assert_not_contains "images hides an untagged parent" "$parent" "$SL_OUT"
sl_run sl_docker images -a -q --no-trunc
sl_assert_contains "images -a shows an untagged parent" "$parent" "$SL_OUT"
sl_run sl_docker rmi -f "$parent"
sl_assert_ne "rmi -f of a parent fails" 0 "$SL_RC"
sl_assert_contains "rmi of a parent message" \
        "conflict: unable to delete ${parent:7:12} (cannot be forced) - image has dependent child images" "$SL_ERR"
sl_run sl_docker rmi sl-commit/changed:v1
sl_assert_rc "rmi of the child" 0
sl_assert_contains "rmi of the child deletes the untagged parent" "Deleted: $parent" "$SL_OUT"

sl_done
