#!/usr/bin/env bash
# Get a working Docker engine and Compose v2 on a Debian 12 (bookworm) CI
# machine that has a `docker` client but no engine and no reachable container
# registry. Idempotent: each part is skipped when it already works, so a
# second run on the same machine takes about a second.
#
# Usage: bash .ci/install-docker.sh        (as root)
# Env:   ABI_DEBIAN_MIRROR   Debian mirror (default: the machine's bookworm one)
#        ABI_CACHE_DIR       cache directory (default /var/cache/abi-etl)
#        DOCKERD_LOG         dockerd log file (default /var/log/dockerd.log)
#        DOCKERD_WAIT        seconds to wait for the engine (default 60)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"

DOCKERD_LOG="${DOCKERD_LOG:-/var/log/dockerd.log}"
DOCKERD_WAIT="${DOCKERD_WAIT:-60}"

# Packages from bookworm itself. debootstrap is installed here too because
# build-base-images.sh needs it and this is the one place that runs apt for
# the host; iptables is a docker.io dependency already, listed because the
# bridge network's NAT (containers reaching the package mirrors) needs it.
HOST_PACKAGES=(docker.io debootstrap iptables)

install_packages() {
    if command -v dockerd >/dev/null 2>&1 && command -v debootstrap >/dev/null 2>&1; then
        STEP_STATUS=skipped
        return 0
    fi
    # docker.io's postinst would start the engine through its sysvinit script
    # (no systemd here), with its own log file and before we are ready.
    # policy-rc.d returning 101 tells invoke-rc.d "do not start services";
    # it is removed again on exit. An existing policy-rc.d is left alone.
    local ours=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod 0755 /usr/sbin/policy-rc.d
        cleanup_on_exit /usr/sbin/policy-rc.d
        ours=1
    fi
    apt_install "${HOST_PACKAGES[@]}"
    if [ "$ours" = 1 ]; then
        rm -f /usr/sbin/policy-rc.d
    fi
}

# pid_alive PID COMM: PID is a running process named COMM. A zombie does
# not count: on these machines PID 1 may be slow to reap, so an engine that
# was killed (e.g. at the end of the previous session) can linger as a zombie
# that `kill -0` still reports as alive.
pid_alive() {
    local pid="$1" comm="$2" state
    [ -n "$pid" ] || return 1
    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$comm" ] || return 1
    state="$(sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' "/proc/$pid/status" 2>/dev/null)"
    [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

# A pidfile whose process is gone (or a zombie) makes a new dockerd refuse
# to start ("pid file found") and makes it wait on a containerd that is not
# there; both are removed. A file naming a live process is left alone.
clear_stale_pidfile() {
    local file="$1" comm="$2"
    [ -e "$file" ] || return 0
    if ! pid_alive "$(cat "$file" 2>/dev/null)" "$comm"; then
        log "removing stale $file"
        rm -f "$file"
    fi
}

start_engine() {
    if docker_ready; then
        STEP_STATUS=skipped
        return 0
    fi
    # A dockerd may already be starting (e.g. a previous run timed out just
    # before it came up): starting a second one would fight over
    # /var/run/docker.pid and /var/lib/docker, so only wait for it.
    local pid=""
    if [ -s /var/run/docker.pid ] && pid_alive "$(cat /var/run/docker.pid)" dockerd; then
        pid="$(cat /var/run/docker.pid)"
        log "dockerd (pid $pid) already running, waiting for it"
    else
        clear_stale_pidfile /var/run/docker.pid dockerd
        clear_stale_pidfile /var/run/docker/containerd/containerd.pid containerd
        log "starting dockerd, log in $DOCKERD_LOG"
        # setsid: own session, so the engine outlives this script and the CI
        # step that ran it (containers of later steps need it). dockerd
        # starts its own containerd child when none is given.
        setsid dockerd </dev/null >>"$DOCKERD_LOG" 2>&1 &
        pid=$!
    fi
    local waited=0
    until docker_ready; do
        if ! pid_alive "$pid" dockerd; then
            tail -n 30 "$DOCKERD_LOG" >&2 || true
            die "dockerd exited during startup (log: $DOCKERD_LOG)"
        fi
        if [ "$waited" -ge "$DOCKERD_WAIT" ]; then
            tail -n 30 "$DOCKERD_LOG" >&2 || true
            die "docker info did not answer within ${DOCKERD_WAIT}s (log: $DOCKERD_LOG)"
        fi
        sleep 1
        waited=$((waited + 1))
    done
    log "engine up: $(docker version --format 'server {{.Server.Version}}, client {{.Client.Version}}')"
}

compose_is_v2() {
    local v
    v="$(docker compose version --short 2>/dev/null)" || return 1
    case "$v" in
        2.* | v2.*) return 0 ;;
        *) return 1 ;;
    esac
}

install_compose() {
    if compose_is_v2; then
        STEP_STATUS=skipped
        return 0
    fi
    # bookworm only has Compose v1 (python). trixie's docker-compose is v2
    # (a Go binary, Depends: libc6 >= 2.34 only), so its .deb installs cleanly
    # here. apt is pointed at a private sources list, lists dir and cache in
    # a temp dir: the trixie source never enters the machine's apt
    # configuration, so no later `apt-get install` can take anything from it.
    local debs="$ABI_CACHE_DIR/debs" deb
    mkdir -p "$debs"
    deb="$(find "$debs" -maxdepth 1 -name 'docker-compose_2.*.deb' | sort -V | tail -n 1)"
    if [ -z "$deb" ]; then
        local tmp mirror
        mirror="$(debian_mirror)"
        tmp="$(mktemp -d /tmp/abi-trixie-apt.XXXXXX)"
        cleanup_on_exit "$tmp"
        # apt fetches as the unprivileged _apt user, which must be able to
        # reach the lists and download dirs (mktemp makes the dir 0700).
        chmod 0755 "$tmp"
        mkdir -p "$tmp/lists/partial" "$tmp/cache/archives/partial" "$tmp/parts"
        printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s trixie main\n' \
            "$mirror" >"$tmp/sources.list"
        local aptopts=(
            -o "Dir::Etc::SourceList=$tmp/sources.list"
            -o "Dir::Etc::SourceParts=$tmp/parts"
            -o "Dir::State::Lists=$tmp/lists"
            -o "Dir::Cache=$tmp/cache"
        )
        apt-get "${aptopts[@]}" update -q >&2
        chown _apt "$tmp"
        (cd "$tmp" && apt-get "${aptopts[@]}" download docker-compose >&2)
        deb="$(find "$tmp" -maxdepth 1 -name 'docker-compose_2.*.deb' | head -n 1)"
        [ -n "$deb" ] || die "trixie did not provide a docker-compose 2.x .deb"
        cp "$deb" "$debs/"
        deb="$debs/$(basename "$deb")"
    fi
    log "dpkg -i $(basename "$deb")"
    dpkg -i "$deb" >&2
    # The .deb puts the plugin in /usr/libexec/docker/cli-plugins, which both
    # Debian's docker CLI and upstream CLIs (e.g. /usr/local/bin/docker)
    # search. Checked, not assumed:
    compose_is_v2 || die "docker compose still does not report v2 after installing $deb"
    log "compose: $(docker compose version)"
}

require_root
run_step docker_packages install_packages
run_step docker_engine start_engine
run_step docker_compose install_compose
