// Convolution drivers: im2col + one sgemm per work item, where an item is one sample's block of output
// lines (or, for col2im, one sample's block of input channels). Items are shared out over the cores by
// ZooCore's own threads, each calling a single-threaded sgemm on data that stays in its cache (OpenBLAS
// always runs one thread, see BLAS.swift; an sgemm inside a work item is not split again).
// Measured on the 2-core AMD EPYC (OpenBLAS Zen), conv3x3 batch 8, forward + input grad + weight grad,
// best of 30 interleaved runs: 35 vs 45 ms (48 ch, 64x64), 32 vs 39 (96, 32x32), 29 vs 38 (192, 16x16),
// 35 vs 39 (384, 8x8) for this split against one 2-thread sgemm per sample. Blocks of ~1 MiB of columns
// were as fast as 2-8 MiB ones and faster than 0.25 MiB. Timing: the conv3x3 rows of `zoo bench`.

import CSupport

/// How a convolution's columns are cut into work items.
struct ConvPlan {
    /// Output lines per item (or input channels per item, for col2im).
    var perItem: Int
    /// Items per sample.
    var chunks: Int
    /// Threads that share the items.
    var threads: Int
}

extension Kernels {
    /// Column-matrix floats one work item aims to stay under (1 MiB: the matrix an sgemm streams through
    /// stays in L2/L3 right after im2col wrote it).
    static let convScratchBudget = 1 << 18
    /// Below this many multiply-accumulates a convolution runs on one thread.
    static let convParallelMinimumMACs = 1 << 21

    /// Items a convolution big enough to split is cut into at least. A constant, not the thread count: the
    /// items (and so every product's shape and every partial sum of the weight gradient) are the same however
    /// many threads run them, which keeps results independent of ZOO_THREADS and of the machine's cores.
    static let convMinimumItems = 4
    /// Partial sums a split weight gradient is accumulated in (at most): item groups of consecutive items,
    /// each summed in order, then added in group order. Also a constant, for the same reason.
    static let weightGradGroups = 4

    /// Cuts `units` (lines or channels) of each of `batch` samples into items of about `targetPerItem`
    /// units, with at least `convMinimumItems` items when the work is big enough to split.
    static func convPlan(batch: Int, units: Int, targetPerItem: Int, macs: Int) -> ConvPlan {
        let split = macs >= convParallelMinimumMACs
        var per = Swift.max(1, Swift.min(units, targetPerItem))
        var chunks = (units + per - 1) / per
        if split && batch * chunks < convMinimumItems && units > 1 {
            chunks = Swift.min(units, (convMinimumItems + batch - 1) / batch)
            per = (units + chunks - 1) / chunks
            chunks = (units + per - 1) / per
        }
        return ConvPlan(perItem: per, chunks: chunks, threads: split ? Swift.min(Parallel.threads, batch * chunks) : 1)
    }

    /// Calls `body(item, thread)` for every item in 0..<items. Thread t takes items t, t + threads, … in
    /// order: a fixed assignment, so per-thread accumulations (the weight gradient) add up in the same
    /// order on every run and results do not depend on timing.
    static func runConvItems(_ items: Int, threads: Int, _ body: (Int, Int) -> Void) {
        if threads <= 1 || items <= 1 {
            for i in 0..<items { body(i, 0) }
            return
        }
        Parallel.forThreads(threads) { t in
            for i in stride(from: t, to: items, by: threads) { body(i, t) }
        }
    }

