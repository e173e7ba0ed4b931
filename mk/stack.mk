# The Compose stack (docker-compose.yml): `include mk/stack.mk` from the Makefile.
# Every target is listed by `make help`. Docs: docs/stack.md.
#
# Knobs (make VAR=value ...):
#   COMPOSE       the Compose v2 command              (docker compose)
#   STACK_TIMEOUT seconds `make up` waits per phase   (300)
#   RUN_TIMEOUT   seconds `make run` follows a run    (1800)
#   WORKERS       workers `make up` waits for         (ABI_WORKER_REPLICAS from .env, else 1)
#   SERVICE       service for `make logs`             (all)
#   FORCE=1       `make clean` and `make restore` without the prompt
#   BACKUP_DIR    where `make backup` writes          (backups)
#   FILE          the dump `make restore` loads       (required)
#   RAW_DIRS      snapshots `make backfill` loads, in order, as the workers see them
#   REMOTE_PROJECT  Compose project of the remote workers   (abi-etl-workers)
#   REMOTE_ENV      their variables (deploy/worker.env; without it: this machine's stack)
#   REMOTE_HEALTH_PORT  their health port on this machine, without REMOTE_ENV (18081)

COMPOSE ?= docker compose
STACK_ENV ?= .env
STACK_ENV_EXAMPLE ?= .env.example
STACK_TIMEOUT ?= 300
RUN_TIMEOUT ?= 1800
SERVICE ?=
STACK_T0 := $(shell date +%s)
# Values of .env the targets need (the shell environment wins, as in Compose).
# A quoted value loses its quotes, as Compose reads it.
stack_var = $(strip $(or $($(1)),$(shell [ -f $(STACK_ENV) ] && sed -n 's/^$(1)=//p' $(STACK_ENV) \
	| tail -n 1 | sed -e "s/^'\(.*\)'$$/\1/" -e 's/^"\(.*\)"$$/\1/'),$(2)))
WORKERS ?= $(call stack_var,ABI_WORKER_REPLICAS,1)
STACK_POOL ?= abi-etl-pool
STACK_DEPLOYMENT ?= ABI ETL Pipeline/daily-etl
# Variables generated into a new .env (each must be empty in .env.example).
STACK_SECRETS := PREFECT_AUTH_PASSWORD PREFECT_DB_PASSWORD WAREHOUSE_ADMIN_PASSWORD \
	ABI_WAREHOUSE_ETL_PASSWORD ABI_WAREHOUSE_BI_PASSWORD

# Teardown and inspection must work without a .env (e.g. CI cleaning up before `make up`
# created one): Compose only needs the required variables to be non-empty to parse the file.
STACK_NOENV := $(if $(wildcard $(STACK_ENV)),,env $(foreach s,$(STACK_SECRETS),$(s)=unused))

.PHONY: up deploy status run logs ps down clean psql test-integration stack-env stack-build \
	stack-wait backup restore backfill remote-workers-up remote-workers-down

# Generated passwords always hold @ / : % # and $ (and a %xx escape that a careless URL
# decoder would turn into a letter), so every stack, CI's included, proves that no URL,
# .env line or shell command mangles them. Written single-quoted: Compose reads a
# single-quoted .env value verbatim (no $ interpolation, no " #" comment).
define stack_new_password
hex="$$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')"; \
value="$${hex:0:8}@$${hex:8:8}/$${hex:16:8}:$${hex:24:8}%4a$${hex:32:8}#$${hex:40:4}\$$$${hex:44:4}"
endef

