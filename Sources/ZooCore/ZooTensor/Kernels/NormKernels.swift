// Normalisation kernels over x viewed as rows: x is [N, C, S] (S = the product of the trailing axes), and
// row r = n·C + c is one contiguous run of S values. GroupNorm shares statistics between the C/G rows of
// a group; BatchNorm between the N rows of a channel. Each forward is two passes (moments, then the
// normalise-and-affine), each backward two passes (two sums per row, then dx). Statistics are combined in
// Double; inner loops accumulate Float SIMD lanes over short blocks, shifted by a per-row pivot so
// that a large mean does not cancel the variance away. An optional leaky-ReLU slope fuses the activation
// into the same passes. No tape here.

/// Per-row coefficients of an affine map, optionally followed by leaky ReLU:
/// y = (x − center)·scale + shift, then y < 0 → slope·y.
struct RowAffine {
    var center: [Float]
    var scale: [Float]
    var shift: [Float]
    var slope: Float?
}

extension Kernels {
    /// Elements accumulated in Float lanes before they are added into a Double.
    private static let normBlock = 1024

    /// Eight floats from p[i...] (unaligned); shared with ChannelNormKernels.swift.
    @inline(__always)
    static func load8(_ p: UnsafePointer<Float>, _ i: Int) -> SIMD8<Float> {
        UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self)
    }

    /// Stores eight floats at p[i...] (unaligned); shared with ChannelNormKernels.swift.
    @inline(__always)
    static func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>, _ i: Int) {
        UnsafeMutableRawPointer(p + i).storeBytes(of: v, as: SIMD8<Float>.self)
    }

    /// Mean and M2 = Σ(x − mean)² of each row of a [rows, length] buffer.
    static func rowMoments(_ x: UnsafePointer<Float>, rows: Int, length s: Int) -> (mean: [Double], m2: [Double]) {
        var mean = [Double](repeating: 0, count: rows), m2 = [Double](repeating: 0, count: rows)
        mean.withUnsafeMutableBufferPointer { pm in
            m2.withUnsafeMutableBufferPointer { pq in
                let pm = pm.baseAddress!, pq = pq.baseAddress!
                Parallel.forChunks(rows, minimumWork: 65_536, costPerItem: s) { range in
                    for r in range {
                        let p = x + r * s
                        let pivot = p[0]
                        let kv = SIMD8<Float>(repeating: pivot)
                        var d1 = 0.0, d2 = 0.0
                        var i = 0
                        while i < s {
                            let end = Swift.min(s, i + normBlock)
                            var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), q0 = SIMD8<Float>(), q1 = SIMD8<Float>()
                            while i + 16 <= end {
                                let v0 = load8(p, i) - kv, v1 = load8(p, i + 8) - kv
                                a0 += v0; a1 += v1
                                q0 += v0 * v0; q1 += v1 * v1
                                i += 16
                            }
                            var t1: Float = 0, t2: Float = 0
                            while i < end { let v = p[i] - pivot; t1 += v; t2 += v * v; i += 1 }
                            d1 += Double((a0 + a1).sum() + t1)
                            d2 += Double((q0 + q1).sum() + t2)
                        }
                        let n = Double(s)
                        pm[r] = Double(pivot) + d1 / n
                        pq[r] = Swift.max(d2 - d1 * d1 / n, 0)
                    }
                }
            }
        }
        return (mean, m2)
    }

    /// Combines per-row moments (each over `length` values) into the moments of each set of rows
    /// (Chan et al.'s pairwise update). Returns the mean and the biased variance of each set.
    static func combineMoments(mean: [Double], m2: [Double], length: Int,
                               sets: Int, rowsOf: (Int) -> [Int]) -> (mean: [Double], variance: [Double]) {
        var outMean = [Double](repeating: 0, count: sets), outVar = [Double](repeating: 0, count: sets)
        for g in 0..<sets {
            var count = 0.0, mu = 0.0, q = 0.0
            for r in rowsOf(g) {
                let nb = Double(length), total = count + nb
                let delta = mean[r] - mu
                mu += delta * nb / total
                q += m2[r] + delta * delta * count * nb / total
                count = total
            }
            outMean[g] = mu
            outVar[g] = q / count
        }
        return (outMean, outVar)
    }

    /// y = rowAffine(x) over a [rows, length] buffer, into a new tensor of `shape`.
    static func applyRowAffine(_ x: UnsafePointer<Float>, shape: [Int], rows: Int, length s: Int,
                               _ f: RowAffine) -> Tensor {
        let out = Tensor.uninitialized(shape)
        let y = out.storage.pointer
        Parallel.forChunks(rows, minimumWork: 65_536, costPerItem: s) { range in
            for r in range {
                let src = x + r * s, dst = y + r * s
                let c = f.center[r], a = f.scale[r], b = f.shift[r]
                let cv = SIMD8<Float>(repeating: c), av = SIMD8<Float>(repeating: a), bv = SIMD8<Float>(repeating: b)
                var i = 0
                if let slope = f.slope {
                    let sv = SIMD8<Float>(repeating: slope)
                    while i + 8 <= s {
                        let v = (load8(src, i) - cv) * av + bv
                        store8(v.replacing(with: v * sv, where: v .< 0), dst, i)
                        i += 8
                    }
                    while i < s { let v = (src[i] - c) * a + b; dst[i] = v < 0 ? slope * v : v; i += 1 }
                } else {
                    while i + 8 <= s { store8((load8(src, i) - cv) * av + bv, dst, i); i += 8 }
                    while i < s { dst[i] = (src[i] - c) * a + b; i += 1 }
                }
            }
        }
        return out
    }

    /// Per-row Σg and Σg·(x − center[r]), where g = dy, or dy·(leaky-ReLU slope where the fused forward's
    /// pre-activation was ≤ 0, as PyTorch's leaky_relu backward) when `forward.slope` is set.
    static func rowGradientSums(_ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, rows: Int, length s: Int,
                                forward f: RowAffine) -> (sumG: [Double], sumGX: [Double]) {
        var sumG = [Double](repeating: 0, count: rows), sumGX = [Double](repeating: 0, count: rows)
        sumG.withUnsafeMutableBufferPointer { pg in
            sumGX.withUnsafeMutableBufferPointer { pgx in
                let pg = pg.baseAddress!, pgx = pgx.baseAddress!
                Parallel.forChunks(rows, minimumWork: 65_536, costPerItem: 2 * s) { range in
                    for r in range {
                        let g = dy + r * s, xs = x + r * s
                        let c = f.center[r]
                        let cv = SIMD8<Float>(repeating: c)
                        let av = SIMD8<Float>(repeating: f.scale[r]), bv = SIMD8<Float>(repeating: f.shift[r])
                        let slope = f.slope ?? 1, sv = SIMD8<Float>(repeating: slope)
                        var d1 = 0.0, d2 = 0.0
                        var i = 0
                        while i < s {
                            let end = Swift.min(s, i + normBlock)
                            var a0 = SIMD8<Float>(), q0 = SIMD8<Float>()
                            if f.slope != nil {
                                while i + 8 <= end {
                                    let xc = load8(xs, i) - cv
                                    let pre = xc * av + bv
                                    var gv = load8(g, i)
                                    gv.replace(with: gv * sv, where: pre .<= 0)
                                    a0 += gv; q0 += gv * xc
                                    i += 8
                                }
                            } else {
                                while i + 8 <= end {
                                    let gv = load8(g, i)
                                    a0 += gv; q0 += gv * (load8(xs, i) - cv)
                                    i += 8
                                }
                            }
                            var t1: Float = 0, t2: Float = 0
                            while i < end {
                                let xc = xs[i] - c
                                var gi = g[i]
                                if f.slope != nil && xc * f.scale[r] + f.shift[r] <= 0 { gi *= slope }
                                t1 += gi; t2 += gi * xc
                                i += 1
                            }
                            d1 += Double(a0.sum() + t1)
                            d2 += Double(q0.sum() + t2)
                        }
                        pg[r] = d1
                        pgx[r] = d2
                    }
                }
            }
        }
        return (sumG, sumGX)
    }

    /// dx = g·gScale[r] + (x − center[r])·xScale[r] + offset[r], with g as in `rowGradientSums`.
    static func rowInputGradient(_ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, shape: [Int],
                                 rows: Int, length s: Int, forward f: RowAffine,
                                 gScale: [Float], xScale: [Float], offset: [Float]) -> Tensor {
        let out = Tensor.uninitialized(shape)
        let dx = out.storage.pointer
        Parallel.forChunks(rows, minimumWork: 65_536, costPerItem: 2 * s) { range in
            for r in range {
                let g = dy + r * s, xs = x + r * s, d = dx + r * s
                let c = f.center[r]
                let cv = SIMD8<Float>(repeating: c)
                let gs = SIMD8<Float>(repeating: gScale[r]), xsv = SIMD8<Float>(repeating: xScale[r])
                let ov = SIMD8<Float>(repeating: offset[r])
                var i = 0
                if let slope = f.slope {
                    let av = SIMD8<Float>(repeating: f.scale[r]), bv = SIMD8<Float>(repeating: f.shift[r])
                    let sv = SIMD8<Float>(repeating: slope)
                    while i + 8 <= s {
                        let xc = load8(xs, i) - cv
                        var gv = load8(g, i)
                        gv.replace(with: gv * sv, where: xc * av + bv .<= 0)
                        store8(gv * gs + xc * xsv + ov, d, i)
                        i += 8
                    }
                } else {
                    while i + 8 <= s {
                        store8(load8(g, i) * gs + (load8(xs, i) - cv) * xsv + ov, d, i)
                        i += 8
                    }
                }
                while i < s {
                    let xc = xs[i] - c
                    var gi = g[i]
                    if let slope = f.slope, xc * f.scale[r] + f.shift[r] <= 0 { gi *= slope }
                    d[i] = gi * gScale[r] + xc * xScale[r] + offset[r]
                    i += 1
                }
            }
        }
        return out
    }
}

