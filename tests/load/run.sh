#!/usr/bin/env bash
# Load run for issue 5: one command, every scenario, one table.
#
#   tests/load/run.sh                 # defaults: 2 threads, 50 connections, 10 s per scenario after a 2 s warm-up
#   DURATION=5 WARMUP=1 tests/load/run.sh
#   PIN=1 tests/load/run.sh           # server on CPU 0, wrk on CPU 1 (needs 2+ cores; default: no pinning)
#   ONLY='^yarp' tests/load/run.sh    # only the scenarios whose name matches (an extended regex); the rest is skipped
#   WARMUP_INSTANCES=8                # seconds of unmeasured load per YARP instance and URL before the first scenario
#
# Builds tests/load/LoadApp in Release, starts it on 127.0.0.1 (three instances: GatewayErrors with default
# logging, the same with GatewayErrors' own log category off, and ASP.NET Core's UseExceptionHandler +
# AddProblemDetails) and tests/load/YarpLoadApp (YARP alone, YARP + GatewayErrors, the same with YARP's forwarder
# log off), runs wrk against each scenario, prints scenario / status / req/s / ratio to the static-200
# ceiling measured in this run / p50 / p99, and stops everything it started on exit.
set -euo pipefail
cd "$(dirname "$0")/../.."

THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-50}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
PIN=${PIN:-0}
ONLY=${ONLY:-}
BASE_PORT=${BASE_PORT:-5480}

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# --- wrk -----------------------------------------------------------------------------------------
if ! command -v wrk >/dev/null 2>&1; then
  echo "load: installing wrk from Debian" >&2
  sudo_cmd=""
  if [ "$(id -u)" -ne 0 ]; then sudo_cmd="sudo"; fi
  $sudo_cmd apt-get update >/dev/null && $sudo_cmd apt-get install -y wrk >/dev/null
fi

# --- build ---------------------------------------------------------------------------------------
echo "load: building tests/load/LoadApp and tests/load/YarpLoadApp (Release)" >&2
dotnet build tests/load/LoadApp/LoadApp.csproj -c Release -v quiet -nologo >/dev/null
dotnet build tests/load/YarpLoadApp/YarpLoadApp.csproj -c Release -v quiet -nologo >/dev/null
app_dll=tests/load/LoadApp/bin/Release/net10.0/LoadApp.dll
yarp_dll=tests/load/YarpLoadApp/bin/Release/net10.0/YarpLoadApp.dll

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

server_cpu=() wrk_cpu=()
if [ "$PIN" = 1 ]; then
  server_cpu=(taskset -c 0)
  wrk_cpu=(taskset -c 1)
fi

# start NAME PORT [ENV=VALUE...] -- [APP ARGS...]: starts one instance; its console log goes to a file, as a
# service's stdout would, so the terminal is not what limits logging.
start() {
  local name=$1 port=$2
  shift 2
  local envs=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do envs+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  env ASPNETCORE_ENVIRONMENT=Production "${envs[@]}" "${server_cpu[@]}" \
    dotnet "${DLL:-$app_dll}" --urls "http://127.0.0.1:$port" "$@" >"$work/$name.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do
    if curl -fsS -o /dev/null "http://127.0.0.1:$port/static" 2>/dev/null; then return 0; fi
    sleep 0.2
  done
  echo "load: $name did not start; its log:" >&2
  cat "$work/$name.log" >&2
  exit 1
}

GE=$BASE_PORT
GE_QUIET=$((BASE_PORT + 1))
ASPNET=$((BASE_PORT + 2))
start gatewayerrors "$GE" --
start gatewayerrors-quiet "$GE_QUIET" Logging__LogLevel__GatewayErrors=None --
start aspnet "$ASPNET" -- --variant aspnet
# A YARP gateway alone, the same with GatewayErrors.Yarp, and that again with YARP's own forwarder log turned off as
# docs/yarp.md recommends (GatewayErrors' entry replaces it).
YARP=$((BASE_PORT + 3))
YARP_GE=$((BASE_PORT + 4))
YARP_GE_QUIET=$((BASE_PORT + 5))
DLL=$yarp_dll start yarp "$YARP" -- --variant yarp
DLL=$yarp_dll start yarp-gatewayerrors "$YARP_GE" -- --variant yarp-gatewayerrors
DLL=$yarp_dll start yarp-gatewayerrors-quiet "$YARP_GE_QUIET" -- --variant yarp-gatewayerrors --Logging:LogLevel:Yarp.ReverseProxy.Forwarder.HttpForwarder=Error