stack-env: ## Create .env from .env.example with generated passwords (never overwrites)
	@if [ -f $(STACK_ENV) ]; then \
		echo "stack: using existing $(STACK_ENV)"; \
	else \
		umask 077; tmp="$$(mktemp $(STACK_ENV).XXXXXX)"; cp $(STACK_ENV_EXAMPLE) "$$tmp"; \
		for name in $(STACK_SECRETS); do \
			$(stack_new_password); \
			sed -i "s|^$${name}=\$$|$${name}='$${value}'|" "$$tmp"; \
		done; \
		mv "$$tmp" $(STACK_ENV); \
		echo "stack: created $(STACK_ENV) with generated passwords (mode 600, git-ignored)"; \
		project="$(call stack_var,COMPOSE_PROJECT_NAME,abi-etl)"; \
		if [ -n "$$(docker volume ls -q --filter label=com.docker.compose.project=$$project 2>/dev/null)" ]; then \
			echo "stack: WARNING: volumes of an earlier stack exist; their databases keep the" \
				"passwords of the earlier .env: run 'make clean' (deletes their data) if start-up fails" >&2; \
		fi; \
	fi
	@for name in $(STACK_SECRETS); do \
		if ! grep -Eq "^$$name=([^'\"]|'[^']|\"[^\"])" $(STACK_ENV) && [ -z "$${!name:-}" ]; then \
			echo "stack: $$name is empty in $(STACK_ENV): set it (or delete $(STACK_ENV) to regenerate)" >&2; \
			exit 1; \
		fi; \
	done

# Output of a failed pull or base-image lookup, BuildKit's and the classic engine's.
STACK_PULL_ERRORS := no such host|dial tcp|failed to resolve source metadata|pull access denied
STACK_PULL_HINT := stack: a base image cannot be pulled (no container registry reachable?): \
	set PYTHON_IMAGE and POSTGRES_IMAGE in $(STACK_ENV) to a registry mirror, or run \
	.ci/build-base-images.sh and set them to abi-local/python:3.11-bookworm and \
	abi-local/postgres:15-bookworm (docs/stack.md)

# $(call stack_pull_guard,COMMAND): run COMMAND with its output shown as usual; when it
# fails because an image cannot be pulled, end with STACK_PULL_HINT, one line that says
# what to do, instead of leaving the user with BuildKit's "no such host" to decode.
define stack_pull_guard
out="$$(mktemp)"; trap 'rm -f "$$out"' EXIT; \
if ! { $(1); } 2>&1 | tee "$$out"; then \
	if grep -Eq '$(STACK_PULL_ERRORS)' "$$out"; then echo "$(STACK_PULL_HINT)" >&2; fi; \
	exit 1; \
fi
endef

stack-build: stack-env ## Build the abi-etl image (dependency layer cached)
	@set -o pipefail; start=$$(date +%s); \
	$(call stack_pull_guard,$(COMPOSE) build prefect-server); \
	echo "stack: image built in $$(( $$(date +%s) - start ))s"

up: stack-build ## Build and start the stack; wait for the server, the registration and online workers
	@echo "stack: starting (workers: $(WORKERS))"
	@set -o pipefail; \
	$(call stack_pull_guard,$(COMPOSE) up -d --no-build --scale worker=$(WORKERS) \
		|| { $(COMPOSE) logs --tail=80 register prefect-server >&2; exit 1; })
	@$(stack_wait)
	@echo "stack: ready $$(( $$(date +%s) - $(STACK_T0) ))s after make started (build included)"; \
	echo; \
	echo "  Prefect UI:   $(call stack_var,ABI_PUBLIC_URL,http://localhost:$(call stack_var,PREFECT_PORT,4200))"; \
	echo "  Login:        $(call stack_var,PREFECT_AUTH_USER,admin):<PREFECT_AUTH_PASSWORD>, both in $(STACK_ENV)"; \
	echo "  Warehouse:    127.0.0.1:$(call stack_var,WAREHOUSE_PORT,15432)/$(call stack_var,ABI_WAREHOUSE_DB,abi_warehouse) as $(call stack_var,ABI_WAREHOUSE_BI_USER,abi_bi) (read-only; password in $(STACK_ENV); make psql)"; \
	echo "  Run it now:   make run"

stack-wait: ## Wait until prefect-server is healthy, register has succeeded and workers are ONLINE
	@$(stack_wait)

# Bounded waits, each phase printing what it saw; on failure, the culprit's logs. The
# phases share one deadline: a recipe line starts with $(stack_deadline), then the phases
# it needs (`make deploy` restarts the register job and the workers between them).
stack_deadline = deadline=$$(( $$(date +%s) + $(STACK_TIMEOUT) ))
stack_wait = $(stack_deadline); $(stack_wait_server); $(stack_wait_register); $(stack_wait_workers)