/// The saved state of a fused normalisation forward: the row map it applied and each set's 1/√(var + ε).
struct NormalizationRecord {
    /// Rows (n·C + c) of the [N, C, S] view and the length S of each.
    var rows: Int, length: Int, channels: Int
    /// Which statistics set each row belongs to.
    var setOfRow: [Int]
    /// Number of values in each set.
    var setSize: Int
    /// The applied map (center = the set's mean, scale = rstd·weight, shift = bias).
    var forward: RowAffine
    /// 1/√(var + ε) per set.
    var rstd: [Double]
    /// The weight per channel (nil: no affine).
    var weight: [Float]?
}

extension Kernels {
    /// Normalises x (viewed as [N, C, S]) with the statistics of each set of rows, then applies the
    /// per-channel affine and the optional leaky ReLU.
    ///
    /// - Parameters:
    ///   - setOfRow: the statistics set of each row n·C + c.
    ///   - sets: number of sets.
    ///   - statistics: per-set (mean, variance) to use instead of the batch's (eval-mode BatchNorm).
    /// - Returns: y, the record for the backward pass, and each set's mean and biased variance.
    static func normalize(_ x: Tensor, channels c: Int, setOfRow: [Int], sets: Int,
                          weight: [Float]?, bias: [Float]?, eps: Float, slope: Float?,
                          statistics: (mean: [Double], variance: [Double])? = nil)
        -> (y: Tensor, record: NormalizationRecord, mean: [Double], variance: [Double]) {
        let rows = setOfRow.count
        let s = rows == 0 ? 0 : x.count / rows
        var members = [[Int]](repeating: [], count: sets)
        for (r, g) in setOfRow.enumerated() { members[g].append(r) }
        let stats: (mean: [Double], variance: [Double])
        if let given = statistics {
            stats = given
        } else {
            let (rowMean, rowM2) = rowMoments(x.storage.pointer, rows: rows, length: s)
            stats = combineMoments(mean: rowMean, m2: rowM2, length: s, sets: sets) { members[$0] }
        }
        let rstd = stats.variance.map { 1 / ($0 + Double(eps)).squareRoot() }
        var f = RowAffine(center: [], scale: [], shift: [], slope: slope)
        f.center = (0..<rows).map { Float(stats.mean[setOfRow[$0]]) }
        f.scale = (0..<rows).map { Float(rstd[setOfRow[$0]] * Double(weight?[$0 % c] ?? 1)) }
        f.shift = (0..<rows).map { bias?[$0 % c] ?? 0 }
        let y = applyRowAffine(x.storage.pointer, shape: x.shape, rows: rows, length: s, f)
        let setSize = members.first.map { $0.count * s } ?? 0
        let record = NormalizationRecord(rows: rows, length: s, channels: c, setOfRow: setOfRow, setSize: setSize,
                                         forward: f, rstd: rstd, weight: weight)
        return (y, record, stats.mean, stats.variance)
    }

