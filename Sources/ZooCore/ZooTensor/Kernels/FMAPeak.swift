// The CPU's measured single-precision FMA peak (CSupport/zoo_peak.c): what `zoo doctor` holds sgemm against.
import CSupport

public enum FMAPeak {
    /// The vector unit the loop uses on this CPU ("avx512f", "avx2+fma", "sse (multiply + add)"), from
    /// cpuid and the OS's saved register state.
    public static var isa: String { String(cString: zoo_fma_isa()) }

    /// GFLOP/s of register-only fused multiply-adds on `threads` threads: the best ~20 ms run within
    /// about `seconds` (nil on a CPU the loop does not know).
    public static func gflops(threads: Int, seconds: Double = 0.3) -> Double? {
        let rate = zoo_fma_peak_gflops(Int32(Swift.max(1, threads)), seconds)
        return rate > 0 ? rate : nil
    }
}
