// Convolution, pooling and resize kernels against direct (definition-following) loops, including the
// parallel paths (line blocks, channel blocks, per-thread weight-gradient buffers).

import Testing
@testable import ZooCore
@testable import ZooData
@testable import ZooMetrics
@testable import ZooNN
@testable import ZooRuntime
@testable import ZooTensor

/// y, dx and dw by the definition: y[n,co,o] = Σ w[co,ci,k] x[n,ci,o·s − p + k·d] (+ b), with the two
/// adjoints accumulated in the same loop. Double accumulation.
private func directConv(_ x: [Float], _ w: [Float], _ b: [Float]?, _ dy: [Float], _ g: ConvGeometry)
    -> (y: [Float], dx: [Float], dw: [Float])
{
    var y = [Double](repeating: 0, count: g.batch * g.outChannels * g.outputVolume)
    var dx = [Double](repeating: 0, count: x.count), dw = [Double](repeating: 0, count: w.count)
    let (iD, iH, iW) = (g.input[0], g.input[1], g.input[2]), (oD, oH, oW) = (g.output[0], g.output[1], g.output[2])
    let kv = g.kernelVolume
    for n in 0..<g.batch { for co in 0..<g.outChannels { for od in 0..<oD { for oh in 0..<oH { for ow in 0..<oW {
        let yi = (((n * g.outChannels + co) * oD + od) * oH + oh) * oW + ow
        if let b { y[yi] = Double(b[co]) }
        for ci in 0..<g.inChannels { for kd in 0..<g.kernel[0] { for kh in 0..<g.kernel[1] { for kw in 0..<g.kernel[2] {
            let id = od * g.stride[0] - g.padBefore[0] + kd * g.dilation[0]
            let ih = oh * g.stride[1] - g.padBefore[1] + kh * g.dilation[1]
            let iw = ow * g.stride[2] - g.padBefore[2] + kw * g.dilation[2]
            guard id >= 0 && id < iD && ih >= 0 && ih < iH && iw >= 0 && iw < iW else { continue }
            let xi = (((n * g.inChannels + ci) * iD + id) * iH + ih) * iW + iw
            let wi = (co * g.inChannels + ci) * kv + (kd * g.kernel[1] + kh) * g.kernel[2] + kw
            y[yi] += Double(w[wi]) * Double(x[xi])
            dx[xi] += Double(w[wi]) * Double(dy[yi])
            dw[wi] += Double(dy[yi]) * Double(x[xi])
        } } } }
    } } } } }
    return (y.map(Float.init), dx.map(Float.init), dw.map(Float.init))
}

private func random(_ n: Int, _ rng: inout RandomGenerator) -> [Float] { (0..<n).map { _ in rng.uniform(-1, 1) } }

/// Largest |a − b| relative to the largest |b| (at least 1).
private func relativeError(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count)
    let scale = Swift.max(1, b.map { Swift.abs($0) }.max() ?? 0)
    return zip(a, b).map { Swift.abs($0 - $1) }.max().map { $0 / scale } ?? 0
}

private struct KernelCase: CustomTestStringConvertible, Sendable {
    var name: String
    var batch: Int, cin: Int, cout: Int
    var input: [Int], kernel: [Int]
    var stride = [1, 1, 1], dilation = [1, 1, 1], before = [0, 0, 0], after = [0, 0, 0]
    var bias = false
    var testDescription: String { name }

    var geometry: ConvGeometry {
        ConvGeometry(batch: batch, inChannels: cin, outChannels: cout, input: input,
                     output: ConvGeometry.outputSize(input: input, kernel: kernel, stride: stride, dilation: dilation,
                                                     padBefore: before, padAfter: after),
                     kernel: kernel, stride: stride, dilation: dilation, padBefore: before)
    }
}

