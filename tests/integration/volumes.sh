#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Volumes through the real docker CLI: docker volume create, ls, inspect,
# rm and prune with their errors, named and anonymous volumes of -v,
# --mount and the image's VOLUME, the image's files in a new volume,
# --volumes-from, rm -v, a tmpfs volume, docker system df, docker cp and a
# daemon restart. Passes against dockerd 20.10 too.

# Single quotes keep $ for the container shell.
# shellcheck disable=SC2016
. "$(dirname "$0")/lib.sh"
sl_setup
sl_image_load busybox layers

busybox=sockerless-test/busybox:1.35
layers=sockerless-test/layers:1
volumes_dir=$SL_DATA/volumes
if sl_remapped; then
        volumes_dir=$(find "$SL_DATA" -mindepth 2 -maxdepth 2 -type d -name volumes | head -n 1)
fi

# mounts CONTAINER: the container's mounts as "Type Name Destination Mode RW
# Propagation" lines, sorted (dockerd lists them in random order).
mounts() {
        sl_docker inspect "$1" --format \
                '{{range .Mounts}}{{.Type}} {{.Name}} {{.Destination}} [{{.Mode}}] {{.RW}} [{{.Propagation}}]{{"\n"}}{{end}}' |
                sed '/^$/d' | sort
}

# mount_name CONTAINER DESTINATION: the volume mounted at DESTINATION.
mount_name() {
        sl_docker inspect "$1" --format "{{range .Mounts}}{{if eq .Destination \"$2\"}}{{.Name}}{{end}}{{end}}"
}

volume_exists() {
        sl_docker volume inspect "$1" >/dev/null 2>&1
}

events_since=$(date +%s)

# ---- docker volume create, inspect and ls
sl_run sl_docker volume create --label a=b v1
sl_assert_out "volume create prints the name" v1
sl_run sl_docker volume inspect v1 --format '{{.Name}} {{.Driver}} {{.Scope}} {{json .Labels}} {{json .Options}}'
sl_assert_out "volume inspect fields" 'v1 local local {"a":"b"} null'
sl_run sl_docker volume inspect v1 --format '{{.Mountpoint}}'
sl_assert_eq "the mount point is in the data root" "$volumes_dir/v1/_data" "$SL_OUT"
sl_assert_eq "_data belongs to the containers' root" "$(sl_remap_root)" "$(stat -c %u:%g "$volumes_dir/v1/_data")"
sl_run sl_docker volume inspect v1 --format '{{.CreatedAt}}'
sl_assert_match "CreatedAt is RFC 3339 in seconds" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(Z|[+-][0-9]{2}:[0-9]{2})$' \
        "$SL_OUT"
sl_api GET /volumes/v1
sl_assert_eq "GET /volumes/v1 field order" \
        'CreatedAt,Driver,Labels,Mountpoint,Name,Options,Scope' \
        "$("$SL_PYTHON" -c 'import json,sys; print(",".join(json.loads(sys.stdin.read())))' <<<"$SL_API_BODY")"
sl_run sl_docker volume create --label c=d v1
sl_assert_rc "creating an existing volume succeeds" 0
sl_run sl_docker volume inspect v1 --format '{{json .Labels}}'
sl_assert_out "the existing volume keeps its labels" '{"a":"b"}'

sl_run sl_docker volume create
sl_assert_match "a volume without a name gets 64 hex digits" '^[0-9a-f]{64}$' "$SL_OUT"
generated=$SL_OUT

sl_run sl_docker volume create bad/name
sl_assert_rc "an invalid name fails" 1
sl_assert_contains "message of an invalid name" \
        '"bad/name" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed' \
        "$SL_ERR"
sl_run sl_docker volume create a
sl_assert_contains "message of a short name" \
        "create a: volume name is too short, names should be at least two alphanumeric characters" "$SL_ERR"
sl_run sl_docker volume create -o foo=bar o1
sl_assert_contains "message of an unknown option" 'create o1: invalid option: "foo"' "$SL_ERR"
sl_run sl_docker volume create -o o=bind o2
sl_assert_contains "message of a missing device" 'create o2: missing required option: "device"' "$SL_ERR"
sl_api POST /volumes/create -H 'Content-Type: application/json' -d '{"Name":"x1","Driver":"nosuch"}'
sl_assert_eq "an unknown driver is 404" 404 "$SL_API_STATUS"
sl_assert_contains "message of an unknown driver" \
        'create x1: error looking up volume plugin nosuch: plugin \"nosuch\" not found' "$SL_API_BODY"
