// Channel LayerNorm kernels: x is [N, C, S] and each position (n, s) is normalised over its C channels,
// which sit S apart in memory. Work is split into (sample, block of positions) tiles; inside a tile the
// loops run over channels, each a contiguous run of positions, so they vectorise along positions.
// Forward: one pass for the statistics (shifted by the first channel's value, so a large mean does not
// cancel the variance), one for the output. Backward: one pass for the per-position sums, one for dx.
// No tape here.

extension Kernels {
    /// Positions per tile (a multiple of 8).
    private static let channelNormTile = 512

    /// Calls `body(tile, n, positions)` for each tile of an [N, C, S] tensor, spread over the cores.
    @inline(__always)
    private static func forEachTile(n: Int, c: Int, s: Int, _ body: (Int, Int, Range<Int>) -> Void) {
        let perSample = (s + channelNormTile - 1) / channelNormTile
        Parallel.forChunks(n * perSample, minimumWork: 65_536, costPerItem: c * Swift.min(s, channelNormTile)) { range in
            for t in range {
                let start = (t % perSample) * channelNormTile
                body(t, t / perSample, start..<Swift.min(s, start + channelNormTile))
            }
        }
    }

    /// Channel LayerNorm forward: y = (x − mean)·rstd·w_c + b_c per position.
    /// - Returns: y, and each position's mean and 1/√(var + ε) (biased variance), `[N, S]` each.
    static func channelNormForward(_ x: Tensor, weight: [Float]?, bias: [Float]?, eps: Float)
        -> (y: Tensor, mean: Tensor, rstd: Tensor) {
        let n = x.shape[0], c = x.shape[1], s = x.count / Swift.max(n * c, 1)
        let out = Tensor.uninitialized(x.shape)
        let mean = Tensor.uninitialized([n, s]), rstd = Tensor.uninitialized([n, s])
        let px = UnsafePointer(x.storage.pointer), py = out.storage.pointer
        let pm = mean.storage.pointer, pr = rstd.storage.pointer
        forEachTile(n: n, c: c, s: s) { _, i, positions in
            let len = positions.count, base = i * c * s + positions.lowerBound
            let m = pm + i * s + positions.lowerBound, r = pr + i * s + positions.lowerBound
            let pivot = px + base
            // m and r hold Σ(x − pivot) and Σ(x − pivot)² until they are turned into mean and rstd.
            m.update(repeating: 0, count: len)
            r.update(repeating: 0, count: len)
            for ch in 1..<Swift.max(c, 1) {
                let row = px + base + ch * s
                var k = 0
                while k + 8 <= len {
                    let d = load8(row, k) - load8(pivot, k)
                    store8(load8(m, k) + d, m, k)
                    store8(load8(r, k) + d * d, r, k)
                    k += 8
                }
                while k < len { let d = row[k] - pivot[k]; m[k] += d; r[k] += d * d; k += 1 }
            }
            let inv = 1 / Float(c)
            for k in 0..<len {
                let mu = m[k] * inv
                r[k] = 1 / (Swift.max(r[k] * inv - mu * mu, 0) + eps).squareRoot()
                m[k] = pivot[k] + mu
            }
            for ch in 0..<c {
                let src = px + base + ch * s, dst = py + base + ch * s
                let w = weight?[ch] ?? 1, b = bias?[ch] ?? 0
                let wv = SIMD8<Float>(repeating: w), bv = SIMD8<Float>(repeating: b)
                var k = 0
                while k + 8 <= len { store8((load8(src, k) - load8(m, k)) * load8(r, k) * wv + bv, dst, k); k += 8 }
                while k < len { dst[k] = (src[k] - m[k]) * r[k] * w + b; k += 1 }
            }
        }
        return (out, mean, rstd)
    }

