#!/usr/bin/env bash
# The SLURM path against a real SLURM: munged, slurmctld and slurmd for one node (2 CPUs) on localhost, with a
# generated slurm.conf, all in a temp folder that is removed afterwards; every daemon and job it started is
# stopped on exit, also on failure or Ctrl-C.
#
#   test 1: `npm run slurm -- submit` of the smoke grid as a 2-task array (+ the pre-training array when the smoke
#           backbones are missing) + the merge job (afterok); the merged export must equal the export of the same
#           grid run by one process (same config hashes, same numbers).
#   test 2: the chest-ct half of the smoke grid as a 2-task array; array index 2 is cancelled while it runs
#           (scancel <job>_2). The merge job never runs (its afterok dependency failed), merging by hand names
#           shard 2 as incomplete, and resubmitting only index 2 (--array 2) completes the export, equal to the
#           single process's runs.
#
# Needs root and Debian's slurm-wlm + munge (.ci/run installs them). Without them it prints why and skips (exit
# 0), except under CI=true, where a skip is a failure. Usage: scripts/slurm/ci-test.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
T0=$(date +%s)
say() { echo "[slurm-test] $(date -u +%T) $*"; }
fail() {
  say "FAIL: $*"
  exit 1
}
skip() {
  if [ "${CI:-}" = true ]; then fail "$* (CI must run this test: .ci/run installs slurm-wlm and munge)"; fi
  say "SKIP: $*"
  exit 0
}
for t in munged mungekey slurmctld slurmd sbatch squeue scancel scontrol sinfo python3; do
  command -v "$t" >/dev/null || skip "$t not found: install Debian's slurm-wlm and munge (apt-get install slurm-wlm munge)"
done
[ "$(id -u)" = 0 ] || skip "needs root: slurmd starts the jobs"
[ -x node_modules/.bin/tsx ] || fail "node_modules/.bin/tsx missing: run npm ci first"

