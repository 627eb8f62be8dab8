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
        precondition(inputSize > 0 && outputSize > 0, "resize sizes must be positive, got \(inputSize) → \(outputSize)")
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

extension Kernels {
    /// y[p, oh, ow] = Σ over the four neighbours of the bilinear weights times x[p, ·, ·].
    public static func resizeBilinear(_ x: UnsafePointer<Float>, planes: Int, rows: LinearAxisTable,
                                      columns: LinearAxisTable, into y: UnsafeMutablePointer<Float>) {
        let (iH, iW, oH, oW) = (rows.inputSize, columns.inputSize, rows.outputSize, columns.outputSize)
        rows.i0.withUnsafeBufferPointer { h0 in rows.i1.withUnsafeBufferPointer { h1 in
        rows.lambda.withUnsafeBufferPointer { lh in columns.i0.withUnsafeBufferPointer { w0 in
        columns.i1.withUnsafeBufferPointer { w1 in columns.lambda.withUnsafeBufferPointer { lw in
            Parallel.forChunks(planes, minimumWork: 32_768, costPerItem: oH * oW * 4) { range in
                for p in range {
                    let src = x + p * iH * iW, dst = y + p * oH * oW
                    for oh in 0..<oH {
                        let r0 = src + h0[oh] * iW, r1 = src + h1[oh] * iW
                        let b = lh[oh], a = 1 - b
                        let d = dst + oh * oW
                        for ow in 0..<oW {
                            let c0 = w0[ow], c1 = w1[ow], l = lw[ow]
                            d[ow] = a * ((1 - l) * r0[c0] + l * r0[c1]) + b * ((1 - l) * r1[c0] + l * r1[c1])
                        }
                    }
                }
            }
        } } } } } }
    }

    /// The adjoint of `resizeBilinear`: each output gradient shared out over its four neighbours.
    public static func resizeBilinearAdjoint(_ dy: UnsafePointer<Float>, planes: Int, rows: LinearAxisTable,
                                             columns: LinearAxisTable, into dx: UnsafeMutablePointer<Float>) {
        let (iH, iW, oH, oW) = (rows.inputSize, columns.inputSize, rows.outputSize, columns.outputSize)
        rows.i0.withUnsafeBufferPointer { h0 in rows.i1.withUnsafeBufferPointer { h1 in
        rows.lambda.withUnsafeBufferPointer { lh in columns.i0.withUnsafeBufferPointer { w0 in
        columns.i1.withUnsafeBufferPointer { w1 in columns.lambda.withUnsafeBufferPointer { lw in
            Parallel.forChunks(planes, minimumWork: 32_768, costPerItem: oH * oW * 4) { range in
                for p in range {
                    let src = dy + p * oH * oW, dst = dx + p * iH * iW
                    dst.update(repeating: 0, count: iH * iW)
                    for oh in 0..<oH {
                        let r0 = dst + h0[oh] * iW, r1 = dst + h1[oh] * iW
                        let b = lh[oh], a = 1 - b
                        let s = src + oh * oW
                        for ow in 0..<oW {
                            let c0 = w0[ow], c1 = w1[ow], l = lw[ow], v = s[ow]
                            r0[c0] += a * (1 - l) * v
                            r0[c1] += a * l * v
                            r1[c0] += b * (1 - l) * v
                            r1[c1] += b * l * v
                        }
                    }
                }
            }
        } } } } } }
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