sl_api POST /volumes/create -H 'Content-Type: application/json' -d '{"Name":5}'
sl_assert_eq "a wrong type is 400" 400 "$SL_API_STATUS"
sl_api GET /volumes/nosuch
sl_assert_eq "a missing volume is 404" 404 "$SL_API_STATUS"
sl_assert_contains "message of a missing volume" "get nosuch: no such volume" "$SL_API_BODY"

sl_run sl_docker volume ls -q
sl_assert_eq "volume ls lists both" "$(printf '%s\nv1' "$generated" | sort)" "$(sort <<<"$SL_OUT")"
sl_run sl_docker volume ls -q --filter label=a=b
sl_assert_out "label filter" v1
sl_run sl_docker volume ls -q --filter name=^v
sl_assert_out "name filter" v1
sl_api GET '/volumes?filters=%7B%22dangling%22%3A%5B%22xx%22%5D%7D'
sl_assert_eq "a bad dangling value is 400" 400 "$SL_API_STATUS"
sl_api GET '/volumes?filters=%7B%22bogus%22%3A%5B%22x%22%5D%7D'
sl_assert_contains "message of an unknown filter" "Invalid filter 'bogus'" "$SL_API_BODY"
sl_api GET /volumes
sl_assert_contains "the list has Warnings null" '"Warnings":null' "$SL_API_BODY"

# ---- named volumes in containers, in use, rm
sl_check "a container writes to a named volume" sl_docker run --rm -v v1:/data "$busybox" sh -c 'echo hello >/data/f'
sl_run sl_docker run --rm -v v1:/other:ro "$busybox" sh -c 'cat /other/f; touch /other/x 2>/dev/null || echo ro'
sl_assert_out "another container reads it, read-only" $'hello\nro'
sl_run sl_docker create --name user -v v1:/data "$busybox" true
user_id=$SL_OUT
sl_run sl_docker volume rm v1
sl_assert_contains "a volume in use cannot be removed" "remove v1: volume is in use - [$user_id]" "$SL_ERR"
sl_api DELETE '/volumes/v1?force=1'
sl_assert_eq "nor with force" 409 "$SL_API_STATUS"
sl_run sl_docker volume ls -q --filter dangling=false
sl_assert_out "dangling=false lists the used volume" v1
sl_api DELETE /volumes/nosuch
sl_assert_eq "removing a missing volume is 404" 404 "$SL_API_STATUS"
sl_api DELETE '/volumes/nosuch?force=1'
sl_assert_eq "with force it is 204" 204 "$SL_API_STATUS"

# ---- inspect Mounts as dockerd shows them
mkdir -p "$SL_TMP/host"
sl_run sl_docker create --name shapes -v v1:/a -v v1:/b:ro -v /anon -v "$SL_TMP/host:/h:ro,rshared" \
        --mount type=volume,src=v1,dst=/c,readonly --mount type=tmpfs,dst=/t,tmpfs-size=1m \
        --mount "type=bind,src=$SL_TMP/host,dst=/m" "$busybox" true
sl_assert_rc "a container with every kind of mount" 0
anon=$(mount_name shapes /anon)
sl_run mounts shapes
sl_assert_out "its Mounts" "$(printf '%s\n' \
        "bind  /h [ro,rshared] false [rshared]" \
        "bind  /m [] true [rprivate]" \
        "tmpfs  /t [] true []" \
        "volume $anon /anon [] true []" \
        "volume v1 /a [z] true []" \
        "volume v1 /b [ro] false []" \
        "volume v1 /c [z] false []" | sort)"
sl_run sl_docker inspect shapes --format '{{range .Mounts}}{{if eq .Destination "/a"}}{{json .}}{{end}}{{end}}'
sl_assert_out "a volume's mount in JSON" \
        "{\"Type\":\"volume\",\"Name\":\"v1\",\"Source\":\"$volumes_dir/v1/_data\",\"Destination\":\"/a\",\"Driver\":\"local\",\"Mode\":\"z\",\"RW\":true,\"Propagation\":\"\"}"
