// OpenBLAS access (loaded on first use; see Sources/CBLAS/include/zoo_blas.h for the kernel choice).
//
// Determinism: OpenBLAS's own threading splits a product differently for different thread counts, and
// its thread count is process-wide, so results depended on who else was calling it. zoo therefore holds
// OpenBLAS at one thread for the life of the process and splits a large sgemm itself, into blocks of C's
// rows computed concurrently. Each element of C is then reduced over K by the same single-threaded
// kernel, in the same order, whatever the split, provided a block edge never moves an element to another
// kind of micro-kernel call. Measured with OpenBLAS 0.3.21 (Zen kernel, one thread, C's rows being its N
// in column-major terms): row blocks of any multiple of 12 rows give bitwise-equal results, blocks of 8,
// 16, 32, 64, 128 or 256 rows do not (consistent with its driver handing rows to the kernel in chunks of
// three 4-row tiles), and blocks of C's columns differ for nearly every size tried, so zoo splits rows only,
// at multiples of `splitAlignment` (48). The AVX-512 kernels (SkylakeX, Cooperlake) add a second rule:
// OpenBLAS 0.3.21 sends products of at most 100³ multiply-adds to a separate small-matrix kernel that
// rounds differently (measured on a Cooperlake Xeon: a block of C's rows matched the one call exactly
// when its rows·N·K was above 1,000,000 and differed below, at every alignment). So no block is ever that
// small unless the whole product is (then it runs as one call), on every CPU alike.
// Tests/ZooCoreTests/Kernels/BLASSplitTests.swift checks this.

import CBLAS
import Dispatch
import Synchronization

/// Thin wrappers over OpenBLAS. The library is opened the first time any of these is used.
public enum BLAS {
    /// Opens OpenBLAS once; traps with an installation hint if it cannot be found. OpenBLAS's own thread
    /// count (OPENBLAS_NUM_THREADS, or its core count) becomes zoo's sgemm thread count (`threadCount`),
    /// and OpenBLAS itself is set to one thread.
    public static let ready: Bool = {
        if zoo_blas_load() != 0 { fatalError(String(cString: zoo_blas_error())) }
        splitThreads.store(Swift.max(1, Swift.min(Int(zoo_blas_num_threads()), Parallel.coreCount)), ordering: .relaxed)
        zoo_blas_set_num_threads(1)
        return true
    }()

    private static let splitThreads = Atomic<Int>(1)

    /// Rows of C per block are a multiple of this (see the note at the top).
    package static let splitAlignment = 48
    /// Products below this many multiply-adds run as one call (a split costs tens of µs of dispatch).
    static let splitMinimumMACs = 1 << 21
    /// OpenBLAS's small-matrix path takes products of at most this many multiply-adds (AVX-512 kernels);
    /// every block of a split product stays above it (see the note at the top).
    package static let smallKernelMACs = 1_000_000