    /// Channel LayerNorm backward. With x̂ = (x − mean)·rstd and ⟨·⟩ the mean over channels:
    /// dx = rstd·(w g − ⟨w g⟩ − x̂⟨w g x̂⟩), dw_c = Σ g x̂, db_c = Σ g.
    static func channelNormBackward(_ dy: Tensor, _ x: Tensor, mean: Tensor, rstd: Tensor, weight: [Float]?,
                                    needInput: Bool) -> (dx: Tensor?, dweight: [Float], dbias: [Float]) {
        let n = x.shape[0], c = x.shape[1], s = x.count / Swift.max(n * c, 1)
        let tiles = n * ((s + channelNormTile - 1) / channelNormTile)
        // Per tile: Σ⟨w g⟩ and Σ w g x̂ per position, then partial dweight and dbias per channel.
        let scratch = Tensor.uninitialized([tiles, 2 * channelNormTile + 2 * c])
        let dxTensor = needInput ? Tensor.uninitialized(x.shape) : nil
        let px = UnsafePointer(x.storage.pointer), pg = UnsafePointer(dy.storage.pointer)
        let pm = UnsafePointer(mean.storage.pointer), pr = UnsafePointer(rstd.storage.pointer)
        let pdx = dxTensor?.storage.pointer, ps = scratch.storage.pointer
        let stride = 2 * channelNormTile + 2 * c
        forEachTile(n: n, c: c, s: s) { t, i, positions in
            let len = positions.count, base = i * c * s + positions.lowerBound
            let m = pm + i * s + positions.lowerBound, r = pr + i * s + positions.lowerBound
            let sumWG = ps + t * stride, sumWGX = sumWG + channelNormTile
            let partW = sumWGX + channelNormTile, partB = partW + c
            sumWG.update(repeating: 0, count: 2 * channelNormTile)
            for ch in 0..<c {
                let g = pg + base + ch * s, xs = px + base + ch * s
                let w = weight?[ch] ?? 1, wv = SIMD8<Float>(repeating: w)
                var dw = SIMD8<Float>(), db = SIMD8<Float>()
                var k = 0
                while k + 8 <= len {
                    let gv = load8(g, k), xh = (load8(xs, k) - load8(m, k)) * load8(r, k)
                    store8(load8(sumWG, k) + wv * gv, sumWG, k)
                    store8(load8(sumWGX, k) + wv * gv * xh, sumWGX, k)
                    dw += gv * xh
                    db += gv
                    k += 8
                }
                var dwTail: Float = 0, dbTail: Float = 0
                while k < len {
                    let xh = (xs[k] - m[k]) * r[k]
                    sumWG[k] += w * g[k]
                    sumWGX[k] += w * g[k] * xh
                    dwTail += g[k] * xh
                    dbTail += g[k]
                    k += 1
                }
                partW[ch] = dw.sum() + dwTail
                partB[ch] = db.sum() + dbTail
            }
            guard let pdx else { return }
            let inv = SIMD8<Float>(repeating: 1 / Float(c))
            for ch in 0..<c {
                let g = pg + base + ch * s, xs = px + base + ch * s, d = pdx + base + ch * s
                let w = weight?[ch] ?? 1, wv = SIMD8<Float>(repeating: w)
                var k = 0
                while k + 8 <= len {
                    let rv = load8(r, k), xh = (load8(xs, k) - load8(m, k)) * rv
                    store8(rv * (wv * load8(g, k) - load8(sumWG, k) * inv - xh * load8(sumWGX, k) * inv), d, k)
                    k += 8
                }
                while k < len {
                    let xh = (xs[k] - m[k]) * r[k]
                    d[k] = r[k] * (w * g[k] - (sumWG[k] + xh * sumWGX[k]) / Float(c))
                    k += 1
                }
            }
        }
        var dw = [Float](repeating: 0, count: c), db = dw
        for t in 0..<tiles {
            let partW = ps + t * stride + 2 * channelNormTile, partB = partW + c
            for ch in 0..<c { dw[ch] += partW[ch]; db[ch] += partB[ch] }
        }
        return (dxTensor, dw, db)
    }
}