    /// y[n, co, ·] = Σ W[co, k] · col_n[k, ·] (+ bias[co]). x is [N, Cin, D, H, W], w is [Cout, Cin, kvol],
    /// y is [N, Cout, oD, oH, oW].
    public static func convolution(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                                   _ g: ConvGeometry, into y: UnsafeMutablePointer<Float>) {
        let k = g.columnRows, l = g.outputVolume, m = g.outChannels, oW = g.output[2]
        let inVolume = g.inChannels * g.inputVolume
        if m == 0 || l == 0 || g.batch == 0 { return }
        if k > 0 && ConvBackend.useDNNL(g) {
            var s = ConvBackend.shape(g)
            if zoo_dnnl_conv_forward(&s, x, w, bias, y) == 0 { ConvBackend.countDNNLCall(); return }
        }
        if k == 0 {
            for n in 0..<g.batch { for co in 0..<m { (y + (n * m + co) * l).update(repeating: bias?[co] ?? 0, count: l) } }
            return
        }
        let pointwise = g.isPointwise
        let plan = convPlan(batch: g.batch, units: g.lines,
                            targetPerItem: pointwise ? g.lines : Swift.max(1, convScratchBudget / k / oW), macs: g.macs)
        let scratchSize = pointwise ? 0 : k * plan.perItem * oW
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(1, scratchSize * plan.threads))
        defer { scratch.deallocate() }
        runConvItems(g.batch * plan.chunks, threads: plan.threads) { item, t in
            let n = item / plan.chunks, first = (item - n * plan.chunks) * plan.perItem
            let lines = first..<Swift.min(g.lines, first + plan.perItem)
            let cols = lines.count * oW
            let xs = x + n * inVolume
            let out = y + n * m * l + first * oW
            if pointwise {
                BLAS.sgemm(m: m, n: cols, k: k, a: w, lda: k, b: xs + first * oW, ldb: l, c: out, ldc: l)
            } else {
                let col = scratch + t * scratchSize
                im2col(xs, g, lines: lines, into: col)
                BLAS.sgemm(m: m, n: cols, k: k, a: w, lda: k, b: col, ldb: cols, c: out, ldc: l)
            }
            if let bias {
                for co in 0..<m {
                    let v = bias[co], r = out + co * l
                    for j in 0..<cols { r[j] += v }
                }
            }
        }
    }

    /// The adjoint of `convolution` in x: dx = Σ_k W[co, k] dy[co, o] scattered back to the input positions
    /// (+ bias over dx's channels, which makes this a transposed convolution). dy is [N, Cout, oD, oH, oW],
    /// dx is [N, Cin, D, H, W].
    ///
    /// Stride-1 convolutions (the common case) compute it as a stride-1 convolution of dy with the flipped,
    /// transposed kernel; others as Wᵀ·dy followed by col2im, split over blocks of input channels.
    public static func convolutionInputGrad(_ dy: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                                            bias: UnsafePointer<Float>?, _ g: ConvGeometry,
                                            into dx: UnsafeMutablePointer<Float>) {
        let kv = g.kernelVolume
        if g.batch > 0 && g.columnRows > 0 && g.outputVolume > 0 && g.outChannels > 0 && ConvBackend.useDNNL(g) {
            var s = ConvBackend.shape(g)
            if zoo_dnnl_conv_backward_data(&s, dy, w, dx) == 0 {
                ConvBackend.countDNNLCall()
                if let bias {
                    let vin = g.inputVolume
                    for n in 0..<g.batch {
                        for c in 0..<g.inChannels {
                            let v = bias[c], r = dx + (n * g.inChannels + c) * vin
                            for j in 0..<vin { r[j] += v }
                        }
                    }
                }
                return
            }
        }
        let reach = (0..<3).map { g.dilation[$0] * (g.kernel[$0] - 1) }
        if g.stride == [1, 1, 1] && (0..<3).allSatisfy({ g.padBefore[$0] <= reach[$0] }) {
            let flipped = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(1, g.outChannels * g.inChannels * kv))
            defer { flipped.deallocate() }
            flipTransposeKernel(w, outChannels: g.outChannels, inChannels: g.inChannels, kernelVolume: kv, into: flipped)
            let full = ConvGeometry(batch: g.batch, inChannels: g.outChannels, outChannels: g.inChannels,
                                    input: g.output, output: g.input, kernel: g.kernel, stride: [1, 1, 1],
                                    dilation: g.dilation, padBefore: (0..<3).map { reach[$0] - g.padBefore[$0] })
            convolution(dy, flipped, bias: bias, full, into: dx)
            return
        }
        let l = g.outputVolume, k = g.columnRows, cin = g.inChannels, vin = g.inputVolume
        if g.batch == 0 || cin == 0 || vin == 0 { return }
        let plan = convPlan(batch: g.batch, units: cin, targetPerItem: Swift.max(1, convScratchBudget / Swift.max(1, kv * l)),
                            macs: g.macs)
        let scratchSize = plan.perItem * kv * l
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(1, scratchSize * plan.threads))
        defer { scratch.deallocate() }
        runConvItems(g.batch * plan.chunks, threads: plan.threads) { item, t in
            let n = item / plan.chunks, c0 = (item - n * plan.chunks) * plan.perItem
            let channels = c0..<Swift.min(cin, c0 + plan.perItem)
            let out = dx + n * cin * vin
            if l == 0 || g.outChannels == 0 {
                (out + c0 * vin).update(repeating: 0, count: channels.count * vin)
            } else {
                let col = scratch + t * scratchSize
                BLAS.sgemm(transposeA: true, m: channels.count * kv, n: l, k: g.outChannels, a: w + c0 * kv, lda: k,
                           b: dy + n * g.outChannels * l, ldb: l, c: col, ldc: l)
                col2im(col, g, channels: channels, into: out)
            }
            if let bias {
                for c in channels {
                    let v = bias[c], r = out + c * vin
                    for j in 0..<vin { r[j] += v }
                }
            }
        }
    }

    /// The adjoint of `convolution` in W: dW[co, k] = Σ_n Σ_o dy_n[co, o] · col_n[k, o]. The items are cut
    /// into at most `weightGradGroups` groups of consecutive items; each group sums its items, in order, into
    /// its own buffer (the first into dw), and the buffers are added in group order at the end. Threads take
    /// whole groups, so the result does not depend on how many threads there are.
    public static func convolutionWeightGrad(_ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ g: ConvGeometry,
                                             into dw: UnsafeMutablePointer<Float>) {
        let k = g.columnRows, l = g.outputVolume, m = g.outChannels, oW = g.output[2]
        let inVolume = g.inChannels * g.inputVolume
        if m > 0 && k > 0 && l > 0 && g.batch > 0 && ConvBackend.useDNNL(g) {
            var s = ConvBackend.shape(g)
            if zoo_dnnl_conv_backward_weights(&s, x, dy, dw) == 0 { ConvBackend.countDNNLCall(); return }
        }
        dw.update(repeating: 0, count: m * k)
        if m == 0 || k == 0 || l == 0 || g.batch == 0 { return }
        let pointwise = g.isPointwise
        let plan = convPlan(batch: g.batch, units: g.lines,
                            targetPerItem: pointwise ? g.lines : Swift.max(1, convScratchBudget / k / oW), macs: g.macs)
        let items = g.batch * plan.chunks
        let groups = g.macs >= convParallelMinimumMACs ? Swift.min(items, weightGradGroups) : 1
        let threads = Swift.min(plan.threads, groups)
        let scratchSize = pointwise ? 0 : k * plan.perItem * oW
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(1, scratchSize * threads))
        defer { scratch.deallocate() }
        // Group 0 accumulates straight into dw; the others into buffers added afterwards.
        let extra = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(1, (groups - 1) * m * k))
        defer { extra.deallocate() }
        if groups > 1 { extra.update(repeating: 0, count: (groups - 1) * m * k) }
        runConvItems(groups, threads: threads) { group, t in
            let acc = group == 0 ? dw : extra + (group - 1) * m * k
            for item in (group * items / groups)..<((group + 1) * items / groups) {
                let n = item / plan.chunks, first = (item - n * plan.chunks) * plan.perItem
                let lines = first..<Swift.min(g.lines, first + plan.perItem)
                let cols = lines.count * oW
                let xs = x + n * inVolume
                let gy = dy + n * m * l + first * oW
                if pointwise {
                    BLAS.sgemm(transposeB: true, m: m, n: k, k: cols, a: gy, lda: l, b: xs + first * oW, ldb: l,
                               beta: 1, c: acc, ldc: k)
                } else {
                    let col = scratch + t * scratchSize
                    im2col(xs, g, lines: lines, into: col)
                    BLAS.sgemm(transposeB: true, m: m, n: k, k: cols, a: gy, lda: l, b: col, ldb: cols, beta: 1, c: acc, ldc: k)
                }
            }
        }
        if groups > 1 {
            Parallel.forChunks(m * k, minimumWork: 65_536) { range in
                for group in 1..<groups {
                    let src = extra + (group - 1) * m * k
                    for i in range { dw[i] += src[i] }
                }
            }
        }
    }
}
