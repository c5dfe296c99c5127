# shellcheck shell=bash disable=SC2034 # globals are read by the test scripts
# SPDX-License-Identifier: Apache-2.0
#
# Registry fixtures for the integration tests. Debian's docker-registry
# (Distribution 2.8) runs on 127.0.0.1 without auth, with htpasswd (Basic)
# auth or with token auth, and skopeo copies the test images into it. A
# second kind of registry serves broken content, and a small filesystem
# lets tests fill a store. Source it after lib.sh. The script's cleanup
# (sl_done, or the EXIT trap) stops, unmounts and removes everything
# started here.
#
# Usage:
#
#   . "$(dirname "$0")/lib.sh"
#   . "$(dirname "$0")/registry-lib.sh"
#   registry_require_tools    # skips the script when a tool is missing
#   sl_setup                  # or sl_setup_dir for a script without a daemon
#   registry_start open
#   registry_start basic --basic alice:alice-password
#   registry_start token --token --user alice:alice-password --reader bob:bob-password
#   registry_seed "$REGISTRY_OPEN_ADDR"
#   sl_docker pull "$REGISTRY_OPEN_ADDR/sockerless-test/busybox:1.35"
#
#   registry_start broken --bad
#   sl_run sl_docker pull "$REGISTRY_BROKEN_ADDR/bad-digest/img"   # must fail
#
#   sl_daemon_stop                      # the store on a 64 MiB filesystem
#   small_fs_mount "$SL_DATA" 64
#   sl_daemon_start
#
# dockerd treats registries on 127.0.0.0/8 as insecure (plain HTTP) without
# configuration, so the addresses work in `docker pull` and `docker push`.
#
# registry_start NAME [OPTION...]
#   Starts a registry with a config file written to its directory, storage
#   in that directory and deletes enabled, waits until GET /v2/ returns
#   200 or 401, and exports, with NAME upper-cased and - turned into _:
#     REGISTRY_<NAME>_ADDR       127.0.0.1:PORT
#     REGISTRY_<NAME>_DIR        config.yml, storage/, registry.log
#     REGISTRY_<NAME>_USER       the first --basic or --user account, and
#     REGISTRY_<NAME>_PASSWORD   its password (empty without auth)
#     REGISTRY_<NAME>_REALM      token server URL (--token only)
#     REGISTRY_<NAME>_TOKEN_LOG  token server log: one JSON object a line
#                                per request, with "account", "scopes"
#                                (as requested), "granted" and "status"
#     REGISTRY_<NAME>_REQUEST_LOG  request log of a --bad registry: one JSON
#                                object a line, with "method", "path",
#                                "range", "status", "sent" (bytes) and "cut"
#   Options:
#     --basic USER:PASSWORD   htpasswd auth; repeat for more accounts
#     --token                 token auth through tests/fixtures/token-server.py;
#                             the challenge is Bearer realm=...,service=
#                             "sockerless-test-registry"
#     --user USER:PASSWORD    token account with pull, push and delete; repeat
#                             for more (default: sockerless:sockerless-password)
#     --reader USER:PASSWORD  token account with pull only
#     --anonymous-pull        grant pull to token requests without credentials
#     --expires-in SECONDS    token lifetime (default 300)
#     --schema1               accept pushes of signed schema 1 manifests
#                             (compatibility.schema1.enabled)
#     --bad                   tests/fixtures/bad-registry.py in place of
#                             docker-registry: read-only, where the first
#                             component of the repository selects the fault:
#                             good/, bad-digest/ (layer bytes that do not
#                             match the digest), truncated/ (every layer
#                             download closed half-way), truncated-once/
#                             (only the first, then Range works), schema1/
#                             (a signed schema 1 manifest). The tag is latest.
#   It bails out (exit 99) when the registry does not start.
#
# registry_seed ADDR [--creds USER:PASSWORD] [IMAGE...]
#   Copies test images in with skopeo, as the first account of the registry
#   at ADDR unless --creds names another. IMAGE is busybox, layers, oci or
#   debian. The default is busybox, layers and oci, plus debian when
#   SOCKERLESS_TEST_IMAGES has debian-family.tar.gz (a named debian without
#   it is built from the host's Debian packages, which takes about 30 s).
#   Tags:
#     sockerless-test/busybox:1.35         OCI index: linux/amd64 and linux/arm64
#                                          (oci; the host's platform when generated)
#     sockerless-test/busybox:1.35-single  one platform, Docker schema 2 (busybox)
#     sockerless-test/layers:1             Docker schema 2 (layers)
#     sockerless-test/debian:bookworm, sockerless-test/nginx:1.22,
#     sockerless-test/redis:7.0            Docker schema 2 (debian; the archive
#                                          built without the prebuilt images has
#                                          debian only)
#   It bails out when a copy fails.
#
# registry_stop NAME
#   Stops the registry and its token server and removes its directory,
#   before the end of the script.
#
# small_fs_mount DIR SIZE_MB
#   Mounts a new ext4 filesystem of SIZE_MB MiB on DIR, from an image file
#   in the test directory. Its metadata and journal take a share: mkfs.ext4
#   1.47 left 6.3 MiB of 8 free, 53 of 64 and 226 of 256.
#   DIR must be inside the test directory and is created when missing.
#   The cleanup unmounts it and detaches its loop device. To put the
#   daemon's store on it, mount it on SL_DATA while the daemon is stopped.