tmp=$(mktemp -d /tmp/medssl-slurm-test.XXXXXX)
daemons=() # pids of the daemons this script started, in start order
cleanup() {
  local rc=$?
  set +e
  trap - EXIT INT TERM
  if [ -n "${SLURM_CONF:-}" ] && [ ${#daemons[@]} -ge 2 ]; then
    # Jobs first, so no job step outlives slurmd: cancel every job of this (private) cluster, wait for them.
    scancel --full --quiet --user=root 2>/dev/null
    for _ in $(seq 1 30); do [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break; sleep 1; done
    # Any process of a job still alive on the node (listed by slurmd itself) is killed by its pid.
    for pid in $(scontrol listpids 2>/dev/null | awk 'NR > 1 && $1 ~ /^[0-9]+$/ {print $1}'); do kill -9 "$pid" 2>/dev/null; done
  fi
  for ((k = ${#daemons[@]} - 1; k >= 0; k--)); do
    pid=${daemons[k]}
    kill "$pid" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  if [ "$rc" != 0 ]; then
    for f in "$tmp"/log/*.log "$tmp"/s*/logs/*.out; do
      [ -f "$f" ] && { echo "----- ${f#"$tmp"/} (last 40 lines)"; tail -n 40 "$f"; }
    done
  fi
  rm -rf "$tmp"
  say "daemons stopped, $tmp removed; $(( $(date +%s) - T0 )) s in all, load $(cut -d' ' -f1-3 /proc/loadavg)"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- a one-node SLURM on localhost, private to this script -------------------------------------------------------
node=$(hostname -s)
read -r ctld_port slurmd_port < <(python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')
mkdir -p "$tmp"/munge "$tmp"/state "$tmp"/spool "$tmp"/log
chmod 700 "$tmp"/munge
mungekey --create --keyfile="$tmp/munge/munge.key" >/dev/null
munged --foreground --force --socket="$tmp/munge/socket" --key-file="$tmp/munge/munge.key" \
  --pid-file="$tmp/munge/munged.pid" --seed-file="$tmp/munge/seed" --log-file="$tmp/log/munged.log" >>"$tmp/log/munged.out" 2>&1 &
daemons+=($!)
cat >"$tmp/slurm.conf" <<EOF
ClusterName=medssl-ci
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$tmp/munge/socket
CredType=cred/munge
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/log/slurmctld.log
SlurmdLogFile=$tmp/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
MinJobAge=3600
KillWait=5
NodeName=$node NodeAddr=127.0.0.1 NodeHostname=$node CPUs=2 State=UNKNOWN
PartitionName=ci Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$tmp/slurm.conf"
for _ in $(seq 1 50); do [ -S "$tmp/munge/socket" ] && break; sleep 0.2; done
[ -S "$tmp/munge/socket" ] || fail "munged did not start"
slurmctld -D -f "$SLURM_CONF" >>"$tmp/log/slurmctld.out" 2>&1 &
daemons+=($!)
slurmd -D -f "$SLURM_CONF" -N "$node" >>"$tmp/log/slurmd.out" 2>&1 &
daemons+=($!)
for _ in $(seq 1 60); do
  state=$(sinfo -h -o %T 2>/dev/null || true)
  [ "$state" = idle ] && break
  sleep 1
done
[ "$state" = idle ] || fail "the node did not come up idle (sinfo: '${state:-no answer}')"
say "SLURM $(sinfo --version | cut -d' ' -f2) up in $(( $(date +%s) - T0 )) s: node $node, 2 CPUs, ports $ctld_port/$slurmd_port, $tmp"

# ---- helpers -----------------------------------------------------------------------------------------------------
TSX=node_modules/.bin/tsx
# The states of a job, one per line (an array job: one per task).
states() { scontrol -o show job "$1" | grep -oE 'JobState=[A-Z_]+' | cut -d= -f2; }
task_state() { scontrol -o show job "$1_$2" | grep -oE 'JobState=[A-Z_]+' | cut -d= -f2; }
job_state() { scontrol -o show job "$1" | grep -oE 'JobState=[A-Z_]+' | head -1 | cut -d= -f2; }
# Wait until none of the given jobs is pending or running (timeout in s).
wait_jobs() {
  local timeout=$1
  shift
  local t=$(date +%s)
  while [ -n "$(squeue -h -o %i -j "$(IFS=,; echo "$*")" 2>/dev/null)" ]; do
    [ $(( $(date +%s) - t )) -lt "$timeout" ] || fail "jobs $* still queued or running after $timeout s: $(squeue -h -j "$(IFS=,; echo "$*")")"
    sleep 2
  done
}
submit() { # prints the "[slurm] jobs: ..." line's fields as "pretrain grid merge"
  local out
  out=$(npm run -s slurm -- submit --profile smoke --cpus 1 --time 30 --merge-time 15 "$@") || { echo "$out" >&2; fail "npm run slurm -- submit $* failed"; }
  echo "$out" >&2
  echo "$out" | sed -nE 's/^\[slurm\] jobs: pretrain=(\S+) grid=(\S+) merge=(\S+)$/\1 \2 \3/p'
}
export_of() { echo "$1/paper/results/finetune-smoke.json"; }

# ---- test 1: the smoke grid as a 2-task array + merge, equal to one process's -----------------------------------
say "test 1: smoke grid (32 runs) as a 2-task array + merge job"
t1=$(date +%s)
# The grid as it was sized for this test: four conditions, no controls, one fixed learning rate (no tuning phase).
G=(--conditions baseline,augment,downsample,double-ft --controls none --lr 0.001)
read -r pre grid merge < <(submit --shards 2 --shared-dir "$tmp/s1" --export-root "$tmp/s1/export" "${G[@]}")
[ -n "$merge" ] || fail "could not read the job ids from npm run slurm -- submit"
wait_jobs 1200 "$grid" "$merge" $([ "$pre" != - ] && echo "$pre")
[ "$pre" = - ] || [ -z "$(states "$pre" | grep -v '^COMPLETED$')" ] || fail "pre-training array: $(states "$pre" | tr '\n' ' ')"
for i in 1 2; do [ "$(task_state "$grid" "$i")" = COMPLETED ] || fail "grid task $i: $(task_state "$grid" "$i")"; done
[ "$(job_state "$merge")" = COMPLETED ] || fail "merge job: $(job_state "$merge")"
grep -E '^shard [12]/2' "$tmp"/s1/logs/medssl-merge-smoke-"$merge".out | sed 's/^/    /'
grep -E '^\[merge\] .*finetune-smoke.json' "$tmp"/s1/logs/medssl-merge-smoke-"$merge".out | sed 's/^/    /'
ls "$tmp"/s1/runs/shards/*/shard-1-of-2.json "$tmp"/s1/runs/shards/*/shard-2-of-2.json >/dev/null || fail "shard manifests missing"
s1_secs=$(( $(date +%s) - t1 ))
say "test 1: SLURM part done in $s1_secs s (pre-training array: ${pre}); now the same grid in one process"
t2=$(date +%s)
MEDSSL_THREADS=1 "$TSX" scripts/grid.ts --profile smoke --workers 1 "${G[@]}" --runs-dir "$tmp/ref/runs" --export --export-root "$tmp/ref" >"$tmp/ref.log" 2>&1 || { tail -30 "$tmp/ref.log"; fail "single-process reference grid failed"; }
grep -E '^\[grid\] [0-9]+ ran' "$tmp/ref.log" | sed 's/^/    /'
say "single-process grid: $(( $(date +%s) - t2 )) s"
"$TSX" scripts/slurm/compare-exports.ts "$(export_of "$tmp/s1/export")" "$(export_of "$tmp/ref")" || fail "test 1: the merged export differs from the single-process export"
say "test 1 PASSED"

# ---- test 2: one array task cancelled, only that index resubmitted -----------------------------------------------
say "test 2: chest-ct half of the smoke grid (16 runs) as a 2-task array; task 2 gets cancelled"
t3=$(date +%s)
args=(--shards 2 --shared-dir "$tmp/s2" --export-root "$tmp/s2/export" --datasets chest-ct "${G[@]}")
read -r _ grid merge < <(submit "${args[@]}")
[ -n "$merge" ] || fail "could not read the job ids from npm run slurm -- submit"
# Cancel task 2 in the middle of its shard: once the two tasks have written 4 of the 16 records between them.
for _ in $(seq 1 600); do
  [ "$(find "$tmp/s2/runs" -maxdepth 1 -name '*.json' 2>/dev/null | wc -l)" -ge 4 ] && break
  sleep 1
done
[ "$(task_state "$grid" 2)" = RUNNING ] || fail "task 2 is $(task_state "$grid" 2), expected it still RUNNING to cancel it"
scancel "${grid}_2"
say "cancelled ${grid}_2 while it ran; waiting for task 1 and the merge job"
wait_jobs 900 "$grid" "$merge"
[ "$(task_state "$grid" 1)" = COMPLETED ] || fail "grid task 1: $(task_state "$grid" 1)"
[ "$(task_state "$grid" 2)" = CANCELLED ] || fail "grid task 2: $(task_state "$grid" 2), expected CANCELLED"
[ "$(job_state "$merge")" != COMPLETED ] || fail "the merge job ran although task 2 was cancelled"
say "merge job $merge: $(job_state "$merge") ($(scontrol -o show job "$merge" | grep -oE 'Reason=\S+'))"
set +e
"$TSX" scripts/grid.ts --profile smoke --datasets chest-ct "${G[@]}" --merge --shards 2 --runs-dir "$tmp/s2/runs" --export-root "$tmp/s2/export" >"$tmp/merge2.log" 2>&1
rc=$?
set -e
grep -E '^shard [12]/2|^    missing|^    …|INCOMPLETE' "$tmp/merge2.log" | sed 's/^/    /'
[ "$rc" = 1 ] || fail "merging with shard 2 cancelled exited $rc, expected 1"
grep -qE '^shard 2/2: [0-9]+/8 records, INCOMPLETE .*no manifest' "$tmp/merge2.log" || fail "the merge did not name shard 2 as incomplete"
done2=$(sed -nE 's|^shard 2/2: ([0-9]+)/8 records.*|\1|p' "$tmp/merge2.log")
grep -qE '^shard 1/2: 8/8 records, complete' "$tmp/merge2.log" || fail "the merge did not find shard 1 complete"
say "resubmitting only index 2"
read -r _ grid2 merge2 < <(submit "${args[@]}" --array 2)
[ -n "$merge2" ] || fail "could not read the job ids from npm run slurm -- submit"
wait_jobs 900 "$grid2" "$merge2"
[ "$(task_state "$grid2" 2)" = COMPLETED ] || fail "resubmitted task 2: $(task_state "$grid2" 2)"
[ "$(job_state "$merge2")" = COMPLETED ] || fail "merge after the resubmission: $(job_state "$merge2")"
grep -E '^shard [12]/2|^\[merge\] .*finetune-smoke.json' "$tmp"/s2/logs/medssl-merge-smoke-"$merge2".out | sed 's/^/    /'
ran=$(grep -E '^\[grid\] [0-9]+ ran' "$tmp"/s2/logs/medssl-grid-smoke-"${grid2}"_2.out)
echo "    $ran"
# what task 2 finished before it was cancelled is reused, only the rest is trained
[[ "$ran" =~ ^\[grid\]\ $((8 - done2))\ ran,\ $done2\ cached ]] || fail "the resubmitted task 2 should train $((8 - done2)) and reuse $done2 runs: $ran"
"$TSX" scripts/slurm/compare-exports.ts --subset "$(export_of "$tmp/s2/export")" "$(export_of "$tmp/ref")" || fail "test 2: the completed export differs from the single-process runs"
n2=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).runs.length)' "$(export_of "$tmp/s2/export")")
[ "$n2" = 16 ] || fail "test 2: the export holds $n2 runs, expected the 16 chest-ct runs"
say "test 2 PASSED in $(( $(date +%s) - t3 )) s"
say "all SLURM tests passed in $(( $(date +%s) - T0 )) s (test 1 SLURM $s1_secs s), load $(cut -d' ' -f1-3 /proc/loadavg)"