    /// Gradients of a `normalize` forward that used its own batch statistics.
    ///
    /// With g the output gradient (times the leaky-ReLU slope where fused and negative), x̂ = (x − μ)·r and
    /// per-set means ⟨·⟩: dx = r·(w g − ⟨w g⟩ − x̂ ⟨w g x̂⟩), dweight = Σ g x̂, dbias = Σ g.
    /// - Returns: dx (nil unless `needInput`), and dweight, dbias per channel.
    static func normalizeBackward(_ dy: Tensor, _ x: Tensor, _ rec: NormalizationRecord, needInput: Bool)
        -> (dx: Tensor?, dweight: [Float], dbias: [Float]) {
        let (sumG, sumGX) = rowGradientSums(dy.storage.pointer, x.storage.pointer, rows: rec.rows,
                                            length: rec.length, forward: rec.forward)
        let c = rec.channels, sets = rec.rstd.count
        var dw = [Double](repeating: 0, count: c), db = [Double](repeating: 0, count: c)
        var mg1 = [Double](repeating: 0, count: sets), mg2 = [Double](repeating: 0, count: sets)
        for r in 0..<rec.rows {
            let ch = r % c, g = rec.setOfRow[r], rs = rec.rstd[g]
            let w = Double(rec.weight?[ch] ?? 1)
            db[ch] += sumG[r]
            dw[ch] += rs * sumGX[r]
            mg1[g] += w * sumG[r]
            mg2[g] += w * rs * sumGX[r]
        }
        var dx: Tensor? = nil
        if needInput {
            let m = Double(rec.setSize)
            var gScale = [Float](repeating: 0, count: rec.rows), xScale = gScale, offset = gScale
            for r in 0..<rec.rows {
                let g = rec.setOfRow[r], rs = rec.rstd[g]
                gScale[r] = Float(rs * Double(rec.weight?[r % c] ?? 1))
                xScale[r] = Float(-rs * rs * mg2[g] / m)
                offset[r] = Float(-rs * mg1[g] / m)
            }
            dx = rowInputGradient(dy.storage.pointer, x.storage.pointer, shape: x.shape, rows: rec.rows,
                                  length: rec.length, forward: rec.forward, gScale: gScale, xScale: xScale, offset: offset)
        }
        return (dx, dw.map { Float($0) }, db.map { Float($0) })
    }
}
