/* The empty program whose start-up under `memory_baseline profile` the Windows benchmark
   measures against its start-up alone (benchmarks/windows_side_by_side.sh). */
int main(void) {
  return 0;
}
