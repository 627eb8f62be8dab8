// Convolutions as three recorded, mutually adjoint bilinear primitives, so they differentiate any number
// of times:
//   y  = C(x, w)      the convolution                       (.conv2d / .conv3d)
//   dx = T(dy, w)     its input gradient, a transposed conv (.conv2dInputGrad / .conv3dInputGrad)
//   dw = G(x, dy)     its weight gradient                   (.conv2dWeightGrad / .conv3dWeightGrad)
// All three are partial derivatives of one trilinear form F(x, w, dy) = ⟨C(x, w), dy⟩ = ⟨x, T(dy, w)⟩
// = ⟨w, G(x, dy)⟩, so each one's backward is written with the other two (g is the incoming gradient):
//   C: ∂x = T(g, w)    ∂w = G(x, g)      (⟨C(x,w), g⟩ = F(x, w, g))
//   T: ∂dy = C(g, w)   ∂w = G(g, dy)     (⟨T(dy,w), g⟩ = F(g, w, dy))
//   G: ∂x = T(dy, g)   ∂dy = C(x, g)     (⟨G(x,dy), g⟩ = F(x, g, dy))
// A bias b (added over the output channels) has ∂b = Σ g over every axis but the channels.

/// Padding of the spatial axes of a convolution or pooling window.
public enum SpatialPadding: Sendable {
    /// No padding.
    case valid
    /// TensorFlow's SAME: the output has ⌈in / stride⌉ positions; the total padding this needs is split with
    /// the odd pixel after (see `samePadding(inputSize:kernel:stride:dilation:)`).
    case same
    /// Explicit (before, after) widths, one pair per spatial axis.
    case explicit([(Int, Int)])
}

/// TensorFlow's SAME padding for one axis: the output has ⌈inputSize / stride⌉ positions, and the total
/// padding max((out − 1)·stride + dilation·(kernel − 1) + 1 − inputSize, 0) is split as (⌊total/2⌋, the rest).
public func samePadding(inputSize: Int, kernel: Int, stride: Int, dilation: Int = 1) -> (before: Int, after: Int) {
    let out = (inputSize + stride - 1) / stride
    let total = Swift.max((out - 1) * stride + dilation * (kernel - 1) + 1 - inputSize, 0)
    return (total / 2, total - total / 2)
}

extension SpatialPadding {
    /// (before, after) per spatial axis for the given window.
    func widths(input: [Int], kernel: [Int], stride: [Int], dilation: [Int]) -> [(Int, Int)] {
        switch self {
        case .valid: return input.map { _ in (0, 0) }
        case .same: return input.indices.map { samePadding(inputSize: input[$0], kernel: kernel[$0], stride: stride[$0], dilation: dilation[$0]) }
        case let .explicit(pairs):
            require(pairs.count == input.count, "padding needs \(input.count) (before, after) pairs, got \(pairs.count)")
            require(pairs.allSatisfy { $0.0 >= 0 && $0.1 >= 0 }, "padding must be non-negative, got \(pairs)")
            return pairs
        }
    }
}

/// Spatial sizes padded to three axes with leading 1s (2-D problems have depth 1).
@inline(__always) func asVolume(_ v: [Int], fill: Int = 1) -> [Int] { [Int](repeating: fill, count: 3 - v.count) + v }

/// The trailing `rank` axes of a [D, H, W] triple.
@inline(__always) func spatialShape(_ v: [Int], rank: Int) -> [Int] { Array(v.suffix(rank)) }

private func convOps(_ rank: Int) -> (forward: Op, input: Op, weight: Op) {
    rank == 2 ? (.conv2d, .conv2dInputGrad, .conv2dWeightGrad) : (.conv3d, .conv3dInputGrad, .conv3dWeightGrad)
}

/// Axes a bias gradient sums over: batch and the spatial axes.
private func biasAxes(_ rank: Int) -> [Int] { [0] + Array(2..<(2 + rank)) }

private func checkBias(_ bias: Tensor?, channels: Int) {
    if let bias { require(bias.shape == [channels], "conv bias must be [\(channels)], got \(bias.shape)") }
}

