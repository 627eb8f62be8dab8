// Batched matrix multiplication through OpenBLAS sgemm.

// MARK: - matmul
// Y = op(A)·op(B), op = transpose when flagged; batch axes lead. B may be 2-D and shared by the batch.
//   ∂A = dY·op(B)ᵀ (transposed back if A was flagged)    ∂B = op(A)ᵀ·dY (likewise; summed over a shared B's batch)
/// Matrix product over the last two axes.
///
/// - Parameters:
///   - a: `[..., M, K]` (or `[..., K, M]` with `transposeA`).
///   - b: `[..., K, N]` (or `[..., N, K]` with `transposeB`); either the same batch axes as `a`, or 2-D.
/// - Returns: `[..., M, N]`.
public func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
    require(a.rank >= 2 && b.rank >= 2, "matmul needs rank ≥ 2, got \(a.shape) and \(b.shape)")
    let sharedB = b.rank == 2 && a.rank > 2
    require(sharedB || a.shape.dropLast(2) == b.shape.dropLast(2),
                 "matmul batch axes differ: \(a.shape) and \(b.shape)")
    let (ar, ac) = (a.shape[a.rank - 2], a.shape[a.rank - 1])
    let (br, bc) = (b.shape[b.rank - 2], b.shape[b.rank - 1])
    let (m, k) = transposeA ? (ac, ar) : (ar, ac)
    let (k2, n) = transposeB ? (bc, br) : (br, bc)
    require(k == k2, "matmul inner sizes differ: \(a.shape)\(transposeA ? "ᵀ" : "") · \(b.shape)\(transposeB ? "ᵀ" : "")")
    let batchShape = Array(a.shape.dropLast(2))
    let batch = batchShape.reduce(1, *)
    let out = Tensor.uninitialized(batchShape + [m, n])
    let pa = a.storage.pointer, pb = b.storage.pointer, po = out.storage.pointer
    if sharedB && !transposeA {
        // Fold the batch into M: one large sgemm.
        BLAS.sgemm(transposeB: transposeB, m: batch * m, n: n, k: k, a: pa, lda: ac, b: pb, ldb: bc, c: po, ldc: n)
    } else {
        // Products too small to be split themselves (attention's per-head products) are shared out over the
        // cores by batch item. Each is still one sgemm call, so the result is the same on any thread count.
        let split = m * n * k < BLAS.splitMinimumMACs
        Parallel.forChunks(split ? batch : 1, minimumWork: BLAS.splitMinimumMACs, costPerItem: m * n * k) { items in
            for i in split ? items : 0..<batch {
                BLAS.sgemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                           a: pa + i * ar * ac, lda: ac, b: pb + (sharedB ? 0 : i * br * bc), ldb: bc,
                           c: po + i * m * n, ldc: n)
            }
        }
    }
    return out.recorded(.matmul, [a, b]) { dy in
        var da: Tensor? = nil, db: Tensor? = nil
        if a.node != nil {
            switch (transposeA, transposeB) {
            case (false, false): da = matmul(dy, b, transposeB: true)
            case (false, true): da = matmul(dy, b)
            case (true, false): da = matmul(b, dy, transposeB: true, batchLike: a)
            case (true, true): da = matmul(b, dy, transposeA: true, transposeB: true, batchLike: a)
            }
        }
        if b.node != nil {
            if sharedB {
                // Fold the batch into the contraction: [batch·M, K]ᵀ·[batch·M, N].
                let a2 = transposeA ? a.transposed().reshaped([-1, k]) : a.reshaped([-1, k])
                let dy2 = dy.reshaped([-1, n])
                db = transposeB ? matmul(dy2, a2, transposeA: true) : matmul(a2, dy2, transposeA: true)
            } else {
                db = transposeB ? matmul(dy, a, transposeA: true, transposeB: transposeA)
                                : matmul(a, dy, transposeA: !transposeA)
            }
        }
        return [da, db]
    }
}

/// matmul where `a` may be a shared 2-D matrix and `b` batched (used by backward passes); the result has
/// the batch axes of `batchLike`.
func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false, batchLike: Tensor) -> Tensor {
    if a.rank == 2 && b.rank > 2 {
        let batch = b.shape.dropLast(2).reduce(1, *)
        let expandedA = a.unsqueezed(0).expanded(to: [batch] + a.shape).reshaped(Array(b.shape.dropLast(2)) + a.shape)
        return matmul(expandedA, b, transposeA: transposeA, transposeB: transposeB)
    }
    return matmul(a, b, transposeA: transposeA, transposeB: transposeB)
}
