#!/usr/bin/env bash
# `make demo` / `make down`: the whole stack on this machine, everything under .local/ (git-ignored).
# The browser tests start a second stack with the same script: HEDGEHOG_STACK_DIR, HEDGEHOG_DEMO_DB,
# HEDGEHOG_DEMO_PORT and HEDGEHOG_DEMO_REDIS_DB keep it apart, and HEDGEHOG_TEMPLATE_DB lets a new
# database start as a copy of an already migrated one instead of running NetBox's migrations again.
set -euo pipefail
cd "$(dirname "$0")/.."
# The stack reads its own configuration from $NETBOX_ROOT/conf, never the test suite's module.
unset NETBOX_CONFIGURATION
ROOT=$(pwd)
LOCAL=${HEDGEHOG_STACK_DIR:-"$ROOT/.local"}
export NETBOX_ROOT="$LOCAL/netbox"
RUN="$LOCAL/run"
LOGS="$LOCAL/log"
BIN="$ROOT/.venv/bin"
DB=${HEDGEHOG_DEMO_DB:-netbox_hedgehog_demo}
PORT=${HEDGEHOG_DEMO_PORT:-8000}
REDIS_DB=${HEDGEHOG_DEMO_REDIS_DB:-0}
ADMIN_USER=admin
log() { echo "[demo] $*"; }

running() { [ -f "$RUN/$1.pid" ] && kill -0 "$(cat "$RUN/$1.pid")" 2>/dev/null; }

start() {  # start NAME COMMAND...: run in its own process group, log to .local/log/NAME.log
  local name=$1; shift
  if running "$name"; then log "$name already running (pid $(cat "$RUN/$name.pid"))"; return; fi
  setsid "$@" >"$LOGS/$name.log" 2>&1 < /dev/null &
  echo $! >"$RUN/$name.pid"
  log "started $name (pid $!, log .local/log/$name.log)"
}

stop() {
  local name=$1
  if running "$name"; then
    kill -TERM -- "-$(cat "$RUN/$name.pid")" 2>/dev/null || kill -TERM "$(cat "$RUN/$name.pid")" || true
    for _ in $(seq 1 50); do running "$name" || break; sleep 0.2; done
    running "$name" && kill -KILL -- "-$(cat "$RUN/$name.pid")" 2>/dev/null || true
    log "stopped $name"
  fi
  rm -f "$RUN/$name.pid"
}

write_configuration() {
  local conf="$NETBOX_ROOT/conf/configuration.py"
  if [ -f "$conf" ]; then
    # Configurations written before the demo ran with debug off by default.
    if grep -q '^DEBUG = True$' "$conf"; then
      sed -i 's/^DEBUG = True$/DEBUG = os.environ.get("HEDGEHOG_DEMO_DEBUG") == "1"/; 1i import os' "$conf"
    fi
    return 0
  fi
  mkdir -p "$NETBOX_ROOT/conf" "$NETBOX_ROOT/media" "$NETBOX_ROOT/scripts" "$NETBOX_ROOT/reports"
  touch "$NETBOX_ROOT/conf/__init__.py"
  cat >"$conf" <<CONF
# Written by \`make demo\` for this machine only. See README.md, "Configuration".
import os

ALLOWED_HOSTS = ["*"]
# Like a production NetBox; \`HEDGEHOG_DEMO_DEBUG=1 make demo\` (after \`make down\`) turns Django's debug mode on.
DEBUG = os.environ.get("HEDGEHOG_DEMO_DEBUG") == "1"
SECRET_KEY = "$("$BIN/netbox" secret-key)"
API_TOKEN_PEPPERS = {1: "$("$BIN/netbox" secret-key)"}
DATABASES = {"default": {"NAME": "$DB", "USER": "postgres", "PASSWORD": "", "HOST": "127.0.0.1", "PORT": "5432",
                         "CONN_MAX_AGE": 300}}
REDIS = {
    "tasks": {"HOST": "127.0.0.1", "PORT": 6379, "DATABASE": $REDIS_DB, "SSL": False, "USERNAME": "", "PASSWORD": ""},
    "caching": {"HOST": "127.0.0.1", "PORT": 6379, "DATABASE": $((REDIS_DB + 1)), "SSL": False, "USERNAME": "",
                "PASSWORD": ""},
}
PLUGINS = ["netbox_hedgehog"]
PLUGINS_CONFIG = {
    "netbox_hedgehog": {
        # "file" lets the demo fabric read a repository on this disk; production keeps https and ssh only.
        "git_allowed_schemes": ["https", "ssh", "file"],
        "git_cache_dir": "$LOCAL/git-cache",
    }
}
METRICS_ENABLED = True
CONF
  log "wrote $conf"
}