define stack_wait_server
server="$$($(COMPOSE) ps -q prefect-server)"; \
[ -n "$$server" ] || { echo "stack: prefect-server is not running (make up)" >&2; exit 1; }; \
until [ "$$(docker inspect -f '{{.State.Health.Status}}' "$$server")" = healthy ]; do \
	if [ $$(date +%s) -ge $$deadline ]; then \
		echo "stack: prefect-server not healthy after $(STACK_TIMEOUT)s" >&2; \
		$(COMPOSE) logs --tail=80 prefect-server >&2; exit 1; \
	fi; \
	sleep 2; \
done; \
echo "stack: prefect-server healthy"
endef

define stack_wait_register
register="$$($(COMPOSE) ps -a -q register)"; \
[ -n "$$register" ] || { echo "stack: the register job never ran" >&2; exit 1; }; \
until [ "$$(docker inspect -f '{{.State.Status}}' "$$register")" = exited ]; do \
	if [ $$(date +%s) -ge $$deadline ]; then \
		echo "stack: register still running after $(STACK_TIMEOUT)s" >&2; exit 1; \
	fi; \
	sleep 2; \
done; \
code="$$(docker inspect -f '{{.State.ExitCode}}' "$$register")"; \
if [ "$$code" != 0 ]; then \
	echo "stack: register exited $$code" >&2; $(COMPOSE) logs --tail=80 register >&2; exit 1; \
fi; \
echo "stack: register completed"
endef

# Only the workers of the current containers count: a worker registers as
# abi-etl-worker-<hostname> (docker-compose.yml), the hostname is the container id's first
# 12 characters, and the workers of removed containers stay ONLINE for a few heartbeats.
define stack_wait_workers
names="$$($(COMPOSE) ps -q worker | cut -c1-12 | sed 's/^/--worker abi-etl-worker-/')"; \
left=$$(( deadline - $$(date +%s) )); [ $$left -gt 10 ] || left=10; \
$(COMPOSE) run --rm --no-deps -T register abi-etl status --pool $(STACK_POOL) \
	--wait-workers $(WORKERS) --timeout $$left --runs 0 $$names \
	|| { echo "stack: fewer than $(WORKERS) worker(s) ONLINE in $(STACK_POOL)" >&2; \
	     $(COMPOSE) logs --tail=80 worker >&2; exit 1; }
endef

deploy: stack-build ## After changing code, config/ or deploy/prefect.yaml: rebuild, re-register, restart the workers
	@$(stack_deadline); $(stack_wait_server); \
	echo "stack: registering from the new image"; \
	$(COMPOSE) up -d --no-build --no-deps --force-recreate register || exit 1; \
	$(stack_wait_register); \
	echo "stack: restarting $(WORKERS) worker(s) on the new image"; \
	$(COMPOSE) up -d --no-build --no-deps --force-recreate --scale worker=$(WORKERS) worker \
		|| exit 1; \
	$(stack_wait_workers); \
	echo "stack: deployed $$(( $$(date +%s) - $(STACK_T0) ))s after make started (build included)"

status: ## Show the work pool, workers, deployment and last runs (abi-etl status in the stack)
	@[ -n "$$($(STACK_NOENV) $(COMPOSE) ps -q prefect-server 2>/dev/null)" ] \
		|| { echo "stack: prefect-server is not running (make up)" >&2; exit 1; }
	@$(COMPOSE) run --rm --no-deps -T register abi-etl status --pool $(STACK_POOL)

run: stack-env ## Run "ABI ETL Pipeline/daily-etl" now and follow it; fails unless it ends Completed
	$(COMPOSE) run --rm --no-deps -T register \
		prefect deployment run "$(STACK_DEPLOYMENT)" --watch --watch-timeout $(RUN_TIMEOUT)

RAW_DIRS ?=