REGISTRY_SERVICE=sockerless-test-registry
REGISTRY_DEFAULT_ACCOUNT=sockerless:sockerless-password
REGISTRY_START_TIMEOUT=30
REGISTRY_STOP_TIMEOUT=10
REGISTRY_TOKEN_SERVER=$SL_SRCDIR/../fixtures/token-server.py
REGISTRY_BAD_SERVER=$SL_SRCDIR/../fixtures/bad-registry.py

# Per registry NAME: its process IDs (registry, token server) and directory.
declare -gA REGISTRY_PIDS=()
declare -gA REGISTRY_DIRS=()
# Per address: USER:PASSWORD that registry_seed pushes with.
declare -gA REGISTRY_CREDS=()
REGISTRY_CLEANUP_ADDED=

# registry_require_tools: skip the whole script when a tool that the
# fixtures run is missing. Call it before sl_setup.
registry_require_tools() {
        sl_require_tools docker-registry skopeo htpasswd openssl ss gzip tar
}

# registry_var NAME FIELD: the name of the variable REGISTRY_<NAME>_<FIELD>.
registry_var() {
        local name=${1^^}
        printf 'REGISTRY_%s_%s' "${name//-/_}" "$2"
}

# registry_listen_port PID: print the TCP port the process listens on.
registry_listen_port() {
        ss -Hltnp 2>/dev/null | awk -v pid="pid=$1," 'index($0, pid) { n = split($4, a, ":"); print a[n]; exit }'
}

# registry_wait_port PID: print the port once the process listens,
# or return 1 when it exits or the start timeout passes.
registry_wait_port() {
        local pid=$1 port deadline=$((SECONDS + REGISTRY_START_TIMEOUT))
        until port=$(registry_listen_port "$pid") && [ -n "$port" ]; do
                sl_pid_alive "$pid" || return 1
                [ "$SECONDS" -lt "$deadline" ] || return 1
                sleep 0.05
        done
        echo "$port"
}

# registry_v2_status ADDR: print the HTTP status of an anonymous GET /v2/.
registry_v2_status() {
        curl -s --noproxy '*' --max-time 5 -o /dev/null -w '%{http_code}' "http://$1/v2/"
}

# registry_wait_ready PID ADDR: wait until GET /v2/ returns 200 or 401.
registry_wait_ready() {
        local deadline=$((SECONDS + REGISTRY_START_TIMEOUT))
        until [[ $(registry_v2_status "$2") =~ ^(200|401)$ ]]; do
                sl_pid_alive "$1" || return 1
                [ "$SECONDS" -lt "$deadline" ] || return 1
                sleep 0.05
        done
}