# to_ms VALUE: wrk prints latencies as 812.00us / 1.23ms / 1.01s.
to_ms() {
  awk -v v="$1" 'BEGIN {
    n = v + 0
    if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n = n; else if (v ~ /s$/) n *= 1000
    printf "%.2f", n
  }'
}

results="$work/results.tsv"
: >"$results"

# scenario NAME URL [wrk header args...]
scenario() {
  local name=$1 url=$2
  shift 2
  if [ -n "$ONLY" ] && ! [[ $name =~ $ONLY ]]; then return 0; fi
  local status load
  # Other work on the box skews a run: show the 1-minute load average each scenario started under.
  load=$(cut -d' ' -f1 /proc/loadavg)
  status=$(curl -s -o /dev/null -w '%{http_code}' "$@" "$url")
  "${wrk_cpu[@]}" wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" "$@" "$url" >/dev/null
  local out="$work/$name.wrk"
  "${wrk_cpu[@]}" wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "$@" "$url" >"$out"
  local rps p50 p99 errors
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$out")
  p50=$(to_ms "$(awk '$1 == "50%" {print $2}' "$out")")
  p99=$(to_ms "$(awk '$1 == "99%" {print $2}' "$out")")
  errors=$(awk '/Socket errors:/ {sub(/.*Socket errors: /, ""); print}' "$out")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$status" "$rps" "$p50" "$p99" "$load" "${errors:-none}" >>"$results"
  echo "load: $name: $status, $rps req/s, p50 $p50 ms, p99 $p99 ms" >&2
}

json=(-H "Accept: application/json")
html=(-H "Accept: text/html")

# warm URL [wrk header args...]: runs the URL unmeasured. A process's first seconds under load are spent in the JIT
# (tiered compilation and dynamic PGO move hot methods through three tiers, on a background thread that competes with
# the requests): a scenario's own warm-up does not cover that, and the instance measured first would pay for it.
warm() {
  local url=$1
  shift
  "${wrk_cpu[@]}" wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP_INSTANCES}s" "$@" "$url" >/dev/null
}
WARMUP_INSTANCES=${WARMUP_INSTANCES:-8}
if [ -z "$ONLY" ] || [[ yarp-healthy =~ $ONLY ]] || [[ yarp-refused =~ $ONLY ]]; then
  echo "load: warming the YARP instances (${WARMUP_INSTANCES} s per URL)" >&2
  for port in "$YARP" "$YARP_GE" "$YARP_GE_QUIET"; do
    warm "http://127.0.0.1:$port/healthy/"
    warm "http://127.0.0.1:$port/refused/" "${html[@]}"
  done