private let kernelCases: [KernelCase] = [
    KernelCase(name: "2-D 3x3 pad 1 (flipped-conv input grad)", batch: 2, cin: 3, cout: 4, input: [1, 6, 7], kernel: [1, 3, 3],
               before: [0, 1, 1], after: [0, 1, 1], bias: true),
    KernelCase(name: "2-D stride 2 pad 1 (col2im input grad)", batch: 2, cin: 3, cout: 2, input: [1, 7, 6], kernel: [1, 3, 3],
               stride: [1, 2, 2], before: [0, 1, 1], after: [0, 1, 1]),
    KernelCase(name: "2-D dilation 2, asymmetric pads", batch: 1, cin: 2, cout: 3, input: [1, 8, 7], kernel: [1, 3, 2],
               dilation: [1, 2, 2], before: [0, 1, 2], after: [0, 2, 0], bias: true),
    KernelCase(name: "2-D 1x1 pad 1 (pad beyond reach: col2im)", batch: 2, cin: 3, cout: 2, input: [1, 4, 5], kernel: [1, 1, 1],
               before: [0, 1, 1], after: [0, 1, 1]),
    KernelCase(name: "2-D 1x1 pointwise", batch: 3, cin: 5, cout: 4, input: [1, 4, 6], kernel: [1, 1, 1], bias: true),
    KernelCase(name: "2-D stride 3 kernel 2 (gaps)", batch: 1, cin: 2, cout: 2, input: [1, 8, 8], kernel: [1, 2, 2],
               stride: [1, 3, 3]),
    KernelCase(name: "3-D stride (1,2,2) pad 1", batch: 2, cin: 2, cout: 3, input: [4, 5, 6], kernel: [3, 3, 3],
               stride: [1, 2, 2], before: [1, 1, 1], after: [1, 1, 1], bias: true),
    KernelCase(name: "3-D SAME-like asymmetric", batch: 1, cin: 3, cout: 2, input: [3, 5, 4], kernel: [2, 3, 3],
               before: [0, 1, 1], after: [1, 1, 1]),
    KernelCase(name: "parallel: batch 3, 16→16, 20x20 (line blocks)", batch: 3, cin: 16, cout: 16, input: [1, 20, 20],
               kernel: [1, 3, 3], before: [0, 1, 1], after: [0, 1, 1], bias: true),
    KernelCase(name: "parallel: batch 1, 32→32, 24x24 (one sample split)", batch: 1, cin: 32, cout: 32, input: [1, 24, 24],
               kernel: [1, 3, 3], before: [0, 1, 1], after: [0, 1, 1]),
    KernelCase(name: "parallel: batch 1, 64→32 stride 2 (channel-block col2im)", batch: 1, cin: 64, cout: 32,
               input: [1, 32, 32], kernel: [1, 3, 3], stride: [1, 2, 2], before: [0, 1, 1], after: [0, 1, 1]),
    KernelCase(name: "parallel: 1x1 batch 2, 64→64, 32x32", batch: 2, cin: 64, cout: 64, input: [1, 32, 32], kernel: [1, 1, 1]),
    KernelCase(name: "parallel: batch 5, 64→64, 4x4 (small planes, odd batch)", batch: 5, cin: 64, cout: 64, input: [1, 4, 4],
               kernel: [1, 3, 3], before: [0, 1, 1], after: [0, 1, 1]),
    KernelCase(name: "parallel: 1x1 batch 5, 128→128, 4x4 (small planes)", batch: 5, cin: 128, cout: 128, input: [1, 4, 4],
               kernel: [1, 1, 1]),
]

@Test(arguments: kernelCases, [ConvBackend.Path.im2col, .dnnl])
private func convKernelsMatchDefinition(_ c: KernelCase, _ path: ConvBackend.Path) {
    let g = c.geometry
    var rng = RandomGenerator(seed: 3)
    let x = random(g.batch * g.inChannels * g.inputVolume, &rng)
    let w = random(g.outChannels * g.columnRows, &rng)
    let b = c.bias ? random(g.outChannels, &rng) : nil
    let dy = random(g.batch * g.outChannels * g.outputVolume, &rng)
    let ref = directConv(x, w, b, dy, g)
    let threadsBefore = BLAS.threadCount
    var y = [Float](repeating: .nan, count: ref.y.count)
    var dx = [Float](repeating: .nan, count: x.count), dw = [Float](repeating: .nan, count: w.count)
    ConvBackend.$forced.withValue(path) {
        x.withUnsafeBufferPointer { px in w.withUnsafeBufferPointer { pw in dy.withUnsafeBufferPointer { pdy in
            b.withUnsafeBufferPointerIfPresent { pbias in
                y.withUnsafeMutableBufferPointer { Kernels.convolution(px.baseAddress!, pw.baseAddress!, bias: pbias, g, into: $0.baseAddress!) }
            }
            dx.withUnsafeMutableBufferPointer { Kernels.convolutionInputGrad(pdy.baseAddress!, pw.baseAddress!, bias: nil, g, into: $0.baseAddress!) }
            dw.withUnsafeMutableBufferPointer { Kernels.convolutionWeightGrad(px.baseAddress!, pdy.baseAddress!, g, into: $0.baseAddress!) }
        } } }
    }
    #expect(relativeError(y, ref.y) < 1e-5, "forward (\(path))")
    #expect(relativeError(dx, ref.dx) < 1e-5, "input gradient (\(path))")
    #expect(relativeError(dw, ref.dw) < 1e-5, "weight gradient (\(path))")
    #expect(BLAS.threadCount == threadsBefore, "OpenBLAS thread count restored")
}