sl_run sl_docker inspect shapes --format '{{range .Mounts}}{{if eq .Destination "/m"}}{{json .}}{{end}}{{end}}'
sl_assert_out "a bind's mount in JSON" \
        "{\"Type\":\"bind\",\"Source\":\"$SL_TMP/host\",\"Destination\":\"/m\",\"Mode\":\"\",\"RW\":true,\"Propagation\":\"rprivate\"}"
sl_run sl_docker volume inspect "$anon" --format '{{.Name}}'
sl_assert_out "-v /anon made a volume" "$anon"
sl_run sl_docker ps -a --filter volume=/h --format '{{.Names}}'
sl_assert_out "ps --filter volume by destination" shapes
sl_run sl_docker ps -a --filter "volume=$anon" --format '{{.Names}}'
sl_assert_out "ps --filter volume by name" shapes

# ---- errors of -v and --mount
sl_run sl_docker create -v v1:/data -v "$SL_TMP/host:/data" "$busybox" true
sl_assert_contains "two mounts on one path" "Duplicate mount point: /data" "$SL_ERR"
sl_run sl_docker create -v v1:/data:xx "$busybox" true
sl_assert_contains "an invalid mode" "invalid mode: xx" "$SL_ERR"
sl_run sl_docker create -v v1:/data:rshared "$busybox" true
sl_assert_contains "a volume with a propagation" 'field BindOptions must not be specified' "$SL_ERR"
sl_run sl_docker create --mount "type=bind,src=$SL_TMP/missing,dst=/d" "$busybox" true
sl_assert_contains "a missing --mount bind source" \
        "invalid mount config for type \"bind\": bind source path does not exist: $SL_TMP/missing" "$SL_ERR"
sl_run sl_docker create -v "bad name:/data" "$busybox" true
sl_assert_contains "a volume name with a space" '"bad name" includes invalid characters' "$SL_ERR"
sl_run sl_docker create -v /etc/passwd "$busybox" true
sl_assert_contains "a volume over a file of the image" "cannot mount volume over existing file, file exists" \
        "$SL_ERR"
# dockerd returns 404 here, which makes the CLI pull the image, so the API is asked directly.
sl_api POST /containers/create -H 'Content-Type: application/json' \
        -d "{\"Image\":\"$busybox\",\"HostConfig\":{\"VolumeDriver\":\"nosuch\",\"Binds\":[\"vd:/d\"]}}"
sl_assert_contains "--volume-driver of a missing driver" \
        'create vd: error looking up volume plugin nosuch: plugin \"nosuch\" not found' "$SL_API_BODY"
sl_run sl_docker run --rm --volume-driver local -v vd:/d "$busybox" true
sl_assert_rc "--volume-driver local" 0
sl_run sl_docker create --volumes-from nosuch "$busybox" true
sl_assert_contains "--volumes-from a missing container" "No such container: nosuch" "$SL_ERR"
sl_run sl_docker create --volumes-from shapes:xx "$busybox" true
sl_assert_contains "--volumes-from with a bad mode" "invalid mode: xx" "$SL_ERR"

# ---- -v of a missing host path creates it at start
sl_check "-v of a missing host directory" sl_docker run --rm -v "$SL_TMP/made/here:/x" "$busybox" touch /x/f
sl_assert_eq "the directory and the file exist" yes "$([ -f "$SL_TMP/made/here/f" ] && echo yes)"

# ---- the image's files in a new volume
sl_run sl_docker create --name homes -v /home "$layers"
sl_assert_rc "a volume over the image's /home" 0
home=$(mount_name homes /home)
state=$(mount_name homes /home/app/state)
sl_assert_ne "the image's VOLUME is a volume too" "" "$state"
sl_run stat -c '%u:%g %a' "$volumes_dir/$home/_data/app"
sl_assert_out "the copied directory keeps owner and mode" "$(sl_remapped && echo "$(($(sl_remap_root | cut -d: -f1) + 1234)):$(($(sl_remap_root | cut -d: -f2) + 1234)) 755" || echo "1234:1234 755")"
sl_run sl_docker run --rm -v etcvol:/etc "$busybox" cat /etc/passwd
sl_assert_contains "a named volume gets the image's files" "root:x:0:0" "$SL_OUT"
sl_run sl_docker run --rm -v etcvol2:/etc:nocopy "$busybox" ls /etc/passwd
sl_assert_rc "nocopy leaves the volume empty" 1
sl_run sl_docker run --rm --mount type=volume,dst=/etc,volume-nocopy "$busybox" ls /etc/passwd
sl_assert_rc "volume-nocopy leaves it empty" 1
sl_run sl_docker run --rm --entrypoint sh "$layers" -c 'ls -ld /home/app/state | cut -c1-10; id -u'
sl_assert_out "the image's VOLUME without files is root's" $'drwxr-xr-x\n1234'