    /// Row-major C = alpha · op(A) · op(B) + beta · C, with op = transpose when the flag is set.
    /// Large products are split over `threadCount` threads by blocks of C's rows (see the note at the top
    /// of BLAS.swift); inside a parallel region (a conv work item) the call runs on the calling thread.
    @inline(__always)
    public static func sgemm(transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int,
                             alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                             b: UnsafePointer<Float>, ldb: Int, beta: Float = 0,
                             c: UnsafeMutablePointer<Float>, ldc: Int) {
        _ = ready
        let threads = m * n * k >= splitMinimumMACs && !Parallel.isInsideParallelRegion
            ? Parallel.threadOverride ?? threadCount : 1
        sgemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
              b: b, ldb: ldb, beta: beta, c: c, ldc: ldc, blocks: threads)
    }

    /// `sgemm` split into (at most) `blocks` blocks of C's rows, run concurrently. The result does not
    /// depend on `blocks`.
    static func sgemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                      a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, beta: Float,
                      c: UnsafeMutablePointer<Float>, ldc: Int, blocks: Int) {
        _ = ready
        let parts = rowBlocks(m: m, n: n, k: k, blocks: blocks)
        if parts.count <= 1 {
            zoo_sgemm(transposeA ? 1 : 0, transposeB ? 1 : 0, Int32(m), Int32(n), Int32(k), alpha, a,
                      Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
            return
        }
        Parallel.forThreads(parts.count) { p in
            let first = parts[p].lowerBound, rows = parts[p].count
            // Rows of op(A): rows of A, or columns of A when it is transposed.
            let ap = transposeA ? a + first : a + first * lda
            zoo_sgemm(transposeA ? 1 : 0, transposeB ? 1 : 0, Int32(rows), Int32(n), Int32(k), alpha, ap,
                      Int32(lda), b, Int32(ldb), beta, c + first * ldc, Int32(ldc))
        }
    }

    /// A quick sgemm rate check (`zoo doctor`): n×n products for about `seconds`, the best run, GFLOP/s.
    public static func probeGFLOPS(n: Int = 1024, seconds: Double = 0.2) -> Double {
        var rng = RandomGenerator(seed: 0)
        let a = (0..<(n * n)).map { _ in rng.normal() }, b = (0..<(n * n)).map { _ in rng.normal() }
        var c = [Float](repeating: 0, count: n * n)
        func product() {
            a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in c.withUnsafeMutableBufferPointer { pc in
                sgemm(m: n, n: n, k: n, a: pa.baseAddress!, lda: n, b: pb.baseAddress!, ldb: n, c: pc.baseAddress!, ldc: n)
            } } }
        }
        func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
        product()  // warm-up: thread start, first touch
        var best = Double.infinity
        let start = now()
        repeat {
            let t0 = now()
            product()
            best = Swift.min(best, now() - t0)
        } while now() - start < seconds
        return 2 * Double(n * n) * Double(n) / best / 1e9
    }

    /// The blocks of C's rows an m x n x k product is split into for (at most) `blocks` threads: starts at
    /// multiples of `splitAlignment`, and every block above the small-matrix path's size (the note at the top).
    package static func rowBlocks(m: Int, n: Int, k: Int, blocks: Int) -> [Range<Int>] {
        guard m > 0, n > 0, k > 0, blocks > 1 else { return [0..<m] }
        let per = (m + blocks - 1) / blocks
        // Rows a block needs to stay out of the small-matrix path: rows · n · k > smallKernelMACs.
        let minimumRows = smallKernelMACs / (n * k) + 1
        let step = (Swift.max(per, minimumRows) + splitAlignment - 1) / splitAlignment * splitAlignment
        var parts = (m + step - 1) / step
        // A short last block joins the one before it.
        if parts > 1 && m - (parts - 1) * step < minimumRows { parts -= 1 }
        return (0..<parts).map { p in p * step ..< (p == parts - 1 ? m : (p + 1) * step) }
    }

    /// Threads one large sgemm is split over (zoo's own split, by blocks of C's rows; OpenBLAS itself always
    /// runs one thread, see `openBLASThreadCount`). Results do not depend on it. Clamped to ≥ 1.
    public static var threadCount: Int {
        get { _ = ready; return splitThreads.load(ordering: .relaxed) }
        set { _ = ready; splitThreads.store(Swift.max(1, newValue), ordering: .relaxed) }
    }

    /// OpenBLAS's own thread count (zoo holds it at 1).
    public static var openBLASThreadCount: Int { _ = ready; return Int(zoo_blas_num_threads()) }

    /// OpenBLAS's kernel name (e.g. "Haswell", "SkylakeX", "Zen", "Prescott").
    public static var coreName: String { String(cString: zoo_blas_corename()) }
    /// OpenBLAS's build configuration string.
    public static var config: String { String(cString: zoo_blas_config()) }
    /// The shared library that was opened.
    public static var library: String { String(cString: zoo_blas_library()) }
    /// "user" when OPENBLAS_CORETYPE was set before zoo ran, "zoo" when zoo chose it, "none" when unset.
    public static var coreTypeSource: String { String(cString: zoo_blas_coretype_source()) }
    /// OPENBLAS_CORETYPE in force ("" when unset).
    public static var coreType: String { String(cString: zoo_blas_coretype()) }
    /// The kernel family the CPU's features allow, as zoo would choose it.
    public static var recommendedCoreType: String { String(cString: zoo_blas_recommended_coretype()) }
    /// CPU vendor string from cpuid.
    public static var cpuVendor: String { String(cString: zoo_cpu_vendor()) }
    /// SIMD features found with cpuid (and enabled by the OS).
    public static var cpuFeatures: [String] {
        String(cString: zoo_cpu_features()).split(separator: " ").map(String.init)
    }

    /// Eigen-decomposition of a symmetric n×n float64 matrix (row-major in, eigenvalues ascending out).
    /// Returns eigenvalues and, when `vectors`, the eigenvectors as columns (row-major n×n).
    public static func symmetricEigen(_ matrix: [Double], n: Int, vectors: Bool = true) throws
        -> (values: [Double], vectors: [Double])
    {
        require(matrix.count == n * n, "symmetricEigen: \(matrix.count) values for \(n)x\(n)")
        _ = ready
        // A symmetric matrix is its own transpose, so row-major input is valid column-major input; the
        // eigenvectors come back column-major, i.e. as the rows of the returned buffer.
        var a = matrix
        var w = [Double](repeating: 0, count: n)
        let info = zoo_dsyevd(vectors ? 86 : 78, 76, Int32(n), &a, Int32(n), &w)  // 'V'/'N', 'L'
        if info != 0 { throw LinearAlgebraError.lapack(routine: "dsyevd", info: Int(info)) }
        guard vectors else { return (w, []) }
        var rowMajor = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n { rowMajor[i * n + j] = a[j * n + i] } }
        return (w, rowMajor)
    }
}

/// A failed LAPACK call.
public enum LinearAlgebraError: Error, CustomStringConvertible {
    case lapack(routine: String, info: Int)
    public var description: String {
        switch self {
        case let .lapack(routine, info):
            return info == -1000 ? "the loaded BLAS has no LAPACK (\(routine))" : "LAPACK \(routine) failed with info \(info)"
        }
    }
}