make_demo_repository() {
  local repo="$LOCAL/demo-repo"
  [ -d "$repo/.git" ] && return
  mkdir -p "$repo"
  "$BIN/python" -m netbox_hedgehog.generator --name demo --spines 2 --leaves 4 --servers-per-leaf 2 --dir "$repo"
  git -C "$repo" init -q -b main
  git -C "$repo" -c user.name=demo -c user.email=demo@example.invalid add -A
  git -C "$repo" -c user.name=demo -c user.email=demo@example.invalid commit -q -m "Demo fabric wiring"
  log "made the demo Git repository at $repo"
}

up() {
  mkdir -p "$RUN" "$LOGS"
  write_configuration
  if ! psql -h 127.0.0.1 -U postgres -tAc "select 1 from pg_database where datname='$DB'" | grep -q 1; then
    template=${HEDGEHOG_TEMPLATE_DB:-}
    if [ -n "$template" ] && psql -h 127.0.0.1 -U postgres -tAc "select 1 from pg_database where datname='$template'" | grep -q 1 \
        && psql -h 127.0.0.1 -U postgres -qc "create database $DB template $template" 2>/dev/null; then
      log "created database $DB as a copy of $template"
      psql -h 127.0.0.1 -U postgres -d "$DB" -qc "truncate netbox_hedgehog_hedgehogfabric, core_job, core_objectchange cascade"
    else
      psql -h 127.0.0.1 -U postgres -qc "create database $DB"
      log "created database $DB; applying NetBox's migrations (several minutes the first time)"
    fi
  fi
  # Migrating is a no-op that still costs half a minute: skip it while NetBox and the plugin's migrations
  # are the ones the database was last migrated with.
  stamp="$("$BIN/netbox" version) $(ls plugin/netbox_hedgehog/migrations | sort | tr '\n' ' ') $DB"
  if [ "$(cat "$LOCAL/migrated" 2>/dev/null)" != "$stamp" ]; then
    "$BIN/netbox" migrate --no-input >"$LOGS/migrate.log" 2>&1 || { cat "$LOGS/migrate.log"; exit 1; }
    echo "$stamp" >"$LOCAL/migrated"
  fi
  [ -f "$LOCAL/admin-password" ] || "$BIN/python" -c 'import secrets; print(secrets.token_urlsafe(12))' >"$LOCAL/admin-password"
  ADMIN_PASSWORD=$(cat "$LOCAL/admin-password")
  make_demo_repository
  DEMO_REPO="$LOCAL/demo-repo" ADMIN_USER=$ADMIN_USER ADMIN_PASSWORD=$ADMIN_PASSWORD \
    "$BIN/netbox" shell --no-imports -c "exec(open('dev/demo_objects.py').read())"
  start web "$BIN/netbox" runserver "127.0.0.1:$PORT" --insecure --noreload
  start worker "$BIN/netbox" rqworker high default low
  start scheduler "$BIN/netbox" hedgehog_scheduler
  for _ in $(seq 1 60); do curl -fsS -o /dev/null "http://127.0.0.1:$PORT/login/" 2>/dev/null && break; sleep 0.5; done
  cat <<DONE

NetBox with netbox-hedgehog is up: http://127.0.0.1:$PORT/plugins/hedgehog/fabrics/
  user:     $ADMIN_USER
  password: $ADMIN_PASSWORD
Logs are in .local/log/; \`make down\` stops the web server, the worker and the scheduler sidecar.
DONE
}

case "${1:-up}" in
  up) up ;;
  down) for name in scheduler worker web; do stop "$name"; done ;;
  *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
