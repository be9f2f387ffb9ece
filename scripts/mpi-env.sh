# Sourced by the scripts that launch mpirun on a workstation or CI machine: the Open MPI
# settings a root login (containers, CI) and a small machine need. Never set inside the
# programs themselves; on a cluster you do not need them.
if [ "$(id -u)" -eq 0 ]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
# Allow more ranks than cores (e.g. 4 ranks on a 2-core machine): results marked oversubscribed.
export OMPI_MCA_rmaps_base_oversubscribe=1