# registry_write_htpasswd DIR ACCOUNT...: write DIR/htpasswd with bcrypt hashes.
registry_write_htpasswd() {
        local dir=$1 account
        shift
        : >"$dir/htpasswd"
        for account in "$@"; do
                htpasswd -Bbn "${account%%:*}" "${account#*:}" | sed '/^$/d' >>"$dir/htpasswd" ||
                        sl_bail "htpasswd failed for account '${account%%:*}'"
        done
}

# registry_start_python_server NAME DIR SCRIPT ARG...: start a fixture
# server of tests/fixtures with --dir DIR, and wait until it has written
# DIR/port, which it does once it accepts connections.
registry_start_python_server() {
        local name=$1 dir=$2 script=$3 pid
        shift 3
        mkdir -p "$dir"
        "$SL_PYTHON" "$script" --dir "$dir" "$@" >>"$dir/server.log" 2>&1 </dev/null &
        pid=$!
        # Out of the job table, bash reaps it without a "Killed" line when
        # the cleanup kills it.
        disown "$pid"
        REGISTRY_PIDS[$name]="${REGISTRY_PIDS[$name]:-} $pid"
        local deadline=$((SECONDS + REGISTRY_START_TIMEOUT))
        until [ -s "$dir/port" ]; do
                sl_pid_alive "$pid" ||
                        sl_bail "${script##*/} of registry '$name' exited: $(tail -n 3 "$dir/server.log")"
                [ "$SECONDS" -lt "$deadline" ] ||
                        sl_bail "${script##*/} of registry '$name' did not start within ${REGISTRY_START_TIMEOUT}s"
                sleep 0.05
        done
}

# registry_write_config DIR AUTH [EXTRA]: write DIR/config.yml. AUTH is
# the YAML of the auth section, indented by two spaces, or empty. EXTRA is
# more top-level YAML.
registry_write_config() {
        local dir=$1 auth=$2 extra=${3:-}
        cat >"$dir/config.yml" <<EOF
version: 0.1
log:
  level: info
  formatter: text
storage:
  filesystem:
    rootdirectory: $dir/storage
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  # Port 0: the kernel picks a free port, which registry_start reads back.
  addr: 127.0.0.1:0
  secret: $(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
${auth:+auth:
$auth}
$extra
EOF
}

# registry_parse_options NAME OPTION...: set kind, basic_accounts,
# token_args, first_account and extra_config in the caller (registry_start).
registry_parse_options() {
        local name=$1
        shift
        while [ $# -gt 0 ]; do
                case $1 in
                --basic | --user | --reader | --expires-in)
                        [ $# -ge 2 ] || sl_bail "registry_start $name: $1 needs a value"
                        ;;&
                --basic)
                        [[ $2 == ?*:* ]] || sl_bail "registry_start $name: invalid --basic '$2': expected USER:PASSWORD"
                        [[ $kind =~ ^(none|basic)$ ]] || sl_bail "registry_start $name: --basic excludes --$kind"
                        kind=basic
                        basic_accounts+=("$2")
                        first_account=${first_account:-$2}
                        shift 2
                        ;;
                --user)
                        first_account=${first_account:-$2}
                        token_args+=(--user "$2")
                        shift 2
                        ;;
                --reader | --expires-in)
                        token_args+=("$1" "$2")
                        shift 2
                        ;;
                --token | --bad)
                        [ "$kind" = none ] || sl_bail "registry_start $name: $1 excludes --$kind"
                        kind=${1#--}
                        shift
                        ;;
                --anonymous-pull)
                        token_args+=("$1")
                        shift
                        ;;
                --schema1)
                        extra_config="compatibility:
  schema1:
    enabled: true"
                        shift
                        ;;
                *)
                        sl_bail "registry_start $name: unknown option '$1'"
                        ;;
                esac
        done
        if [ "$kind" = bad ] && [ -n "$extra_config" ]; then
                sl_bail "registry_start $name: --schema1 excludes --bad"
        fi
        if [ "$kind" != token ] && [ ${#token_args[@]} -gt 0 ]; then
                sl_bail "registry_start $name: ${token_args[0]} needs --token"
        fi
        if [ "$kind" = token ] && [[ " ${token_args[*]} " != *" --user "* ]] &&
                [[ " ${token_args[*]} " != *" --reader "* ]]; then
                first_account=$REGISTRY_DEFAULT_ACCOUNT
                token_args+=(--user "$first_account")
        fi
}

# registry_configure_auth NAME DIR: write the htpasswd file or start the
# token server that the caller's `kind` selects, and set the caller's
# `auth` (YAML of the auth section), `realm` and `token_log`.
registry_configure_auth() {
        local name=$1 dir=$2
        case $kind in
        basic)
                registry_write_htpasswd "$dir" "${basic_accounts[@]}"
                auth="  htpasswd:
    realm: $REGISTRY_SERVICE
    path: $dir/htpasswd"
                ;;
        token)
                registry_start_python_server "$name" "$dir/token" "$REGISTRY_TOKEN_SERVER" \
                        --service "$REGISTRY_SERVICE" "${token_args[@]}"
                realm=http://127.0.0.1:$(cat "$dir/token/port")/token
                token_log=$dir/token/requests.log
                auth="  token:
    realm: $realm
    service: $REGISTRY_SERVICE
    issuer: sockerless-test-token-server
    rootcertbundle: $dir/token/cert.pem"
                ;;
        esac
}

