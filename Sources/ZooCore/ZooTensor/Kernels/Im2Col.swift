// Convolution geometry and the im2col / col2im lowering that turns a convolution into one sgemm.
//
// Every convolution is treated as 3-D (a 2-D one has depth 1 and a depth-1 kernel). For one sample
// x [C, D, H, W], the column matrix has one row per (c, kd, kh, kw) and one column per output position
// (od, oh, ow):  col[(c,kd,kh,kw), (od,oh,ow)] = x[c, od·sd − pd + kd·dd, oh·sh − ph + kh·dh, ow·sw − pw + kw·dw]
// (zero where the index falls in the padding). Then y = W[Cout, C·kvol] · col.
// Columns are produced in "lines": one line is one output row (od, oh) of oW columns.

/// The shape of one convolution: sizes of its input and output, kernel, stride, dilation and the padding
/// before each spatial axis (the padding after is implied by the output size). Spatial sizes are
/// [depth, height, width]; 2-D convolutions use depth 1.
public struct ConvGeometry: Equatable, Sendable {
    /// Samples in the batch.
    public var batch: Int
    /// Channels of the convolution's input x.
    public var inChannels: Int
    /// Channels of the convolution's output y.
    public var outChannels: Int
    /// Spatial size of x, [D, H, W].
    public var input: [Int]
    /// Spatial size of y, [oD, oH, oW].
    public var output: [Int]
    /// Kernel size, [kd, kh, kw].
    public var kernel: [Int]
    public var stride: [Int]
    public var dilation: [Int]
    /// Padding before each spatial axis (zeros are read there).
    public var padBefore: [Int]

    public init(batch: Int, inChannels: Int, outChannels: Int, input: [Int], output: [Int], kernel: [Int],
                stride: [Int], dilation: [Int], padBefore: [Int]) {
        require([input, output, kernel, stride, dilation, padBefore].allSatisfy { $0.count == 3 },
                     "ConvGeometry takes [D, H, W] triples")
        self.batch = batch
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.input = input
        self.output = output
        self.kernel = kernel
        self.stride = stride
        self.dilation = dilation
        self.padBefore = padBefore
    }

    /// The output size of a convolution: ⌊(in + before + after − d·(k − 1) − 1) / s⌋ + 1 per axis.
    public static func outputSize(input: [Int], kernel: [Int], stride: [Int], dilation: [Int],
                                  padBefore: [Int], padAfter: [Int]) -> [Int] {
        (0..<input.count).map { i in
            let span = input[i] + padBefore[i] + padAfter[i] - dilation[i] * (kernel[i] - 1) - 1
            return span < 0 ? 0 : span / stride[i] + 1
        }
    }

    @inline(__always) public var kernelVolume: Int { kernel[0] * kernel[1] * kernel[2] }
    @inline(__always) public var inputVolume: Int { input[0] * input[1] * input[2] }
    @inline(__always) public var outputVolume: Int { output[0] * output[1] * output[2] }
    /// Rows of the column matrix (= the contraction length of the forward sgemm).
    @inline(__always) public var columnRows: Int { inChannels * kernelVolume }
    /// Output lines (od, oh), each of oW columns.
    @inline(__always) var lines: Int { output[0] * output[1] }

    /// Whether the column matrix is the input itself (a 1x1x1 kernel, stride 1, no padding).
    var isPointwise: Bool {
        kernel == [1, 1, 1] && stride == [1, 1, 1] && padBefore == [0, 0, 0] && input == output
    }

    /// Multiply-accumulates of one forward pass (for choosing how to split work).
    var macs: Int { batch * outChannels * columnRows * outputVolume }
}

/// Range of output positions o in 0..<outCount whose input index o·s − pad + k·d lies in 0..<inCount.
@inline(__always)
func validOutputRange(outCount: Int, inCount: Int, stride s: Int, offset: Int) -> Range<Int> {
    // i = o·s + offset, offset = k·d − pad; need 0 ≤ i < inCount.
    var lo = 0
    if offset < 0 { lo = (-offset + s - 1) / s }
    var hi = 0
    if inCount - 1 - offset >= 0 { hi = (inCount - 1 - offset) / s + 1 }
    lo = Swift.min(lo, outCount)
    hi = Swift.max(lo, Swift.min(hi, outCount))
    return lo..<hi
}

