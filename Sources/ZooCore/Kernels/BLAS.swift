// OpenBLAS access (loaded on first use; see Sources/CBLAS/include/zoo_blas.h for the kernel choice).

import CBLAS

/// Thin wrappers over OpenBLAS. The library is opened the first time any of these is used.
public enum BLAS {
    /// Opens OpenBLAS once; traps with an installation hint if it cannot be found.
    public static let ready: Bool = {
        if zoo_blas_load() != 0 { fatalError(String(cString: zoo_blas_error())) }
        return true
    }()

    /// Row-major C = alpha · op(A) · op(B) + beta · C, with op = transpose when the flag is set.
    @inline(__always)
    public static func sgemm(transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int,
                             alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                             b: UnsafePointer<Float>, ldb: Int, beta: Float = 0,
                             c: UnsafeMutablePointer<Float>, ldc: Int) {
        _ = ready
        zoo_sgemm(transposeA ? 1 : 0, transposeB ? 1 : 0, Int32(m), Int32(n), Int32(k), alpha, a,
                  Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// OpenBLAS's kernel name (e.g. "Haswell", "SkylakeX", "Zen", "Prescott").
    public static var coreName: String { String(cString: zoo_blas_corename()) }
    /// OpenBLAS's build configuration string.
    public static var config: String { String(cString: zoo_blas_config()) }
    /// The shared library that was opened.
    public static var library: String { String(cString: zoo_blas_library()) }
    /// OpenBLAS's thread count.
    public static var threadCount: Int {
        get { Int(zoo_blas_num_threads()) }
        set { zoo_blas_set_num_threads(Int32(newValue)) }
    }
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
        precondition(matrix.count == n * n, "symmetricEigen: \(matrix.count) values for \(n)x\(n)")
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
