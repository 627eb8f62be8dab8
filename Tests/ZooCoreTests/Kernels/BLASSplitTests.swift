// zoo's own sgemm split (blocks of C's rows or columns over threads, OpenBLAS at one thread): the result
// must be bitwise the same for every block count, for concurrent callers, and close to a float64 product.

import Dispatch
import Testing
@testable import ZooCore
@testable import ZooData
@testable import ZooMetrics
@testable import ZooNN
@testable import ZooRuntime
@testable import ZooTensor

private func random(_ n: Int, _ rng: inout RandomGenerator) -> [Float] { (0..<n).map { _ in rng.uniform(-1, 1) } }

/// "" when `a` and `b` are bitwise equal, else how many elements differ, the first few indices and the
/// largest difference.
private func bitwiseDifference(_ a: [Float], _ b: [Float]) -> String {
    let differing = a.indices.filter { a[$0].bitPattern != b[$0].bitPattern }
    if differing.isEmpty { return "" }
    let worst = differing.map { Swift.abs(a[$0] - b[$0]) }.max() ?? 0
    return "\(differing.count) of \(a.count) differ (first at \(Array(differing.prefix(4))), largest by \(worst))"
}

/// One product's operands, stored with leading dimensions larger than needed (so sub-block pointers and
/// strides are exercised), and C's initial values (for beta ≠ 0).
struct SgemmProduct: CustomStringConvertible, Sendable {
    let m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool, alpha: Float, beta: Float
    let lda: Int, ldb: Int, ldc: Int
    let a: [Float], b: [Float], c0: [Float]

    init(m: Int, n: Int, k: Int, transposeA: Bool = false, transposeB: Bool = false, alpha: Float = 1,
         beta: Float = 0, seed: UInt64) {
        self.m = m; self.n = n; self.k = k
        self.transposeA = transposeA; self.transposeB = transposeB; self.alpha = alpha; self.beta = beta
        var rng = RandomGenerator(seed: seed)
        let (aRows, aCols) = transposeA ? (k, m) : (m, k)
        let (bRows, bCols) = transposeB ? (n, k) : (k, n)
        lda = aCols + 3; ldb = bCols + 5; ldc = n + 7
        a = random(aRows * lda, &rng); b = random(bRows * ldb, &rng); c0 = random(m * ldc, &rng)
    }

    var description: String {
        "\(m)x\(n)x\(k)\(transposeA ? " Aᵀ" : "")\(transposeB ? " Bᵀ" : "") α=\(alpha) β=\(beta)"
    }

    /// C after the product, split into `blocks` blocks (nil: the public entry point, which chooses).
    func run(blocks: Int?) -> [Float] {
        var c = c0
        a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in c.withUnsafeMutableBufferPointer { pc in
            if let blocks {
                BLAS.sgemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                           a: pa.baseAddress!, lda: lda, b: pb.baseAddress!, ldb: ldb, beta: beta,
                           c: pc.baseAddress!, ldc: ldc, blocks: blocks)
            } else {
                BLAS.sgemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                           a: pa.baseAddress!, lda: lda, b: pb.baseAddress!, ldb: ldb, beta: beta,
                           c: pc.baseAddress!, ldc: ldc)
            }
        } } }
        return c
    }

    /// C by the definition in float64.
    func reference() -> [Float] {
        var c = c0
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0
                for p in 0..<k {
                    let av = transposeA ? a[p * lda + i] : a[i * lda + p]
                    let bv = transposeB ? b[j * ldb + p] : b[p * ldb + j]
                    s += Double(av) * Double(bv)
                }
                c[i * ldc + j] = Float(Double(alpha) * s + Double(beta) * Double(c0[i * ldc + j]))
            }
        }
        return c
    }
}

/// Tall, wide, odd-sized, transposed, beta ≠ 0, and K beyond one OpenBLAS K-block (Q is 256-384 floats).
let sgemmProducts: [SgemmProduct] = [
    SgemmProduct(m: 300, n: 70, k: 90, seed: 1),
    SgemmProduct(m: 70, n: 301, k: 90, seed: 2),
    SgemmProduct(m: 257, n: 259, k: 1000, seed: 3),
    SgemmProduct(m: 200, n: 130, k: 77, transposeA: true, seed: 4),
    SgemmProduct(m: 130, n: 200, k: 77, transposeB: true, seed: 5),
    SgemmProduct(m: 193, n: 191, k: 129, transposeA: true, transposeB: true, alpha: 0.5, beta: 1, seed: 6),
    SgemmProduct(m: 520, n: 33, k: 700, alpha: 2, beta: 0.25, seed: 7),
    SgemmProduct(m: 9, n: 1031, k: 517, transposeB: true, beta: 1, seed: 8),
    // Split for real into 2-7 blocks, with blocks of N not a multiple of 16 near the small-matrix size.
    SgemmProduct(m: 900, n: 70, k: 300, seed: 9),
    SgemmProduct(m: 1000, n: 33, k: 700, alpha: 2, beta: 0.25, seed: 10),
]

