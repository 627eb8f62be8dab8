// The rows of `zoo bench`, matching Tools/bench/bench_torch.py row for row (same ids, shapes and work).
import ZooCore
import ZooCLI

extension Benchmark {
    /// All rows, in table order: sgemm (2 threads, then 1), then the layer rows (BenchmarkLayerRows.swift).
    /// `quick` leaves out the slowest sgemm size (n = 4096).
    public static func rows(quick: Bool = false) -> [BenchmarkRow] {
        let sizes = quick ? [1024, 2048] : [1024, 2048, 4096]
        var rows: [BenchmarkRow] = []
        for threads in [2, 1] {
            for n in sizes { rows.append(sgemmRow(n: n, threads: threads)) }
        }
        return rows + layerRows()
    }

    // MARK: - sgemm

    /// Row-major C = A·B for n×n matrices at a fixed BLAS thread count: 2n³ flop.
    public static func sgemmRow(n: Int, threads: Int) -> BenchmarkRow {
        BenchmarkRow(id: "sgemm n=\(n) \(threads)T", unit: .gflops, flop: 2 * Double(n * n) * Double(n),
                     blasThreads: threads) {
            var rng = RandomGenerator(seed: UInt64(n))
            let a = randomTensor([n, n], rng: &rng), b = randomTensor([n, n], rng: &rng)
            let c = Tensor.zeros([n, n])
            return {
                BLAS.sgemm(m: n, n: n, k: n, a: a.storage.pointer, lda: n, b: b.storage.pointer, ldb: n,
                           c: c.storage.pointer, ldc: n)
            }
        }
    }

    // MARK: - inputs

    /// A tensor of standard-normal values (no gradient).
    public static func randomTensor(_ shape: [Int], scale: Float = 1, rng: inout RandomGenerator) -> Tensor {
        let t = Tensor.uninitialized(shape)
        let p = t.storage.pointer
        for i in 0..<t.count { p[i] = scale * rng.normal() }
        return t
    }
}