# registry_launch_distribution NAME DIR: start docker-registry with
# DIR/config.yml and set the caller's `port` once GET /v2/ returns.
registry_launch_distribution() {
        local name=$1 dir=$2 pid
        docker-registry serve "$dir/config.yml" >>"$dir/registry.log" 2>&1 </dev/null &
        pid=$!
        disown "$pid"
        REGISTRY_PIDS[$name]="$pid ${REGISTRY_PIDS[$name]:-}"
        port=$(registry_wait_port "$pid") ||
                sl_bail "registry '$name' did not listen within ${REGISTRY_START_TIMEOUT}s: $(tail -n 3 "$dir/registry.log")"
        registry_wait_ready "$pid" "127.0.0.1:$port" ||
                sl_bail "registry '$name' on 127.0.0.1:$port did not return 200 or 401 on GET /v2/ within ${REGISTRY_START_TIMEOUT}s"
}

registry_start() {
        local name=${1:-}
        [[ $name =~ ^[A-Za-z][A-Za-z0-9_-]*$ ]] ||
                sl_bail "registry_start: invalid registry name '$name': use letters, digits, - and _"
        [ -z "${REGISTRY_DIRS[$name]:-}" ] || sl_bail "registry_start: registry '$name' is already running"
        [ -n "$SL_TMP" ] || sl_bail "registry_start: call sl_setup or sl_setup_dir first"
        shift
        local kind=none first_account='' auth='' realm='' token_log='' request_log='' extra_config='' port
        local -a basic_accounts=() token_args=()
        registry_parse_options "$name" "$@"
        [ "$kind" = bad ] || command -v docker-registry >/dev/null ||
                sl_bail "registry_start: docker-registry is not installed (scripts/install-deps.sh installs it)"
        if [ -z "$REGISTRY_CLEANUP_ADDED" ]; then
                sl_on_cleanup registry_cleanup
                REGISTRY_CLEANUP_ADDED=1
        fi

        local dir=$SL_TMP/registry-$name
        mkdir -p "$dir"
        REGISTRY_DIRS[$name]=$dir
        if [ "$kind" = bad ]; then
                registry_start_python_server "$name" "$dir" "$REGISTRY_BAD_SERVER"
                port=$(cat "$dir/port")
                request_log=$dir/requests.log
        else
                mkdir -p "$dir/storage"
                registry_configure_auth "$name" "$dir"
                registry_write_config "$dir" "$auth" "$extra_config"
                registry_launch_distribution "$name" "$dir"
        fi

        REGISTRY_CREDS[127.0.0.1:$port]=$first_account
        export "$(registry_var "$name" ADDR)=127.0.0.1:$port"
        export "$(registry_var "$name" DIR)=$dir"
        export "$(registry_var "$name" USER)=${first_account%%:*}"
        export "$(registry_var "$name" PASSWORD)=${first_account#*:}"
        export "$(registry_var "$name" REALM)=$realm"
        export "$(registry_var "$name" TOKEN_LOG)=$token_log"
        export "$(registry_var "$name" REQUEST_LOG)=$request_log"
}