# ---- --volumes-from and rm -v
sl_run sl_docker create --name source -v /anon -v shared:/n "$busybox" true
source_anon=$(mount_name source /anon)
sl_check "a container writes to the volumes" sl_docker run --rm --volumes-from source "$busybox" sh -c 'echo x >/anon/f; echo y >/n/f'
sl_run sl_docker create --name reader --volumes-from source:ro "$busybox" true
sl_run mounts reader
sl_assert_out "--volumes-from :ro" "$(printf '%s\n' "volume $source_anon /anon [] false []" "volume shared /n [] false []" | sort)"
sl_run sl_docker rm -v source
sl_assert_rc "rm -v of the source" 0
sl_assert_eq "its anonymous volume stays while another container uses it" yes \
        "$(volume_exists "$source_anon" && echo yes)"
sl_check "rm -v of the last user" sl_docker rm -v reader
sl_assert_eq "the anonymous volume is gone" no "$(volume_exists "$source_anon" && echo yes || echo no)"
sl_assert_eq "the named volume stays" yes "$(volume_exists shared && echo yes)"
sl_run sl_docker rm shapes
sl_assert_eq "rm without -v keeps the anonymous volume" yes "$(volume_exists "$anon" && echo yes)"
sl_run sl_docker run --rm -v /gone "$busybox" true
sl_run sl_docker volume ls -q
sl_assert_not_contains "run --rm removes its anonymous volume" "gone" "$SL_OUT"

# ---- a tmpfs volume
sl_check "a tmpfs volume" sl_docker volume create -o type=tmpfs -o device=tmpfs -o o=size=1m,uid=1000 tv
sl_run sl_docker volume inspect tv --format '{{json .Options}}'
sl_assert_out "its options" '{"device":"tmpfs","o":"size=1m,uid=1000","type":"tmpfs"}'
sl_run sl_docker run --rm -v tv:/t "$busybox" sh -c 'grep " /t " /proc/mounts | cut -d" " -f1,3; stat -c %u /t'
# Host uid 1000 is outside the remapped range, so the container sees the overflow uid 65534.
sl_assert_out "it is a tmpfs owned by uid 1000" "tmpfs tmpfs"$'\n'"$(sl_remapped && echo 65534 || echo 1000)"
sl_assert_eq "it is unmounted once no container uses it" "" \
        "$(awk -v p="$volumes_dir/tv/_data" '$5 == p' /proc/self/mountinfo)"
sl_run sl_docker run --rm --mount type=volume,src=mv,dst=/m,volume-opt=type=tmpfs,volume-opt=device=tmpfs,volume-label=k=v \
        "$busybox" sh -c 'grep " /m " /proc/mounts | cut -d" " -f3'
sl_assert_out "--mount volume-opt makes a tmpfs volume" tmpfs
sl_run sl_docker volume inspect mv --format '{{json .Options}} {{json .Labels}}'
sl_assert_out "its options and labels" '{"device":"tmpfs","type":"tmpfs"} {"k":"v"}'
sl_check "a bind volume" sl_docker volume create -o type=none -o o=bind -o "device=$SL_TMP/host" bv
echo content >"$SL_TMP/host/file"
sl_run sl_docker run --rm -v bv:/b "$busybox" cat /b/file
sl_assert_out "it shows the host directory" content
sl_run sl_docker volume create -o type=none -o o=bind -o "device=$SL_TMP/nowhere" broken
sl_run sl_docker run --rm -v broken:/b "$busybox" true
sl_assert_contains "a volume that fails to mount" \
        "failed to mount local volume: mount $SL_TMP/nowhere:$volumes_dir/broken/_data, flags: 0x1000: no such file or directory" \
        "$SL_ERR"

