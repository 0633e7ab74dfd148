# Sourced by the sbatch templates in this folder, on the compute node, in the job's working folder (sbatch
# --chdir or the folder sbatch was called from: the medssl checkout, on a filesystem every node sees).
# sbatch runs a COPY of the template from its spool folder, so the checkout is found from the working folder.
if ! grep -qs '"name": "medssl"' package.json; then
  echo "[slurm] $(pwd) is not the medssl checkout: submit from it, or pass --chdir=<checkout> to sbatch" >&2
  exit 2
fi
# Site set-up (module load nodejs, a conda env, ...): a file given in MEDSSL_SLURM_SETUP is sourced first.
if [ -n "${MEDSSL_SLURM_SETUP:-}" ]; then
  # shellcheck disable=SC1090
  source "$MEDSSL_SLURM_SETUP"
fi
# Compute threads = the CPUs SLURM gave the task (os.cpus() on the node counts every core of the machine).
export MEDSSL_THREADS="${MEDSSL_THREADS:-${SLURM_CPUS_PER_TASK:-1}}"
export TF_NUM_INTRAOP_THREADS="${TF_NUM_INTRAOP_THREADS:-$MEDSSL_THREADS}"
export TF_NUM_INTEROP_THREADS="${TF_NUM_INTEROP_THREADS:-1}"
TSX=./node_modules/.bin/tsx
if [ ! -x "$TSX" ]; then
  echo "[slurm] $TSX missing: run npm ci in $(pwd) first" >&2
  exit 2
fi
command -v node >/dev/null || { echo "[slurm] node is not on PATH on $(hostname) (set MEDSSL_SLURM_SETUP to a file that loads it)" >&2; exit 2; }

job_start=$(date +%s)
echo "[slurm] ${SLURM_JOB_NAME:-job} ${SLURM_ARRAY_JOB_ID:+${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID} }(job ${SLURM_JOB_ID:-?}, restart ${SLURM_RESTART_COUNT:-0}) on $(hostname) at $(date -u +%FT%TZ): ${SLURM_CPUS_PER_TASK:-?} CPUs, threads $MEDSSL_THREADS, node $(node --version), load $(cut -d' ' -f1-3 /proc/loadavg)"
job_end() {
  local rc=$?
  echo "[slurm] exit $rc after $(( $(date +%s) - job_start )) s wall, load $(cut -d' ' -f1-3 /proc/loadavg); CPU user, sys of this shell, then of its children (the node scripts):"
  times
}
trap job_end EXIT