# registry_stop_pids PID...: SIGTERM, then SIGKILL after
# REGISTRY_STOP_TIMEOUT seconds.
registry_stop_pids() {
        local pid deadline
        kill -TERM "$@" 2>/dev/null
        for pid in "$@"; do
                deadline=$((SECONDS + REGISTRY_STOP_TIMEOUT))
                while sl_pid_alive "$pid" && [ "$SECONDS" -lt "$deadline" ]; do
                        sleep 0.05
                done
                kill -KILL "$pid" 2>/dev/null
        done
}

registry_stop() {
        local name=$1 addr_var
        [ -n "${REGISTRY_DIRS[$name]:-}" ] || return 0
        # shellcheck disable=SC2086 # one PID per word
        registry_stop_pids ${REGISTRY_PIDS[$name]}
        addr_var=$(registry_var "$name" ADDR)
        unset "REGISTRY_CREDS[${!addr_var:-none}]"
        [ "${SOCKERLESS_TEST_KEEP:-0}" = 1 ] || rm -rf --one-file-system "${REGISTRY_DIRS[$name]}"
        unset "REGISTRY_PIDS[$name]" "REGISTRY_DIRS[$name]"
        local field
        for field in ADDR DIR USER PASSWORD REALM TOKEN_LOG REQUEST_LOG; do
                unset "$(registry_var "$name" "$field")"
        done
}

# Cleanup hook: sl_cleanup has killed the processes by then, because their
# command lines name the test directory. This stops any that are left and
# unsets the registries' variables.
registry_cleanup() {
        local name
        for name in "${!REGISTRY_DIRS[@]}"; do
                registry_stop "$name"
        done
}

# ---------------------------------------------------------------- seeding

# registry_copy SOURCE ADDR/REPO:TAG [SKOPEO-COPY-OPTION...]: skopeo copy
# into a registry, with the credentials in the caller's `creds`.
registry_copy() {
        local source=$1 destination=$2
        shift 2
        local -a auth=()
        [ -z "$creds" ] || auth=(--dest-creds "$creds")
        # --insecure-policy: the test images are not signed, and the host's
        # /etc/containers/policy.json must not change what a test can copy.
        sl_run timeout -k 10 "$SL_TIMEOUT" skopeo --insecure-policy copy -q --dest-tls-verify=false \
                "${auth[@]}" "$@" "$source" "docker://$destination"
        [ "$SL_RC" = 0 ] || sl_bail "skopeo copy $source to $destination failed: $SL_ERR"
}

# registry_archive_tags ARCHIVE: print the RepoTags of a docker-archive.
registry_archive_tags() {
        tar -xOf "$1" manifest.json | "$SL_PYTHON" -c '
import json, sys
for image in json.load(sys.stdin):
    for tag in image.get("RepoTags") or []:
        print(tag)'
}

# registry_seed_family ADDR ARCHIVE: copy every image of a gzip'd
# docker-archive. skopeo 1.9 does not read a compressed docker-archive, so
# it is decompressed into the test directory first.
registry_seed_family() {
        local addr=$1 archive=$2 plain tag
        plain=$(mktemp "$SL_TMP/seed.XXXXXX.tar")
        gzip -dc "$archive" >"$plain" || sl_bail "cannot decompress $archive"
        for tag in $(registry_archive_tags "$plain"); do
                registry_copy "docker-archive:$plain:$tag" "$addr/$tag"
        done
        rm -f "$plain"
}

# registry_default_images: set the caller's `images` to busybox, layers
# and oci, and debian when a prebuilt archive of it exists.
registry_default_images() {
        images=(busybox layers oci)
        if [ -n "${SOCKERLESS_TEST_IMAGES:-}" ] && [ -f "$SOCKERLESS_TEST_IMAGES/debian-family.tar.gz" ]; then
                images+=(debian)
        else
                echo '# registry_seed: debian left out: no debian-family.tar.gz in SOCKERLESS_TEST_IMAGES'
        fi
}