// MARK: - conv2d / conv3d (C)
// y[n, co, o] = Σ_{ci, k} w[co, ci, k] · x[n, ci, o·s − p + k·d] (+ b[co])
// ∂x = T(g, w)    ∂w = G(x, g)    ∂b = Σ_{n, o} g
/// The convolution C(x, w) (+ bias) for `geometry`, recorded as .conv2d or .conv3d (`rank` 2 or 3).
func convolution(_ x: Tensor, _ w: Tensor, bias: Tensor?, geometry g: ConvGeometry, rank: Int) -> Tensor {
    let y = Tensor.uninitialized([g.batch, g.outChannels] + spatialShape(g.output, rank: rank))
    Kernels.convolution(x.storage.pointer, w.storage.pointer, bias: bias?.storage.pointer, g, into: y.storage.pointer)
    let inputs = bias.map { [x, w, $0] } ?? [x, w]
    return y.recorded(convOps(rank).forward, inputs) { gy in
        var grads: [Tensor?] = [
            x.node != nil ? convolutionInputGrad(gy, w, bias: nil, geometry: g, rank: rank) : nil,
            w.node != nil ? convolutionWeightGrad(x, gy, geometry: g, rank: rank) : nil,
        ]
        if let bias { grads.append(bias.node != nil ? gy.sum(axes: biasAxes(rank)) : nil) }
        return grads
    }
}

// MARK: - conv input gradient / transposed convolution (T)
// dx[n, ci, i] = Σ_{co, k, o: o·s − p + k·d = i} w[co, ci, k] · dy[n, co, o] (+ b[ci])
// ∂dy = C(g, w)    ∂w = G(g, dy)    ∂b = Σ_{n, i} g
/// T(dy, w) (+ bias over its output channels, the conv's input channels), recorded as .conv2dInputGrad or
/// .conv3dInputGrad.
func convolutionInputGrad(_ dy: Tensor, _ w: Tensor, bias: Tensor?, geometry g: ConvGeometry, rank: Int) -> Tensor {
    let dx = Tensor.uninitialized([g.batch, g.inChannels] + spatialShape(g.input, rank: rank))
    Kernels.convolutionInputGrad(dy.storage.pointer, w.storage.pointer, bias: bias?.storage.pointer, g,
                                 into: dx.storage.pointer)
    let inputs = bias.map { [dy, w, $0] } ?? [dy, w]
    return dx.recorded(convOps(rank).input, inputs) { gx in
        var grads: [Tensor?] = [
            dy.node != nil ? convolution(gx, w, bias: nil, geometry: g, rank: rank) : nil,
            w.node != nil ? convolutionWeightGrad(gx, dy, geometry: g, rank: rank) : nil,
        ]
        if let bias { grads.append(bias.node != nil ? gx.sum(axes: biasAxes(rank)) : nil) }
        return grads
    }
}

// MARK: - conv weight gradient (G)
// dw[co, ci, k] = Σ_{n, o} dy[n, co, o] · x[n, ci, o·s − p + k·d]
// ∂x = T(dy, g)    ∂dy = C(x, g)
/// G(x, dy), recorded as .conv2dWeightGrad or .conv3dWeightGrad.
func convolutionWeightGrad(_ x: Tensor, _ dy: Tensor, geometry g: ConvGeometry, rank: Int) -> Tensor {
    let dw = Tensor.uninitialized([g.outChannels, g.inChannels] + spatialShape(g.kernel, rank: rank))
    Kernels.convolutionWeightGrad(x.storage.pointer, dy.storage.pointer, g, into: dw.storage.pointer)
    return dw.recorded(convOps(rank).weight, [x, dy]) { gw in
        [x.node != nil ? convolutionInputGrad(dy, gw, bias: nil, geometry: g, rank: rank) : nil,
         dy.node != nil ? convolution(x, gw, bias: nil, geometry: g, rank: rank) : nil]
    }
}