backfill: stack-env ## Load RAW_DIRS="/data/raw/a /data/raw/b ..." in order, spread over the workers (fails unless all complete)
	@[ -n "$(strip $(RAW_DIRS))" ] || { echo "stack: RAW_DIRS is required: make backfill RAW_DIRS=\"/data/raw/2026-11-30 /data/raw/2026-12-01\"" >&2; exit 2; }
	$(COMPOSE) run --rm --no-deps -T register abi-etl backfill \
		$(foreach dir,$(RAW_DIRS),--raw-dir $(dir)) --timeout $(RUN_TIMEOUT)

# Workers on another machine: deploy/worker.compose.yml as a Compose project of its own.
# With REMOTE_ENV (copied from deploy/worker.env.example) they join the server it names.
# Without it they join THIS machine's stack as a second machine would, through the ports
# the stack publishes on 127.0.0.1 (host networking: see the compose file's header).
REMOTE_PROJECT ?= abi-etl-workers
REMOTE_ENV ?= deploy/worker.env
REMOTE_HEALTH_PORT ?= 18081
# Teardown needs no variables: Compose only wants the required ones non-empty to parse.
REMOTE_NOENV = $(if $(wildcard $(REMOTE_ENV))$(wildcard $(STACK_ENV)),,env PREFECT_AUTH_PASSWORD=unused \
	ABI_WAREHOUSE_ETL_PASSWORD=unused)
REMOTE_COMPOSE = $(if $(wildcard $(REMOTE_ENV)),,env \
	ABI_REMOTE_PREFECT_API_URL=http://127.0.0.1:$(call stack_var,PREFECT_PORT,4200)/api \
	ABI_REMOTE_WAREHOUSE_HOST=127.0.0.1 \
	ABI_REMOTE_WAREHOUSE_PORT=$(call stack_var,WAREHOUSE_PORT,15432) \
	ABI_PUBLIC_URL=$(call stack_var,ABI_PUBLIC_URL,http://localhost:$(call stack_var,PREFECT_PORT,4200)) \
	ABI_WORKER_NETWORK_MODE=host ABI_WORKER_HEALTH_PORT=$(REMOTE_HEALTH_PORT)) \
	$(COMPOSE) -p $(REMOTE_PROJECT) --project-directory . -f deploy/worker.compose.yml \
	--env-file $(or $(wildcard $(REMOTE_ENV)),$(wildcard $(STACK_ENV)),/dev/null)

remote-workers-up: ## Start the workers of deploy/worker.compose.yml (REMOTE_ENV, else against this stack) and wait until healthy
	@[ -f "$(REMOTE_ENV)" ] || [ -f "$(STACK_ENV)" ] \
		|| { echo "stack: neither $(REMOTE_ENV) (cp deploy/worker.env.example) nor $(STACK_ENV) (make up)" >&2; exit 2; }
	$(REMOTE_COMPOSE) up -d --wait --wait-timeout $(STACK_TIMEOUT)

remote-workers-down: ## Stop and remove the remote workers' containers and volumes (project REMOTE_PROJECT)
	$(REMOTE_NOENV) $(REMOTE_COMPOSE) down --volumes --remove-orphans

logs: ## Follow the services' logs (SERVICE=worker for one service)
	$(STACK_NOENV) $(COMPOSE) logs -f --tail=200 $(SERVICE)

ps: ## List the stack's containers, one-shot jobs included
	$(STACK_NOENV) $(COMPOSE) ps -a

down: ## Stop and remove the containers (volumes and images are kept)
	$(STACK_NOENV) $(COMPOSE) down --remove-orphans

clean: ## Remove containers AND volumes (Prefect history, warehouse data); FORCE=1 skips the prompt
	@if [ "$(FORCE)" != 1 ]; then \
		read -r -p "Delete the stack's volumes (Prefect DB, warehouse, staging)? [y/N] " answer; \
		case "$$answer" in [yY]*) ;; *) echo "aborted"; exit 1 ;; esac; \
	fi
	$(STACK_NOENV) $(COMPOSE) down --volumes --remove-orphans

psql: ## Open psql on the warehouse as the read-only BI role (SQL can be piped in)
	$(COMPOSE) exec $(if $(shell [ -t 0 ] && echo tty),,-T) --user postgres warehouse-db sh -c \
		'PGPASSWORD="$$ABI_WAREHOUSE_BI_PASSWORD" exec psql -h 127.0.0.1 -U "$$ABI_WAREHOUSE_BI_USER" -d "$$ABI_WAREHOUSE_DB"'