registry_seed() {
        local addr=$1 creds image archive
        shift
        creds=${REGISTRY_CREDS[$addr]:-}
        if [ "${1:-}" = --creds ]; then
                creds=$2
                shift 2
        fi
        local -a images=("$@")
        [ ${#images[@]} -gt 0 ] || registry_default_images
        for image in "${images[@]}"; do
                archive=$(sl_image_archive "$image") || sl_bail "registry_seed: test image '$image' is not available"
                case $image in
                busybox) registry_copy "docker-archive:$archive" "$addr/sockerless-test/busybox:1.35-single" ;;
                layers) registry_copy "docker-archive:$archive" "$addr/sockerless-test/layers:1" ;;
                oci) registry_copy "oci-archive:$archive" "$addr/sockerless-test/busybox:1.35" --all ;;
                debian) registry_seed_family "$addr" "$archive" ;;
                esac
        done
}

# ---------------------------------------------------------------- small filesystem

# Image files of the filesystems small_fs_mount made.
SMALL_FS_IMAGES=()
SMALL_FS_CLEANUP_ADDED=

small_fs_mount() {
        local dir=${1:-} size=${2:-} image
        [[ $size =~ ^[1-9][0-9]*$ ]] || sl_bail "small_fs_mount: invalid size '$size': expected a whole number of MiB"
        [ -n "$SL_TMP" ] || sl_bail "small_fs_mount: call sl_setup or sl_setup_dir first"
        mkdir -p "$dir" || sl_bail "small_fs_mount: cannot create $dir"
        dir=$(realpath "$dir")
        case $dir/ in
        "$(realpath "$SL_TMP")"/?*) ;;
        *) sl_bail "small_fs_mount: $dir is outside the test directory $SL_TMP" ;;
        esac
        if [ -z "$SMALL_FS_CLEANUP_ADDED" ]; then
                sl_on_cleanup small_fs_cleanup
                SMALL_FS_CLEANUP_ADDED=1
        fi

        image=$(mktemp "$SL_TMP/small-fs.XXXXXX.img")
        SMALL_FS_IMAGES+=("$image")
        truncate -s "${size}M" "$image"
        # -m 0: no blocks reserved for root, so the filesystem is full for
        # root (the daemon) at the point where df shows it full.
        sl_run mkfs.ext4 -q -F -m 0 "$image"
        [ "$SL_RC" = 0 ] || sl_bail "small_fs_mount: mkfs.ext4 on $image failed: $SL_ERR"
        # -o loop sets the loop device's autoclear flag, so it is detached
        # when the filesystem is unmounted.
        sl_run mount -o loop "$image" "$dir"
        [ "$SL_RC" = 0 ] || sl_bail "small_fs_mount: mounting $image on $dir failed: $SL_ERR"
        SL_FIXTURE_MOUNTS+=("$dir")
}

# small_fs_attached IMAGE: print the loop devices that IMAGE backs.
small_fs_attached() {
        losetup -n -O NAME -j "$1" 2>/dev/null
}

small_fs_detached() {
        [ -z "$(small_fs_attached "$1")" ]
}

# Cleanup hook: sl_cleanup has unmounted the filesystems by then. The
# kernel detaches an autoclear loop device after the unmount, not always
# before umount returns, and a lazy unmount (umount -l, when a mount was
# busy) keeps it until its last user goes. So this waits for the
# detach, detaches what is left, and reports in check mode a device that
# stays attached.
small_fs_cleanup() {
        local check=$1 image device
        for image in "${SMALL_FS_IMAGES[@]}"; do
                sl_wait_for 5 small_fs_detached "$image" && continue
                for device in $(small_fs_attached "$image"); do
                        losetup -d "$device" 2>/dev/null
                done
                sl_wait_for 5 small_fs_detached "$image" && continue
                [ -z "$check" ] ||
                        sl_not_ok "small filesystem detached at cleanup" "$(small_fs_attached "$image") still backed by $image"
        done
        SMALL_FS_IMAGES=()
}
