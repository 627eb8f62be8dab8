// Resize kernels on planes of [H, W]: bilinear interpolation (and its adjoint) from per-axis tables, and
// the index map of nearest-neighbour resizing (which is a gather; see PoolKernels.swift).

/// Interpolation weights along one axis: output position o reads input positions i0[o] and i1[o] with
/// weights (1 − λ[o]) and λ[o].
public struct LinearAxisTable: Sendable, Equatable {
    public let inputSize: Int
    public let outputSize: Int
    public let i0: [Int]
    public let i1: [Int]
    public let lambda: [Float]

    /// PyTorch's source coordinates: with `alignCorners`, src = o·(in − 1)/(out − 1); otherwise half-pixel
    /// centres src = max((o + ½)·in/out − ½, 0). i0 = ⌊src⌋, i1 = min(i0 + 1, in − 1), λ = src − i0.
    public init(inputSize: Int, outputSize: Int, alignCorners: Bool) {
        require(inputSize > 0 && outputSize > 0, "resize sizes must be positive, got \(inputSize) → \(outputSize)")
        self.inputSize = inputSize
        self.outputSize = outputSize
        let scale: Float = alignCorners
            ? (outputSize > 1 ? Float(inputSize - 1) / Float(outputSize - 1) : 0)
            : Float(inputSize) / Float(outputSize)
        var i0 = [Int](), i1 = [Int](), lambda = [Float]()
        for o in 0..<outputSize {
            let src = alignCorners ? Float(o) * scale : Swift.max((Float(o) + 0.5) * scale - 0.5, 0)
            let lo = Swift.min(Int(src), inputSize - 1)
            i0.append(lo)
            i1.append(Swift.min(lo + 1, inputSize - 1))
            lambda.append(Swift.min(Swift.max(src - Float(lo), 0), 1))
        }
        self.i0 = i0
        self.i1 = i1
        self.lambda = lambda
    }
}

/// One output pixel of bilinear resizing: its index `j` in the output plane, the indices in the input
/// plane of its four neighbours (`i01`: first source row, second source column), and the weights:
/// (a, b) = (1 − λ, λ) of the rows, and λ = `l` of the columns.
struct BilinearTap {
    let j: Int
    let i00: Int, i01: Int, i10: Int, i11: Int
    let a: Float, b: Float, l: Float
}

extension Kernels {
    /// Calls `body(tap)` for each output pixel of one plane, in row-major order.
    @inline(__always)
    static func forEachBilinearTap(rows: LinearAxisTable, columns: LinearAxisTable, _ body: (BilinearTap) -> Void) {
        let (iW, oH, oW) = (columns.inputSize, rows.outputSize, columns.outputSize)
        rows.i0.withUnsafeBufferPointer { h0 in rows.i1.withUnsafeBufferPointer { h1 in
        rows.lambda.withUnsafeBufferPointer { lh in columns.i0.withUnsafeBufferPointer { w0 in
        columns.i1.withUnsafeBufferPointer { w1 in columns.lambda.withUnsafeBufferPointer { lw in
            for oh in 0..<oH {
                // Offsets stay inside one plane, so &+ (no overflow check) is safe and keeps the loop tight.
                let r0 = h0[oh] * iW, r1 = h1[oh] * iW, row = oh * oW
                let b = lh[oh], a = 1 - b
                for ow in 0..<oW {
                    let c0 = w0[ow], c1 = w1[ow]
                    body(BilinearTap(j: row &+ ow, i00: r0 &+ c0, i01: r0 &+ c1, i10: r1 &+ c0, i11: r1 &+ c1,
                                     a: a, b: b, l: lw[ow]))
                }
            }
        } } } } } }
    }

    /// y[p, oh, ow] = Σ over the four neighbours of the bilinear weights times x[p, ·, ·].
    public static func resizeBilinear(_ x: UnsafePointer<Float>, planes: Int, rows: LinearAxisTable,
                                      columns: LinearAxisTable, into y: UnsafeMutablePointer<Float>) {
        let inPlane = rows.inputSize * columns.inputSize, outPlane = rows.outputSize * columns.outputSize
        Parallel.forEach(planes, costPerItem: outPlane * 4) { p in
            let src = x + p * inPlane, dst = y + p * outPlane
            forEachBilinearTap(rows: rows, columns: columns) { t in
                dst[t.j] = t.a * ((1 - t.l) * src[t.i00] + t.l * src[t.i01])
                    + t.b * ((1 - t.l) * src[t.i10] + t.l * src[t.i11])
            }
        }
    }

    /// The adjoint of `resizeBilinear`: each output gradient shared out over its four neighbours.
    public static func resizeBilinearAdjoint(_ dy: UnsafePointer<Float>, planes: Int, rows: LinearAxisTable,
                                             columns: LinearAxisTable, into dx: UnsafeMutablePointer<Float>) {
        let inPlane = rows.inputSize * columns.inputSize, outPlane = rows.outputSize * columns.outputSize
        Parallel.forEach(planes, costPerItem: outPlane * 4) { p in
            let src = dy + p * outPlane, dst = dx + p * inPlane
            dst.update(repeating: 0, count: inPlane)
            forEachBilinearTap(rows: rows, columns: columns) { t in
                let l = t.l, v = src[t.j]
                dst[t.i00] += t.a * (1 - l) * v
                dst[t.i01] += t.a * l * v
                dst[t.i10] += t.b * (1 - l) * v
                dst[t.i11] += t.b * l * v
            }
        }
    }

    /// Source index along one axis for nearest resizing, as PyTorch's mode 'nearest':
    /// min(⌊o · in/out⌋, in − 1) with the scale in Float.
    static func nearestSource(_ o: Int, inputSize: Int, outputSize: Int) -> Int {
        if inputSize == outputSize { return o }
        let scale = Float(inputSize) / Float(outputSize)
        return Swift.min(Int((Float(o) * scale).rounded(.down)), inputSize - 1)
    }

    /// The shared plane map of nearest resizing from `input` to `output` spatial sizes (any rank).
    static func nearestMap(planes: Int, input: [Int], output: [Int]) -> PlaneIndexMap {
        let map = PlaneIndexMap(planes: planes, inputPlane: input.reduce(1, *), outputPlane: output.reduce(1, *), shared: true)
        let sources = input.indices.map { a in (0..<output[a]).map { nearestSource($0, inputSize: input[a], outputSize: output[a]) } }
        let inStrides = Shape.strides(input)
        for j in 0..<map.outputPlane {
            var rem = j, index = 0
            for a in stride(from: output.count - 1, through: 0, by: -1) {
                index += sources[a][rem % output[a]] * inStrides[a]
                rem /= output[a]
            }
            map.indices[j] = Int32(index)
        }
        return map
    }
}
