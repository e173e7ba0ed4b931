# shellcheck shell=bash
# Shared helpers for the .ci/ shell scripts. Sourced, never executed.
#
# Every step prints one machine-greppable line on stdout:
#   step=<name> status=<ran|skipped|failed> seconds=<n>
# so a CI log can be scanned for where the time went without reading the
# (long) apt/debootstrap/docker output, which goes to stderr.

# Directory for everything we cache across CI runs on the same machine
# (debootstrap tarball, downloaded .debs). /var/cache survives between runs
# on a reused machine and is the FHS place for regenerable data.
ABI_CACHE_DIR="${ABI_CACHE_DIR:-/var/cache/abi-etl}"

# apt_mirror SUITE: the first URI of the machine's own apt sources (one-line
# .list and deb822 .sources, enabled "deb" entries) that serves SUITE. The
# base images, debootstrap and the trixie download use the same mirror the
# machine itself is configured with, rather than a host written in here.
apt_mirror() {
    local suite="$1" lists=() sources=()
    shopt -s nullglob
    lists=(/etc/apt/sources.list /etc/apt/sources.list.d/*.list)
    sources=(/etc/apt/sources.list.d/*.sources)
    shopt -u nullglob
    {
        if [ "${#lists[@]}" -gt 0 ]; then
            # deb [opts] URI SUITE COMPONENTS...
            awk -v s="$suite" '$1 == "deb" {
                i = 2
                if ($i ~ /^\[/) { while (i < NF && $i !~ /\]$/) i++; i++ }
                if ($(i + 1) == s) print $i
            }' "${lists[@]}" 2>/dev/null
        fi
        if [ "${#sources[@]}" -gt 0 ]; then
            # deb822 stanzas separated by blank lines.
            awk -v s="$suite" 'BEGIN { RS = ""; FS = "\n" }
            {
                uris = ""; suites = ""; types = ""; enabled = "yes"
                for (i = 1; i <= NF; i++) {
                    if ($i ~ /^[ \t]*#/ || index($i, ":") == 0) continue
                    key = tolower(substr($i, 1, index($i, ":") - 1))
                    val = substr($i, index($i, ":") + 1)
                    gsub(/^[ \t]+|[ \t]+$/, "", val)
                    if (key == "uris") uris = val
                    else if (key == "suites") suites = val
                    else if (key == "types") types = val
                    else if (key == "enabled") enabled = tolower(val)
                }
                if (enabled == "no" || types !~ /(^|[ \t])deb([ \t]|$)/) next
                n = split(suites, a, /[ \t]+/)
                for (j = 1; j <= n; j++) if (a[j] == s) { split(uris, u, /[ \t]+/); print u[1]; next }
            }' "${sources[@]}" 2>/dev/null
        fi
    } | head -n 1
}

# debian_mirror: the Debian archive to use: $ABI_DEBIAN_MIRROR if set (a site
# with its own mirror), else the one the machine's apt uses for bookworm.
debian_mirror() {
    local m="${ABI_DEBIAN_MIRROR:-}"
    [ -n "$m" ] || m="$(apt_mirror bookworm)"
    [ -n "$m" ] || die "no bookworm entry in the apt sources; set ABI_DEBIAN_MIRROR"
    printf '%s\n' "${m%/}"
}

# debian_security_mirror: same for bookworm-security (may be empty).
debian_security_mirror() {
    local m="${ABI_DEBIAN_SECURITY_MIRROR:-}"
    [ -n "$m" ] || m="$(apt_mirror bookworm-security)"
    printf '%s\n' "${m%/}"
}

log() {
    # Progress messages go to stderr so stdout keeps only the step= lines.
    printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2
}

die() {
    log "ERROR: $*"
    exit 1
}

# run_step NAME COMMAND [ARGS...]
# Runs COMMAND in the current shell, then prints
#   step=NAME status=ran|skipped seconds=N
# COMMAND sets STEP_STATUS=skipped when it found nothing to do.
# COMMAND is deliberately NOT run as `cmd || rc=$?`: bash ignores `set -e`
# inside anything called from a `||` list, so a failing apt-get in the middle
# of a step would be silently carried on from. Instead a failure exits the
# script through `set -e` and the EXIT trap below reports status=failed.
_ABI_STEP=""
_ABI_STEP_START=""
STEP_STATUS=ran
_abi_print_step() {
    awk -v n="$_ABI_STEP" -v s="$1" -v a="$_ABI_STEP_START" -v b="$EPOCHREALTIME" \
        'BEGIN { printf "step=%s status=%s seconds=%.1f\n", n, s, b - a }'
}
# Paths removed on exit, whatever the outcome (temporary build contexts, the
# debootstrap target, a temporary policy-rc.d). One EXIT trap for everything,
# because a second `trap ... EXIT` in a script would replace this one.
_ABI_CLEANUP=()
cleanup_on_exit() {
    _ABI_CLEANUP+=("$@")
}
_abi_on_exit() {
    local rc=$? path
    if [ -n "$_ABI_STEP" ]; then
        _abi_print_step failed
    fi
    for path in "${_ABI_CLEANUP[@]}"; do
        # --one-file-system: a half-finished debootstrap target may still have
        # /proc or /sys mounted inside it; never recurse into those.
        rm -rf --one-file-system -- "$path"
    done
    return "$rc"
}
trap _abi_on_exit EXIT

run_step() {
    _ABI_STEP="$1"
    shift
    # EPOCHREALTIME (bash >= 5) gives sub-second times without forking date or bc.
    _ABI_STEP_START=$EPOCHREALTIME
    STEP_STATUS=ran
    "$@"
    _abi_print_step "$STEP_STATUS"
    _ABI_STEP=""
}

require_root() {
    # apt-get, dpkg, dockerd and debootstrap all need it; fail early and clearly.
    [ "$(id -u)" -eq 0 ] || die "must run as root"
}

docker_ready() {
    docker info >/dev/null 2>&1
}

# apt_install PKG... : install only the packages that are not installed yet,
# running `apt-get update` once per script run and only when needed.
_ABI_APT_UPDATED=0
apt_install() {
    local missing=() pkg
    for pkg in "$@"; do
        if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q '^install ok installed$'; then
            missing+=("$pkg")
        fi
    done
    [ "${#missing[@]}" -eq 0 ] && return 0
    if [ "$_ABI_APT_UPDATED" -eq 0 ]; then
        apt-get update -q >&2
        _ABI_APT_UPDATED=1
    fi
    log "apt-get install ${missing[*]}"
    # noninteractive: CI has no stdin; --no-install-recommends: docker.io
    # recommends git, apparmor, needrestart... which CI does not need.
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
}