fi
scenario static-200                 "http://127.0.0.1:$GE/static"
scenario proxy-without-gatewayerrors "http://127.0.0.1:$GE/plain/proxy"
scenario proxy-with-gatewayerrors    "http://127.0.0.1:$GE/ge/proxy"
# Again, in the other order: a 2 % target is inside the noise of one 10 s run.
scenario proxy-with-gatewayerrors-2    "http://127.0.0.1:$GE/ge/proxy"
scenario proxy-without-gatewayerrors-2 "http://127.0.0.1:$GE/plain/proxy"
# Whichever refused scenario runs first has been seen to run faster (the kernel's state after a burst of refused
# connects): ASP.NET's handler runs both before and after GatewayErrors so neither gets the better slot alone.
scenario refused-aspnet-first         "http://127.0.0.1:$ASPNET/eh/refused" "${json[@]}"
scenario refused-gatewayerrors        "http://127.0.0.1:$GE/ge/refused" "${json[@]}"
scenario refused-gatewayerrors-nolog  "http://127.0.0.1:$GE_QUIET/ge/refused" "${json[@]}"
scenario refused-aspnet-exceptionhandler "http://127.0.0.1:$ASPNET/eh/refused" "${json[@]}"
scenario circuit-open-app-polly       "http://127.0.0.1:$GE/ge/circuit"
# AddGatewayErrorsHandler().AddStandardResilienceHandler(), circuit open, route marked WithGatewayUpstreams("outage").
scenario circuit-open-standard-handler "http://127.0.0.1:$GE/ge/outage"
# YARP: each pair in both orders, as above, against plain YARP measured in this run.
scenario yarp-healthy                 "http://127.0.0.1:$YARP/healthy/"
scenario yarp-healthy-gatewayerrors   "http://127.0.0.1:$YARP_GE/healthy/"
scenario yarp-healthy-gatewayerrors-2 "http://127.0.0.1:$YARP_GE/healthy/"
scenario yarp-healthy-2               "http://127.0.0.1:$YARP/healthy/"
scenario yarp-refused                 "http://127.0.0.1:$YARP/refused/" "${html[@]}"
scenario yarp-refused-gatewayerrors   "http://127.0.0.1:$YARP_GE/refused/" "${html[@]}"
scenario yarp-refused-gatewayerrors-quietyarp "http://127.0.0.1:$YARP_GE_QUIET/refused/" "${html[@]}"
# Again, in the reverse order.
scenario yarp-refused-gatewayerrors-quietyarp-2 "http://127.0.0.1:$YARP_GE_QUIET/refused/" "${html[@]}"
scenario yarp-refused-gatewayerrors-2 "http://127.0.0.1:$YARP_GE/refused/" "${html[@]}"
scenario yarp-refused-2               "http://127.0.0.1:$YARP/refused/" "${html[@]}"
# The ceiling again: if it moved, so did everything measured between the two.
# Stale-if-error: an opted-in success next to the same route not opted in, then stale hits from memory during an
# outage (one success keeps the copy; the upstream is then broken for good).
scenario proxy-with-gatewayerrors-3   "http://127.0.0.1:$GE/ge/proxy"
scenario proxy-stale-opted-in         "http://127.0.0.1:$GE/ge/proxy-stale"
curl -fsS -o /dev/null "http://127.0.0.1:$GE/ge/stale" && sleep 0.5 && curl -fsS -X POST -o /dev/null "http://127.0.0.1:$GE/ge/stale/break"
scenario stale-hit-outage             "http://127.0.0.1:$GE/ge/stale"
scenario static-200-end              "http://127.0.0.1:$GE/static"

log_lines=$(wc -l <"$work/gatewayerrors.log")
aspnet_log_lines=$(wc -l <"$work/aspnet.log")

# --- table ---------------------------------------------------------------------------------------
ceiling=$(awk -F'\t' '$1 == "static-200" {print $3} END {}' "$results")
ceiling=${ceiling:-$(awk -F'\t' 'NR == 1 {print $3}' "$results")}
echo
echo "GatewayErrors load run, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s, PIN=$PIN"
awk -F'\t' -v ceiling="$ceiling" 'BEGIN {
    printf "| %-31s | %6s | %10s | %8s | %8s | %8s | %6s | %s |\n", "scenario", "status", "req/s", "ceiling", "p50 ms", "p99 ms", "load1", "socket errors"
    printf "|%s|%s|%s|%s|%s|%s|%s|%s|\n", "---------------------------------", "--------", "------------", "----------", "----------", "----------", "--------", "---"
  }
  { printf "| %-31s | %6s | %10.0f | %7.2fx | %8.2f | %8.2f | %6s | %s |\n", $1, $2, $3, $3 / ceiling, $4, $5, $6, $7 }' "$results"
echo
echo "console log lines written: gatewayerrors instance $log_lines, aspnet instance $aspnet_log_lines"

# YARP + GatewayErrors against YARP alone, each the mean of its two runs (issue 11: healthy >= 0.98x, refused page >= 0.90x).
awk -F'\t' '
  { rps[$1] = $3 }
  END {
    plain = (rps["yarp-healthy"] + rps["yarp-healthy-2"]) / 2
    ge = (rps["yarp-healthy-gatewayerrors"] + rps["yarp-healthy-gatewayerrors-2"]) / 2
    empty = (rps["yarp-refused"] + rps["yarp-refused-2"]) / 2
    page = (rps["yarp-refused-gatewayerrors"] + rps["yarp-refused-gatewayerrors-2"]) / 2
    quiet = (rps["yarp-refused-gatewayerrors-quietyarp"] + rps["yarp-refused-gatewayerrors-quietyarp-2"]) / 2
    printf "yarp healthy: with GatewayErrors %.0f req/s, YARP alone %.0f req/s: %.2fx\n", ge, plain, ge / plain
    printf "yarp refused: GatewayErrors page %.0f req/s (%.0f with YARP'"'"'s own log off), YARP'"'"'s empty 502 %.0f req/s: %.2fx (%.2fx)\n", \
      page, quiet, empty, page / empty, quiet / empty
  }' "$results"