extension Kernels {
    /// Writes the column matrix of one sample for output lines `lines` into `col`
    /// ([columnRows, lines.count · oW], row-major).
    public static func im2col(_ x: UnsafePointer<Float>, _ g: ConvGeometry, lines: Range<Int>,
                              into col: UnsafeMutablePointer<Float>) {
        if g.input[0] == 1 && g.kernel[0] == 1 && g.output[0] == 1 && g.stride[1] == 1 && g.stride[2] == 1
            && g.input[2] == g.output[2] {
            im2colShifted(x, g, lines: lines, into: col)
        } else {
            im2colGeneral(x, g, lines: lines, into: col)
        }
    }

    /// `im2col` for any geometry, one line at a time.
    package static func im2colGeneral(_ x: UnsafePointer<Float>, _ g: ConvGeometry, lines: Range<Int>,
                              into col: UnsafeMutablePointer<Float>) {
        let (iD, iH, iW) = (g.input[0], g.input[1], g.input[2])
        let (oH, oW) = (g.output[1], g.output[2])
        let (kD, kH, kW) = (g.kernel[0], g.kernel[1], g.kernel[2])
        let (sD, sH, sW) = (g.stride[0], g.stride[1], g.stride[2])
        let (dD, dH, dW) = (g.dilation[0], g.dilation[1], g.dilation[2])
        let (pD, pH, pW) = (g.padBefore[0], g.padBefore[1], g.padBefore[2])
        let n = lines.count * oW
        var row = 0
        for c in 0..<g.inChannels {
            let plane = x + c * iD * iH * iW
            for kd in 0..<kD {
                for kh in 0..<kH {
                    for kw in 0..<kW {
                        let dst = col + row * n
                        row += 1
                        let offW = kw * dW - pW
                        let valid = validOutputRange(outCount: oW, inCount: iW, stride: sW, offset: offW)
                        for line in lines {
                            let d = dst + (line - lines.lowerBound) * oW
                            let od = line / oH, oh = line - od * oH
                            let id = od * sD - pD + kd * dD, ih = oh * sH - pH + kh * dH
                            if id < 0 || id >= iD || ih < 0 || ih >= iH || valid.isEmpty {
                                d.update(repeating: 0, count: oW)
                                continue
                            }
                            let s = plane + (id * iH + ih) * iW + offW
                            for o in 0..<valid.lowerBound { d[o] = 0 }
                            if sW == 1 {
                                (d + valid.lowerBound).update(from: s + valid.lowerBound, count: valid.count)
                            } else {
                                for o in valid { d[o] = s[o * sW] }
                            }
                            for o in valid.upperBound..<oW { d[o] = 0 }
                        }
                    }
                }
            }
        }
    }

    /// `im2col` for the common 2-D case of stride 1 with as many output as input columns (3x3 "same"
    /// convolutions and their input gradients). Each column row is then the input plane shifted by a
    /// constant offset: one contiguous copy per (c, kh, kw) for all lines at once, after which the lines
    /// that fall in the padding and the columns that wrapped around a row edge are zeroed.
    @inline(__always)
    package static func im2colShifted(_ x: UnsafePointer<Float>, _ g: ConvGeometry, lines: Range<Int>,
                              into col: UnsafeMutablePointer<Float>) {
        let (iH, iW) = (g.input[1], g.input[2])
        let oW = g.output[2]
        let (kH, kW) = (g.kernel[1], g.kernel[2])
        let (dH, dW) = (g.dilation[1], g.dilation[2])
        let (pH, pW) = (g.padBefore[1], g.padBefore[2])
        let planeSize = iH * iW
        let l0 = lines.lowerBound, n = lines.count * oW
        var row = 0
        for c in 0..<g.inChannels {
            let plane = x + c * planeSize
            for kh in 0..<kH {
                let shiftH = kh * dH - pH
                // Lines whose input row oh + shiftH lies inside the plane.
                let vLo = Swift.max(l0, -shiftH)
                let vHi = Swift.max(vLo, Swift.min(lines.upperBound, iH - shiftH))
                for kw in 0..<kW {
                    let dst = col + row * n
                    row += 1
                    let offW = kw * dW - pW
                    let valid = validOutputRange(outCount: oW, inCount: iW, stride: 1, offset: offW)
                    if vLo >= vHi || valid.isEmpty {
                        dst.update(repeating: 0, count: n)
                        continue
                    }
                    if vLo > l0 { dst.update(repeating: 0, count: (vLo - l0) * oW) }
                    if vHi < lines.upperBound { (dst + (vHi - l0) * oW).update(repeating: 0, count: (lines.upperBound - vHi) * oW) }
                    // dst[(oh − l0)·oW + o] = plane[(oh + shiftH)·iW + o + offW] for the valid lines, clipped to
                    // the plane; the clipped ends are wrapped columns, zeroed below.
                    var d = (vLo - l0) * oW, s = (vLo + shiftH) * iW + offW, count = (vHi - vLo) * oW
                    if s < 0 { d -= s; count += s; s = 0 }
                    if s + count > planeSize { count = planeSize - s }
                    if count > 0 { (dst + d).update(from: plane + s, count: count) }
                    if valid.lowerBound > 0 || valid.upperBound < oW {
                        for line in vLo..<vHi {
                            let r = dst + (line - l0) * oW
                            for o in 0..<valid.lowerBound { r[o] = 0 }
                            for o in valid.upperBound..<oW { r[o] = 0 }
                        }
                    }
                }
            }
        }
    }