BACKUP_DIR ?= backups
FILE ?=

# pg_dump and pg_restore run inside warehouse-db (its client matches its server) as the
# container's superuser, over TCP with the password from the container's environment:
# the host needs no PostgreSQL client, and no password crosses a command line.
define stack_warehouse_superuser
$(COMPOSE) exec -T --user postgres warehouse-db sh -c 'PGPASSWORD="$$POSTGRES_PASSWORD" \
	exec "$$0" -h 127.0.0.1 -U "$$POSTGRES_USER" --no-password "$$@"'
endef

define stack_require_warehouse
[ -n "$$($(STACK_NOENV) $(COMPOSE) ps -q --status running warehouse-db 2>/dev/null)" ] \
	|| { echo "stack: warehouse-db is not running (make up)" >&2; exit 1; }
endef

backup: stack-env ## Dump the running warehouse to BACKUP_DIR/<db>-<UTC time>.dump (pg_dump custom format)
	@set -o pipefail; $(stack_require_warehouse); \
	umask 077; mkdir -p "$(BACKUP_DIR)"; \
	file="$(BACKUP_DIR)/$(call stack_var,ABI_WAREHOUSE_DB,abi_warehouse)-$$(date -u +%Y%m%dT%H%M%SZ).dump"; \
	partial="$$file.partial"; trap 'rm -f "$$partial"' EXIT; \
	start=$$(date +%s); \
	$(stack_warehouse_superuser) pg_dump --format=custom --dbname "$(call stack_var,ABI_WAREHOUSE_DB,abi_warehouse)" \
		> "$$partial" || { echo "stack: pg_dump failed; no backup written" >&2; exit 1; }; \
	$(stack_warehouse_superuser) pg_restore --list < "$$partial" > /dev/null \
		|| { echo "stack: the dump does not read back; no backup written" >&2; exit 1; }; \
	mv "$$partial" "$$file"; \
	echo "stack: backup written to $$file ($$(wc -c < "$$file") bytes, $$(( $$(date +%s) - start ))s)"; \
	echo "stack: restore it with: make restore FILE=$$file"

# One transaction (--single-transaction, which stops at the first error): a dump that
# fails halfway, a missing role or a cut file leaves the warehouse as it was.
restore: stack-env ## Replace the stack's warehouse with a backup: make restore FILE=backups/<name>.dump (one transaction)
	@file="$(FILE)"; \
	[ -n "$$file" ] || { echo "stack: FILE is required: make restore FILE=$(BACKUP_DIR)/<name>.dump" >&2; exit 2; }; \
	[ -f "$$file" ] && [ -r "$$file" ] || { echo "stack: cannot read FILE=$$file (no such file, or not readable)" >&2; exit 2; }; \
	$(stack_require_warehouse); \
	db="$(call stack_var,ABI_WAREHOUSE_DB,abi_warehouse)"; \
	if ! errors="$$($(stack_warehouse_superuser) pg_restore --list < "$$file" 2>&1 >/dev/null)"; then \
		echo "stack: FILE=$$file is not a pg_dump archive (make backup writes one): $$errors" >&2; exit 2; \
	fi; \
	if [ "$(FORCE)" != 1 ]; then \
		read -r -p "Replace the warehouse $$db with $$file? [y/N] " answer; \
		case "$$answer" in [yY]*) ;; *) echo "aborted"; exit 1 ;; esac; \
	fi; \
	start=$$(date +%s); \
	$(stack_warehouse_superuser) pg_restore --dbname "$$db" --clean --if-exists \
		--single-transaction --exit-on-error < "$$file" \
		|| { echo "stack: restore of $$file failed; the warehouse is unchanged (one transaction)" >&2; exit 1; }; \
	echo "stack: restored $$file into $$db in $$(( $$(date +%s) - start ))s"

test-integration: dev ## Run tests/integration against the running stack (make up first)
	ABI_REQUIRE_STACK=1 $(BIN)/pytest tests/integration -m integration -p no:cacheprovider --timeout 2400 -v