@Suite struct BLASSplit {
    @Test func blocksAreAlignedCoverTheRowsAndStayAboveTheSmallMatrixSize() {
        for (m, n, k) in [(900, 70, 300), (1000, 33, 700), (4096, 300, 500), (300, 70, 90), (96, 1024, 1024)] {
            for threads in 1...7 {
                let blocks = BLAS.rowBlocks(m: m, n: n, k: k, blocks: threads)
                #expect(blocks.first?.lowerBound == 0 && blocks.last?.upperBound == m)
                #expect(zip(blocks, blocks.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
                #expect(blocks.allSatisfy { $0.lowerBound % BLAS.splitAlignment == 0 })
                #expect(blocks.count <= threads)
                if blocks.count > 1 {
                    #expect(blocks.allSatisfy { $0.count * n * k > BLAS.smallKernelMACs }, "\(m)x\(n)x\(k) \(blocks)")
                }
            }
        }
        // The products the bitwise test relies on are split for real.
        #expect(BLAS.rowBlocks(m: 900, n: 70, k: 300, blocks: 4).count == 4)
        #expect(BLAS.rowBlocks(m: 1000, n: 33, k: 700, blocks: 7).count >= 5)
        #expect(BLAS.rowBlocks(m: 4096, n: 300, k: 500, blocks: 2).count == 2)
        // 300 x 70 x 90 would leave a block below the small-matrix size: one call.
        #expect(BLAS.rowBlocks(m: 300, n: 70, k: 90, blocks: 2).count == 1)
    }

    @Test(arguments: sgemmProducts)
    func splitIsBitwiseEqualToOneCall(_ p: SgemmProduct) {
        let whole = p.run(blocks: 1)
        for blocks in [2, 3, 4, 7] {
            let difference = bitwiseDifference(p.run(blocks: blocks), whole)
            #expect(difference.isEmpty, "\(p), \(blocks) blocks against one call: \(difference)")
        }
        let difference = bitwiseDifference(p.run(blocks: nil), whole)
        #expect(difference.isEmpty, "\(p), public entry point against one call: \(difference)")
        let ref = p.reference()
        let scale = Float(p.k).squareRoot()
        let worst = zip(whole, ref).map { Swift.abs($0 - $1) }.max() ?? 0
        #expect(worst < 1e-5 * scale * 4, "\(p): float32 product off the float64 one by \(worst)")
    }

    /// The failure this design removes: results must not depend on what other threads do with BLAS at
    /// the same time (formerly they switched OpenBLAS's process-wide thread count).
    @Test func concurrentCallersGetTheSerialResult() {
        let p = sgemmProducts[2]
        let expected = p.run(blocks: 1)
        let results = UnsafeMutableBufferPointer<[Float]>.allocate(capacity: 8)
        results.initialize(repeating: [])
        defer { results.deallocate() }
        DispatchQueue.concurrentPerform(iterations: 8) { i in results[i] = p.run(blocks: i % 3 == 0 ? nil : i) }
        for i in 0..<8 {
            let difference = bitwiseDifference(results[i], expected)
            #expect(difference.isEmpty, "concurrent call \(i): \(difference)")
        }
    }

    @Test func openBLASStaysSingleThreaded() {
        let saved = BLAS.threadCount
        defer { BLAS.threadCount = saved }
        #expect(BLAS.openBLASThreadCount == 1)
        BLAS.threadCount = 3
        #expect(BLAS.threadCount == 3 && BLAS.openBLASThreadCount == 1)
        BLAS.threadCount = 0
        #expect(BLAS.threadCount == 1, "clamped to one")
    }

    /// Inside a parallel region an sgemm is not split again (it runs on the calling thread), with the
    /// same result.
    @Test func nestedCallsRunInline() {
        let p = sgemmProducts[0]
        let expected = p.run(blocks: 1)
        let results = UnsafeMutableBufferPointer<[Float]>.allocate(capacity: 2)
        results.initialize(repeating: [])
        defer { results.deallocate() }
        var inside = [false, false]
        inside.withUnsafeMutableBufferPointer { flags in
            Parallel.forThreads(2) { t in
                flags[t] = Parallel.isInsideParallelRegion
                results[t] = p.run(blocks: nil)
            }
        }
        #expect(inside == [true, true])
        #expect(!Parallel.isInsideParallelRegion)
        #expect(results[0] == expected && results[1] == expected)
    }
}
