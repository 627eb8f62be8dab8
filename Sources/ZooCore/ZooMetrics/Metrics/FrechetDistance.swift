// The Fréchet distance between two Gaussians fitted to feature sets (the distance behind FVD and FID).
//
//     d² = |μ1 − μ2|² + tr Σ1 + tr Σ2 − 2 tr (Σ1^½ Σ2 Σ1^½)^½
//
// in float64, with Σ the covariance divided by N − 1 (numpy's `np.cov`). tr (Σ1 Σ2)^½ equals
// tr (Σ1^½ Σ2 Σ1^½)^½, whose argument is symmetric positive semi-definite, so it is computed from
// eigenvalues only: Σ1 = V diag(λ) Vᵀ (LAPACK dsyevd), Σ1^½ = V diag(√max(λ, 0)) Vᵀ, then the eigenvalues
// μ_i of the symmetrised Σ1^½ Σ2 Σ1^½ give tr(...)^½ = Σ √max(μ_i, 0). Unlike a general `sqrtm` of the
// product (scipy 1.11 gives badly wrong traces on the rank-deficient covariances of few clips) or a Newton
// iteration, this is stable when N ≤ D. Matrix products are plain Double loops split over the cores.

import Foundation
import ZooTensor
import ZooNN
import ZooData

/// Mean and covariance of a feature set (float64).
public struct FeatureStatistics: Sendable, Equatable {
    /// Number of feature vectors the statistics came from.
    public let count: Int
    /// Feature dimension D.
    public let dimension: Int
    /// The mean, [D].
    public let mean: [Double]
    /// The covariance over N − 1, [D, D] row-major.
    public let covariance: [Double]

    /// Statistics of `count` feature vectors of `dimension` values each (row-major, [N, D]); N ≥ 2.
    public init(features: [Double], count: Int, dimension: Int) {
        require(features.count == count * dimension, "FeatureStatistics: \(features.count) values for \(count)x\(dimension)")
        require(count >= 2, "FeatureStatistics: a covariance needs at least 2 feature vectors, got \(count)")
        self.count = count
        self.dimension = dimension
        var mean = [Double](repeating: 0, count: dimension)
        for n in 0..<count { for d in 0..<dimension { mean[d] += features[n * dimension + d] } }
        mean = mean.map { $0 / Double(count) }
        var centred = features
        for n in 0..<count { for d in 0..<dimension { centred[n * dimension + d] -= mean[d] } }
        var cov = multiply(centred, transposeA: true, centred, transposeB: false, m: dimension, n: dimension, k: count)
        let scale = 1 / Double(count - 1)
        for i in cov.indices { cov[i] *= scale }
        self.mean = mean
        covariance = cov
    }

    /// Statistics of the rows of a [N, D] tensor.
    public init(features: Tensor) {
        require(features.rank == 2, "FeatureStatistics: features must be [N, D], got \(features.shape)")
        self.init(features: features.scalars.map(Double.init), count: features.shape[0], dimension: features.shape[1])
    }
}

/// The Fréchet distance between the Gaussians of two feature sets (see the file comment for the method).
/// - Throws: `LinearAlgebraError` if LAPACK fails.
public func frechetDistance(_ a: FeatureStatistics, _ b: FeatureStatistics) throws -> Double {
    require(a.dimension == b.dimension, "frechetDistance: dimensions \(a.dimension) and \(b.dimension) differ")
    let d = a.dimension
    var meanTerm = 0.0
    for i in 0..<d { meanTerm += (a.mean[i] - b.mean[i]) * (a.mean[i] - b.mean[i]) }
    var traces = 0.0
    for i in 0..<d { traces += a.covariance[i * d + i] + b.covariance[i * d + i] }
    return meanTerm + traces - 2 * (try traceOfSquareRootProduct(a.covariance, b.covariance, n: d))
}

/// The Fréchet distance between the rows of two [N, D] feature tensors.
public func frechetDistance(features a: Tensor, _ b: Tensor) throws -> Double {
    try frechetDistance(FeatureStatistics(features: a), FeatureStatistics(features: b))
}

/// tr (S1^½ S2 S1^½)^½ for symmetric positive semi-definite S1, S2 ([n, n] row-major).
func traceOfSquareRootProduct(_ s1: [Double], _ s2: [Double], n: Int) throws -> Double {
    let (values, vectors) = try BLAS.symmetricEigen(s1, n: n)
    // The columns v_k of `vectors` are the eigenvectors: S1^½ = Σ_k √λ_k v_k v_kᵀ = (V diag(√λ)) Vᵀ, negative
    // eigenvalues (rounding of a semi-definite matrix) clamped to 0.
    var scaled = vectors
    for k in 0..<n {
        let r = values[k] > 0 ? values[k].squareRoot() : 0
        for i in 0..<n { scaled[i * n + k] *= r }
    }
    let root = multiply(scaled, transposeA: false, vectors, transposeB: true, m: n, n: n, k: n)
    let left = multiply(root, transposeA: false, s2, transposeB: false, m: n, n: n, k: n)
    var product = multiply(left, transposeA: false, root, transposeB: false, m: n, n: n, k: n)
    for i in 0..<n { for j in (i + 1)..<n {
        let v = 0.5 * (product[i * n + j] + product[j * n + i])
        product[i * n + j] = v
        product[j * n + i] = v
    } }
    let eigen = try BLAS.symmetricEigen(product, n: n, vectors: false).values
    return eigen.reduce(0) { $0 + ($1 > 0 ? $1.squareRoot() : 0) }
}

/// C = op(A) · op(B) in Double, C [m, n]; op(A) [m, k], op(B) [k, n]; row-major, rows split over the cores.
func multiply(_ a: [Double], transposeA: Bool, _ b: [Double], transposeB: Bool, m: Int, n: Int, k: Int) -> [Double] {
    var c = [Double](repeating: 0, count: m * n)
    a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in c.withUnsafeMutableBufferPointer { cp in
        let (a, b, c) = (ap.baseAddress!, bp.baseAddress!, cp.baseAddress!)
        Parallel.forChunks(m, minimumWork: 1 << 20, costPerItem: n * k) { rows in
            let row = UnsafeMutablePointer<Double>.allocate(capacity: n)
            defer { row.deallocate() }
            for i in rows {
                row.update(repeating: 0, count: n)
                for p in 0..<k {
                    let av = transposeA ? a[p * m + i] : a[i * k + p]
                    if av == 0 { continue }
                    if transposeB { for j in 0..<n { row[j] += av * b[j * k + p] } }
                    else { let bRow = b + p * n; for j in 0..<n { row[j] += av * bRow[j] } }
                }
                (c + i * n).update(from: row, count: n)
            }
        }
    } } }
    return c
}
