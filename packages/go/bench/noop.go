package bench

/*
static int grantex_bench_noop(int x) { return x + 1; }
*/
import "C"

// cgoNoop is one Go → C call that does nothing: BenchmarkCgoNoop measures the bare cgo transition.
func cgoNoop(x int) int { return int(C.grantex_bench_noop(C.int(x))) }