/// Geometry of a convolution of x [N, Cin, spatial...] with w [Cout, Cin, kernel...].
func convGeometry(x: Tensor, weight w: Tensor, stride: [Int], padding: SpatialPadding, dilation: [Int],
                  rank: Int, name: String) -> ConvGeometry {
    require(x.rank == rank + 2, "\(name): input must be [N, C, \(rank == 2 ? "H, W" : "D, H, W")], got \(x.shape)")
    require(w.rank == rank + 2, "\(name): weight must be [Cout, Cin, \(rank == 2 ? "kh, kw" : "kd, kh, kw")], got \(w.shape)")
    require(w.shape[1] == x.shape[1], "\(name): weight \(w.shape) expects \(w.shape[1]) input channels, input \(x.shape) has \(x.shape[1])")
    require(stride.allSatisfy { $0 > 0 } && dilation.allSatisfy { $0 > 0 }, "\(name): stride and dilation must be positive")
    let input = Array(x.shape[2...]), kernel = Array(w.shape[2...])
    let pads = padding.widths(input: input, kernel: kernel, stride: stride, dilation: dilation)
    let before = pads.map(\.0), after = pads.map(\.1)
    let output = ConvGeometry.outputSize(input: input, kernel: kernel, stride: stride, dilation: dilation,
                                         padBefore: before, padAfter: after)
    require(output.allSatisfy { $0 > 0 }, "\(name): input \(x.shape) is smaller than the dilated kernel \(w.shape)")
    return ConvGeometry(batch: x.shape[0], inChannels: x.shape[1], outChannels: w.shape[0], input: asVolume(input),
                        output: asVolume(output), kernel: asVolume(kernel), stride: asVolume(stride),
                        dilation: asVolume(dilation), padBefore: asVolume(before, fill: 0))
}

/// 2-D convolution (cross-correlation, as PyTorch's `F.conv2d`).
///
/// - Parameters:
///   - x: `[N, Cin, H, W]`.
///   - weight: `[Cout, Cin, kh, kw]`.
///   - bias: `[Cout]`, added to every output position.
///   - padding: zeros on both sides of (H, W).
/// - Returns: `[N, Cout, oH, oW]` with o = ⌊(in + 2p − d(k − 1) − 1) / s⌋ + 1.
public func conv2d(_ x: Tensor, _ weight: Tensor, bias: Tensor? = nil, stride: (Int, Int) = (1, 1),
                   padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1)) -> Tensor {
    conv2d(x, weight, bias: bias, stride: stride, padding: .explicit([(padding.0, padding.0), (padding.1, padding.1)]),
           dilation: dilation)
}

/// 2-D convolution with `.same` (TensorFlow), `.valid` or asymmetric explicit padding.
public func conv2d(_ x: Tensor, _ weight: Tensor, bias: Tensor? = nil, stride: (Int, Int) = (1, 1),
                   padding: SpatialPadding, dilation: (Int, Int) = (1, 1)) -> Tensor {
    let g = convGeometry(x: x, weight: weight, stride: [stride.0, stride.1], padding: padding,
                         dilation: [dilation.0, dilation.1], rank: 2, name: "conv2d")
    checkBias(bias, channels: g.outChannels)
    return convolution(x, weight, bias: bias, geometry: g, rank: 2)
}

/// 3-D convolution (as PyTorch's `F.conv3d`).
///
/// - Parameters:
///   - x: `[N, Cin, D, H, W]`.
///   - weight: `[Cout, Cin, kd, kh, kw]`.
///   - bias: `[Cout]`.
///   - padding: zeros on both sides of (D, H, W).
/// - Returns: `[N, Cout, oD, oH, oW]`.
public func conv3d(_ x: Tensor, _ weight: Tensor, bias: Tensor? = nil, stride: (Int, Int, Int) = (1, 1, 1),
                   padding: (Int, Int, Int) = (0, 0, 0), dilation: (Int, Int, Int) = (1, 1, 1)) -> Tensor {
    conv3d(x, weight, bias: bias, stride: stride,
           padding: .explicit([(padding.0, padding.0), (padding.1, padding.1), (padding.2, padding.2)]), dilation: dilation)
}

/// 3-D convolution with `.same` (TensorFlow; I3D uses it), `.valid` or asymmetric explicit padding.
public func conv3d(_ x: Tensor, _ weight: Tensor, bias: Tensor? = nil, stride: (Int, Int, Int) = (1, 1, 1),
                   padding: SpatialPadding, dilation: (Int, Int, Int) = (1, 1, 1)) -> Tensor {
    let g = convGeometry(x: x, weight: weight, stride: [stride.0, stride.1, stride.2], padding: padding,
                         dilation: [dilation.0, dilation.1, dilation.2], rank: 3, name: "conv3d")
    checkBias(bias, channels: g.outChannels)
    return convolution(x, weight, bias: bias, geometry: g, rank: 3)
}
