#!/usr/bin/env bash
# Build the local stand-in base images that the project's Compose stack is
# built FROM when no container registry is reachable (see
# .ci/base-images/README.md):
#
#   abi-local/debian:bookworm-rootfs  docker import of a cached debootstrap
#   abi-local/debian:bookworm         + the machine's CA bundle, apt sources
#   abi-local/python:3.11-bookworm    stand-in for python:3.11-slim-bookworm
#   abi-local/postgres:15-bookworm    stand-in for postgres:15-bookworm
#
# Idempotent: an image that exists is not rebuilt, and the debootstrap rootfs
# is cached as a tarball in $ABI_CACHE_DIR, so a second run is a no-op.
# Rebuild an image by removing it (`docker rmi abi-local/python:3.11-bookworm`),
# or all of them with ABI_REBUILD_IMAGES=1; re-debootstrap by deleting the
# tarball.
#
# Usage: bash .ci/build-base-images.sh   (as root, after .ci/install-docker.sh)
# Env:   ABI_DEBIAN_MIRROR, ABI_DEBIAN_SECURITY_MIRROR (default: the mirrors of
#        the machine's apt sources), ABI_CACHE_DIR (see lib.sh),
#        ABI_REBUILD_IMAGES=1
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"

SUITE=bookworm
ROOTFS_IMAGE="abi-local/debian:${SUITE}-rootfs"
DEBIAN_IMAGE="abi-local/debian:${SUITE}"
PYTHON_IMAGE_TAG="abi-local/python:3.11-${SUITE}"
POSTGRES_IMAGE_TAG="abi-local/postgres:15-${SUITE}"
# Bump the suffix when the debootstrap command line below changes, so that a
# machine with an old cached tarball builds a new one instead of reusing it.
ROOTFS_TAR="$ABI_CACHE_DIR/rootfs-${SUITE}-minbase-ca-v1.tar"
HOST_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt
CONTEXTS="$here/base-images"

image_exists() {
    [ "${ABI_REBUILD_IMAGES:-0}" != 1 ] && docker image inspect "$1" >/dev/null 2>&1
}

# The legacy builder, explicitly: the docker CLI on these machines (28.x in
# /usr/local/bin) has no buildx plugin, so with DOCKER_BUILDKIT=1 in the
# caller's environment `docker build` fails ("buildx component is missing");
# unset, it falls back to the legacy builder with a deprecation notice.
# Forcing 0 makes the result independent of the environment. The legacy
# builder takes FROM images from the local store and never asks a registry.
docker_build() {
    DOCKER_BUILDKIT=0 docker build --pull=false "$@" >&2
}

build_rootfs() {
    if [ -s "$ROOTFS_TAR" ] || image_exists "$ROOTFS_IMAGE"; then
        STEP_STATUS=skipped
        return 0
    fi
    if ! command -v debootstrap >/dev/null 2>&1; then
        apt_install debootstrap
    fi
    mkdir -p "$ABI_CACHE_DIR"
    # Work next to the cache (same filesystem) so the final mv is atomic: an
    # interrupted run never leaves a truncated tarball that a later run
    # would trust.
    local work mirror
    mirror="$(debian_mirror)"
    work="$(mktemp -d "$ABI_CACHE_DIR/rootfs-work.XXXXXX")"
    cleanup_on_exit "$work"
    log "debootstrap --variant=minbase $SUITE from $mirror"
    debootstrap --variant=minbase --include=ca-certificates \
        "$SUITE" "$work/rootfs" "$mirror" >&2
    # debootstrap copies the host's resolv.conf and hostname in, and leaves
    # apt lists and .debs behind: none of that belongs in an image (Docker
    # provides resolv.conf/hostname at run time; images start with empty
    # apt lists like the official ones).
    rm -rf "$work/rootfs/var/lib/apt/lists/"* \
        "$work/rootfs/var/cache/apt/archives/"*.deb \
        "$work/rootfs/var/cache/apt/"*.bin \
        "$work/rootfs/etc/resolv.conf" \
        "$work/rootfs/etc/hostname"
    # /dev, /proc, /sys are provided by the runtime; their contents (device
    # nodes made by debootstrap) are left out. Numeric owners so ids survive.
    tar --numeric-owner --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' \
        -C "$work/rootfs" -cf "$work/rootfs.tar" .
    mv "$work/rootfs.tar" "$ROOTFS_TAR"
    log "cached $(du -h "$ROOTFS_TAR" | cut -f1) rootfs in $ROOTFS_TAR"
}

build_debian() {
    if image_exists "$DEBIAN_IMAGE"; then
        STEP_STATUS=skipped
        return 0
    fi
    if ! image_exists "$ROOTFS_IMAGE"; then
        [ -s "$ROOTFS_TAR" ] || die "no cached rootfs at $ROOTFS_TAR"
        docker import --message "debootstrap --variant=minbase $SUITE" \
            "$ROOTFS_TAR" "$ROOTFS_IMAGE" >&2
    fi
    [ -s "$HOST_CA_BUNDLE" ] || die "no CA bundle at $HOST_CA_BUNDLE"
    # The bundle is added in a build step (not baked into the cached
    # tarball) so the cache does not go stale when the machine's CAs change:
    # rebuilding the images picks up the current bundle.
    local ctx mirror security_mirror
    mirror="$(debian_mirror)"
    security_mirror="$(debian_security_mirror)"
    ctx="$(mktemp -d /tmp/abi-debian-ctx.XXXXXX)"
    cleanup_on_exit "$ctx"
    cp "$CONTEXTS/debian/Dockerfile" "$HOST_CA_BUNDLE" "$ctx/"
    docker_build -t "$DEBIAN_IMAGE" \
        --build-arg "ROOTFS_IMAGE=$ROOTFS_IMAGE" \
        --build-arg "DEBIAN_MIRROR=$mirror" \
        --build-arg "DEBIAN_SECURITY_MIRROR=$security_mirror" \
        "$ctx"
}

build_python() {
    if image_exists "$PYTHON_IMAGE_TAG"; then
        STEP_STATUS=skipped
        return 0
    fi
    docker_build -t "$PYTHON_IMAGE_TAG" --build-arg "BASE_IMAGE=$DEBIAN_IMAGE" \
        "$CONTEXTS/python"
}

build_postgres() {
    if image_exists "$POSTGRES_IMAGE_TAG"; then
        STEP_STATUS=skipped
        return 0
    fi
    docker_build -t "$POSTGRES_IMAGE_TAG" --build-arg "BASE_IMAGE=$DEBIAN_IMAGE" \
        "$CONTEXTS/postgres"
}

require_root
docker_ready || die "docker engine not reachable; run .ci/install-docker.sh first"
run_step rootfs build_rootfs
run_step image_debian build_debian
run_step image_python build_python
run_step image_postgres build_postgres
log "use: PYTHON_IMAGE=$PYTHON_IMAGE_TAG POSTGRES_IMAGE=$POSTGRES_IMAGE_TAG"