/// Forcing oneDNN runs it where it is installed (the test above would otherwise check im2col twice) and
/// falls back to im2col where it is not; either way the transposed convolution adds the bias per channel.
@Test func dnnlRunsWhenForcedAndFallsBackWithout() {
    let g = kernelCases[0].geometry
    var rng = RandomGenerator(seed: 5)
    let dy = random(g.batch * g.outChannels * g.outputVolume, &rng), w = random(g.outChannels * g.columnRows, &rng)
    let bias = random(g.inChannels, &rng)
    var results: [[Float]] = []
    for path in [ConvBackend.Path.im2col, .dnnl] {
        let before = ConvBackend.dnnlCalls
        var dx = [Float](repeating: .nan, count: g.batch * g.inChannels * g.inputVolume)
        ConvBackend.$forced.withValue(path) {
            dx.withUnsafeMutableBufferPointer {
                Kernels.convolutionInputGrad(dy, w, bias: bias, g, into: $0.baseAddress!)
            }
        }
        if path == .dnnl && ConvBackend.dnnlAvailable { #expect(ConvBackend.dnnlCalls > before, "oneDNN ran") }
        if !ConvBackend.dnnlAvailable { #expect(ConvBackend.dnnlCalls == 0, "nothing ran in oneDNN") }
        results.append(dx)
    }
    #expect(relativeError(results[1], results[0]) < 1e-5)
    #expect((ConvBackend.probeImplementations() != nil) == ConvBackend.dnnlAvailable)
}

extension Optional where Wrapped == [Float] {
    /// Calls `body` with the array's base address, or nil when there is no array.
    fileprivate func withUnsafeBufferPointerIfPresent<R>(_ body: (UnsafePointer<Float>?) -> R) -> R {
        switch self {
        case .none: return body(nil)
        case let .some(a): return a.withUnsafeBufferPointer { body($0.baseAddress) }
        }
    }
}

@Test func transposedConvBiasIsAddedPerOutputChannel() {
    // convTranspose2d of zeros is the bias broadcast over the output.
    let y = convTranspose2d(Tensor.zeros([1, 2, 2, 2]), Tensor.ones([2, 3, 3, 3]), bias: Tensor([1, 2, 3]), stride: (2, 2))
    #expect(y.shape == [1, 3, 5, 5])
    let expected: [Float] = (0..<75).map { (i: Int) -> Float in Float(i / 25 + 1) }
    #expect(y.scalars == expected)
}

@Test func samePaddingMatchesTensorFlow() {
    #expect(samePadding(inputSize: 4, kernel: 3, stride: 2) == (0, 1))
    #expect(samePadding(inputSize: 5, kernel: 3, stride: 2) == (1, 1))
    #expect(samePadding(inputSize: 224, kernel: 7, stride: 2) == (2, 3))
    #expect(samePadding(inputSize: 16, kernel: 1, stride: 1) == (0, 0))
    #expect(samePadding(inputSize: 8, kernel: 2, stride: 2) == (0, 0))
    let y = conv2d(Tensor.ones([1, 1, 224, 224]), Tensor.ones([1, 1, 7, 7]), stride: (2, 2), padding: .same)
    #expect(y.shape == [1, 1, 112, 112])
}

@Test func samePoolingMatchesTensorFlow() {
    // 4x4 ramp, 3x3 windows, stride 2, SAME: pads (0, 1) on each axis; TensorFlow's averages skip padding.
    let x = Tensor(shape: [1, 1, 4, 4], scalars: (0..<16).map(Float.init))
    let expected1: [Float] = [10, 11, 14, 15]
    #expect(maxPool2d(x, kernel: (3, 3), stride: (2, 2), padding: .same).scalars == expected1)
    let expected2: [Float] = [5, 6.5, 11, 12.5]
    #expect(avgPool2d(x, kernel: (3, 3), stride: (2, 2), padding: .same).scalars == expected2)
    // Max pooling pads with −∞: an all-negative input never yields a padded zero.
    let negative = Tensor(shape: [1, 1, 1, 3], scalars: [-3, -2, -1])
    let expected3: [Float] = [-2, -1]
    #expect(maxPool2d(negative, kernel: (1, 2), stride: (1, 2), padding: .same).scalars == expected3)
    let v = Tensor(shape: [1, 1, 3, 1, 1], scalars: [1, 5, 2])
    let expected4: [Float] = [5, 5]
    #expect(maxPool3d(v, kernel: (3, 1, 1), stride: (2, 1, 1), padding: .same).scalars == expected4)
}

@Test func avgPoolDivisorsFollowPyTorch() {
    // 3x3 windows, stride 2, padding 1 on a 3x3 ones input: counting padding, corners see 4 of 9.
    let x = Tensor.ones([1, 1, 3, 3])
    let counted = avgPool2d(x, kernel: (3, 3), stride: (2, 2), padding: (1, 1)).scalars
    let excluded = avgPool2d(x, kernel: (3, 3), stride: (2, 2), padding: (1, 1), countIncludePad: false).scalars
    let fourNinths: Float = 4 / 9
    #expect(counted == [fourNinths, fourNinths, fourNinths, fourNinths])
    #expect(excluded == [1, 1, 1, 1])
}

@Test func nearestResizeIndices() {
    let x = Tensor(shape: [1, 1, 2, 3], scalars: [0, 1, 2, 3, 4, 5])
    let expected5: [Float] = [0, 0, 1, 1, 2, 2, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 3, 3, 4, 4, 5, 5]
    #expect(upsampleNearest(x, scale: 2).scalars == expected5)
    // PyTorch: src = min(⌊o · in/out⌋, in − 1); 3 → 2 columns reads 0 and 1.
    let expected6: [Float] = [0, 1]
    #expect(resizeNearest(x, size: (1, 2)).scalars == expected6)
}

@Test func bilinearResizeKeepsConstantsAndCorners() {
    let c = resizeBilinear(Tensor(repeating: 2.5, shape: [2, 3, 4, 5]), size: (7, 3))
    #expect(c.scalars.allSatisfy { Swift.abs($0 - 2.5) < 1e-6 })
    let ramp = Tensor(shape: [1, 1, 2, 2], scalars: [0, 1, 2, 3])
    let aligned = resizeBilinear(ramp, size: (3, 3), alignCorners: true)
    let expected7: [Float] = [0, 0.5, 1, 1, 1.5, 2, 2, 2.5, 3]
    #expect(aligned.scalars == expected7)
    // Half-pixel centres, 2 → 4: source positions −0.25 (clamped to 0), 0.25, 0.75, 1.25 (→ index 1).
    let half = resizeBilinear(Tensor(shape: [1, 1, 1, 2], scalars: [0, 1]), size: (1, 4))
    let expected8: [Float] = [0, 0.25, 0.75, 1]
    #expect(half.scalars == expected8)
}

/// The shifted-plane im2col (2-D, stride 1, oW = iW) writes exactly what the line-by-line one writes, for
/// random kernels, dilations, pads (including pads wider than the kernel's reach) and blocks of lines.
@Test func shiftedIm2colMatchesTheGeneralOne() {
    var rng = RandomGenerator(seed: 11)
    var checked = 0
    for _ in 0..<400 {
        let (iH, iW) = (1 + rng.int(below: 9), 1 + rng.int(below: 9))
        let (kH, kW) = (1 + rng.int(below: 4), 1 + rng.int(below: 4))
        let (dH, dW) = (1 + rng.int(below: 2), 1 + rng.int(below: 2))
        let padW = (dW * (kW - 1)) // total W padding that keeps oW = iW
        let pW = rng.int(below: padW + 1)
        let pH = rng.int(below: dH * (kH - 1) + 2), qH = rng.int(below: dH * (kH - 1) + 2)
        let input = [1, iH, iW], kernel = [1, kH, kW]
        let output = ConvGeometry.outputSize(input: input, kernel: kernel, stride: [1, 1, 1], dilation: [1, dH, dW],
                                             padBefore: [0, pH, pW], padAfter: [0, qH, padW - pW])
        guard output[1] > 0, output[2] == iW else { continue }
        let g = ConvGeometry(batch: 1, inChannels: 1 + rng.int(below: 3), outChannels: 1, input: input, output: output,
                             kernel: kernel, stride: [1, 1, 1], dilation: [1, dH, dW], padBefore: [0, pH, pW])
        let first = rng.int(below: output[1]), last = first + 1 + rng.int(below: output[1] - first)
        let x = random(g.inChannels * g.inputVolume, &rng)
        let size = g.columnRows * (last - first) * output[2]
        var fast = [Float](repeating: .nan, count: size), slow = [Float](repeating: -.nan, count: size)
        x.withUnsafeBufferPointer { px in
            fast.withUnsafeMutableBufferPointer { Kernels.im2colShifted(px.baseAddress!, g, lines: first..<last, into: $0.baseAddress!) }
            slow.withUnsafeMutableBufferPointer { Kernels.im2colGeneral(px.baseAddress!, g, lines: first..<last, into: $0.baseAddress!) }
        }
        #expect(fast == slow, "geometry \(g), lines \(first)..<\(last)")
        checked += 1
    }
    #expect(checked > 200)
}