# ---- docker cp through a volume of a stopped container
sl_run sl_docker create --name copier -v v1:/data "$busybox" true
sl_check "cp out of a volume of a stopped container" sl_docker cp copier:/data/f "$SL_TMP/copied"
sl_assert_eq "the copied file" hello "$(cat "$SL_TMP/copied" 2>/dev/null)"
sl_docker rm copier >/dev/null

# ---- docker system df
sl_run sl_docker system df -v
sl_assert_match "system df lists a used volume with its links" $'\nv1 +1 +[0-9.]+k?B' "$SL_OUT"
sl_assert_not_contains "system df leaves out volumes with options" $'\ntv ' "$SL_OUT"
sl_api GET /system/df
sl_assert_contains "system df has UsageData" '"UsageData":{"RefCount":' "$SL_API_BODY"

# ---- the volumes survive a restart, and so do their references and mounts
sl_run sl_docker run -d --name keeper -v tv:/t "$busybox" sh -c 'echo kept >/t/f; sleep 1000'
sl_assert_rc "a running container uses the tmpfs volume" 0
keeper_id=$SL_OUT
sl_wait_for 20 sl_docker exec keeper cat /t/f || sl_bail "the container did not write to its volume"
# ---- the volume events so far (the daemon keeps them in memory only)
sl_run sl_docker events --since "$events_since" --until "$(($(date +%s) + 1))" --filter type=volume \
        --format '{{.Action}} {{.Actor.ID}} {{.Actor.Attributes.driver}}'
for event in "create v1 local" "mount v1 local" "unmount v1 local" "destroy $source_anon local"; do
        sl_assert_contains "volume event: $event" "$event" "$SL_OUT"
done
sl_run sl_docker events --since "$events_since" --until "$(($(date +%s) + 1))" --filter type=volume \
        --filter event=mount --filter volume=tv --format '{{json .Actor.Attributes}}'
sl_assert_contains "a mount event's attributes" \
        '"container":"'"$keeper_id"'","destination":"/t","driver":"local","propagation":"","read/write":"true"}' "$SL_OUT"
sl_daemon_restart
sl_run sl_docker volume inspect v1 --format '{{json .Labels}}'
sl_assert_out "a volume after a restart" '{"a":"b"}'
sl_run sl_docker volume rm v1
sl_assert_contains "it is still in use after a restart" "volume is in use - [$user_id]" "$SL_ERR"
if sl_engine_is dockerd; then
        sl_skip "the tmpfs volume keeps its files over a restart" "dockerd 20.10 unmounts it at start"
elif sl_remapped; then
        # lib.sh starts a remapping daemon in a mount namespace of its own,
        # so the restarted daemon cannot see the mounts of the first one.
        sl_skip "the tmpfs volume keeps its files over a restart" "each daemon has its own mount namespace"
else
        sl_run sl_docker run --rm -v tv:/t "$busybox" cat /t/f
        sl_assert_out "the tmpfs volume keeps its files over a restart" kept
fi
sl_docker rm -f keeper >/dev/null
sl_assert_eq "the tmpfs volume is unmounted after its last user" "" \
        "$(awk -v p="$volumes_dir/tv/_data" '$5 == p' /proc/self/mountinfo)"

# ---- prune: unused volumes without options, named and anonymous (dockerd 20.10)
sl_docker rm -f user homes >/dev/null
sl_run sl_docker volume create --label keep=1 kept
sl_api POST '/volumes/prune?filters=%7B%22label!%22%3A%5B%22keep%22%5D%7D'
sl_assert_eq "prune replies 200" 200 "$SL_API_STATUS"
sl_assert_contains "prune removed a named volume" '"v1"' "$SL_API_BODY"
sl_assert_contains "prune removed an anonymous volume" "\"$anon\"" "$SL_API_BODY"
sl_assert_match "prune counts the bytes" '"SpaceReclaimed":[1-9]' "$SL_API_BODY"
sl_run sl_docker volume ls -q
sl_assert_contains "the labelled volume stays" kept "$SL_OUT"
sl_assert_contains "the tmpfs volume stays" tv "$SL_OUT"
sl_api POST '/volumes/prune?filters=%7B%22bogus%22%3A%5B%22x%22%5D%7D'
sl_assert_eq "prune with an unknown filter is 400" 400 "$SL_API_STATUS"
sl_docker volume rm -f kept tv bv broken mv vd >/dev/null 2>&1


sl_done
