#!/usr/bin/env bash
# CI for the Compose stack: build the real images, start the real stack, run the
# end-to-end tests against it, and ALWAYS tear it down (even after a failure).
#
# Usage: bash .ci/run-stack.sh     (as root, on a Debian 12 CI machine; see
#                                   .ci/base-images/README.md)
# Env:   ABI_CI_KEEP_STACK=1       leave the stack running at the end (debugging)
#        everything .ci/install-docker.sh and .ci/build-base-images.sh read
#
# Prints one `step=NAME status=ran|skipped|failed seconds=N` line per step on stdout.
# What is cached between runs on the same machine: the engine and Compose (.deb),
# the debootstrap rootfs and base images, Docker's layer cache (the ~1 GB dependency
# layer of services/Dockerfile is rebuilt only when requirements-runtime.lock changes), .venv.
# Volumes are NOT reused: the stack starts from empty databases every time.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
here=.ci
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"

export PYTHON_IMAGE="${PYTHON_IMAGE:-abi-local/python:3.11-bookworm}"
export POSTGRES_IMAGE="${POSTGRES_IMAGE:-abi-local/postgres:15-bookworm}"
# The tests must fail, never skip, when the stack or the browser is missing.
export ABI_REQUIRE_STACK=1
# Every notice of the stack goes to the integration tests' webhook receiver, which
# listens on the host's Docker bridge (tests/integration/conftest.py: stack_webhook).
export ABI_NOTIFICATIONS__WEBHOOK_URL="http://host.docker.internal:${ABI_IT_WEBHOOK_PORT:-18090}/hook"
# The hung-database fault test waits out one lock timeout: 10 s, not the default 120 s.
export ABI_DATABASE__LOCK_TIMEOUT_SECONDS="${ABI_DATABASE__LOCK_TIMEOUT_SECONDS:-10}"

ci_started=$EPOCHREALTIME
stack_touched=0

# One EXIT trap (it replaces lib.sh's, whose job it also does): report a failed step,
# show what the services were doing, tear the stack down, keep the exit code.
on_exit() {
    local rc=$?
    trap - EXIT
    if [ -n "$_ABI_STEP" ]; then
        _abi_print_step failed
        _ABI_STEP=""
    fi
    if [ "$stack_touched" = 1 ]; then
        if [ "$rc" != 0 ] && [ -f .env ]; then
            log "failure: state and last logs of the stack"
            docker compose ps -a >&2 || true
            docker compose logs --no-color --tail=100 >&2 || true
        fi
        if [ "${ABI_CI_KEEP_STACK:-0}" = 1 ]; then
            log "ABI_CI_KEEP_STACK=1: leaving the stack up (make down to stop it)"
        else
            run_step stack_down quiet_make down || rc=1
        fi
    fi
    awk -v a="$ci_started" -v b="$EPOCHREALTIME" -v r="$rc" \
        'BEGIN { printf "step=ci_stack status=%s seconds=%.1f\n", (r == 0 ? "ran" : "failed"), b - a }'
    exit "$rc"
}
trap on_exit EXIT

# make's own output is detail: stderr, so that stdout keeps only the step= lines.
quiet_make() {
    make --no-print-directory "$@" >&2
}

install_browser() {
    if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then
        STEP_STATUS=skipped
        return 0
    fi
    apt_install chromium chromium-driver
}

fresh_stack() {
    stack_touched=1
    # Named volumes outlive a run on the same machine: start from empty databases so
    # the init scripts run and the counts are those of this run only.
    quiet_make clean FORCE=1
}

require_root
run_step install_docker bash "$here/install-docker.sh"
run_step base_images bash "$here/build-base-images.sh"
run_step browser install_browser
run_step venv quiet_make dev
run_step stack_clean fresh_stack
run_step stack_build quiet_make stack-build
run_step stack_up quiet_make up
run_step test_integration quiet_make test-integration
# Trigger to Completed on the committed sample, split into its phases, on the stack the
# tests just used: the figure docs/stack.md ("Trigger latency") and the closing notes quote.
run_step bench_trigger quiet_make bench-trigger TRIGGER_RUNS=3 BENCH_OUT=test-output/bench
# The end state each fault test observed (tests/integration/faults), for the record.
if [ -f test-output/faults.log ]; then
    sed 's/^/fault_record /' test-output/faults.log >&2
fi
