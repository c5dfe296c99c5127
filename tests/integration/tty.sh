#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Terminals and attach: docker run -it driven through a real pty, docker
# attach to a detached container, detach with ctrl-p ctrl-q, docker start -a
# and -ai.

# Single quotes keep $ for the container shell, and sl_wait_for calls helpers.
# shellcheck disable=SC2016,SC2317
. "$(dirname "$0")/lib.sh"
sl_setup
sl_image_load busybox

busybox=sockerless-test/busybox:1.35
# pty DRIVER-ARGS... -- COMMAND...: run COMMAND on a pty (see pty-drive.py).
pty() {
        sl_run "$SL_PYTHON" "$SL_SRCDIR/pty-drive.py" --timeout 20 "$@"
}

running() {
        sl_docker inspect -f '{{.State.Running}}' "$1" 2>/dev/null
}

# ---- docker run -it: a shell session on a terminal
pty 'expect=# ' 'send=echo $((6*7))\r' 'expect=42' 'send=tty\r' 'expect=/dev/pts/[0-9]+' \
        'send=stty size\r' 'expect=24 80' 'send=exit 5\r' -- docker run -it --rm "$busybox" sh
sl_assert_rc "run -it session exits with the shell's code" 5
sl_assert_contains "run -it runs typed command" $'42\r' "$SL_OUT"
sl_assert_match "run -it stdin is a pty" '/dev/pts/[0-9]+' "$SL_OUT"
sl_assert_contains "run -it terminal size from client" "24 80" "$SL_OUT"

pty --size 40x132 'expect=# ' 'send=stty size; exit\r' -- docker run -it --rm "$busybox" sh
sl_assert_contains "run -it other terminal size" "40 132" "$SL_OUT"

sl_run sl_docker run --rm -t "$busybox" echo hi
sl_assert_eq "run -t output has CRLF" $'hi\r' "$SL_OUT"
sl_run sl_docker run --rm "$busybox" sh -c 'test -t 0 || echo no-tty'
sl_assert_out "run without -t has no terminal" no-tty

# ---- docker run -d then docker attach on a terminal, then detach
sl_docker run -d -it --name sl-tty-shell "$busybox" sh >/dev/null
pty 'send=\r' 'expect=# ' 'send=echo at""tached\r' 'expect=attached' 'send=\x10\x11' \
        -- docker attach sl-tty-shell
sl_assert_contains "attach runs typed command" $'attached\r' "$SL_OUT"
sl_assert_contains "ctrl-p ctrl-q detaches" "read escape sequence" "$SL_OUT"
sl_assert_eq "container runs on after detach" true "$(running sl-tty-shell)"

pty 'send=\r' 'expect=# ' 'send=exit 9\r' -- docker attach sl-tty-shell
sl_assert_rc "second attach sees the exit code" 9
sl_wait_for 10 sh -c '[ "$(docker inspect -f {{.State.Running}} sl-tty-shell)" = false ]'
sl_assert_eq "container stopped after exit" false "$(running sl-tty-shell)"

# ---- docker attach without a terminal
sl_docker run -d --name sl-tty-plain "$busybox" sh -c 'sleep 2; echo after-attach; echo err >&2; exit 7' >/dev/null
sl_run sl_docker attach sl-tty-plain
sl_assert_rc "attach returns the exit code" 7
sl_assert_out "attach streams stdout" after-attach
sl_assert_eq "attach streams stderr apart" err "$SL_ERR"

sl_docker run -d -i --name sl-tty-stdin "$busybox" sh -c 'read line; echo got $line' >/dev/null
# The CLI ends an attach once its stdin closes, so keep the pipe open until
# the container has printed its reply and exited.
sl_run sh -c '(echo hello; sleep 2) | timeout 60 docker attach sl-tty-stdin'
sl_assert_out "attach forwards stdin" "got hello"

# ---- docker start -a and -ai
sl_docker create --name sl-tty-start "$busybox" sh -c 'echo started; exit 3' >/dev/null
sl_run sl_docker start -a sl-tty-start
sl_assert_rc "start -a returns the exit code" 3
sl_assert_out "start -a streams output" started
sl_run sl_docker start -a sl-tty-start
sl_assert_out "start -a again runs again" started

sl_docker create -i --name sl-tty-cat "$busybox" cat >/dev/null
sl_run sl_docker start -ai sl-tty-cat <<<hello-stdin
sl_assert_rc "start -ai exit code" 0
sl_assert_out "start -ai forwards stdin" hello-stdin

sl_docker create -it --name sl-tty-startpty "$busybox" sh >/dev/null
pty 'expect=# ' 'send=echo in""side\r' 'expect=inside' 'send=exit 4\r' -- docker start -ai sl-tty-startpty
sl_assert_rc "start -ai on a terminal" 4
sl_assert_contains "start -ai terminal output" $'inside\r' "$SL_OUT"

sl_done