    /// Accumulates the column matrix of one sample ([columnRows, outputVolume]) back onto the input
    /// positions it was read from, for input channels `channels` (rows c·kvol ..< (c+1)·kvol of `col`,
    /// counted from `channels.lowerBound`). Overwrites those channels of `x`.
    public static func col2im(_ col: UnsafePointer<Float>, _ g: ConvGeometry, channels: Range<Int>,
                              into x: UnsafeMutablePointer<Float>) {
        let (iD, iH, iW) = (g.input[0], g.input[1], g.input[2])
        let (oD, oH, oW) = (g.output[0], g.output[1], g.output[2])
        let (kD, kH, kW) = (g.kernel[0], g.kernel[1], g.kernel[2])
        let (sD, sH, sW) = (g.stride[0], g.stride[1], g.stride[2])
        let (dD, dH, dW) = (g.dilation[0], g.dilation[1], g.dilation[2])
        let (pD, pH, pW) = (g.padBefore[0], g.padBefore[1], g.padBefore[2])
        let n = oD * oH * oW
        let planeSize = iD * iH * iW
        var row = 0
        for c in channels {
            let plane = x + c * planeSize
            plane.update(repeating: 0, count: planeSize)
            for kd in 0..<kD {
                for kh in 0..<kH {
                    for kw in 0..<kW {
                        let src = col + row * n
                        row += 1
                        let offW = kw * dW - pW
                        let valid = validOutputRange(outCount: oW, inCount: iW, stride: sW, offset: offW)
                        if valid.isEmpty { continue }
                        for od in 0..<oD {
                            let id = od * sD - pD + kd * dD
                            if id < 0 || id >= iD { continue }
                            for oh in 0..<oH {
                                let ih = oh * sH - pH + kh * dH
                                if ih < 0 || ih >= iH { continue }
                                let s = src + (od * oH + oh) * oW
                                let d = plane + (id * iH + ih) * iW + offW
                                if sW == 1 {
                                    for o in valid { d[o] += s[o] }
                                } else {
                                    for o in valid { d[o * sW] += s[o] }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// w'[ci, co, k̄] = w[co, ci, k] with the kernel reversed along every spatial axis (k̄ = kvol − 1 − k):
    /// the weight of the stride-1 convolution that computes a convolution's input gradient.
    public static func flipTransposeKernel(_ w: UnsafePointer<Float>, outChannels: Int, inChannels: Int,
                                           kernelVolume kv: Int, into dst: UnsafeMutablePointer<Float>) {
        Parallel.forChunks(inChannels, minimumWork: 65_536, costPerItem: outChannels * kv) { range in
            for ci in range {
                for co in 0..<outChannels {
                    let s = w + (co * inChannels + ci) * kv
                    let d = dst + (ci * outChannels + co) * kv + kv - 1
                    for k in 0..<kv { d[-k] = s[k] }
                }
            }
        }
    }
}
